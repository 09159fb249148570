"""Errors raised by the geo package.

Every error names its input (a file, a point, a city) and the reason, so a
caller can show it to a person unchanged.
"""


class MapDataError(ValueError):
    """A map file is corrupt, empty, or holds no routable road for the mode."""


class MapDataMissingError(FileNotFoundError):
    """A city's map files are absent; the message says where to put them."""


class BadPointError(ValueError):
    """A point is not a usable WGS-84 lon/lat pair (NaN, infinite, swapped)."""


class OffNetworkError(ValueError):
    """A point is farther from any routable road than the snap limit.

    Attributes
    ----------
    indices
        Positions, in the caller's array, of the rejected points.
    distance_m
        Distance from each rejected point to the nearest routable node.
    """

    def __init__(
        self, message: str, indices: list[int], distance_m: list[float]
    ) -> None:
        super().__init__(message)
        self.indices = indices
        self.distance_m = distance_m


class OutsideMapError(OffNetworkError):
    """A point lies outside the extent of the city's road graph."""
