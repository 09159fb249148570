"""A scenario: a stream with the map it plays on and the stock it draws from."""

import logging
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from geo.travel_model import TravelModel
from simulate.stream import RowProblem, Stream, StreamDepot, StreamError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scenario:
    """Everything about the outside world except the policy and the seed.

    ``frame`` is ``wgs84`` (lon/lat degrees) or ``xy_m`` (planar metres) and
    applies to the travel model, the couriers' paths and every stop.
    ``stock`` gives copies per title per depot id.
    """

    name: str
    stream: Stream
    travel: TravelModel
    frame: str = "wgs84"
    depots: tuple[StreamDepot, ...] = ()
    stock: dict[str, dict[str, int]] = field(default_factory=dict)
    pickup_service_s: int | None = None
    delivery_service_s: int | None = None
    targets_s: tuple[int, ...] = ()
    synthetic: bool = False
    notes: dict[str, Any] = field(default_factory=dict)
    skipped: tuple[RowProblem, ...] = ()

    def __post_init__(self) -> None:
        if self.frame not in ("wgs84", "xy_m"):
            raise ValueError(f"Scenario.frame={self.frame!r}: choose 'wgs84' or 'xy_m'")


def planar_model(stream: Stream) -> Any:
    """Return the planar travel model a stream's ``stream.toml`` asks for."""
    from geo.planar import PlanarTravelModel

    return PlanarTravelModel(
        "xy_m" if stream.crs == "xy_m" else "lonlat",
        detour_factor=stream.meta.detour_factor,
        speed_mps=stream.meta.speed_mps,
        name=f"planar/{stream.meta.name or 'stream'}",
    )


def on_network(stream: Stream, travel: TravelModel, strict: bool) -> Stream:
    """Check every order's points snap onto the travel model's network.

    Parameters
    ----------
    stream
        The stream to check.
    travel
        Its travel model.
    strict
        Raise on any order off the network; otherwise drop those orders and
        add them to ``skipped``.

    Raises
    ------
    StreamError
        Naming each order off the network with its line in ``orders.csv``.
    """
    from simulate.runner import snap_lenient
    from simulate.world import wgs84_points

    problems = []
    orders = stream.orders
    with_pickup = [i for i, o in enumerate(orders) if o.pickup is not None]
    for what, index, points in (
        ("dropoff", list(range(len(orders))), [o.dropoff for o in orders]),
        ("pickup", with_pickup, [orders[i].pickup for i in with_pickup]),
    ):
        if not index:
            continue
        crs = np.array([orders[i].crs for i in index])
        array = np.asarray(points, dtype=float).reshape(-1, 2)
        for frame in sorted(set(crs.tolist())):
            rows = np.flatnonzero(crs == frame)
            nodes = snap_lenient(travel, wgs84_points(array[rows], frame))
            for row in rows[nodes < 0]:
                order = orders[index[int(row)]]
                problems.append(
                    RowProblem(
                        "orders.csv",
                        order.line,
                        f"{what} ({array[row, 0]}, {array[row, 1]}) of order "
                        f"{order.order_id} is off the {travel.name} network",
                    )
                )
    if not problems:
        return stream
    if strict:
        raise StreamError(sorted(problems, key=lambda p: p.line))
    bad_lines = {p.line for p in problems}
    logger.warning("skipping %d orders off the network", len(bad_lines))
    return replace(
        stream,
        orders=tuple(o for o in stream.orders if o.line not in bad_lines),
        skipped=(*stream.skipped, *problems),
    )


