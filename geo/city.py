"""Cities: definitions from ``data/cities/*.toml``, graphs, depots, loading.

``load_city(name)`` returns a :class:`City` whose ``travel`` is a road-graph
travel model. Real cities read their OSM extracts from
``data_dir()/osm/<city>/`` (or a GraphML downloaded by ``onehour city prepare
<city> --download``); the built-in ``demo`` city is a seeded synthetic grid
that needs no file and no network. Built graphs are cached under
``cache_dir()/graphs``, keyed by the content hashes of the input files and
every travel-profile parameter, so a second load reads arrays only.
"""

import hashlib
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geo.ch import CH_FORMAT_VERSION
from geo.errors import MapDataMissingError
from geo.graph import GRAPH_FORMAT_VERSION, CompactGraph, build_graph
from geo.osm import read_extracts
from geo.profiles import TravelProfile, travel_profile
from geo.road import (
    DEFAULT_HORIZON_S,
    DEFAULT_MAX_SNAP_M,
    HierarchySource,
    RoadTravelModel,
)
from geo.settings import bundled_data_dir, cache_dir, data_dir
from geo.synthetic import SyntheticCitySpec, generate_city

logger = logging.getLogger(__name__)

DEMO = "demo"
DEMO_SPEC = SyntheticCitySpec(side=60, spacing_m=100.0, noise_m=12.0)
"""The demo city: 60 × 60 intersections about 100 m apart (≈ 6 km square)."""


@dataclass(frozen=True)
class Depot:
    """A place couriers pick books up: id, display name, WGS-84 position."""

    id: str
    name: str
    lon: float
    lat: float

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("depot id must not be empty")
        if not (-180.0 <= self.lon <= 180.0 and -90.0 <= self.lat <= 90.0):
            raise ValueError(
                f"depot {self.id}: lon={self.lon}, lat={self.lat} are not "
                "WGS-84 degrees"
            )


@dataclass(frozen=True)
class CityDefinition:
    """What ``data/cities/<name>.toml`` says about a city."""

    name: str
    display_name: str
    timezone: str
    bbox: tuple[float, float, float, float]
    extracts: tuple[str, ...]
    place: str | None = None
    depots: tuple[Depot, ...] = ()
    aois: str | None = None

    def __post_init__(self) -> None:
        west, south, east, north = self.bbox
        if not (west < east and south < north):
            raise ValueError(
                f"city {self.name}: bbox={list(self.bbox)} must be "
                "[west, south, east, north] with west < east and south < north"
            )

    @classmethod
    def from_toml(cls, path: Path) -> "CityDefinition":
        """Read a city definition file."""
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        try:
            return cls(
                name=document["name"],
                display_name=document["display_name"],
                timezone=document["timezone"],
                bbox=tuple(float(v) for v in document["bbox"]),  # type: ignore[arg-type]  # length checked by unpacking
                extracts=tuple(document.get("extracts", ())),
                place=document.get("place"),
                depots=tuple(Depot(**d) for d in document.get("depots", ())),
                aois=document.get("aois"),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"city definition {path} is invalid: {error}") from error


@dataclass(frozen=True)
class City:
    """A city ready for dispatch: its road travel model and its depots.

    Attributes
    ----------
    synthetic
        True for generated street grids (the ``demo`` city); every output
        about such a city must say so.
    bbox
        Service area [west, south, east, north], WGS-84 degrees.
    travel
        Road-graph travel model of the city's courier mode (e-bike default).
    """

    name: str
    display_name: str
    timezone: str
    bbox: tuple[float, float, float, float]
    synthetic: bool
    depots: list[Depot]
    travel: RoadTravelModel
    sources: tuple[str, ...] = field(default=())

    @property
    def info(self) -> dict[str, Any]:
        """Return the facts ``onehour city info`` prints."""
        meta = self.travel.graph.meta
        return {
            "city": self.name,
            "display_name": self.display_name,
            "synthetic": self.synthetic,
            "mode": meta.get("mode"),
            "nodes": self.travel.graph.n_nodes,
            "edges": self.travel.graph.n_edges,
            "road_km": meta.get("road_km"),
            "bbox": list(self.bbox),
            "graph_bbox": [
                round(float(self.travel.graph.lon.min()), 5),
                round(float(self.travel.graph.lat.min()), 5),
                round(float(self.travel.graph.lon.max()), 5),
                round(float(self.travel.graph.lat.max()), 5),
            ],
            "nodes_before_scc": meta.get("nodes_before_scc"),
            "dropped_node_share": meta.get("dropped_node_share"),
            "depots": [d.id for d in self.depots],
            "sources": list(self.sources),
            "timezone": self.timezone,
        }


