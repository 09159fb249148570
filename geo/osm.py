"""Read OSM road data into one merged list of ways.

Readers accept OSM XML (``.osm``, several patch files merged by node and way
id), ``.osm.pbf`` (both through osmium), osmnx GraphML, and GeoJSON
FeatureCollections of OSM ways (LineStrings with the OSM node ids in
``properties.nodes``). Only ways with a ``highway`` tag are kept.
"""

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geo.errors import MapDataError

logger = logging.getLogger(__name__)

SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".xml", ".graphml", ".geojson", ".json")


@dataclass
class RawNetwork:
    """OSM nodes and highway ways, before any travel profile is applied.

    ``coords`` maps an OSM node id to (lon, lat); ``signals`` holds the ids
    of nodes tagged ``highway=traffic_signals``; each way is a pair
    (node ids, tags). Ways are keyed by way id so that overlapping patches
    merge instead of duplicating streets.
    """

    coords: dict[int, tuple[float, float]] = field(default_factory=dict)
    signals: set[int] = field(default_factory=set)
    ways: dict[str, tuple[list[int], dict[str, str]]] = field(default_factory=dict)

    def merge(self, other: "RawNetwork") -> None:
        """Add another network's nodes and ways (same ids are the same thing)."""
        self.coords.update(other.coords)
        self.signals |= other.signals
        self.ways.update(other.ways)


def read_extracts(paths: Sequence[Path]) -> RawNetwork:
    """Read and merge map files of any supported format.

    Raises
    ------
    MapDataError
        If a file is empty, corrupt, of an unknown format, or has no
        highway way.
    """
    network = RawNetwork()
    for path in paths:
        part = read_extract(path)
        logger.info(
            "read %s: %d highway ways, %d nodes", path, len(part.ways), len(part.coords)
        )
        network.merge(part)
    return network


def read_extract(path: Path) -> RawNetwork:
    """Read one map file, choosing the reader by its suffix."""
    name = path.name.lower()
    if not path.is_file():
        raise MapDataError(f"map file {path} does not exist")
    if path.stat().st_size == 0:
        raise MapDataError(f"map file {path} is empty")
    try:
        if name.endswith((".osm", ".osm.pbf", ".pbf", ".xml", ".osm.bz2")):
            network = _read_osmium(path)
        elif name.endswith(".graphml"):
            network = _read_graphml(path)
        elif name.endswith((".geojson", ".json")):
            network = _read_geojson(path)
        else:
            raise MapDataError(
                f"map file {path} has an unknown format; use one of {SUFFIXES}"
            )
    except MapDataError:
        raise
    except Exception as error:
        raise MapDataError(f"map file {path} could not be read: {error}") from error
    if not network.ways:
        raise MapDataError(f"map file {path} holds no highway way (no road at all)")
    return network


def _read_osmium(path: Path) -> RawNetwork:
    import osmium

    network = RawNetwork()

    class Handler(osmium.SimpleHandler):
        def node(self, node: "osmium.osm.Node") -> None:
            if node.tags.get("highway") == "traffic_signals":
                network.signals.add(node.id)

        def way(self, way: "osmium.osm.Way") -> None:
            if "highway" not in way.tags:
                return
            refs = []
            for ref in way.nodes:
                if not ref.location.valid():
                    continue
                network.coords[ref.ref] = (ref.lon, ref.lat)
                refs.append(ref.ref)
            if len(refs) >= 2:
                tags = {tag.k: tag.v for tag in way.tags}
                network.ways[f"w{way.id}"] = (refs, tags)

    Handler().apply_file(str(path), locations=True)
    return network


def _read_graphml(path: Path) -> RawNetwork:
    import osmnx

    graph = osmnx.load_graphml(path)
    network = RawNetwork()
    for node, data in graph.nodes(data=True):
        network.coords[int(node)] = (float(data["x"]), float(data["y"]))
        if data.get("highway") == "traffic_signals":
            network.signals.add(int(node))

    for u, v, key, data in graph.edges(keys=True, data=True):
        tags = {
            k: (val[0] if isinstance(val, list) else val)
            for k, val in data.items()
            if k not in ("geometry", "length", "oneway", "reversed", "osmid")
        }
        tags = {k: str(val) for k, val in tags.items()}
        if "highway" not in tags:
            continue
        # osmnx stores a two-way street as two edges, the second flagged
        # ``reversed``; keep one way per street, so both directions share
        # their interpolated nodes.
        if not _truthy(data.get("oneway", False)):
            if _truthy(data.get("reversed", False)) and graph.has_edge(v, u):
                continue
            tags["oneway"] = "no"
        else:
            tags["oneway"] = "yes"
        refs = [int(u)]
        geometry = data.get("geometry")
        if geometry is not None:
            for lon, lat in list(geometry.coords)[1:-1]:
                vertex = _coordinate_id(lon, lat)
                network.coords[vertex] = (float(lon), float(lat))
                refs.append(vertex)
        refs.append(int(v))
        network.ways[f"e{u}-{v}-{key}"] = (refs, tags)
    return network


def _truthy(value: object) -> bool:
    if isinstance(value, list):
        value = value[0]
    return str(value).lower() in ("true", "yes", "1")


def _read_geojson(path: Path) -> RawNetwork:
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise MapDataError(f"map file {path} is not a GeoJSON FeatureCollection")
    network = RawNetwork()
    for number, feature in enumerate(document.get("features", [])):
        geometry = feature.get("geometry") or {}
        props = feature.get("properties") or {}
        if geometry.get("type") != "LineString" or "highway" not in props:
            continue
        coords = np.asarray(geometry["coordinates"], dtype=float)
        ids = props.get("nodes")
        if ids is None or len(ids) != len(coords):
            # Without OSM node ids, join ways where coordinates coincide.
            ids = [_coordinate_id(lon, lat) for lon, lat in coords]
        for node_id, (lon, lat) in zip(ids, coords, strict=True):
            network.coords[int(node_id)] = (float(lon), float(lat))
        tags = {
            k: str(v)
            for k, v in props.items()
            if k != "nodes" and isinstance(v, str | int | float)
        }
        way_id = str(props.get("id", f"f{number}"))
        network.ways[way_id] = ([int(i) for i in ids], tags)
    return network


def _coordinate_id(lon: float, lat: float) -> int:
    """Return a negative pseudo node id from coordinates rounded to ~10 cm."""
    return -(round((lon + 180.0) * 1e6) * 10**9 + round((lat + 90.0) * 1e6))
