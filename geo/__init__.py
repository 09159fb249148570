"""Where things are and how long it takes a courier to get there.

Public API: :func:`load_city` (a :class:`City` with a road-graph
:class:`RoadTravelModel` and depots), :class:`PlanarTravelModel` for streams
without a road graph, and the :class:`TravelModel` protocol both satisfy.

Names are imported lazily on first use, so that ``import geo`` (done by the
``onehour`` command to mount ``geo.cli``) does not pull in scipy.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geo.city import City, CityDefinition, Depot, city_names, load_city
    from geo.errors import (
        BadPointError,
        MapDataError,
        MapDataMissingError,
        OffNetworkError,
        OutsideMapError,
    )
    from geo.planar import PlanarTravelModel
    from geo.profiles import TravelProfile, travel_profile
    from geo.road import RoadTravelModel
    from geo.travel_model import UNREACHABLE_S, Path, Snapped, TravelModel

_EXPORTS = {
    "City": "geo.city",
    "CityDefinition": "geo.city",
    "Depot": "geo.city",
    "city_names": "geo.city",
    "load_city": "geo.city",
    "BadPointError": "geo.errors",
    "MapDataError": "geo.errors",
    "MapDataMissingError": "geo.errors",
    "OffNetworkError": "geo.errors",
    "OutsideMapError": "geo.errors",
    "PlanarTravelModel": "geo.planar",
    "TravelProfile": "geo.profiles",
    "travel_profile": "geo.profiles",
    "RoadTravelModel": "geo.road",
    "UNREACHABLE_S": "geo.travel_model",
    "Path": "geo.travel_model",
    "Snapped": "geo.travel_model",
    "TravelModel": "geo.travel_model",
}

__all__ = [
    "UNREACHABLE_S",
    "BadPointError",
    "City",
    "CityDefinition",
    "Depot",
    "MapDataError",
    "MapDataMissingError",
    "OffNetworkError",
    "OutsideMapError",
    "Path",
    "PlanarTravelModel",
    "RoadTravelModel",
    "Snapped",
    "TravelModel",
    "TravelProfile",
    "city_names",
    "load_city",
    "travel_profile",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
