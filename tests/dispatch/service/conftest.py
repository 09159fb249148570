"""Fixtures of the service and store tests: databases, a tiny city, tokens, apps.

The tiny city is two depots in Beijing on a straight-line travel model, so
every test runs in well under a second of planning. Each test gets its own
SQLite file, or its own PostgreSQL schema (dropped afterwards) when the server
on 127.0.0.1:5432 is up.
"""

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from dispatch.domain import DepotRecord
from dispatch.planner import OrToolsPlanner
from dispatch.service import ServiceSettings, Tokens, create_app
from dispatch.service.serve import open_dispatcher
from dispatch.store import SqlStore
from geo.planar import PlanarTravelModel
from solver import SolverParams

POSTGRES_URL = os.environ.get(
    "ONEHOUR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DISPATCHER_TOKEN = "dispatcher-token-for-tests-only"
COURIER_TOKEN = "courier-c1-token-for-tests-only"
OTHER_COURIER_TOKEN = "courier-c2-token-for-tests-only"
DISPATCHER = {"Authorization": f"Bearer {DISPATCHER_TOKEN}"}
COURIER_C1 = {"Authorization": f"Bearer {COURIER_TOKEN}"}
COURIER_C2 = {"Authorization": f"Bearer {OTHER_COURIER_TOKEN}"}

SANLITUN = (116.4540, 39.9330)
WUDAOKOU = (116.3380, 39.9920)


def postgres_up() -> bool:
    """Return whether the test PostgreSQL server answers."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL schema, dropped afterwards."""
    if not postgres_up():
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    schema = f"onehour_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL: an SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'onehour.sqlite'}"
        return
    with postgres_schema() as url:
        yield url


def tokens() -> Tokens:
    """Return one dispatcher token and tokens for couriers c1 and c2."""
    return Tokens.model_validate(
        {
            "tokens": [
                {"token": DISPATCHER_TOKEN, "role": "dispatcher"},
                {"token": COURIER_TOKEN, "role": "courier", "courier_id": "c1"},
                {"token": OTHER_COURIER_TOKEN, "role": "courier", "courier_id": "c2"},
            ]
        }
    )


def depots() -> list[DepotRecord]:
    """Return two Beijing depots; only Sanlitun stocks 活着."""
    return [
        DepotRecord(
            id="sanlitun",
            name="Sanlitun",
            lon=SANLITUN[0],
            lat=SANLITUN[1],
            stock={"三体": 5, "活着": 2},
        ),
        DepotRecord(
            id="wudaokou",
            name="Wudaokou",
            lon=WUDAOKOU[0],
            lat=WUDAOKOU[1],
            stock={"三体": 3},
        ),
    ]


def open_store_dispatcher(url: str, planner: Any = None) -> tuple[SqlStore, Any]:
    """Open the store at ``url`` and the dispatcher saved there (or a new one)."""
    store = SqlStore.open(url)
    planner = planner or OrToolsPlanner(SolverParams(time_limit_s=0.2))
    dispatcher = open_dispatcher(
        store, PlanarTravelModel("lonlat"), depots(), planner, city="test"
    )
    return store, dispatcher


@pytest.fixture
def store_dispatcher_opener() -> Callable[[str], tuple[SqlStore, Any]]:
    """Return :func:`open_store_dispatcher` for tests that restart by hand."""
    return open_store_dispatcher


@pytest.fixture
def make_client(db_url: str) -> Iterator[Callable[..., TestClient]]:
    """Return a factory of running test clients on the test database."""
    stores: list[SqlStore] = []

    def make(planner: Any = None, **settings: Any) -> TestClient:
        store, dispatcher = open_store_dispatcher(db_url, planner)
        stores.append(store)
        options = {
            "replan_on_change": False,
            "replan_interval_s": 3600.0,
            "solve_in_subprocess": False,
        }
        options.update(settings)
        app = create_app(dispatcher, store, tokens(), ServiceSettings(**options))
        return TestClient(app)

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> Iterator[TestClient]:
    """A running service on the test database, re-planning only when asked."""
    with make_client() as running:
        yield running


@pytest.fixture
def auth() -> dict[str, dict[str, str]]:
    """Headers of each test token: ``dispatcher``, ``c1`` and ``c2``."""
    return {"dispatcher": DISPATCHER, "c1": COURIER_C1, "c2": COURIER_C2}


@pytest.fixture
def order_body() -> Callable[..., dict[str, Any]]:
    """Return a maker of valid orders for a door near Sanlitun."""

    def make(order_id: str, **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "order_id": order_id,
            "items": [{"title": "三体", "quantity": 1}],
            "dropoff": {"lon": 116.4610, "lat": 39.9400},
            "address": "朝阳区三里屯路19号院3号楼2单元501",
            "customer": {"name": "王小明", "phone": "13912345678"},
        }
        body.update(changes)
        return body

    return make


@pytest.fixture
def online_body() -> Callable[..., dict[str, Any]]:
    """Return a maker of couriers coming online near Sanlitun for eight hours."""

    def make(lon: float = 116.4500, lat: float = 39.9300) -> dict[str, Any]:
        shift_end_s = int(time.time()) + 8 * 3600
        return {"lon": lon, "lat": lat, "capacity": 4, "shift_end_s": shift_end_s}

    return make


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def street_grid(
    lon0: float = 116.43, lat0: float = 39.92, n: int = 12
) -> dict[str, Any]:
    """Return a small grid of streets around Sanlitun, as the map draws them."""
    step = 0.004
    segments = []
    for i in range(n):
        for j in range(n - 1):
            a, b = lon0 + i * step, lat0 + j * step
            segments.append([a, b, a, b + step])
            segments.append(
                [
                    lon0 + j * step,
                    lat0 + i * step,
                    lon0 + (j + 1) * step,
                    lat0 + i * step,
                ]
            )
    extent = [lon0, lat0, lon0 + (n - 1) * step, lat0 + (n - 1) * step]
    return {"segments": segments, "bbox": extent}


@pytest.fixture
def free_tcp_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    return free_port()


@pytest.fixture
def live_server(db_url: str) -> Iterator[str]:
    """Run the service under a real uvicorn server on 127.0.0.1; yield its URL."""
    store, dispatcher = open_store_dispatcher(db_url)
    settings = ServiceSettings(
        city="test", replan_debounce_s=0.2, solve_in_subprocess=False
    )
    app = create_app(dispatcher, store, tokens(), settings, street_grid())
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start within 10 s"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    store.close()
