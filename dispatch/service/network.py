"""The road network as plain JSON for the live map: no tiles, no internet."""

import logging
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

MAX_SEGMENTS = 60_000
"""Beyond this many road segments the map draws an even sample of them."""
DECIMALS = 5
"""Coordinate precision sent to the map (about a metre)."""


def road_network(
    travel: Any, bbox: tuple[float, float, float, float] | None = None
) -> dict[str, Any]:
    """Return the streets of a road travel model as segments and a bounding box.

    Parameters
    ----------
    travel
        A travel model; only one with a ``graph`` holding WGS-84 node
        coordinates and CSR adjacency (``lon``, ``lat``, ``indptr``,
        ``indices``) has streets to draw.
    bbox
        The service area [west, south, east, north], returned as the extent
        when there are no streets to draw.

    Returns
    -------
    dict
        ``segments``: a list of ``[lon0, lat0, lon1, lat1]``, each road drawn
        once whatever its directions; ``bbox``: [west, south, east, north] of
        the streets drawn (the map data often covers less than the service
        area).
    """
    graph = getattr(travel, "graph", None)
    if graph is None or _planar(graph):
        return {"segments": [], "bbox": list(bbox) if bbox else None}
    lon, lat = np.asarray(graph.lon), np.asarray(graph.lat)
    tails = np.repeat(np.arange(lon.size), np.diff(graph.indptr))
    heads = np.asarray(graph.indices)
    pairs = np.unique(np.sort(np.stack([tails, heads], axis=1), axis=1), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    if len(pairs) > MAX_SEGMENTS:
        keep = np.linspace(0, len(pairs) - 1, MAX_SEGMENTS).astype(int)
        logger.info("map draws %d of %d road segments", MAX_SEGMENTS, len(pairs))
        pairs = pairs[keep]
    coords = np.stack(
        [lon[pairs[:, 0]], lat[pairs[:, 0]], lon[pairs[:, 1]], lat[pairs[:, 1]]],
        axis=1,
    ).round(DECIMALS)
    drawn_lon, drawn_lat = coords[:, [0, 2]], coords[:, [1, 3]]
    extent = [
        float(drawn_lon.min()),
        float(drawn_lat.min()),
        float(drawn_lon.max()),
        float(drawn_lat.max()),
    ]
    return {"segments": coords.tolist(), "bbox": extent}


def _planar(graph: Any) -> bool:
    """Return whether a graph's coordinates are metres rather than degrees."""
    lon = np.asarray(graph.lon)
    return bool(lon.size and np.abs(lon).max() > 180.0)
