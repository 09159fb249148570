"""The order-stream format: read, validate and write replayable streams.

A stream is a directory with ``orders.csv`` and optionally ``couriers.csv``,
``depots.csv`` and ``stream.toml`` (how to travel in it; see
:class:`StreamMeta`). Columns are those of ARCHITECTURE.md:

- orders: ``order_id, placed_at, dropoff_lon, dropoff_lat`` required;
  optional ``pickup_lon, pickup_lat`` or ``depot_id``, ``ready_at``,
  ``deadline`` (default placed_at + 3600 s), ``items``, ``size``, ``address``,
  ``crs`` (``wgs84`` default, ``gcj02``, ``bd09`` or ``xy_m``).
- couriers: ``courier_id, on_at, off_at, start_lon, start_lat, capacity,
  speed_factor``.
- depots: ``depot_id, lon, lat, name``.

Times are seconds from the stream's start or ISO-8601 with an offset. For a
``xy_m`` stream the ``*_lon`` / ``*_lat`` columns hold x / y metres.
``items`` is ``title*quantity`` entries separated by ``;`` (quantity 1 when
``*quantity`` is left out).

Every problem of a file is collected and reported once, with line numbers
(the header is line 1). With ``strict=False`` bad rows are skipped and kept in
:attr:`Stream.skipped`.
"""

