"""Depot stock: loading and generating it, and reserving, releasing, consuming it.

A stock file is a CSV with columns ``depot_id, title, quantity``: copies of a
catalogue title on a depot's shelf. ``data/stock/<city>.csv`` holds a seeded
sample generated from ``data/catalogue.csv`` for the depots of each bundled
city (:func:`generate_stock`); regenerate them with ``python -m dispatch.stock``.
"""

import csv
import logging
import sys
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.domain import DepotRecord
from dispatch.events import ItemLine
from geo.settings import bundled_data_dir

logger = logging.getLogger(__name__)

Stock = dict[str, dict[str, int]]
"""Copies per title, per depot id."""

STOCK_COLUMNS = ("depot_id", "title", "quantity")
STOCK_SEED = 2026
"""Seed of the bundled sample stock; each city mixes in a hash of its name."""


def stock_path(city: str) -> Path:
    """Return the bundled stock file of a city."""
    return bundled_data_dir() / "stock" / f"{city}.csv"


def load_stock(path: Path) -> Stock:
    """Read a stock CSV, reporting every bad row at once.

    Raises
    ------
    ValueError
        Naming the file, each bad row number and what is wrong with it.
    """
    stock: Stock = {}
    problems = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(STOCK_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        for row_number, row in enumerate(reader, start=2):
            depot_id, title = row["depot_id"].strip(), row["title"].strip()
            try:
                quantity = int(row["quantity"])
            except ValueError:
                quantity = -1
            if not depot_id or not title or quantity < 0:
                problems.append(
                    f"row {row_number}: depot_id={depot_id!r} title={title!r} "
                    f"quantity={row['quantity']!r} (need ids and a quantity >= 0)"
                )
                continue
            shelf = stock.setdefault(depot_id, {})
            shelf[title] = shelf.get(title, 0) + quantity
    if problems:
        raise ValueError(f"{path}: {len(problems)} bad rows: " + "; ".join(problems))
    return stock


def write_stock(path: Path, stock: Stock) -> None:
    """Write stock as CSV, depots and titles in a stable order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(STOCK_COLUMNS)
        for depot_id in sorted(stock):
            for title, quantity in stock[depot_id].items():
                writer.writerow((depot_id, title, quantity))


def catalogue_titles(path: Path | None = None) -> list[str]:
    """Return the titles of the catalogue CSV (bundled ``data/catalogue.csv``)."""
    path = path or bundled_data_dir() / "catalogue.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["title"].strip() for row in csv.DictReader(handle)]


def generate_stock(
    titles: Sequence[str],
    depot_ids: Sequence[str],
    rng: np.random.Generator,
    *,
    share_stocked: float = 0.7,
    mean_copies: float = 30.0,
) -> Stock:
    """Draw a plausible stock: popular titles stocked widely and deeply.

    Titles earlier in ``titles`` are more popular (a Zipf-like skew). Each
    depot stocks each title with probability ``share_stocked`` (higher for
    popular titles), with a Poisson number of copies scaled by popularity.
    Every title is stocked by at least one depot.
    """
    if not 0 < share_stocked <= 1:
        raise ValueError(f"share_stocked={share_stocked} must be in (0, 1]")
    if mean_copies <= 0:
        raise ValueError(f"mean_copies={mean_copies} must be > 0")
    popularity = 1.0 / np.arange(1, len(titles) + 1) ** 0.6
    popularity = popularity / popularity.mean()
    stock: Stock = {depot_id: {} for depot_id in depot_ids}
    for t, title in enumerate(titles):
        p_stock = min(1.0, share_stocked * np.sqrt(popularity[t]))
        stocked = rng.random(len(depot_ids)) < p_stock
        if depot_ids and not stocked.any():
            stocked[rng.integers(len(depot_ids))] = True
        copies = rng.poisson(mean_copies * popularity[t], len(depot_ids)) + 1
        for d, depot_id in enumerate(depot_ids):
            if stocked[d]:
                stock[depot_id][title] = int(copies[d])
    return stock


def city_rng(city: str) -> np.random.Generator:
    """Return the seeded generator of a city's sample stock."""
    return np.random.default_rng([STOCK_SEED, zlib.crc32(city.encode())])


def city_depots(
    city: str, depots: Iterable[Any], path: Path | None = None
) -> list[DepotRecord]:
    """Return a city's depots with stock from ``path`` or the bundled file.

    Without either file a seeded sample is drawn from the catalogue (and a
    warning logged), so every city, ``demo`` included, has stock.
    """
    depots = list(depots)
    path = path or stock_path(city)
    if path.is_file():
        return build_depots(depots, load_stock(path))
    logger.warning("no stock file %s; drawing the seeded sample", path)
    ids = [str(d.id) for d in depots]
    return build_depots(depots, generate_stock(catalogue_titles(), ids, city_rng(city)))


def build_depots(depots: Iterable[Any], stock: Stock) -> list[DepotRecord]:
    """Return depot records from a city's depots (``id``, ``lon``, ``lat``, ``name``).

    Raises
    ------
    ValueError
        When the stock names a depot the city does not have.
    """
    records = [
        DepotRecord(
            id=str(depot.id),
            name=str(getattr(depot, "name", "") or ""),
            lon=float(depot.lon),
            lat=float(depot.lat),
            stock=dict(stock.get(str(depot.id), {})),
        )
        for depot in depots
    ]
    unknown = set(stock) - {r.id for r in records}
    if unknown:
        raise ValueError(
            f"stock names depots {sorted(unknown)} that the city does not have; "
            f"known depots: {sorted(r.id for r in records)}"
        )
    return records


def stocking_depots(
    depots: Iterable[DepotRecord], items: Sequence[ItemLine]
) -> list[str]:
    """Return the ids of depots whose free stock covers every item line."""
    need = demand(items)
    return [
        depot.id
        for depot in depots
        if all(depot.free(title) >= count for title, count in need.items())
    ]


def missing_everywhere(
    depots: Iterable[DepotRecord], items: Sequence[ItemLine]
) -> list[str]:
    """Return the titles no single depot has enough free copies of."""
    need = demand(items)
    depots = list(depots)
    return [
        title
        for title, count in need.items()
        if not any(depot.free(title) >= count for depot in depots)
    ]


def unknown_titles(
    depots: Iterable[DepotRecord], items: Sequence[ItemLine]
) -> list[str]:
    """Return titles that no depot lists at all (not sold here, or misspelt)."""
    known: set[str] = set()
    for depot in depots:
        known.update(depot.stock)
    return [title for title in demand(items) if title not in known]


def demand(items: Sequence[ItemLine]) -> dict[str, int]:
    """Return copies needed per title (item lines of one title are summed)."""
    need: dict[str, int] = {}
    for line in items:
        need[line.title] = need.get(line.title, 0) + line.quantity
    return need


def reserve(depot: DepotRecord, items: Sequence[ItemLine]) -> None:
    """Hold copies for an order; raise ``ValueError`` when free stock is short."""
    need = demand(items)
    short = [t for t, n in need.items() if depot.free(t) < n]
    if short:
        raise ValueError(f"depot {depot.id} is short of {short}")
    for title, count in need.items():
        depot.reserved[title] = depot.reserved.get(title, 0) + count


def release(depot: DepotRecord, items: Sequence[ItemLine]) -> None:
    """Give back copies held for an order."""
    for title, count in demand(items).items():
        left = depot.reserved.get(title, 0) - count
        if left > 0:
            depot.reserved[title] = left
        else:
            depot.reserved.pop(title, None)


def consume(depot: DepotRecord, items: Sequence[ItemLine]) -> None:
    """Take held copies off the shelf when a courier picks an order up."""
    release(depot, items)
    for title, count in demand(items).items():
        depot.stock[title] = max(depot.stock.get(title, 0) - count, 0)


def main(cities: Sequence[str]) -> None:
    """Write the bundled sample stock of each city (loads each city's depots)."""
    import geo

    for city in cities:
        depots = geo.load_city(city).depots
        ids = [d.id for d in depots]
        sample = generate_stock(catalogue_titles(), ids, city_rng(city))
        write_stock(stock_path(city), sample)
        logger.info("wrote stock of %d depots to %s", len(ids), stock_path(city))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main(sys.argv[1:] or ["demo", "beijing", "shanghai", "guangzhou"])
