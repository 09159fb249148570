"""Converters from public order data sets into the replay stream format.

- Grubhub Meal Delivery Routing Problem instances (Reyes et al. 2018): x/y
  metres, restaurants as pickups, courier shifts, minutes from the start of
  the instance day.
- Tianchi 2016 Cainiao last-mile O2O orders, Shanghai: real coordinates, shop
  pickups with a pickup time and a delivery deadline, no couriers.

Both are read from ``data_dir()/orders/`` (see its README) and never copied
into the repository; :func:`simulate.stream.write_stream` writes the result.
"""

import csv
import logging
from collections import Counter
from pathlib import Path

import numpy as np

from simulate.stream import (
    RowProblem,
    Stream,
    StreamCourier,
    StreamError,
    StreamMeta,
    StreamOrder,
)

logger = logging.getLogger(__name__)

GRUBHUB_TARGET_S = 40 * 60
"""Grubhub's own click-to-door target; ours is the 60-min deadline."""
ONE_HOUR_S = 3600
TIANCHI_SPEED_MPS = 15_000 / 3600
"""The competition's courier speed, 15 km/h on straight lines."""


def grubhub_instance_dir(data_dir: Path, instance: str) -> Path:
    """Return the folder of a Grubhub instance, e.g. ``0o100t100s1p100``."""
    return data_dir / "orders" / "grubhub_mdrp" / "instances" / instance


def convert_grubhub(instance_dir: Path) -> Stream:
    """Turn one Grubhub MDRP instance into a stream.

    Orders are placed at ``placement_time`` with their restaurant as the
    pickup (ready at ``ready_time``) and our one-hour deadline; the instance's
    40-min target is kept in ``meta.targets_s`` so reports give both. Travel is
    planar: straight lines at the instance's metres per minute.

    Raises
    ------
    StreamError
        Naming every malformed row of every file.
    """
    instance_dir = Path(instance_dir)
    problems: list[RowProblem] = []
    params = _tsv(instance_dir / "instance_parameters.txt", problems)
    restaurants = _tsv(instance_dir / "restaurants.txt", problems)
    order_rows = _tsv(instance_dir / "orders.txt", problems)
    courier_rows = _tsv(instance_dir / "couriers.txt", problems)
    if problems:
        raise StreamError(problems)

    where = {r["restaurant"]: (float(r["x"]), float(r["y"])) for _, r in restaurants}
    orders = []
    for line, row in order_rows:
        try:
            placed_s = int(float(row["placement_time"]) * 60)
            pickup = where[row["restaurant"]]
            orders.append(
                StreamOrder(
                    order_id=row["order"],
                    placed_s=placed_s,
                    dropoff=(float(row["x"]), float(row["y"])),
                    deadline_s=placed_s + ONE_HOUR_S,
                    pickup=pickup,
                    ready_s=int(float(row["ready_time"]) * 60),
                    crs="xy_m",
                    line=line,
                )
            )
        except (KeyError, ValueError) as error:
            problems.append(RowProblem("orders.txt", line, f"bad row: {error}"))
    couriers = []
    for line, row in courier_rows:
        try:
            couriers.append(
                StreamCourier(
                    courier_id=row["courier"],
                    on_s=int(float(row["on_time"]) * 60),
                    off_s=int(float(row["off_time"]) * 60),
                    start=(float(row["x"]), float(row["y"])),
                    line=line,
                )
            )
        except (KeyError, ValueError) as error:
            problems.append(RowProblem("couriers.txt", line, f"bad row: {error}"))
    if problems:
        raise StreamError(problems)

    (_, param), *_ = params
    meta = StreamMeta(
        name=f"grubhub {instance_dir.name}",
        travel="planar",
        speed_mps=float(param["meters_per_minute"]) / 60,
        detour_factor=1.0,
        pickup_service_s=int(float(param["pickup service minutes"]) * 60),
        delivery_service_s=int(float(param["dropoff service minutes"]) * 60),
        targets_s=(int(float(param["target click-to-door"]) * 60), ONE_HOUR_S),
        source="grubhub/mdrplib public_instances (Reyes et al. 2018)",
    )
    logger.info(
        "converted %s: %d orders, %d couriers",
        instance_dir.name,
        len(orders),
        len(couriers),
    )
    return Stream(
        orders=tuple(sorted(orders, key=lambda o: (o.placed_s, o.line))),
        couriers=tuple(sorted(couriers, key=lambda c: (c.on_s, c.line))),
        meta=meta,
    )


