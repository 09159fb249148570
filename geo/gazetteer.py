"""An offline gazetteer per city, built from the city's OSM data and AOI list.

For each city (``data/cities/<city>.toml``) the gazetteer holds

- **streets**: every named highway way, ways of one name merged, with their
  polylines (WGS-84) and cumulative lengths, so a point can be interpolated
  along them;
- **house numbers** where OSM tags them (``addr:street`` + ``addr:housenumber``);
- **places**: named nodes and non-highway ways (buildings, stations, shops),
  as points (way centroid);
- **AOIs**: the named areas of interest of ``*aois.csv``, as centroids; the
  unnamed ones labelled after a road (``淮海中路 nearby``, ``知春路周边``) become
  ``street_area`` points, which locate streets missing from the road extract.

Names are folded with :func:`geo.address.normalise_name`. The built gazetteer
is pickled under ``cache_dir()/gazetteer/`` keyed by the source files' sizes
and modification times, so later loads take milliseconds.
"""

import ast
import csv
import hashlib
import json
import logging
import pickle
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geo.address import is_door_only, normalise_name, parse_address
from geo.coords import haversine_m
from geo.settings import bundled_data_dir, cache_dir, data_dir

logger = logging.getLogger(__name__)

GAZETTEER_VERSION = 5
# Names too generic to locate anything on their own.
_GENERIC_NAMES = frozenset(
    ["胡同", "辅路", "主路", "小路", "环岛", "匝道", "出口", "入口", "停车场", "小区"]
)
_EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class Street:
    """A named street: one or more polylines with cumulative lengths."""

    name: str
    parts: tuple[NDArray[np.float64], ...]
    """Each part is an (n, 2) array of WGS-84 lon/lat."""
    length_m: float
    """Total length of all ways of this name (both carriageways count)."""
    extent_m: float = 0.0
    """End-to-end extent along the street's main axis."""
    centre: tuple[float, float] = (0.0, 0.0)
    """The street vertex nearest the middle of its extent."""

    def midpoint(self) -> tuple[float, float]:
        """Return the street vertex nearest the middle of its extent."""
        return self.centre

    def point_at(self, fraction: float) -> tuple[float, float]:
        """Return the point at ``fraction`` (0–1) of the longest part's length."""
        part = max(self.parts, key=_polyline_length_m)
        cumulative = np.concatenate([[0.0], np.cumsum(_segment_lengths_m(part))])
        target = min(max(fraction, 0.0), 1.0) * cumulative[-1]
        index = int(np.searchsorted(cumulative, target, side="right")) - 1
        index = min(max(index, 0), len(part) - 2)
        span = cumulative[index + 1] - cumulative[index]
        t = 0.0 if span <= 0 else (target - cumulative[index]) / span
        lon, lat = part[index] + t * (part[index + 1] - part[index])
        return float(lon), float(lat)

    def distance_m(self, lon: float, lat: float) -> float:
        """Return the distance from a point to the street's vertices (approx.)."""
        best = np.inf
        for part in self.parts:
            best = min(
                best, float(np.min(haversine_m(part[:, 0], part[:, 1], lon, lat)))
            )
        return best


@dataclass(frozen=True)
class Place:
    """A named point: an OSM node, building or area centroid, or an AOI."""

    name: str
    kind: str
    """``"place"`` (OSM node or way) or ``"aoi"`` (from the AOI list)."""
    lon: float
    lat: float


@dataclass
class Gazetteer:
    """Names of one city with their geometry, indexed by folded name."""

    city: str
    bbox: tuple[float, float, float, float]
    streets: dict[str, Street] = field(default_factory=dict)
    places: dict[str, list[Place]] = field(default_factory=dict)
    house_numbers: dict[str, dict[int, tuple[float, float]]] = field(
        default_factory=dict
    )
    street_vertices: NDArray[np.float64] = field(
        default_factory=lambda: np.zeros((0, 2))
    )
    _tree: cKDTree | None = field(default=None, repr=False)
    _max_key_length: int = 0

    def finish(self) -> None:
        """Build the lookup structures after streets and places are added."""
        vertices = [part for street in self.streets.values() for part in street.parts]
        self.street_vertices = (
            np.concatenate(vertices) if vertices else np.zeros((0, 2), dtype=float)
        )
        self._tree = None
        keys = [*self.streets, *self.places]
        self._max_key_length = max((len(k) for k in keys), default=0)

    @property
    def names(self) -> list[str]:
        """Return every folded name (streets, then places)."""
        return [*self.streets, *self.places]

    @property
    def max_key_length(self) -> int:
        """Return the length of the longest folded name."""
        return self._max_key_length

    def nearest_street_m(self, lon: float, lat: float) -> float:
        """Return the distance in metres to the nearest street vertex."""
        if len(self.street_vertices) == 0:
            return float("inf")
        if self._tree is None:
            self._tree = cKDTree(_local_xy(self.street_vertices, lat))
        distance, _ = self._tree.query(_local_xy(np.array([[lon, lat]]), lat)[0])
        return float(distance)

    def in_service_area(self, lon: float, lat: float, margin_m: float) -> bool:
        """Return whether a point lies in the city's box grown by ``margin_m``."""
        west, south, east, north = self.bbox
        margin_deg = margin_m / 111_000.0
        lon_margin = margin_deg / max(np.cos(np.radians(lat)), 0.1)
        return (
            west - lon_margin <= lon <= east + lon_margin
            and south - margin_deg <= lat <= north + margin_deg
        )


