"""API intake under load: orders per second and p99 latency of ``POST /orders``.

A real ``onehour serve`` process (uvicorn, SQLite file, OR-Tools re-planning
in the background) runs on 127.0.0.1; couriers come online, then a bounded
number of orders is posted by a fixed number of concurrent clients. Every
order is promised, journalled and acknowledged before its response returns.
:func:`intake_metrics` gives ``intake_rps`` and ``intake_p99_ms``; the
dispatch benchmark (``benchmarks/dispatch.py``) merges them into its result.

Notes
-----
Client and server share this machine's cores, so the figures are a lower
bound of what the server alone sustains. The load comes from
:class:`_Connection`, a minimal HTTP/1.1 keep-alive client on asyncio
streams: httpx's ``AsyncClient`` spent 3 ms of CPU per request here, four
times the server's cost of a ``GET /healthz``, and on a 2-core machine that
time came out of the server's. httpx still makes the setup calls. The CPU
time of both sides per order is in the notes.
"""

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

logger = logging.getLogger(__name__)

SEED = 20261203
TOKEN = "benchmark-dispatcher-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
STARTUP_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class IntakeLoad:
    """How hard to push: couriers online, orders posted, concurrent clients."""

    couriers: int
    orders: int
    warmup_orders: int
    concurrency: int


QUICK = IntakeLoad(couriers=20, orders=200, warmup_orders=10, concurrency=8)
FULL = IntakeLoad(couriers=150, orders=600, warmup_orders=50, concurrency=16)
"""The business's peak: about 600 open orders on 150 couriers."""


def intake_metrics(quick: bool) -> dict[str, Any]:
    """Measure API intake on loopback; return metrics and what was measured.

    Returns
    -------
    dict
        ``intake_rps`` (orders acknowledged per second of wall time),
        ``intake_p99_ms`` (99th percentile of request latency), and under
        ``notes`` the city, load, status counts, re-plans seen, and the same
        load on ``GET /healthz`` for scale (``healthz_rps``).
    """
    load = QUICK if quick else FULL
    city = _city_name()
    with tempfile.TemporaryDirectory(prefix="onehour-bench-") as tmp:
        workdir = Path(tmp)
        port = _free_port()
        server = _start_server(city, workdir, port)
        try:
            result = asyncio.run(
                _drive(f"http://127.0.0.1:{port}", city, load, server.pid)
            )
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return result


def _city_name() -> str:
    """Return ``beijing`` when its OSM extract is present, else ``demo``."""
    from geo.settings import data_dir

    return "beijing" if (data_dir() / "osm" / "beijing").is_dir() else "demo"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start_server(city: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    tokens = workdir / "tokens.json"
    tokens.write_text(json.dumps({"tokens": [{"token": TOKEN, "role": "dispatcher"}]}))
    command = [
        str(Path(sys.executable).with_name("onehour")),
        "serve",
        "--city",
        city,
        "--db",
        f"sqlite:///{workdir / 'bench.sqlite'}",
        "--tokens",
        str(tokens),
        "--port",
        str(port),
    ]
    log = workdir / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"onehour serve exited early:\n{log.read_text()}")
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0)
            if health.status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"onehour serve did not answer in {STARTUP_TIMEOUT_S} s")


async def _drive(
    base_url: str, city_name: str, load: IntakeLoad, server_pid: int | None = None
) -> dict[str, Any]:
    import geo

    city = geo.load_city(city_name)
    rng = np.random.default_rng(SEED)
    points = _network_points(
        city, rng, load.couriers + load.orders + load.warmup_orders
    )
    connections = [await _Connection.open(base_url) for _ in range(load.concurrency)]
    async with httpx.AsyncClient(
        base_url=base_url, headers=HEADERS, timeout=30.0
    ) as client:
        titles = await _popular_titles(client)
        now_s = int(time.time())
        for n in range(load.couriers):
            lon, lat = points[n]
            body = {
                "lon": lon,
                "lat": lat,
                "capacity": 6,
                "shift_end_s": now_s + 8 * 3600,
            }
            answer = await client.post(f"/couriers/bench-{n}/online", json=body)
            answer.raise_for_status()

        orders = [
            {
                "order_id": f"bench-{n}",
                "items": [{"title": titles[n % len(titles)], "quantity": 1}],
                "dropoff": {"lon": lon, "lat": lat},
                "customer": {"name": "测试", "phone": "13800000000"},
            }
            for n, (lon, lat) in enumerate(points[load.couriers :])
        ]
        warmup, measured = orders[: load.warmup_orders], orders[load.warmup_orders :]
        await _post_all(connections, warmup)
        cpu_before_s = _cpu_s(server_pid)
        client_cpu_s = time.process_time()
        started = time.perf_counter()
        latencies_s, statuses = await _post_all(connections, measured)
        elapsed_s = time.perf_counter() - started
        client_cpu_s = time.process_time() - client_cpu_s
        cpu_after_s = _cpu_s(server_pid)
        health = (await client.get("/healthz")).json()
        plan = (await client.get("/plan")).json()
        started = time.perf_counter()
        noop_latencies_s = await _get_all(connections, "/healthz", len(measured))
        noop_elapsed_s = time.perf_counter() - started
    for connection in connections:
        connection.close()

    latency_ms = np.asarray(latencies_s) * 1000.0
    acknowledged = sum(count for code, count in statuses.items() if code < 300)
    return {
        "intake_rps": round(acknowledged / elapsed_s, 1),
        "intake_p99_ms": round(float(np.percentile(latency_ms, 99)), 1),
        "notes": {
            "city": city_name,
            "synthetic": bool(city.synthetic),
            "couriers": load.couriers,
            "orders": len(measured),
            "concurrency": load.concurrency,
            "intake_p50_ms": round(float(np.percentile(latency_ms, 50)), 1),
            "server_cpu_ms_per_order": (
                round((cpu_after_s - cpu_before_s) * 1000.0 / len(measured), 2)
                if cpu_before_s is not None and cpu_after_s is not None
                else None
            ),
            "client_cpu_ms_per_order": round(client_cpu_s * 1000.0 / len(measured), 2),
            "status_codes": {str(code): count for code, count in statuses.items()},
            "orders_in_store": health["orders"],
            "replans_during_run": health["replans"],
            "replanned_at_s": plan["at_s"] if plan else None,
            "healthz_rps": round(len(measured) / noop_elapsed_s, 1),
            "healthz_p99_ms": round(
                float(np.percentile(np.asarray(noop_latencies_s) * 1000.0, 99)), 1
            ),
        },
    }


