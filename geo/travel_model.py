"""The seam between maps and everything that needs travel times.

A travel model turns points into locations on its network (``snap``), gives
many-to-many travel times and distances between locations (``matrix``), and
the path between two locations (``path``), for drawing routes and for moving
simulated couriers. The road-graph model and the planar model both satisfy
:class:`TravelModel`; dispatch and the simulator only ever see this protocol.
"""

from dataclasses import dataclass
from typing import Protocol

import numpy as np

UNREACHABLE_S = np.iinfo(np.int32).max // 4
"""Travel time returned for a pair with no path within the search horizon.

Large enough that no plan uses it, small enough that sums of a few do not
overflow int64 solver arithmetic.
"""


@dataclass(frozen=True)
class Snapped:
    """Points placed on the network: location ids and how far each was moved."""

    nodes: np.ndarray
    distance_m: np.ndarray


@dataclass(frozen=True)
class Path:
    """A travelled path: vertex coordinates with cumulative time and distance.

    ``points`` has shape (k, 2) in the model's frame (lon/lat WGS-84 degrees,
    or x/y metres for a planar x/y model); ``time_s`` and ``distance_m`` are
    cumulative from the first vertex, so ``time_s[-1]`` is the travel time.
    """

    points: np.ndarray
    time_s: np.ndarray
    distance_m: np.ndarray


class TravelModel(Protocol):
    """Travel times and paths between points for one courier mode."""

    name: str
    synthetic: bool

    def snap(self, points: np.ndarray) -> Snapped:
        """Place (n, 2) points on the network; raise if one is too far off it."""
        ...

    def matrix(
        self, origins: np.ndarray, destinations: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return int32 (time_s, distance_m), each shaped (origins, destinations).

        Pairs with no path within the horizon get :data:`UNREACHABLE_S`.
        """
        ...

    def path(self, origin: int, destination: int) -> Path:
        """Return the fastest path between two snapped locations."""
        ...

    def location_points(self, nodes: np.ndarray) -> np.ndarray:
        """Return the (n, 2) coordinates of snapped locations."""
        ...