def _local_xy(lonlat: NDArray[np.float64], lat0: float) -> NDArray[np.float64]:
    scale = np.radians(1.0) * _EARTH_RADIUS_M
    return np.column_stack(
        [lonlat[:, 0] * scale * np.cos(np.radians(lat0)), lonlat[:, 1] * scale]
    )


def _segment_lengths_m(part: NDArray[np.float64]) -> NDArray[np.float64]:
    if len(part) < 2:
        return np.zeros(0)
    return haversine_m(part[:-1, 0], part[:-1, 1], part[1:, 0], part[1:, 1])


def _extent_and_centre(
    vertices: NDArray[np.float64],
) -> tuple[float, tuple[float, float]]:
    """Return a street's extent along its main axis and its middle vertex."""
    xy = _local_xy(vertices, float(vertices[:, 1].mean()))
    centred = xy - xy.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    along = centred @ axes[0]
    middle = (along.min() + along.max()) / 2.0
    index = int(np.argmin(np.abs(along - middle) + 0.1 * np.abs(centred @ axes[-1])))
    lon, lat = vertices[index]
    return float(along.max() - along.min()), (float(lon), float(lat))


def _polyline_length_m(part: NDArray[np.float64]) -> float:
    return float(np.sum(_segment_lengths_m(part)))


# -- building -------------------------------------------------------------------


@dataclass
class _Builder:
    """Collect raw names and geometry from the sources of one city."""

    street_parts: dict[str, list[NDArray[np.float64]]] = field(default_factory=dict)
    street_display: dict[str, str] = field(default_factory=dict)
    places: dict[str, list[Place]] = field(default_factory=dict)
    house_numbers: dict[str, dict[int, tuple[float, float]]] = field(
        default_factory=dict
    )

    def add_street(self, name: str, coords: NDArray[np.float64]) -> None:
        key = normalise_name(name)
        if len(key) < 2 or len(coords) < 2 or key in _GENERIC_NAMES:
            return
        self.street_parts.setdefault(key, []).append(coords)
        self.street_display.setdefault(key, name)

    def add_place(self, name: str, kind: str, lon: float, lat: float) -> None:
        key = normalise_name(name)
        if len(key) < 2 or key in _GENERIC_NAMES or is_door_only(key):
            return
        place = Place(name, kind, lon, lat)
        self.places.setdefault(key, []).append(place)
        # Addresses are looked up after losing their city and district prefixes
        # and door parts; names that carry them (北京北辰商务区南区, 远洋国际D座,
        # 光熙门北里4号楼) are indexed without them too.
        alias = parse_address(name).core.split(" ")[0]
        if (
            alias != key
            and len(alias) >= 2
            and alias not in _GENERIC_NAMES
            and not is_door_only(alias)
        ):
            self.places.setdefault(alias, []).append(place)

    def add_house_number(
        self, street: str, number: str, lon: float, lat: float
    ) -> None:
        digits = "".join(ch for ch in number if ch.isdigit())
        if not digits or len(digits) > 5:
            return
        key = normalise_name(street)
        self.house_numbers.setdefault(key, {})[int(digits)] = (float(lon), float(lat))

    def build(self, city: str, bbox: tuple[float, float, float, float]) -> Gazetteer:
        gazetteer = Gazetteer(city=city, bbox=bbox)
        for key, parts in self.street_parts.items():
            length_m = sum(_polyline_length_m(p) for p in parts)
            extent_m, centre = _extent_and_centre(np.concatenate(parts))
            gazetteer.streets[key] = Street(
                self.street_display[key], tuple(parts), length_m, extent_m, centre
            )
        gazetteer.places = self.places
        gazetteer.house_numbers = self.house_numbers
        gazetteer.finish()
        return gazetteer