def city_names() -> list[str]:
    """Return the cities that can be loaded: ``demo`` and each TOML definition."""
    return [
        DEMO,
        *sorted(p.stem for p in (bundled_data_dir() / "cities").glob("*.toml")),
    ]


def city_definition(name: str) -> CityDefinition:
    """Return the definition of a real city."""
    path = bundled_data_dir() / "cities" / f"{name}.toml"
    if not path.is_file():
        raise ValueError(f"unknown city {name!r}; choose from {city_names()}")
    return CityDefinition.from_toml(path)


def load_city(
    name: str,
    mode: str = "ebike",
    *,
    profile: TravelProfile | None = None,
    horizon_s: int = DEFAULT_HORIZON_S,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> City:
    """Load a city's road graph (from cache when possible) and its depots.

    Parameters
    ----------
    name
        ``demo``, ``beijing``, ``shanghai`` or ``guangzhou`` (see
        :func:`city_names`).
    mode
        Courier mode: ``ebike`` (default), ``scooter`` or ``walk``.
    profile
        A custom travel profile; overrides ``mode``.
    horizon_s, max_snap_m
        Passed to :class:`~geo.road.RoadTravelModel`.

    Raises
    ------
    MapDataMissingError
        If a real city's extracts are absent; the message names the files,
        the directory and the download command.
    MapDataError
        If an extract is corrupt, empty or holds no routable road.
    """
    profile = profile or travel_profile(mode)
    if name == DEMO:
        graph = _demo_graph(profile)
        lon, lat = graph.lon, graph.lat
        bbox = (
            round(float(lon.min()), 5),
            round(float(lat.min()), 5),
            round(float(lon.max()), 5),
            round(float(lat.max()), 5),
        )
        travel = _travel(graph, name, profile, True, horizon_s, max_snap_m)
        return City(
            name=DEMO,
            display_name="Demo (synthetic grid city)",
            timezone="Asia/Shanghai",
            bbox=bbox,
            synthetic=True,
            depots=demo_depots(travel),
            travel=travel,
            sources=(f"synthetic: {DEMO_SPEC.cache_key()}",),
        )

    definition = city_definition(name)
    paths = city_input_files(definition)
    graph = graph_from_files(name, paths, profile)
    travel = _travel(graph, name, profile, False, horizon_s, max_snap_m)
    _warn_off_network_depots(definition, travel)
    return City(
        name=definition.name,
        display_name=definition.display_name,
        timezone=definition.timezone,
        bbox=definition.bbox,
        synthetic=False,
        depots=list(definition.depots),
        travel=travel,
        sources=tuple(str(p) for p in paths),
    )


def _warn_off_network_depots(
    definition: CityDefinition, travel: RoadTravelModel
) -> None:
    """Log a warning for each depot that is not on the mode's routable graph."""
    for depot in definition.depots:
        try:
            snapped = travel.snap(np.array([[depot.lon, depot.lat]]))
        except ValueError as error:
            logger.warning(
                "depot %s of %s is off the network: %s",
                depot.id,
                definition.name,
                error,
            )
            continue
        if snapped.distance_m[0] > 50.0:
            logger.warning(
                "depot %s of %s is %.0f m from the nearest %s node",
                depot.id,
                definition.name,
                snapped.distance_m[0],
                travel.name,
            )


def download_path(name: str) -> Path:
    """Return where ``onehour city prepare <name> --download`` saves a GraphML."""
    return cache_dir() / "downloads" / f"{name}.graphml"


def city_input_files(definition: CityDefinition) -> list[Path]:
    """Return the map files of a city: its local extracts, else its download.

    Raises
    ------
    MapDataMissingError
        If neither the extracts nor a download are present.
    """
    root = data_dir()
    paths = [root / extract for extract in definition.extracts]
    missing = [p for p in paths if not p.is_file()]
    if paths and not missing:
        return paths
    downloaded = download_path(definition.name)
    if downloaded.is_file():
        return [downloaded]
    raise MapDataMissingError(
        f"no map data for city {definition.name!r}: expected "
        f"{', '.join(str(p) for p in missing) or 'an extract'} (the data directory "
        f"is {root}, set by ONEHOUR_DATA_DIR). Put the OSM extracts there, or on a "
        f"machine that is online run `onehour city prepare {definition.name} "
        f"--download`, which saves {downloaded}."
    )


def _travel(
    graph: CompactGraph,
    name: str,
    profile: TravelProfile,
    synthetic: bool,
    horizon_s: int,
    max_snap_m: float,
) -> RoadTravelModel:
    return RoadTravelModel(
        graph,
        f"{name}/{profile.mode}",
        synthetic,
        horizon_s=horizon_s,
        max_snap_m=max_snap_m,
        hourly_factors=profile.hourly_factors,
        hierarchy=hierarchy_source(graph),
    )


def graph_cache_path(label: str, inputs_key: str, profile: TravelProfile) -> Path:
    """Return the cache file of a graph built from inputs with a profile."""
    digest = hashlib.sha256(
        f"v{GRAPH_FORMAT_VERSION}|{inputs_key}|{profile.cache_key()}".encode()
    ).hexdigest()[:20]
    return cache_dir() / "graphs" / f"{label}-{profile.mode}-{digest}.npz"


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a file's content."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def graph_from_files(
    name: str, paths: list[Path], profile: TravelProfile
) -> CompactGraph:
    """Return the graph of map files, building and caching it on first use.

    The cache key holds the SHA-256 of every file and every profile
    parameter; a changed file or profile builds a new graph. A failed build
    caches nothing.
    """
    inputs_key = "|".join(f"{p.name}:{file_digest(p)}" for p in paths)
    cache_path = graph_cache_path(name, inputs_key, profile)
    if cache_path.is_file():
        logger.debug("loading cached graph %s", cache_path)
        return _with_cache_file(CompactGraph.load(cache_path), cache_path)
    logger.info(
        "building the %s graph of %s from %d file(s)", profile.mode, name, len(paths)
    )
    network = read_extracts(paths)
    graph = build_graph(network, profile, {"sources": [str(p) for p in paths]})
    graph.save(cache_path)
    return _with_cache_file(graph, cache_path)


