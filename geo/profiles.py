"""Courier travel profiles: which roads a mode may use and how fast.

Speeds are typical door-to-door riding speeds of a loaded delivery courier in
a Chinese city centre, per OSM ``highway`` class, in km/h.

Sources and reasoning
---------------------
- E-bike: GB 17761-2018 (电动自行车安全技术规范, the national e-bike
  standard) caps the design speed of an electric bicycle at 25 km/h, so no
  class exceeds 25 km/h; the averages below account for signals, mixed
  traffic and non-motor lanes. E-bikes are non-motor vehicles (Road Traffic
  Safety Law of the PRC, art. 119): they may not use motorways or urban
  expressways (``motorway``, ``trunk`` and their links are excluded), and
  they must keep to the direction of traffic, so one-way streets are
  respected unless tagged ``oneway:bicycle=no``.
- ``bicycle=no`` on a carriageway (common on Guangzhou main roads, which have
  a side path instead): an e-bike may not ride there; the courier may push
  the bike on the pavement alongside as a pedestrian. With
  ``bicycle_no="push"`` (default) such ways are kept at walking speed in both
  directions; with ``bicycle_no="exclude"`` they are dropped.
- Scooter (light electric motorcycle, 电动轻便摩托车): GB 17761-2018 puts
  these above 25 km/h and they are motor vehicles; we use 40 km/h at most,
  exclude motorways, allow trunk roads, respect one-way streets and ignore
  ``bicycle=no``.
- Walk: 5 km/h on every class except motorway and trunk, one-way ignored.

Per-intersection delay: each edge entering a node where three or more
streets meet costs ``intersection_delay_s``; a node tagged
``highway=traffic_signals`` costs ``signal_delay_s`` (about half a typical
90 s signal cycle in Chinese city centres, times the chance of a red).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Mode = Literal["ebike", "scooter", "walk"]
MODES: tuple[Mode, ...] = ("ebike", "scooter", "walk")
EBIKE_CAP_KMH = 25.0
"""GB 17761-2018: maximum design speed of an electric bicycle."""

WALK_KMH = 5.0


def _frozen(table: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(table))


_EBIKE_KMH = {
    "primary": 18.0,
    "primary_link": 16.0,
    "secondary": 18.0,
    "secondary_link": 16.0,
    "tertiary": 16.0,
    "tertiary_link": 15.0,
    "unclassified": 15.0,
    "residential": 14.0,
    "road": 14.0,
    "living_street": 10.0,
    "service": 10.0,
    "cycleway": 18.0,
    "track": 10.0,
    "path": 10.0,
    "pedestrian": WALK_KMH,
    "footway": WALK_KMH,
}
_SCOOTER_KMH = {
    "trunk": 40.0,
    "trunk_link": 30.0,
    "primary": 30.0,
    "primary_link": 25.0,
    "secondary": 28.0,
    "secondary_link": 24.0,
    "tertiary": 24.0,
    "tertiary_link": 22.0,
    "unclassified": 20.0,
    "residential": 18.0,
    "road": 18.0,
    "living_street": 10.0,
    "service": 12.0,
    "track": 12.0,
}
_WALK_KMH = {
    name: WALK_KMH
    for name in (
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "road",
        "living_street",
        "service",
        "cycleway",
        "track",
        "path",
        "pedestrian",
        "footway",
        "steps",
    )
}


@dataclass(frozen=True)
class TravelProfile:
    """How one courier mode uses the road network.

    Parameters
    ----------
    mode
        ``ebike``, ``scooter`` or ``walk``.
    speed_kmh
        Riding speed per OSM ``highway`` class; classes absent are not used.
    respect_oneway
        Whether one-way streets may only be ridden in their direction.
    bicycle_no
        ``push`` keeps ``bicycle=no`` ways at walking speed in both
        directions; ``exclude`` drops them; ``ignore`` treats them like any
        other way (motor modes).
    intersection_delay_s
        Added to each edge that enters a node where three or more streets meet.
    signal_delay_s
        Added instead at nodes tagged ``highway=traffic_signals``.
    hourly_factors
        24 travel-time multipliers, one per local hour (1.0 = free flow);
        the hook for time-of-day speeds, see ``RoadTravelModel.at_hour``.
    max_segment_m
        Longer straight segments get interpolated nodes, so that every point
        on a road lies within half this distance of a node.
    """

    mode: Mode
    speed_kmh: Mapping[str, float]
    respect_oneway: bool
    bicycle_no: Literal["push", "exclude", "ignore"]
    intersection_delay_s: int = 5
    signal_delay_s: int = 20
    hourly_factors: tuple[float, ...] = field(default=(1.0,) * 24)
    max_segment_m: float = 150.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode={self.mode!r} is not one of {MODES}")
        for highway, kmh in self.speed_kmh.items():
            if not 0.0 < kmh <= 130.0:
                raise ValueError(
                    f"speed_kmh[{highway!r}]={kmh} must be in (0, 130] km/h"
                )
        if self.mode == "ebike" and max(self.speed_kmh.values()) > EBIKE_CAP_KMH:
            raise ValueError(
                f"e-bike speeds must not exceed the {EBIKE_CAP_KMH} km/h cap of "
                f"GB 17761-2018, got {max(self.speed_kmh.values())}"
            )
        if self.bicycle_no not in ("push", "exclude", "ignore"):
            raise ValueError(
                f"bicycle_no={self.bicycle_no!r} must be push, exclude or ignore"
            )
        if self.intersection_delay_s < 0 or self.signal_delay_s < 0:
            raise ValueError(
                "intersection_delay_s and signal_delay_s must be >= 0, got "
                f"{self.intersection_delay_s} and {self.signal_delay_s}"
            )
        if len(self.hourly_factors) != 24 or min(self.hourly_factors) <= 0:
            raise ValueError(
                "hourly_factors must hold 24 positive multipliers, got "
                f"{self.hourly_factors!r}"
            )
        if self.max_segment_m < 10.0:
            raise ValueError(f"max_segment_m={self.max_segment_m} must be >= 10 m")

    def cache_key(self) -> str:
        """Return a stable text of every parameter that shapes the graph."""
        speeds = ",".join(f"{k}={v}" for k, v in sorted(self.speed_kmh.items()))
        return (
            f"{self.mode}|{speeds}|oneway={self.respect_oneway}|"
            f"bicycle_no={self.bicycle_no}|delay={self.intersection_delay_s},"
            f"{self.signal_delay_s}|seg={self.max_segment_m}"
        )


def travel_profile(mode: str = "ebike") -> TravelProfile:
    """Return the default profile of a courier mode.

    Raises
    ------
    ValueError
        If ``mode`` is not one of ``ebike``, ``scooter``, ``walk``.
    """
    if mode == "ebike":
        return TravelProfile("ebike", _frozen(_EBIKE_KMH), True, "push")
    if mode == "scooter":
        return TravelProfile("scooter", _frozen(_SCOOTER_KMH), True, "ignore")
    if mode == "walk":
        return TravelProfile(
            "walk", _frozen(_WALK_KMH), False, "ignore", intersection_delay_s=3
        )
    raise ValueError(f"mode={mode!r} is not one of {MODES}")