def _read_osm_xml(path: Path, builder: _Builder) -> None:
    import osmium

    class Handler(osmium.SimpleHandler):
        def node(self, node: "osmium.osm.Node") -> None:
            tags = node.tags
            if "name" not in tags and "addr:housenumber" not in tags:
                return
            lon, lat = node.location.lon, node.location.lat
            if "addr:housenumber" in tags and "addr:street" in tags:
                builder.add_house_number(
                    tags["addr:street"], tags["addr:housenumber"], lon, lat
                )
            if "name" in tags:
                builder.add_place(tags["name"], "place", lon, lat)

        def way(self, way: "osmium.osm.Way") -> None:
            tags = way.tags
            if "name" not in tags and "addr:housenumber" not in tags:
                return
            try:
                coords = np.array(
                    [(n.location.lon, n.location.lat) for n in way.nodes], dtype=float
                )
            except osmium.InvalidLocationError:
                return
            if len(coords) == 0:
                return
            if "highway" in tags and "name" in tags:
                builder.add_street(tags["name"], coords)
                if "name:zh" in tags and tags["name:zh"] != tags["name"]:
                    builder.add_street(tags["name:zh"], coords)
                return
            lon, lat = coords.mean(axis=0)
            if "addr:housenumber" in tags and "addr:street" in tags:
                builder.add_house_number(
                    tags["addr:street"], tags["addr:housenumber"], lon, lat
                )
            if "name" in tags:
                builder.add_place(tags["name"], "place", float(lon), float(lat))

    Handler().apply_file(str(path), locations=True)


def _read_geojson(path: Path, builder: _Builder) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    for feature in document.get("features", []):
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        name = properties.get("name:zh") or properties.get("name")
        if not name:
            continue
        if geometry.get("type") == "LineString" and "highway" in properties:
            builder.add_street(name, np.array(geometry["coordinates"], dtype=float))
        elif geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            builder.add_place(name, "place", float(lon), float(lat))


def _read_aois(path: Path, builder: _Builder) -> None:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("aoi_name") or "").strip()
            if not name:
                continue
            try:
                points = np.array(ast.literal_eval(row["coords"]), dtype=float)
            except (ValueError, SyntaxError):
                logger.warning("skipping AOI %r with unreadable coords", name)
                continue
            if points.ndim != 2 or len(points) == 0:
                continue
            lon, lat = points.mean(axis=0)
            street = re.sub(r"(?:\s+nearby|周边)$", "", name)
            kind = "street_area" if street != name else "aoi"
            builder.add_place(street, kind, float(lon), float(lat))


def city_definition(city: str) -> dict[str, object]:
    """Read ``data/cities/<city>.toml``."""
    path = bundled_data_dir() / "cities" / f"{city}.toml"
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.toml"))
        raise ValueError(f"city must be one of {known}, got {city!r}")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def source_paths(city: str) -> list[Path]:
    """Return the OSM extracts and the AOI list the gazetteer is built from."""
    definition = city_definition(city)
    paths = [data_dir() / str(p) for p in definition.get("extracts", [])]  # type: ignore[attr-defined]
    if definition.get("aois"):
        paths.append(data_dir() / str(definition["aois"]))
    return paths


def build_gazetteer(city: str) -> Gazetteer:
    """Build a city's gazetteer from its sources (no cache).

    Raises
    ------
    FileNotFoundError
        When none of the city's sources exist under ``data_dir()``.
    """
    definition = city_definition(city)
    bbox = tuple(float(v) for v in definition["bbox"])  # type: ignore[attr-defined]
    paths = [p for p in source_paths(city) if p.exists()]
    if not paths:
        raise FileNotFoundError(
            f"no OSM data for {city!r} under {data_dir()}: expected "
            f"{[str(p) for p in source_paths(city)]}; set ONEHOUR_DATA_DIR"
        )
    builder = _Builder()
    for path in paths:
        if path.suffix == ".csv":
            _read_aois(path, builder)
        elif path.suffix in (".geojson", ".json"):
            _read_geojson(path, builder)
        else:
            _read_osm_xml(path, builder)
    gazetteer = builder.build(city, bbox)  # type: ignore[arg-type]
    logger.info(
        "built %s gazetteer: %d streets, %d place names, %d numbered streets",
        city,
        len(gazetteer.streets),
        len(gazetteer.places),
        len(gazetteer.house_numbers),
    )
    return gazetteer


def _cache_key(city: str) -> str:
    digest = hashlib.sha256(f"v{GAZETTEER_VERSION}:{city}".encode())
    for path in source_paths(city):
        if path.exists():
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def load_gazetteer(city: str) -> Gazetteer:
    """Return a city's gazetteer, from the cache when its sources are unchanged."""
    path = cache_dir() / "gazetteer" / f"{city}-{_cache_key(city)}.pkl"
    if path.exists():
        with path.open("rb") as handle:
            gazetteer: Gazetteer = pickle.load(handle)
        return gazetteer
    gazetteer = build_gazetteer(city)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        pickle.dump(gazetteer, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(path)
    return gazetteer