def _network_points(city: Any, rng: np.random.Generator, n: int) -> list[list[float]]:
    """Draw ``n`` road-network nodes inside the service area, as [lon, lat]."""
    graph = city.travel.graph
    west, south, east, north = city.bbox
    inside = np.flatnonzero(
        (graph.lon >= west)
        & (graph.lon <= east)
        & (graph.lat >= south)
        & (graph.lat <= north)
    )
    chosen = rng.choice(inside, size=n, replace=True)
    return [[float(graph.lon[i]), float(graph.lat[i])] for i in chosen]


async def _popular_titles(client: httpx.AsyncClient, count: int = 40) -> list[str]:
    """Return the titles with the most copies across depots."""
    depots = (await client.get("/depots")).json()
    copies: dict[str, int] = {}
    for depot in depots:
        for title, quantity in depot["stock"].items():
            copies[title] = copies.get(title, 0) + quantity
    return sorted(copies, key=lambda title: -copies[title])[:count]


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends a request and reads the answer.

    Only what the service answers is understood: a status line, headers and a
    ``Content-Length`` body.
    """

    def __init__(
        self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.host = host
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, base_url: str) -> "_Connection":
        """Connect to ``base_url`` (``http://host:port``)."""
        url = httpx.URL(base_url)
        reader, writer = await asyncio.open_connection(url.host, url.port)
        return cls(f"{url.host}:{url.port}", reader, writer)

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        """Send one request with the benchmark token; return the status code."""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode("ascii") + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        """Close the connection."""
        self.writer.close()


async def _post_all(
    connections: list[_Connection], orders: list[dict[str, Any]]
) -> tuple[list[float], dict[int, int]]:
    """Post every order, one client per connection; return latencies and codes."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for order in orders:
        queue.put_nowait(json.dumps(order, ensure_ascii=False).encode("utf-8"))
    latencies_s: list[float] = []
    statuses: dict[int, int] = {}

    async def worker(connection: _Connection) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            code = await connection.request("POST", "/orders", body)
            latencies_s.append(time.perf_counter() - started)
            statuses[code] = statuses.get(code, 0) + 1

    await asyncio.gather(*(worker(c) for c in connections))
    return latencies_s, statuses


def _cpu_s(pid: int | None) -> float | None:
    """Return the CPU seconds a process has used so far (Linux), else ``None``.

    CPU time per order does not depend on how busy the rest of the machine
    is, unlike requests per second; the solver's child process is excluded.
    """
    import os

    stat = f"/proc/{pid}/stat"
    if pid is None or not os.path.exists(stat):
        return None
    with open(stat, encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def _get_all(
    connections: list[_Connection], path: str, count: int
) -> list[float]:
    """GET ``path`` ``count`` times, one client per connection; return latencies.

    The same load on ``/healthz`` (no work, no lock) shows what the HTTP stack
    and this machine cost per request, next to what an order costs.
    """
    remaining = [count]
    latencies_s: list[float] = []

    async def worker(connection: _Connection) -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            started = time.perf_counter()
            code = await connection.request("GET", path)
            if code != 200:
                raise RuntimeError(f"GET {path} answered {code}")
            latencies_s.append(time.perf_counter() - started)

    await asyncio.gather(*(worker(c) for c in connections))
    return latencies_s


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"))
    quick_run = "--quick" in sys.argv
    print(json.dumps(intake_metrics(quick_run), indent=2, ensure_ascii=False))
