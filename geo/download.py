"""Download a city's street network with osmnx when the machine is online."""

import logging
import os
import tempfile
from pathlib import Path

from geo.city import CityDefinition, download_path
from geo.errors import MapDataMissingError

logger = logging.getLogger(__name__)


def download_city(definition: CityDefinition, by: str = "place") -> Path:
    """Download a city's OSM streets with osmnx and save them as GraphML.

    Parameters
    ----------
    definition
        The city; ``place`` (an OSM place name) or ``bbox`` says what to fetch.
    by
        ``place`` (the whole administrative area) or ``bbox`` (the service
        area only, much smaller).

    Returns
    -------
    Path
        The GraphML file, written atomically under ``cache_dir()/downloads``.

    Raises
    ------
    MapDataMissingError
        If the download fails (no network, unknown place); the message names
        the file to provide instead.
    """
    import osmnx

    target = download_path(definition.name)
    if by not in ("place", "bbox"):
        raise ValueError(f"by={by!r} must be 'place' or 'bbox'")
    if by == "place" and not definition.place:
        raise ValueError(f"city {definition.name} has no place name; use by='bbox'")
    try:
        if by == "place" and definition.place:
            graph = osmnx.graph_from_place(
                definition.place, network_type="all", simplify=False, retain_all=True
            )
        else:
            graph = osmnx.graph_from_bbox(
                definition.bbox, network_type="all", simplify=False, retain_all=True
            )
    except Exception as error:
        extracts = ", ".join(definition.extracts) or f"osm/{definition.name}/*.osm"
        raise MapDataMissingError(
            f"could not download the streets of {definition.name} ({by}): {error}. "
            f"On a machine that is online run `onehour city prepare "
            f"{definition.name} --download`; or put the OSM extracts ({extracts}) "
            "under the data directory (ONEHOUR_DATA_DIR)."
        ) from error

    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, suffix=".graphml.tmp")
    os.close(handle)
    try:
        osmnx.save_graphml(graph, temp_name)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    logger.info("downloaded %s: %d nodes to %s", definition.name, len(graph), target)
    return target