def _with_cache_file(graph: CompactGraph, cache_path: Path) -> CompactGraph:
    """Record where a graph is cached; its hierarchy is cached beside it."""
    graph.meta["cache_file"] = str(cache_path)
    return graph


def hierarchy_source(graph: CompactGraph) -> HierarchySource:
    """Return the hierarchy source of a graph: a file beside its cache file."""
    cache_file = graph.meta.get("cache_file")
    if cache_file is None:
        return HierarchySource()
    return HierarchySource(Path(cache_file).with_suffix(f".ch{CH_FORMAT_VERSION}.npz"))


def synthetic_graph(spec: SyntheticCitySpec, profile: TravelProfile) -> CompactGraph:
    """Return the graph of a synthetic city, from cache when built before."""
    cache_path = graph_cache_path("synthetic", spec.cache_key(), profile)
    if cache_path.is_file():
        return _with_cache_file(CompactGraph.load(cache_path), cache_path)
    graph = build_graph(generate_city(spec), profile, {"synthetic": spec.cache_key()})
    graph.save(cache_path)
    return _with_cache_file(graph, cache_path)


def _demo_graph(profile: TravelProfile) -> CompactGraph:
    return synthetic_graph(DEMO_SPEC, profile)


_DEMO_DEPOT_SITES = (
    ("demo-north", "Demo north depot (synthetic)", 0.30, 0.75),
    ("demo-east", "Demo east depot (synthetic)", 0.75, 0.45),
    ("demo-south", "Demo south-west depot (synthetic)", 0.25, 0.20),
)


def demo_depots(travel: RoadTravelModel) -> list[Depot]:
    """Return the demo city's three depots, each on a node of its graph."""
    graph = travel.graph
    west, east = float(graph.lon.min()), float(graph.lon.max())
    south, north = float(graph.lat.min()), float(graph.lat.max())
    sites_x, sites_y = graph.projection.to_xy(
        np.array([west + fx * (east - west) for _, _, fx, _ in _DEMO_DEPOT_SITES]),
        np.array([south + fy * (north - south) for _, _, _, fy in _DEMO_DEPOT_SITES]),
    )
    nodes = [
        int(np.argmin(np.hypot(graph.x_m - x, graph.y_m - y)))
        for x, y in zip(sites_x, sites_y, strict=True)
    ]
    points = travel.location_points(np.array(nodes))
    return [
        Depot(depot_id, label, round(float(lon), 7), round(float(lat), 7))
        for (depot_id, label, _, _), (lon, lat) in zip(
            _DEMO_DEPOT_SITES, points, strict=True
        )
    ]