def synthetic_city_scenario(
    city_name: str, orders: int, seed: int, stock_copies: float = 200.0
) -> Scenario:
    """Return a synthetic city-day on a city's road graph.

    Dropoffs fall on the city's named places (AOIs) that lie on its road
    network when the data has at least :data:`MIN_PLACES` of them, else on
    the graph's nodes. Depots are the city's, or :data:`FALLBACK_DEPOTS`
    spread over the graph when the city defines none. Stock is generated
    from the catalogue.
    """
    from dispatch.stock import catalogue_titles, generate_stock
    from geo.city import city_definition, load_city
    from simulate.synthetic import SyntheticConfig, synthetic_stream

    city = load_city(city_name)
    depots = tuple(
        StreamDepot(d.id, d.lon, d.lat, d.name) for d in city.depots
    ) or fallback_depots(city.travel)
    demand = _demand_map(
        city, city_definition(city_name) if not city.synthetic else None
    )
    titles = catalogue_titles()
    stream = synthetic_stream(
        SyntheticConfig(orders=orders),
        demand,
        titles,
        depots,
        np.random.default_rng([seed, 1]),
        name=f"synthetic {city_name} {orders} orders, seed {seed}",
        city=city_name,
    )
    stock = generate_stock(
        titles,
        [d.depot_id for d in depots],
        np.random.default_rng([seed, 2]),
        share_stocked=STOCKED_SHARE,
        mean_copies=stock_copies,
    )
    return Scenario(
        name=stream.meta.name,
        stream=stream,
        travel=city.travel,
        depots=depots,
        stock=stock,
        synthetic=True,
        notes={
            "city": city_name,
            "city_synthetic": city.synthetic,
            "demand": demand.source,
            "depots": [d.depot_id for d in depots],
        },
    )


STOCKED_SHARE = 0.9
"""Chance a depot stocks a title: most multi-title orders find one depot."""
MIN_PLACES = 30
MAX_PLACE_SNAP_M = 150.0
"""A named place farther than this from the network is not a dropoff site."""
"""Fewer named places on the network than this and demand falls on graph nodes."""
FALLBACK_DEPOTS = ((0.3, 0.7), (0.7, 0.6), (0.5, 0.25))
"""Depot sites as fractions of the graph's extent, when a city defines none."""


def fallback_depots(travel: Any) -> tuple[StreamDepot, ...]:
    """Place depots on the graph nodes nearest to fixed fractions of its extent."""
    graph = travel.graph
    lon, lat = np.asarray(graph.lon), np.asarray(graph.lat)
    depots = []
    for k, (fx, fy) in enumerate(FALLBACK_DEPOTS, start=1):
        x = lon.min() + fx * (lon.max() - lon.min())
        y = lat.min() + fy * (lat.max() - lat.min())
        node = int(np.argmin(np.hypot((lon - x) * np.cos(np.radians(y)), lat - y)))
        depots.append(
            StreamDepot(
                f"sim-depot-{k}",
                round(float(lon[node]), 7),
                round(float(lat[node]), 7),
                f"simulated depot {k}",
            )
        )
    return tuple(depots)


def _demand_map(city: Any, definition: Any) -> Any:
    from geo.settings import data_dir
    from simulate.runner import snap_lenient
    from simulate.synthetic import DemandMap, read_aoi_points

    if definition is not None and definition.aois:
        path = data_dir() / definition.aois
        if path.is_file():
            points, _ = read_aoi_points(path, city.bbox)
            if len(points):
                points = points[snap_lenient(city.travel, points) >= 0]
            if len(points):
                near = city.travel.snap(points).distance_m <= MAX_PLACE_SNAP_M
                points = points[near]
            if len(points) >= MIN_PLACES:
                return DemandMap(
                    points, np.ones(len(points)), f"{len(points)} named places (AOIs)"
                )
            logger.info(
                "%s: only %d named places on the network; using graph nodes",
                city.name,
                len(points),
            )
    graph = city.travel.graph
    points = np.column_stack([graph.lon, graph.lat])
    return DemandMap(points, np.ones(len(points)), f"{len(points)} road-graph nodes")


