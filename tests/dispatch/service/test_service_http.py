"""The HTTP service as its users drive it: orders, couriers, plan, refusals.

Each test runs against an SQLite file and, when the server is up, a
PostgreSQL schema (see conftest).
"""

import logging

import pytest


def test_an_order_is_promised_planned_picked_up_and_delivered(
    client, auth, order_body, online_body
):
    online = client.post("/couriers/c1/online", json=online_body(), headers=auth["c1"])
    assert online.status_code == 200, online.text

    placed = client.post("/orders", json=order_body("o1"), headers=auth["dispatcher"])
    assert placed.status_code == 201, placed.text
    answer = placed.json()
    assert answer["promise"]["feasible"] is True
    assert answer["promise"]["eta_s"] <= answer["order"]["deadline_s"]
    assert answer["order"]["status"] in ("accepted", "assigned")

    plan = client.post("/plan/replan", headers=auth["dispatcher"]).json()
    assert [s["kind"] for s in plan["routes"]["c1"]] == ["pickup", "delivery"]
    courier = client.get("/couriers/c1", headers=auth["c1"]).json()
    assert courier["committed"] == {**courier["committed"], "order_id": "o1"}
    route = client.get("/couriers/c1/route", headers=auth["c1"]).json()
    assert route[0] == {**route[0], "order_id": "o1", "kind": "pickup"}
    assert (
        client.get("/plan", headers=auth["dispatcher"]).json()["at_s"] == plan["at_s"]
    )

    picked = client.post("/couriers/c1/orders/o1/picked-up", headers=auth["c1"])
    assert picked.json()["status"] == "picked_up"
    done = client.post("/couriers/c1/orders/o1/delivered", headers=auth["c1"])
    assert done.json()["status"] == "delivered"

    order = client.get("/orders/o1", headers=auth["dispatcher"]).json()
    statuses = [change["status"] for change in order["history"]]
    assert statuses == ["placed", "accepted", "assigned", "picked_up", "delivered"]
    stock = {
        d["id"]: d for d in client.get("/depots", headers=auth["dispatcher"]).json()
    }
    assert stock["sanlitun"]["stock"]["三体"] + stock["wudaokou"]["stock"]["三体"] == 7


def test_unknown_ids_answer_404_and_change_nothing(client, auth, online_body):
    before = client.get("/map/state", headers=auth["dispatcher"]).json()

    assert client.get("/orders/nope", headers=auth["dispatcher"]).status_code == 404
    cancel = client.post("/orders/nope/cancel", headers=auth["dispatcher"])
    assert cancel.status_code == 404
    assert "nope" in cancel.json()["detail"]
    position = client.post(
        "/couriers/ghost/position",
        json={"lon": 116.45, "lat": 39.93},
        headers=auth["dispatcher"],
    )
    assert position.status_code == 404
    route = client.get("/couriers/ghost/route", headers=auth["dispatcher"])
    assert route.status_code == 404

    after = client.get("/map/state", headers=auth["dispatcher"]).json()
    assert after["orders"] == before["orders"]
    assert after["couriers"] == before["couriers"]


def test_delivering_before_pickup_is_409_and_changes_nothing(
    client, auth, order_body, online_body
):
    client.post("/couriers/c1/online", json=online_body(), headers=auth["c1"])
    client.post("/orders", json=order_body("o1"), headers=auth["dispatcher"])
    before = client.get("/orders/o1", headers=auth["dispatcher"]).json()

    refused = client.post("/couriers/c1/orders/o1/delivered", headers=auth["c1"])
    assert refused.status_code == 409
    assert "picked up" in refused.json()["detail"]
    offline_twice = client.post("/couriers/c2/offline", headers=auth["c2"])
    assert offline_twice.status_code == 404

    assert client.get("/orders/o1", headers=auth["dispatcher"]).json() == before


def test_a_repeated_order_is_idempotent_and_a_changed_one_is_409(
    client, auth, order_body, online_body
):
    client.post("/couriers/c1/online", json=online_body(), headers=auth["c1"])
    first = client.post("/orders", json=order_body("o1"), headers=auth["dispatcher"])
    again = client.post("/orders", json=order_body("o1"), headers=auth["dispatcher"])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["promise"] == first.json()["promise"]

    changed = order_body("o1", items=[{"title": "三体", "quantity": 2}])
    conflict = client.post("/orders", json=changed, headers=auth["dispatcher"])
    assert conflict.status_code == 409
    order = client.get("/orders/o1", headers=auth["dispatcher"]).json()
    assert order["items"] == [{"title": "三体", "quantity": 1}]
    listed = client.get("/orders", headers=auth["dispatcher"]).json()
    assert [o["id"] for o in listed] == ["o1"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dropoff": {"lon": 116.46, "lat": 139.0}}, "dropoff"),
        ({"items": [{"title": "三体", "quantity": "many"}]}, "quantity"),
        ({"size": 0}, "size"),
        ({"surprise": 1}, "surprise"),
        ({"dropoff": None, "address": None}, "body"),
    ],
    ids=[
        "latitude-out-of-range",
        "quantity-not-a-number",
        "empty-id",
        "extra",
        "nowhere",
    ],
)
def test_a_malformed_order_is_422_naming_the_field(
    client, auth, order_body, change, field
):
    refused = client.post(
        "/orders", json=order_body("o1", **change), headers=auth["dispatcher"]
    )
    assert refused.status_code == 422
    located = [".".join(map(str, item["loc"])) for item in refused.json()["detail"]]
    assert any(field in where for where in located), located
    assert client.get("/orders/o1", headers=auth["dispatcher"]).status_code == 404


