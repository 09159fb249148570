"""Reading and writing order streams; every defect reported once, with its line."""

from dataclasses import replace
from pathlib import Path

import pytest

from simulate.stream import StreamError, read_stream, write_stream

from .conftest import BROKEN, TINY


def test_the_tiny_stream_reads_sorted_with_its_travel_settings() -> None:
    stream = read_stream(TINY)

    assert len(stream.orders) == 12
    assert [o.placed_s for o in stream.orders] == sorted(
        o.placed_s for o in stream.orders
    )
    assert stream.crs == "xy_m"
    assert stream.meta.travel == "planar"
    assert stream.orders[0].deadline_s == stream.orders[0].placed_s + 3600
    assert {c.courier_id for c in stream.couriers} == {"k1", "k2", "k3"}


def test_a_written_stream_reads_back_the_same(tmp_path: Path) -> None:
    stream = read_stream(TINY)
    write_stream(stream, tmp_path)

    again = read_stream(tmp_path)

    assert [replace(o, line=0) for o in again.orders] == [
        replace(o, line=0) for o in stream.orders
    ]
    assert again.meta == stream.meta


def test_a_missing_required_column_is_named() -> None:
    with pytest.raises(StreamError, match=r"missing column.*dropoff_lat"):
        read_stream(BROKEN / "missing_dropoff_column")


def test_every_bad_row_is_reported_at_once_with_its_line() -> None:
    with pytest.raises(StreamError) as caught:
        read_stream(BROKEN / "bad_rows")

    by_line = {(p.file, p.line): p.message for p in caught.value.problems}
    assert set(by_line) == {
        ("orders.csv", 3),
        ("orders.csv", 4),
        ("orders.csv", 5),
        ("orders.csv", 7),
        ("orders.csv", 8),
        ("orders.csv", 9),
        ("couriers.csv", 3),
    }
    assert "neither seconds" in by_line[("orders.csv", 3)]
    assert "before the stream start" in by_line[("orders.csv", 4)]
    assert "dropoff_lon" in by_line[("orders.csv", 5)]
    assert "repeats line 2" in by_line[("orders.csv", 8)]
    assert "mercator" in by_line[("orders.csv", 9)]


def test_without_strict_bad_rows_are_skipped_and_counted() -> None:
    stream = read_stream(BROKEN / "bad_rows", strict=False)

    assert [o.order_id for o in stream.orders] == ["ok1", "ok2"]
    assert len(stream.skipped) == 7
    assert [c.courier_id for c in stream.couriers] == ["k1"]


def test_iso_times_with_an_offset_count_from_the_stream_day(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "order_id,placed_at,dropoff_lon,dropoff_lat,deadline\n"
        "a,2026-12-03T11:30:00+08:00,121.47,31.23,2026-12-03T12:00:00+08:00\n",
        encoding="utf-8",
    )

    (order,) = read_stream(tmp_path).orders

    assert (order.placed_s, order.deadline_s) == (11.5 * 3600, 12 * 3600)
