"""End to end through the API: chat text → parse → geocode → a planned order.

Runs the real service of each city (its OSM road graph, depots and stock,
OR-Tools with a short budget, an SQLite file) and posts chat messages to
``POST /orders/text``.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dispatch.service import ServiceSettings, Tokens
from geo.gazetteer import source_paths

TOKEN = {"Authorization": "Bearer intake-dispatcher-token-for-tests"}
MESSAGES = {
    "beijing": "张三 13812345678 北京市朝阳区太阳宫中路12号3号楼501 《{title}》一本",
    "shanghai": "收件人：李四\n电话：139-1234-5678\n地址：上海市黄浦区福州路100号\n"
    "书名：《{title}》x2\n备注：放前台",
    "guangzhou": "你好，我是王小明，手机+86 150 0000 1234，"
    "送到广州市天河区花城大道85号 3栋1201，要《{title}》，下午3点前，谢谢😊",
}


def city_client(city: str, tmp_path: Path) -> Iterator[TestClient]:
    if not any(p.exists() for p in source_paths(city)):
        pytest.skip(f"no OSM data for {city} under ONEHOUR_DATA_DIR")
    from dispatch.planner import OrToolsPlanner
    from dispatch.service.serve import city_app
    from solver import SolverParams

    tokens = Tokens.model_validate(
        {"tokens": [{"token": TOKEN["Authorization"][7:], "role": "dispatcher"}]}
    )
    settings = ServiceSettings(
        city=city, replan_on_change=False, replan_interval_s=3600.0
    )
    app = city_app(
        city,
        f"sqlite:///{tmp_path / 'onehour.sqlite'}",
        tokens,
        settings,
        planner=OrToolsPlanner(SolverParams(time_limit_s=0.5)),
    )
    with TestClient(app) as client:
        yield client


@pytest.fixture(params=["beijing", "shanghai", "guangzhou"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    yield from city_client(request.param, tmp_path)


def stocked_title(client: TestClient) -> str:
    depots = client.get("/depots", headers=TOKEN).json()
    return next(
        title
        for depot in depots
        for title, count in depot["stock"].items()
        if count >= 2
    )


def courier_online(client: TestClient) -> None:
    depot = client.get("/depots", headers=TOKEN).json()[0]
    body = {
        "lon": depot["lon"],
        "lat": depot["lat"],
        "capacity": 4,
        "shift_end_s": int(time.time()) + 8 * 3600,
    }
    answer = client.post("/couriers/c1/online", json=body, headers=TOKEN)
    assert answer.status_code == 200, answer.text


def test_a_chat_message_becomes_a_planned_order_in_each_city(service):
    courier_online(service)
    city = service.app.state.settings.city
    message = MESSAGES[city].format(title=stocked_title(service))

    answer = service.post("/orders/text", json={"text": message}, headers=TOKEN)

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["intake"]["status"] == "ready", body["intake"]["reasons"]
    assert body["order"]["status"] in ("accepted", "assigned"), body["order"]
    assert body["promise"]["feasible"] is True
    assert body["order"]["dropoff"] is not None
    if body["intake"]["draft"]["notes"]:
        assert body["intake"]["draft"]["notes"] in body["order"]["placed"]["address"]

    service.post("/plan/replan", headers=TOKEN)
    order = service.get(f"/orders/{body['order']['id']}", headers=TOKEN).json()
    assert order["status"] == "assigned"

    again = service.post("/orders/text", json={"text": message}, headers=TOKEN)
    assert again.status_code == 200 and again.json()["duplicate"] is True


def test_incomplete_message_is_kept_for_review_with_its_reasons(tmp_path):
    for client in city_client("guangzhou", tmp_path):
        message = "王小明 花城大道85号 《三体》一本 🙏"
        answer = client.post("/orders/text", json={"text": message}, headers=TOKEN)
        assert answer.status_code == 201, answer.text
        order = answer.json()["order"]
        assert order["status"] == "needs_review"
        reason = order["history"][-1]["reason"]
        assert "no valid mainland mobile number" in reason
        assert message in reason


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("张三 13812345678 上海市黄浦区福州路100号 《三体》一本", "not in guangzhou"),
        ("", "empty message"),
        ("哈" * 19_000, "no book title"),
    ],
)
def test_bad_messages_are_kept_for_review_never_placed(tmp_path, message, why):
    for client in city_client("guangzhou", tmp_path):
        answer = client.post("/orders/text", json={"text": message}, headers=TOKEN)
        assert answer.status_code == 201, answer.text
        order = answer.json()["order"]
        assert order["status"] == "needs_review"
        assert order["dropoff"] is None
        assert why in order["history"][-1]["reason"]
