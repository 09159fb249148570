"""The service under a real uvicorn server: the change stream over a socket."""

import json

import httpx


def read_events(lines, wanted):
    """Read server-sent events until one satisfies ``wanted``; return them all."""
    events = []
    kind, data = None, ""
    for line in lines:
        if line.startswith("event:"):
            kind = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data += line.removeprefix("data:").strip()
        elif line == "" and kind is not None:
            event = (kind, json.loads(data) if data else None)
            events.append(event)
            kind, data = None, ""
            if wanted(event):
                return events
    return events


def test_the_stream_tells_the_map_about_a_new_order_without_the_customer(
    live_server, auth, order_body, online_body
):
    timeout = httpx.Timeout(20.0)
    with (
        httpx.Client(base_url=live_server, timeout=timeout) as client,
        client.stream("GET", "/stream", headers=auth["dispatcher"]) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        read_events(lines, lambda e: e[0] == "hello")

        online = client.post(
            "/couriers/c1/online", json=online_body(), headers=auth["c1"]
        )
        assert online.status_code == 200
        placed = client.post(
            "/orders", json=order_body("o1"), headers=auth["dispatcher"]
        )
        assert placed.status_code == 201

        events = read_events(lines, lambda e: e[0] == "plan")

    orders = [data for kind, data in events if kind == "order" and data["id"] == "o1"]
    couriers = [data for kind, data in events if kind == "courier"]
    assert orders and couriers
    assert orders[-1]["dropoff"] == [116.461, 39.94]
    text = json.dumps(events, ensure_ascii=False)
    assert "13912345678" not in text
    assert "三里屯路" not in text


def test_the_stream_and_the_data_need_a_token(live_server):
    with httpx.Client(base_url=live_server, timeout=10.0) as client:
        assert client.get("/stream").status_code == 401
        assert client.get("/map/state").status_code == 401
        assert client.get("/healthz").json()["status"] == "ok"
        assert client.get("/map").status_code == 200
        assert client.get("/map/network").json()["segments"]
