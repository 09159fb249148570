"""`onehour serve` as a real process: killed by SIGKILL, it restarts losing nothing.

The demo city (a seeded synthetic street grid) needs no map data, so this runs
everywhere; the database is an SQLite file.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dispatch.service.auth import TOKENS_ENV

pytestmark = pytest.mark.slow

TOKEN = "serve-test-dispatcher-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def start_serve(db_url: str, tokens: Path, port: int, log: Path) -> subprocess.Popen:
    """Start `onehour serve` on the demo city; return once it answers."""
    env = {**os.environ, TOKENS_ENV: str(tokens)}
    command = [
        str(Path(sys.executable).with_name("onehour")),
        "serve",
        "--city",
        "demo",
        "--db",
        db_url,
        "--port",
        str(port),
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"onehour serve exited with {process.returncode}: {log.read_text()}"
            )
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code
                == 200
            ):
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"onehour serve did not answer within 90 s: {log.read_text()}")


def children_of(pid: int) -> list[int]:
    """Return the ids of a process's children (empty without /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def wait_gone(pids: list[int], timeout_s: float = 15.0) -> bool:
    """Return whether every process in ``pids`` has exited within the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.2)
    return False


def test_a_killed_server_restarts_with_every_acknowledged_order_and_committed_stop(
    tmp_path, request
):
    port = request.getfixturevalue("free_tcp_port")
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"tokens": [{"token": TOKEN, "role": "dispatcher"}]}))
    db_url = f"sqlite:///{tmp_path / 'onehour.sqlite'}"
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"

    process = start_serve(db_url, tokens, port, log)
    try:
        with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as api:
            depots = api.get("/depots").json()
            title = max(depots[0]["stock"], key=depots[0]["stock"].get)
            now_s = int(time.time())
            for n, depot in enumerate(depots):
                online = {
                    "lon": depot["lon"],
                    "lat": depot["lat"],
                    "capacity": 6,
                    "shift_end_s": now_s + 8 * 3600,
                }
                assert (
                    api.post(f"/couriers/k{n}/online", json=online).status_code == 200
                )
            acknowledged = {}
            for n in range(6):
                depot = depots[n % len(depots)]
                body = {
                    "order_id": f"o{n}",
                    "items": [{"title": title}],
                    "dropoff": {
                        "lon": depot["lon"] + 0.004,
                        "lat": depot["lat"] + 0.003,
                    },
                    "customer": {"name": "李雷", "phone": "13700001111"},
                }
                answer = api.post("/orders", json=body)
                assert answer.status_code == 201, answer.text
                acknowledged[f"o{n}"] = answer.json()["order"]["status"]
            assert api.post("/plan/replan").status_code == 200
            for courier in api.get("/couriers").json():
                stops = [courier["committed"], *courier["route"]]
                first = next((s for s in stops if s and s["kind"] == "pickup"), None)
                if first is not None:
                    path = f"/couriers/{courier['id']}/orders/{first['order_id']}"
                    assert api.post(f"{path}/picked-up").status_code == 200
            orders_before = {o["id"]: o for o in api.get("/orders").json()}
            couriers_before = {c["id"]: c for c in api.get("/couriers").json()}
            for n in range(6, 10):
                answer = api.post("/orders", json={**body, "order_id": f"o{n}"})
                assert answer.status_code == 201
                acknowledged[f"o{n}"] = answer.json()["order"]["status"]
            last = api.get(f"/orders/o{n}").json()
    finally:
        children = children_of(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert wait_gone(children), f"children of the killed server live on: {children}"

    process = start_serve(db_url, tokens, port, log)
    try:
        with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as api:
            orders_after = {o["id"]: o for o in api.get("/orders").json()}
            couriers_after = {c["id"]: c for c in api.get("/couriers").json()}
            last_after = api.get(f"/orders/o{n}").json()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    assert set(acknowledged) <= set(orders_after)
    assert last_after == last
    committed = {
        c: v["committed"] for c, v in couriers_before.items() if v["committed"]
    }
    assert committed, "no courier has a committed stop; the test proves nothing"
    for courier_id, stop in committed.items():
        assert couriers_after[courier_id]["committed"] == stop
    for order_id, before in orders_before.items():
        after = orders_after[order_id]
        assert after["history"][: len(before["history"])] == before["history"]
