"""Synthetic order streams for a city: when, where and what customers order.

A city-day of orders (3 000 by default) follows an hour-of-day profile with a
lunch and an evening peak. Dropoffs are drawn from named places (areas of
interest) when the city data has them inside the served road network, else
from the road graph's nodes; items come from the catalogue with a popularity
skew (a few titles sell most). Every draw uses the generator passed in.
"""

import ast
import csv
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulate.stream import Stream, StreamDepot, StreamMeta, StreamOrder

logger = logging.getLogger(__name__)

HOUR_S = 3600
DAY_PROFILE = (
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,  # night: closed
    2.0, 4.0, 6.0, 9.0, 12.0, 9.0, 6.0, 5.0,  # 08-15: lunch peak at noon
    5.0, 7.0, 10.0, 12.0, 10.0, 6.0, 3.0, 0.0,  # 16-23: evening peak at 19h
)  # fmt: skip
"""Relative orders per hour of the day, midnight first."""
METRES_PER_DEGREE = 111_320.0


class SyntheticConfig(BaseModel):
    """How a synthetic city-day of orders is drawn."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    orders: int = Field(
        default=3000, ge=1, le=1_000_000, description="Orders per city-day."
    )
    hour_profile: tuple[float, ...] = Field(
        default=DAY_PROFILE, min_length=24, max_length=24
    )
    popularity_exponent: float = Field(
        default=0.8,
        ge=0.0,
        le=5.0,
        description="Zipf exponent of title popularity (catalogue order = rank).",
    )
    mean_extra_titles: float = Field(
        default=0.3,
        ge=0.0,
        le=5.0,
        description="Mean titles per order beyond the first.",
    )
    jitter_m: float = Field(
        default=25.0, ge=0.0, description="Spread of a dropoff around its place."
    )

    @field_validator("hour_profile")
    @classmethod
    def _check_profile(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if min(value) < 0 or sum(value) <= 0:
            raise ValueError(
                f"hour_profile={value} must be non-negative with a positive sum"
            )
        return value


@dataclass(frozen=True)
class DemandMap:
    """Where orders go: candidate points (lon, lat) with relative weights."""

    points: np.ndarray
    weights: np.ndarray
    source: str

    def __post_init__(self) -> None:
        if self.points.ndim != 2 or self.points.shape[1] != 2 or not len(self.points):
            raise ValueError(
                f"DemandMap.points must be a non-empty (n, 2) array, "
                f"got shape {self.points.shape}"
            )
        if self.weights.shape != (len(self.points),) or self.weights.sum() <= 0:
            raise ValueError("DemandMap.weights must be one positive weight per point")


def read_aoi_points(path: Path, bbox: Sequence[float]) -> tuple[np.ndarray, list[str]]:
    """Return the centres and names of the named areas of interest inside a bbox.

    Parameters
    ----------
    path
        A CityBench AOI CSV (``coords`` is a list of (lon, lat) tuples,
        ``aoi_name`` the name).
    bbox
        [west, south, east, north] in WGS-84 degrees.
    """
    west, south, east, north = bbox
    centres, names = [], []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("aoi_name") or "").strip()
            if not name:
                continue
            try:
                coords = np.asarray(ast.literal_eval(row["coords"]), dtype=float)
            except (ValueError, SyntaxError, KeyError):
                continue
            if coords.ndim != 2 or coords.shape[1] != 2:
                continue
            lon, lat = coords.mean(axis=0)
            if west <= lon <= east and south <= lat <= north:
                centres.append((lon, lat))
                names.append(name)
    return np.asarray(centres, dtype=float).reshape(-1, 2), names


def synthetic_stream(
    config: SyntheticConfig,
    demand: DemandMap,
    titles: Sequence[str],
    depots: Sequence[StreamDepot],
    rng: np.random.Generator,
    name: str = "synthetic",
    city: str | None = None,
) -> Stream:
    """Draw a city-day of orders.

    Parameters
    ----------
    config
        Volume, hour profile and item mix.
    demand
        Where dropoffs fall.
    titles
        Catalogue titles, most popular first (the order stock generation
        assumes too).
    depots
        Carried into the stream (pickups are left to the dispatcher).
    rng
        The only source of randomness.
    """
    if not titles:
        raise ValueError("titles is empty: the catalogue has no titles to order")
    placed_s = _placement_times(config, rng)
    dropoffs = _dropoffs(config, demand, len(placed_s), rng)
    popularity = _popularity(len(titles), config.popularity_exponent)

    orders = []
    for i, (at_s, (lon, lat)) in enumerate(zip(placed_s, dropoffs, strict=True)):
        n_titles = 1 + int(rng.poisson(config.mean_extra_titles))
        picks = rng.choice(
            len(titles), size=min(n_titles, len(titles)), replace=False, p=popularity
        )
        items = tuple((titles[int(k)], 1) for k in sorted(picks))
        orders.append(
            StreamOrder(
                order_id=f"S{i + 1:05d}",
                placed_s=int(at_s),
                dropoff=(round(float(lon), 6), round(float(lat), 6)),
                deadline_s=int(at_s) + HOUR_S,
                items=items,
                size=len(items),
                line=i + 2,
            )
        )
    logger.info(
        "drew %d synthetic orders over %s (%d places)",
        len(orders),
        demand.source,
        len(demand.points),
    )
    return Stream(
        orders=tuple(orders),
        depots=tuple(depots),
        meta=StreamMeta(
            name=name, city=city, travel="road", source=f"synthetic; {demand.source}"
        ),
    )


def _placement_times(config: SyntheticConfig, rng: np.random.Generator) -> np.ndarray:
    profile = np.asarray(config.hour_profile, dtype=float)
    hours = rng.choice(24, size=config.orders, p=profile / profile.sum())
    seconds = hours * HOUR_S + rng.integers(0, HOUR_S, size=config.orders)
    return np.sort(seconds)


def _dropoffs(
    config: SyntheticConfig, demand: DemandMap, n: int, rng: np.random.Generator
) -> np.ndarray:
    weights = demand.weights / demand.weights.sum()
    picks = rng.choice(len(demand.points), size=n, p=weights)
    points = demand.points[picks].astype(float)
    if config.jitter_m > 0:
        offsets_m = rng.normal(0.0, config.jitter_m, size=(n, 2))
        lat_rad = np.radians(points[:, 1])
        points[:, 0] += offsets_m[:, 0] / (METRES_PER_DEGREE * np.cos(lat_rad))
        points[:, 1] += offsets_m[:, 1] / METRES_PER_DEGREE
    return points


def _popularity(n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.power(np.arange(1, n + 1, dtype=float), exponent)
    return weights / weights.sum()


def hourly_counts(times_s: Sequence[int]) -> np.ndarray:
    """Return how many of ``times_s`` fall in each hour of the day (24 bins)."""
    counts = np.zeros(24, dtype=int)
    for t in times_s:
        counts[math.floor(t / HOUR_S) % 24] += 1
    return counts
