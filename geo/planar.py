"""A travel model without a road graph: straight lines times a detour factor.

Serves order streams that have no road graph (benchmark data sets with
shifted or planar coordinates). Points are registered by :meth:`snap`, which
returns their indices; the same point always gets the same index.
"""

from typing import Literal

import numpy as np

from geo.errors import BadPointError
from geo.graph import EARTH_RADIUS_M
from geo.travel_model import Path, Snapped

Frame = Literal["lonlat", "xy_m"]
DEFAULT_DETOUR = 1.3
"""Road distance over straight-line distance; the shared Beijing extract
measures 1.23 and Guangzhou's 1.37 on sample routes."""
DEFAULT_SPEED_MPS = 15.0 / 3.6
"""An e-bike courier's average door-to-door speed, 15 km/h."""


class PlanarTravelModel:
    """Straight-line travel (haversine or euclidean) × detour, at one speed.

    Parameters
    ----------
    frame
        ``lonlat`` for WGS-84 degrees (haversine), ``xy_m`` for planar metres.
    detour_factor
        Multiplier from straight-line to travelled distance, >= 1.
    speed_mps
        Travel speed in m/s.
    name
        Label for outputs.
    """

    synthetic = True

    def __init__(
        self,
        frame: Frame = "lonlat",
        detour_factor: float = DEFAULT_DETOUR,
        speed_mps: float = DEFAULT_SPEED_MPS,
        name: str = "planar",
    ) -> None:
        if frame not in ("lonlat", "xy_m"):
            raise ValueError(f"frame={frame!r} must be 'lonlat' or 'xy_m'")
        if not detour_factor >= 1.0:
            raise ValueError(f"detour_factor={detour_factor} must be >= 1")
        if not speed_mps > 0:
            raise ValueError(f"speed_mps={speed_mps} must be > 0 m/s")
        self.frame = frame
        self.detour_factor = float(detour_factor)
        self.speed_mps = float(speed_mps)
        self.name = name
        self._points = np.empty((0, 2))
        self._index: dict[tuple[float, float], int] = {}

    def __repr__(self) -> str:
        return (
            f"PlanarTravelModel({self.frame!r}, detour={self.detour_factor}, "
            f"speed={self.speed_mps:.2f} m/s, points={len(self._index)})"
        )

    def snap(self, points: np.ndarray) -> Snapped:
        """Register (n, 2) points and return their indices (distance 0)."""
        array = np.asarray(points, dtype=float).reshape(-1, 2)
        bad = np.flatnonzero(~np.isfinite(array).all(axis=1))
        if bad.size:
            raise BadPointError(
                f"{bad.size} point(s) with NaN or infinite coordinates, first "
                f"#{bad[0]} = {array[bad[0]].tolist()}"
            )
        if self.frame == "lonlat":
            wrong = np.flatnonzero(
                (np.abs(array[:, 0]) > 180) | (np.abs(array[:, 1]) > 90)
            )
            if wrong.size:
                raise BadPointError(
                    f"point #{wrong[0]} {array[wrong[0]].tolist()} is not lon/lat "
                    "degrees (lon in -180..180, lat in -90..90)"
                )
        nodes = np.empty(len(array), dtype=np.int64)
        new = []
        for i, (a, b) in enumerate(array.tolist()):
            key = (a, b)
            index = self._index.get(key)
            if index is None:
                index = len(self._index)
                self._index[key] = index
                new.append(key)
            nodes[i] = index
        if new:
            self._points = np.vstack([self._points, np.array(new)])
        return Snapped(nodes, np.zeros(len(array)))

    def location_points(self, nodes: np.ndarray) -> np.ndarray:
        """Return the (n, 2) coordinates of registered points."""
        return self._points[self._check(nodes)]

    def matrix(
        self, origins: np.ndarray, destinations: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return int32 (time_s, distance_m), origins × destinations."""
        a = self._points[self._check(origins)]
        b = self._points[self._check(destinations)]
        distance_m = self._distance(a[:, None, :], b[None, :, :]) * self.detour_factor
        time_s = np.rint(distance_m / self.speed_mps).astype(np.int32)
        return time_s, np.rint(distance_m).astype(np.int32)

    def path(self, origin: int, destination: int) -> Path:
        """Return the straight segment between two points."""
        points = self.location_points(np.array([origin, destination]))
        time_s, distance_m = self.matrix(np.array([origin]), np.array([destination]))
        return Path(
            points,
            np.array([0, int(time_s[0, 0])]),
            np.array([0.0, float(distance_m[0, 0])]),
        )

    def _distance(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if self.frame == "xy_m":
            return np.hypot(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1])
        lon1, lat1 = np.radians(a[..., 0]), np.radians(a[..., 1])
        lon2, lat2 = np.radians(b[..., 0]), np.radians(b[..., 1])
        h = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))

    def _check(self, nodes: np.ndarray) -> np.ndarray:
        array = np.asarray(nodes)
        if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
            raise TypeError(
                f"nodes must be a 1-d integer array, got dtype {array.dtype} "
                f"shape {array.shape}"
            )
        if array.size and (array.min() < 0 or array.max() >= len(self._index)):
            raise ValueError(
                f"point indices must be in 0..{len(self._index) - 1} (registered by "
                f"snap), got {array.min()}..{array.max()}"
            )
        return array.astype(np.int64, copy=False)