import csv
import logging
import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CRS_VALUES = ("wgs84", "gcj02", "bd09", "xy_m")
DEFAULT_DEADLINE_S = 3600
ORDER_COLUMNS = ("order_id", "placed_at", "dropoff_lon", "dropoff_lat")
COURIER_COLUMNS = ("courier_id", "on_at", "off_at", "start_lon", "start_lat")
DEPOT_COLUMNS = ("depot_id", "lon", "lat")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One defect of a stream file, at a line (1 is the header)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class StreamError(ValueError):
    """A stream has defects; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = tuple(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{len(self.problems)} problem(s) in the stream:\n{shown}{tail}"
        )


@dataclass(frozen=True, slots=True)
class StreamOrder:
    """One order of a stream, times in seconds from the stream start."""

    order_id: str
    placed_s: int
    dropoff: tuple[float, float]
    deadline_s: int
    pickup: tuple[float, float] | None = None
    depot_id: str | None = None
    ready_s: int | None = None
    items: tuple[tuple[str, int], ...] = ()
    size: int = 1
    address: str | None = None
    crs: str = "wgs84"
    line: int = 0


@dataclass(frozen=True, slots=True)
class StreamCourier:
    """One courier shift of a stream."""

    courier_id: str
    on_s: int
    off_s: int
    start: tuple[float, float]
    capacity: int | None = None
    speed_factor: float = 1.0
    line: int = 0


@dataclass(frozen=True, slots=True)
class StreamDepot:
    """A depot (or shop) orders are picked up from."""

    depot_id: str
    lon: float
    lat: float
    name: str = ""


@dataclass(frozen=True)
class StreamMeta:
    """How to travel in a stream and what it is (``stream.toml``, all optional).

    ``travel`` is ``road`` (the graph of ``city``) or ``planar`` (straight
    lines × ``detour_factor`` at ``speed_mps``).
    """

    name: str = ""
    city: str | None = None
    travel: str = "road"
    speed_mps: float = 4.5
    detour_factor: float = 1.3
    pickup_service_s: int | None = None
    delivery_service_s: int | None = None
    targets_s: tuple[int, ...] = ()
    start: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if self.travel not in ("road", "planar"):
            raise ValueError(
                f"stream.toml travel={self.travel!r}: choose 'road' or 'planar'"
            )
        if self.speed_mps <= 0 or self.detour_factor < 1:
            raise ValueError(
                f"stream.toml speed_mps={self.speed_mps} must be > 0 and "
                f"detour_factor={self.detour_factor} >= 1"
            )


@dataclass(frozen=True)
class Stream:
    """Orders, couriers and depots to replay, sorted by time."""

    orders: tuple[StreamOrder, ...]
    couriers: tuple[StreamCourier, ...] = ()
    depots: tuple[StreamDepot, ...] = ()
    meta: StreamMeta = field(default_factory=StreamMeta)
    skipped: tuple[RowProblem, ...] = ()

    @property
    def crs(self) -> str:
        """Return the coordinate frame of the orders (``wgs84`` when empty)."""
        return self.orders[0].crs if self.orders else "wgs84"

    def head(self, n_orders: int) -> "Stream":
        """Return the stream cut to its first ``n_orders`` orders."""
        return replace(self, orders=self.orders[:n_orders])


def read_stream(directory: Path, strict: bool = True) -> Stream:
    """Read a stream directory, reporting every defect at once.

    Parameters
    ----------
    directory
        Holds ``orders.csv`` and optionally ``couriers.csv``, ``depots.csv``
        and ``stream.toml``.
    strict
        Raise :class:`StreamError` on any bad row; otherwise skip bad rows and
        list them in :attr:`Stream.skipped`. Missing files or required columns
        are always an error.

    Raises
    ------
    StreamError
        Naming every problem with its file and line.
    """
    directory = Path(directory)
    meta = _read_meta(directory / "stream.toml")
    orders_path = directory / "orders.csv"
    if not orders_path.is_file():
        raise StreamError([RowProblem(str(orders_path), 0, "file not found")])

    order_rows = _read_csv(orders_path, ORDER_COLUMNS)
    courier_rows = _read_csv(directory / "couriers.csv", COURIER_COLUMNS, optional=True)
    depot_rows = _read_csv(directory / "depots.csv", DEPOT_COLUMNS, optional=True)
    fatal = [p for rows in (order_rows, courier_rows, depot_rows) for p in rows[1]]
    if fatal:
        raise StreamError(fatal)

    clock = _Clock.for_rows(meta.start, order_rows[0])
    problems: list[RowProblem] = []
    crs = next((r["crs"] for _, r in order_rows[0] if r.get("crs")), "wgs84")
    depots = _parse_depots(depot_rows[0], crs, problems)
    depot_ids = {d.depot_id for d in depots}
    orders = _parse_orders(order_rows[0], clock, depot_ids, problems)
    couriers = _parse_couriers(courier_rows[0], clock, crs, problems)

    if problems and strict:
        raise StreamError(problems)
    for problem in problems:
        logger.warning("skipped %s", problem)
    stream = Stream(
        orders=tuple(sorted(orders, key=lambda o: (o.placed_s, o.line))),
        couriers=tuple(sorted(couriers, key=lambda c: (c.on_s, c.line))),
        depots=tuple(depots),
        meta=meta,
        skipped=tuple(problems),
    )
    logger.info(
        "read stream %s: %d orders, %d couriers, %d depots, %d rows skipped",
        directory,
        len(stream.orders),
        len(stream.couriers),
        len(stream.depots),
        len(stream.skipped),
    )
    return stream


def write_stream(stream: Stream, directory: Path) -> None:
    """Write a stream in the replay format (times as seconds from the start)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _write_csv(
        directory / "orders.csv",
        (
            "order_id",
            "placed_at",
            "dropoff_lon",
            "dropoff_lat",
            "pickup_lon",
            "pickup_lat",
            "depot_id",
            "ready_at",
            "deadline",
            "items",
            "size",
            "address",
            "crs",
        ),
        (_order_row(o) for o in stream.orders),
    )
    if stream.couriers:
        _write_csv(
            directory / "couriers.csv",
            (*COURIER_COLUMNS, "capacity", "speed_factor"),
            (
                (
                    c.courier_id,
                    c.on_s,
                    c.off_s,
                    c.start[0],
                    c.start[1],
                    "" if c.capacity is None else c.capacity,
                    c.speed_factor,
                )
                for c in stream.couriers
            ),
        )
    if stream.depots:
        _write_csv(
            directory / "depots.csv",
            (*DEPOT_COLUMNS, "name"),
            ((d.depot_id, d.lon, d.lat, d.name) for d in stream.depots),
        )
    (directory / "stream.toml").write_text(_meta_toml(stream.meta), encoding="utf-8")


def format_items(items: Iterable[tuple[str, int]]) -> str:
    """Return the ``items`` column text for (title, quantity) pairs."""
    return ";".join(title if qty == 1 else f"{title}*{qty}" for title, qty in items)


def parse_items(text: str) -> tuple[tuple[str, int], ...]:
    """Parse the ``items`` column into (title, quantity) pairs."""
    items: list[tuple[str, int]] = []
    for entry in text.split(";"):
        entry = entry.strip()
        if not entry:
            continue
        title, star, qty = entry.rpartition("*")
        if star and qty.strip().isdigit() and title.strip():
            items.append((title.strip(), int(qty)))
        else:
            items.append((entry, 1))
    for name, count in items:
        if count < 1:
            raise ValueError(f"item {name!r} has quantity {count}; must be >= 1")
    return tuple(items)


# ---------------------------------------------------------------- reading


_Rows = tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]


def _read_csv(path: Path, required: Sequence[str], optional: bool = False) -> _Rows:
    if not path.is_file():
        if optional:
            return [], []
        return [], [RowProblem(path.name, 0, "file not found")]
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in header]
        if missing:
            return [], [
                RowProblem(
                    path.name,
                    1,
                    f"missing column(s) {', '.join(missing)}; "
                    f"required: {', '.join(required)}",
                )
            ]
        reader.fieldnames = header
        rows = [
            (i + 2, {k: (v or "").strip() for k, v in row.items() if k is not None})
            for i, row in enumerate(reader)
        ]
    return rows, []