def stream_scenario(
    stream: Stream, city_name: str | None, strict: bool, seed: int
) -> Scenario:
    """Return the scenario of a replayed stream.

    Travel is planar when ``stream.toml`` says so, else the road graph of
    ``city_name`` (or the stream's own city). Depots are the stream's, else
    the city's; stock is generated when orders name items.
    """
    from dispatch.stock import catalogue_titles, generate_stock

    meta = stream.meta
    name = meta.name or "stream"
    depots = stream.depots
    synthetic = False
    if meta.travel == "planar":
        travel = planar_model(stream)
    else:
        from geo.city import load_city

        city = load_city(city_name or meta.city or "demo")
        travel = city.travel
        synthetic = city.synthetic
        if not depots:
            depots = tuple(
                StreamDepot(d.id, d.lon, d.lat, d.name) for d in city.depots
            ) or fallback_depots(city.travel)
    stream = on_network(stream, travel, strict)
    stock: dict[str, dict[str, int]] = {}
    if depots and any(o.items for o in stream.orders):
        titles = sorted(
            {t for o in stream.orders for t, _ in o.items} | set(catalogue_titles())
        )
        stock = generate_stock(
            titles, [d.depot_id for d in depots], np.random.default_rng([seed, 2])
        )
    return Scenario(
        name=name,
        stream=stream,
        travel=travel,
        frame="xy_m" if stream.crs == "xy_m" else "wgs84",
        depots=depots,
        stock=stock,
        pickup_service_s=meta.pickup_service_s,
        delivery_service_s=meta.delivery_service_s,
        targets_s=meta.targets_s,
        synthetic=synthetic,
        notes={"source": meta.source},
        skipped=stream.skipped,
    )


@dataclass(frozen=True)
class ScenarioSpec:
    """How to build a scenario; small and picklable, so sweep workers rebuild it.

    ``orders`` is ``synthetic:N`` (a city-day on ``city``), ``grubhub:INSTANCE``
    (e.g. ``grubhub:0o100t100s1p100``), ``tianchi`` or ``tianchi:N`` (the first
    N orders), or ``stream:DIR``.
    """

    city: str = "demo"
    orders: str = "synthetic:3000"
    seed: int = 1
    strict: bool = True
    tianchi_couriers: int = 150

    @property
    def kind(self) -> str:
        """Return the source kind: synthetic, grubhub, tianchi or stream."""
        return self.orders.partition(":")[0]

    @property
    def replay(self) -> bool:
        """Return True for data sets whose every order must be served."""
        return self.kind in ("grubhub", "tianchi")


GRUBHUB_DEFAULT = "0o100t100s1p100"


def build_scenario(spec: ScenarioSpec) -> Scenario:
    """Build the scenario a spec names.

    Raises
    ------
    ValueError
        When ``spec.orders`` is not one of the forms above.
    """
    from pathlib import Path

    from geo.settings import data_dir
    from simulate.converters import (
        convert_grubhub,
        convert_tianchi,
        grubhub_instance_dir,
    )
    from simulate.stream import read_stream

    kind, _, arg = spec.orders.partition(":")
    if kind == "synthetic":
        count = int(arg) if arg else 3000
        if count < 1:
            raise ValueError(f"orders={spec.orders!r}: N must be >= 1")
        return synthetic_city_scenario(spec.city, count, spec.seed)
    if kind == "grubhub":
        folder = grubhub_instance_dir(data_dir(), arg or GRUBHUB_DEFAULT)
        return stream_scenario(convert_grubhub(folder), None, spec.strict, spec.seed)
    if kind == "tianchi":
        folder = data_dir() / "orders" / "tianchi_cainiao_lastmile_shanghai"
        stream = convert_tianchi(
            folder, np.random.default_rng([spec.seed, 3]), spec.tianchi_couriers
        )
        if arg:
            stream = stream.head(int(arg))
        return stream_scenario(stream, None, spec.strict, spec.seed)
    if kind == "stream":
        stream = read_stream(Path(arg), strict=spec.strict)
        return stream_scenario(stream, spec.city, spec.strict, spec.seed)
    raise ValueError(
        f"orders={spec.orders!r}: choose synthetic:N, grubhub:INSTANCE, "
        "tianchi[:N] or stream:DIR"
    )
