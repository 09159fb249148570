"""Benchmark instances as solver problems: Solomon, Homberger, Li & Lim, live-shaped.

Solomon and Homberger follow the DIMACS convention: each arc's Euclidean
length is truncated to one decimal, and every number is scaled by
``DIMACS_SCALE`` to integers, so travel time equals distance in tenths.
Li & Lim arcs are rounded to hundredths (``LILIM_SCALE``); its best-known
values are unrounded Euclidean distances.
"""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver import Courier, Order, Pickup, Problem

DIMACS_SCALE = 10
"""Solomon/Homberger numbers are multiplied by this (one decimal kept)."""
LILIM_SCALE = 100
"""Li & Lim numbers are multiplied by this (two decimals kept)."""


@dataclass(frozen=True)
class Instance:
    """A benchmark problem with the best-known distance in its own units."""

    name: str
    problem: Problem
    best_known: float
    scale: int


def read_solomon(path: Path, best_known: float) -> Instance:
    """Read a Solomon/Homberger VRPTW file as a problem (DIMACS distances)."""
    lines = [ln.split() for ln in path.read_text().splitlines()]
    numbers = [ln for ln in lines if ln and all(_is_number(x) for x in ln)]
    n_vehicles, capacity = (int(x) for x in numbers[0])
    rows = np.array([[float(x) for x in ln] for ln in numbers[1:]])
    xy = rows[:, 1:3]
    scaled = rows[:, 3:7].astype(np.int64)
    demand = scaled[:, 0]
    ready, due, service = (scaled[:, k] * DIMACS_SCALE for k in (1, 2, 3))
    time_s = np.floor(_euclidean(xy) * DIMACS_SCALE + 1e-9).astype(np.int64)

    orders = tuple(
        Order(
            id=str(int(rows[i, 0])),
            delivery=i,
            deadline_s=int(due[i]),
            earliest_s=int(ready[i]),
            delivery_service_s=int(service[i]),
            size=int(demand[i]),
        )
        for i in range(1, len(rows))
    )
    couriers = tuple(
        Courier(f"v{k}", start=0, start_s=int(ready[0]), shift_end_s=int(due[0]),
                capacity=capacity, end=0)
        for k in range(n_vehicles)
    )  # fmt: skip
    problem = Problem(couriers=couriers, orders=orders, time_s=time_s)
    return Instance(path.stem.lower(), problem, best_known, DIMACS_SCALE)


def read_lilim(path: Path, best_known: float) -> Instance:
    """Read a Li & Lim PDPTW file as a problem (arcs in hundredths, rounded)."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    n_vehicles, capacity = int(lines[0][0]), int(lines[0][1])
    rows = np.array([[float(x) for x in ln] for ln in lines[1:]])
    xy = rows[:, 1:3]
    time_s = np.rint(_euclidean(xy) * LILIM_SCALE).astype(np.int64)
    ready, due, service = (
        (rows[:, k] * LILIM_SCALE).astype(np.int64) for k in (4, 5, 6)
    )

    orders = []
    for i in range(1, len(rows)):
        if rows[i, 3] <= 0:
            continue
        d = int(rows[i, 8])
        orders.append(
            Order(
                id=str(i),
                delivery=d,
                deadline_s=int(due[d]),
                earliest_s=int(ready[d]),
                pickups=(Pickup(i, int(ready[i]), int(due[i])),),
                pickup_service_s=int(service[i]),
                delivery_service_s=int(service[d]),
                size=int(rows[i, 3]),
            )
        )
    couriers = tuple(
        Courier(f"v{k}", start=0, start_s=int(ready[0]), shift_end_s=int(due[0]),
                capacity=capacity, end=0)
        for k in range(n_vehicles)
    )  # fmt: skip
    problem = Problem(couriers=couriers, orders=tuple(orders), time_s=time_s)
    return Instance(path.stem.lower(), problem, best_known, LILIM_SCALE)


def best_known(csv_path: Path) -> dict[str, float]:
    """Return best-known distances by lower-case instance name."""
    with csv_path.open(newline="") as f:
        return {r["instance"].lower(): float(r["distance"]) for r in csv.DictReader(f)}


def instance_paths(folder: Path) -> list[Path]:
    """Return the instance files of a folder, sorted by name."""
    return sorted(p for p in folder.glob("*.txt") if p.name.lower() != "readme.txt")


def live_problem(
    rng: np.random.Generator,
    n_orders: int,
    n_couriers: int,
    n_depots: int = 3,
    placed_over_s: int = 3600,
    side_m: float = 12_000.0,
) -> Problem:
    """Return a live-shaped problem: same-hour orders stocked at a few depots.

    Orders are placed uniformly over ``placed_over_s``; each is stocked at one
    to ``n_depots`` depots (ready when placed) and due 60 min after placing.
    Couriers are spread over a square city of ``side_m`` metres, on shift
    for three hours with bags of 8, riding e-bikes at 18 km/h with a 1.3
    detour factor. Locations: depots, then courier starts, then deliveries.
    """
    speed_m_per_s, detour = 5.0, 1.3
    depots = side_m * (0.25 + 0.5 * rng.random((n_depots, 2)))
    starts = side_m * rng.random((n_couriers, 2))
    drops = side_m * rng.random((n_orders, 2))
    xy = np.vstack([depots, starts, drops])
    distance_m = np.rint(_euclidean(xy) * detour).astype(np.int64)
    time_s = np.rint(distance_m / speed_m_per_s).astype(np.int64)

    placed = np.sort(rng.integers(0, placed_over_s, n_orders))
    orders = []
    for i in range(n_orders):
        n_stock = int(rng.integers(1, n_depots + 1))
        stocked = np.sort(rng.choice(n_depots, n_stock, replace=False))
        orders.append(
            Order(
                id=f"o{i}",
                delivery=n_depots + n_couriers + i,
                deadline_s=int(placed[i]) + 3600,
                earliest_s=int(placed[i]),
                pickups=tuple(Pickup(int(d), int(placed[i])) for d in stocked),
                pickup_service_s=60,
                delivery_service_s=120,
            )
        )
    couriers = tuple(
        Courier(f"c{k}", start=n_depots + k, start_s=0,
                shift_end_s=placed_over_s + 3 * 3600, capacity=8)
        for k in range(n_couriers)
    )  # fmt: skip
    return Problem(couriers, tuple(orders), time_s, distance_m)


def _euclidean(xy: np.ndarray) -> np.ndarray:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return math.isfinite(float(text))