class _RowError(ValueError):
    """A defect of one cell; collected into a RowProblem by the caller."""


@dataclass(frozen=True)
class _Clock:
    """Turns time cells into seconds from the stream start."""

    start: datetime | None

    @classmethod
    def for_rows(
        cls, start_text: str | None, rows: list[tuple[int, dict[str, str]]]
    ) -> "_Clock":
        if start_text:
            start = datetime.fromisoformat(start_text)
            if start.tzinfo is None:
                raise ValueError(
                    f"stream.toml start={start_text!r} needs a UTC offset, "
                    "e.g. 2026-12-03T00:00:00+08:00"
                )
            return cls(start)
        stamps = []
        for _, row in rows:
            try:
                stamp = datetime.fromisoformat(row.get("placed_at", ""))
            except ValueError:
                continue
            if stamp.tzinfo is not None:
                stamps.append(stamp)
        if not stamps:
            return cls(None)
        first = min(stamps)
        return cls(first.replace(hour=0, minute=0, second=0, microsecond=0))

    def seconds(self, text: str, column: str) -> int:
        if not text:
            raise _RowError(f"{column} is empty")
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is not None:
            if not math.isfinite(value):
                raise _RowError(f"{column}={text!r} is not a finite number")
            seconds = round(value)
        else:
            try:
                stamp = datetime.fromisoformat(text)
            except ValueError:
                raise _RowError(
                    f"{column}={text!r} is neither seconds from the stream start "
                    "nor ISO-8601 (e.g. 2026-12-03T11:30:00+08:00)"
                ) from None
            if stamp.tzinfo is None:
                raise _RowError(f"{column}={text!r} needs a UTC offset, e.g. +08:00")
            if self.start is None:
                raise _RowError(f"{column}={text!r}: the stream has no start")
            seconds = round((stamp - self.start) / timedelta(seconds=1))
        if seconds < 0:
            raise _RowError(f"{column}={text!r} is before the stream start")
        return seconds


def _coordinate(row: dict[str, str], column: str, crs: str) -> float:
    text = row.get(column, "")
    try:
        value = float(text)
    except ValueError:
        raise _RowError(f"{column}={text!r} is not a number") from None
    if not math.isfinite(value):
        raise _RowError(f"{column}={text!r} is not a finite number")
    if crs != "xy_m":
        limit = 180.0 if column.endswith("lon") else 90.0
        if abs(value) > limit:
            raise _RowError(f"{column}={value} is outside [-{limit}, {limit}] degrees")
    return value


def _positive_int(text: str, column: str, default: int | None) -> int | None:
    if not text:
        return default
    try:
        value = int(float(text))
    except ValueError:
        raise _RowError(f"{column}={text!r} is not a whole number") from None
    if value < 1:
        raise _RowError(f"{column}={value} must be >= 1")
    return value


def _parse_orders(
    rows: list[tuple[int, dict[str, str]]],
    clock: _Clock,
    depot_ids: set[str],
    problems: list[RowProblem],
) -> list[StreamOrder]:
    orders = []
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            order = _parse_order(line, row, clock, depot_ids)
            if order.order_id in seen:
                raise _RowError(
                    f"order_id={order.order_id!r} repeats line {seen[order.order_id]}"
                )
        except _RowError as error:
            problems.append(RowProblem("orders.csv", line, str(error)))
            continue
        seen[order.order_id] = line
        orders.append(order)
    return orders