def convert_tianchi(
    folder: Path,
    rng: np.random.Generator,
    couriers: int = 150,
    courier_capacity_packages: int = 20,
    shift_s: tuple[int, int] = (11 * 3600, 21 * 3600),
) -> Stream:
    """Turn the Tianchi 2016 Shanghai O2O orders into a stream.

    Each O2O order is placed at its required pickup time, is ready at the shop
    then, and is due at its delivery time (90 min later); the one-hour
    click-to-door share is reported beside it. The data has no courier
    positions, so ``couriers`` couriers start at shops drawn with ``rng`` in
    proportion to the shops' orders. Sizes are package counts.

    Parameters
    ----------
    folder
        ``orders/tianchi_cainiao_lastmile_shanghai`` (``new_2.csv`` spots,
        ``new_3.csv`` shops, ``new_5.csv`` O2O orders).
    rng
        Places the couriers.
    couriers, courier_capacity_packages, shift_s
        The fleet the data does not give.

    Notes
    -----
    The e-commerce parcels (``new_4.csv``, all waiting at sites from 08:00)
    are not a one-hour business and are left out. Points are treated as
    WGS-84 (upstream does not say); travel is planar (haversine at 15 km/h,
    as the competition defined it).
    """
    folder = Path(folder)
    problems: list[RowProblem] = []
    spots = _plain_points(folder / "new_2.csv", problems)
    shops = _plain_points(folder / "new_3.csv", problems)
    if problems:
        raise StreamError(problems)

    orders = []
    with (folder / "new_5.csv").open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            try:
                order_id, spot, shop, pickup_at, deliver_by, packages = row
                ready_s = _clock_s(pickup_at)
                orders.append(
                    StreamOrder(
                        order_id=order_id,
                        placed_s=ready_s,
                        dropoff=spots[spot],
                        deadline_s=_clock_s(deliver_by),
                        pickup=shops[shop],
                        depot_id=None,
                        ready_s=ready_s,
                        size=int(packages),
                        line=line,
                    )
                )
            except (KeyError, ValueError) as error:
                problems.append(RowProblem("new_5.csv", line, f"bad row: {error}"))
    if problems:
        raise StreamError(problems)

    per_shop = Counter(o.pickup for o in orders if o.pickup is not None)
    points = sorted(per_shop)
    weights = np.array([per_shop[p] for p in points], dtype=float)
    starts = rng.choice(len(points), size=couriers, p=weights / weights.sum())
    fleet = tuple(
        StreamCourier(
            courier_id=f"D{i + 1:04d}",
            on_s=shift_s[0],
            off_s=shift_s[1],
            start=points[int(s)],
            capacity=courier_capacity_packages,
        )
        for i, s in enumerate(starts)
    )
    meta = StreamMeta(
        name="tianchi 2016 shanghai o2o",
        city="shanghai",
        travel="planar",
        speed_mps=TIANCHI_SPEED_MPS,
        detour_factor=1.0,
        targets_s=(ONE_HOUR_S,),
        source="Tianchi 2016 Cainiao last-mile (yongyanghz/Last-mile-delivery-problem)",
    )
    logger.info("converted tianchi: %d orders, %d couriers", len(orders), len(fleet))
    return Stream(
        orders=tuple(sorted(orders, key=lambda o: (o.placed_s, o.order_id))),
        couriers=fleet,
        meta=meta,
    )


def _tsv(path: Path, problems: list[RowProblem]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        problems.append(RowProblem(path.name, 0, "file not found"))
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return [
            (i + 2, {k.strip(): (v or "").strip() for k, v in row.items() if k})
            for i, row in enumerate(reader)
        ]


def _plain_points(
    path: Path, problems: list[RowProblem]
) -> dict[str, tuple[float, float]]:
    points = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            try:
                key, lon, lat = row
                points[key] = (float(lon), float(lat))
            except ValueError as error:
                problems.append(RowProblem(path.name, line, f"bad row: {error}"))
    return points


def _clock_s(text: str) -> int:
    hours, minutes = text.strip().split(":")
    return int(hours) * 3600 + int(minutes) * 60
