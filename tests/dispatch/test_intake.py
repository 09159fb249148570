"""Intake edge cases: addresses without points, declared CRSs, privacy in logs."""

import logging
from dataclasses import dataclass

import pytest

from dispatch import (
    CourierOnline,
    Customer,
    Dispatcher,
    DispatchParams,
    ItemLine,
    OrderPlaced,
    OrderStatus,
    Point,
)
from geo.coords import from_wgs84
from tests.dispatch.conftest import DEPOT_A, NEAR_A, make_depots, make_planner


@dataclass
class _Result:
    point: tuple[float, float] | None
    confidence: float
    reason: str


class _Gazetteer:
    """Knows one address exactly and one only vaguely."""

    def geocode(self, address: str, city: str) -> _Result:
        if address == "幸福路 1 号":
            return _Result(NEAR_A, 0.95, "house number on the street")
        if address == "幸福路":
            return _Result(NEAR_A, 0.45, "street alone, 3 km long")
        return _Result(None, 0.0, "no street of that name")


def _order(order_id: str, **fields) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id, at_s=60, items=(ItemLine(title="活着"),), **fields
    )


@pytest.fixture
def with_geocoder(travel) -> Dispatcher:
    dispatcher = Dispatcher(
        travel,
        make_depots(),
        make_planner(),
        DispatchParams(),
        geocoder=_Gazetteer(),
        city="tiny",
    )
    dispatcher.apply(
        CourierOnline(
            courier_id="c1", at_s=0, lon=DEPOT_A[0], lat=DEPOT_A[1], shift_end_s=9000
        )
    )
    return dispatcher


def test_an_address_without_a_geocoder_goes_to_review(dispatcher):
    outcome = dispatcher.apply(_order("o1", address="幸福路 1 号"))

    assert outcome.status is OrderStatus.NEEDS_REVIEW
    assert "geocoder" in outcome.reason
    assert dispatcher.state.depots["A"].reserved == {}


def test_a_confidently_geocoded_address_is_served_there(with_geocoder):
    outcome = with_geocoder.apply(_order("o1", address="幸福路 1 号"))

    assert outcome.status is OrderStatus.ACCEPTED
    dropoff = with_geocoder.order("o1").dropoff
    assert (dropoff.lon, dropoff.lat) == NEAR_A


@pytest.mark.parametrize(
    ("address", "why"),
    [("幸福路", "ambiguous"), ("无名路 9 号", "no street of that name")],
)
def test_a_vague_or_unknown_address_goes_to_review_with_the_reason(
    with_geocoder, address, why
):
    outcome = with_geocoder.apply(_order("o1", address=address))

    assert outcome.status is OrderStatus.NEEDS_REVIEW
    assert why in outcome.reason
    assert with_geocoder.order("o1").dropoff is None


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_a_dropoff_declared_in_a_chinese_crs_is_converted_to_wgs84(dispatcher, crs):
    lon, lat = from_wgs84(NEAR_A[0], NEAR_A[1], crs)

    dispatcher.apply(
        _order("o1", dropoff=Point(lon=float(lon), lat=float(lat), crs=crs))
    )

    dropoff = dispatcher.order("o1").dropoff
    assert dropoff.crs == "wgs84"
    assert dropoff.lon == pytest.approx(NEAR_A[0], abs=1e-5)
    assert dropoff.lat == pytest.approx(NEAR_A[1], abs=1e-5)


def test_phone_numbers_and_addresses_never_reach_the_logs(with_geocoder, caplog):
    caplog.set_level(logging.DEBUG)
    with_geocoder.apply(
        _order(
            "o1",
            address="幸福路 1 号",
            customer=Customer(name="王小明", phone="13812345678"),
        )
    )
    with_geocoder.replan(120)

    text = caplog.text
    assert "13812345678" not in text
    assert "幸福路" not in text
    assert "王小明" not in text