def _parse_order(
    line: int, row: dict[str, str], clock: _Clock, depot_ids: set[str]
) -> StreamOrder:
    order_id = row.get("order_id", "")
    if not order_id:
        raise _RowError("order_id is empty")
    crs = row.get("crs") or "wgs84"
    if crs not in CRS_VALUES:
        raise _RowError(f"crs={crs!r}; choose one of {', '.join(CRS_VALUES)}")
    placed_s = clock.seconds(row.get("placed_at", ""), "placed_at")
    dropoff = (
        _coordinate(row, "dropoff_lon", crs),
        _coordinate(row, "dropoff_lat", crs),
    )

    pickup = None
    if row.get("pickup_lon") or row.get("pickup_lat"):
        pickup = (
            _coordinate(row, "pickup_lon", crs),
            _coordinate(row, "pickup_lat", crs),
        )
    depot_id = row.get("depot_id") or None
    if depot_id is not None and depot_ids and depot_id not in depot_ids:
        raise _RowError(f"depot_id={depot_id!r} is not in depots.csv")

    ready_s = (
        clock.seconds(row["ready_at"], "ready_at") if row.get("ready_at") else None
    )
    deadline_s = (
        clock.seconds(row["deadline"], "deadline")
        if row.get("deadline")
        else placed_s + DEFAULT_DEADLINE_S
    )
    if deadline_s <= placed_s:
        raise _RowError(f"deadline={row.get('deadline')!r} is not after placed_at")
    if ready_s is not None and ready_s >= deadline_s:
        raise _RowError(f"ready_at={row.get('ready_at')!r} is not before the deadline")
    try:
        items = parse_items(row.get("items", ""))
    except ValueError as error:
        raise _RowError(f"items: {error}") from None

    return StreamOrder(
        order_id=order_id,
        placed_s=placed_s,
        dropoff=dropoff,
        deadline_s=deadline_s,
        pickup=pickup,
        depot_id=depot_id,
        ready_s=ready_s,
        items=items,
        size=_positive_int(row.get("size", ""), "size", 1) or 1,
        address=row.get("address") or None,
        crs=crs,
        line=line,
    )


def _parse_couriers(
    rows: list[tuple[int, dict[str, str]]],
    clock: _Clock,
    default_crs: str,
    problems: list[RowProblem],
) -> list[StreamCourier]:
    couriers = []
    seen: set[str] = set()
    for line, row in rows:
        try:
            courier_id = row.get("courier_id", "")
            if not courier_id:
                raise _RowError("courier_id is empty")
            if courier_id in seen:
                raise _RowError(f"courier_id={courier_id!r} repeats")
            on_s = clock.seconds(row.get("on_at", ""), "on_at")
            off_s = clock.seconds(row.get("off_at", ""), "off_at")
            if off_s <= on_s:
                raise _RowError(f"off_at={row['off_at']!r} is not after on_at")
            crs = row.get("crs") or default_crs
            start = (
                _coordinate(row, "start_lon", crs),
                _coordinate(row, "start_lat", crs),
            )
            speed_text = row.get("speed_factor") or "1"
            try:
                speed = float(speed_text)
            except ValueError:
                raise _RowError(
                    f"speed_factor={speed_text!r} is not a number"
                ) from None
            if not 0.1 <= speed <= 10:
                raise _RowError(f"speed_factor={speed} must be in [0.1, 10]")
            capacity = _positive_int(row.get("capacity", ""), "capacity", None)
        except _RowError as error:
            problems.append(RowProblem("couriers.csv", line, str(error)))
            continue
        seen.add(courier_id)
        couriers.append(
            StreamCourier(courier_id, on_s, off_s, start, capacity, speed, line)
        )
    return couriers


def _parse_depots(
    rows: list[tuple[int, dict[str, str]]],
    default_crs: str,
    problems: list[RowProblem],
) -> list[StreamDepot]:
    depots = []
    for line, row in rows:
        try:
            if not row.get("depot_id"):
                raise _RowError("depot_id is empty")
            crs = row.get("crs") or default_crs
            depots.append(
                StreamDepot(
                    row["depot_id"],
                    _coordinate(row, "lon", crs),
                    _coordinate(row, "lat", crs),
                    row.get("name", ""),
                )
            )
        except _RowError as error:
            problems.append(RowProblem("depots.csv", line, str(error)))
    return depots


def _read_meta(path: Path) -> StreamMeta:
    if not path.is_file():
        return StreamMeta()
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    known = set(StreamMeta.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise StreamError(
            [
                RowProblem(
                    path.name,
                    0,
                    f"unknown key(s) {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}",
                )
            ]
        )
    if "targets_s" in data:
        data["targets_s"] = tuple(int(t) for t in data["targets_s"])
    return StreamMeta(**data)


# ---------------------------------------------------------------- writing


def _order_row(order: StreamOrder) -> tuple[Any, ...]:
    pickup = order.pickup or ("", "")
    return (
        order.order_id,
        order.placed_s,
        order.dropoff[0],
        order.dropoff[1],
        pickup[0],
        pickup[1],
        order.depot_id or "",
        "" if order.ready_s is None else order.ready_s,
        order.deadline_s,
        format_items(order.items),
        order.size,
        order.address or "",
        order.crs,
    )


def _write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _meta_toml(meta: StreamMeta) -> str:
    lines = []
    for name in StreamMeta.__dataclass_fields__:
        value = getattr(meta, name)
        if value is None:
            continue
        if isinstance(value, str):
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{name} = "{escaped}"')
        elif isinstance(value, tuple):
            lines.append(f"{name} = [{', '.join(str(v) for v in value)}]")
        else:
            lines.append(f"{name} = {value}")
    return "\n".join(lines) + "\n"