def test_a_body_that_is_not_json_is_422(client, auth):
    refused = client.post(
        "/orders",
        content=b"{not json",
        headers={**auth["dispatcher"], "Content-Type": "application/json"},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][0] == "body"


def test_an_oversized_body_is_413_and_changes_nothing(client, auth, order_body):
    huge = order_body("o1", address="北" * 100_000)
    refused = client.post("/orders", json=huge, headers=auth["dispatcher"])
    assert refused.status_code == 413
    assert refused.json()["detail"][0]["loc"] == ["body"]
    assert client.get("/orders/o1", headers=auth["dispatcher"]).status_code == 404


def test_a_title_out_of_stock_everywhere_is_rejected_by_name(
    client, auth, order_body, online_body
):
    client.post("/couriers/c1/online", json=online_body(), headers=auth["c1"])
    items = [{"title": "三体", "quantity": 1}, {"title": "活着", "quantity": 3}]
    placed = client.post(
        "/orders", json=order_body("o1", items=items), headers=auth["dispatcher"]
    )
    assert placed.status_code == 201
    order = placed.json()["order"]
    assert order["status"] == "rejected"
    assert "活着" in order["history"][-1]["reason"]
    assert "三体" not in order["history"][-1]["reason"]


def test_tokens_decide_who_may_do_what(client, auth, order_body, online_body):
    assert client.get("/orders").status_code == 401
    wrong = {"Authorization": "Bearer not-a-configured-token"}
    assert client.get("/orders", headers=wrong).status_code == 401

    assert (
        client.post(
            "/couriers/c1/online", json=online_body(), headers=auth["c1"]
        ).status_code
        == 200
    )
    assert client.get("/couriers/c1/route", headers=auth["c1"]).status_code == 200
    assert client.get("/couriers/c1/route", headers=auth["c2"]).status_code == 403
    assert client.post("/couriers/c1/offline", headers=auth["c2"]).status_code == 403
    assert (
        client.post("/orders", json=order_body("o1"), headers=auth["c1"]).status_code
        == 403
    )
    assert client.get("/plan", headers=auth["c1"]).status_code == 403
    assert (
        client.get("/couriers/c1", headers=auth["dispatcher"]).json()["online"] is True
    )


def test_logs_never_hold_a_phone_number_or_full_address(
    client, auth, order_body, online_body, caplog
):
    caplog.set_level(logging.DEBUG)
    client.post("/couriers/c1/online", json=online_body(), headers=auth["c1"])
    client.post("/orders", json=order_body("o1"), headers=auth["dispatcher"])
    client.post("/orders", json=order_body("o1", size=2), headers=auth["dispatcher"])
    client.post(
        "/orders",
        json=order_body("o2", customer={"phone": "13912345678" * 5}),
        headers=auth["dispatcher"],
    )
    client.post("/plan/replan", headers=auth["dispatcher"])

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "13912345678" not in logged
    assert "三里屯路19号院" not in logged
    assert "refused" in logged


def test_the_api_is_documented_at_docs(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/orders", "/orders/{order_id}", "/couriers/{courier_id}/route"} <= set(
        paths
    )


def test_changes_wake_the_background_replanner(
    make_client, auth, order_body, online_body
):
    with make_client(replan_on_change=True, replan_debounce_s=0.05) as client:
        client.post("/couriers/c1/online", json=online_body(), headers=auth["c1"])
        client.post("/orders", json=order_body("o1"), headers=auth["dispatcher"])
        for _ in range(200):
            order = client.get("/orders/o1", headers=auth["dispatcher"]).json()
            if order["status"] == "assigned":
                break
            client.get("/healthz")
            import time

            time.sleep(0.05)
        assert order["status"] == "assigned"
        assert order["courier_id"] == "c1"


def test_the_map_shows_open_orders_and_recently_finished_ones(
    client, auth, order_body, online_body
):
    client.post("/couriers/c1/online", json=online_body(), headers=auth["c1"])
    client.post("/orders", json=order_body("open"), headers=auth["dispatcher"])
    client.post("/orders", json=order_body("gone"), headers=auth["dispatcher"])
    client.post("/orders/gone/cancel", headers=auth["dispatcher"])

    recent = client.get("/map/state", headers=auth["dispatcher"]).json()
    assert {o["id"] for o in recent["orders"]} == {"open", "gone"}
    assert "customer" not in recent["orders"][0]
    only_open = client.get(
        "/map/state", params={"finished_within_s": 0}, headers=auth["dispatcher"]
    ).json()
    assert [o["id"] for o in only_open["orders"]] == ["open"]
