"""Addresses become WGS-84 points only when the geocoder is confident.

Figures on the corpus (tests/geo/corpus/addresses.jsonl, 508 addresses from
real street, place and AOI names with house numbers, door parts, numeral forms
and typos): see ``onehour bench intake``; the test below holds the floor.
"""

import pytest

from benchmarks.intake import GEOCODE_CORPUS, evaluate_geocoder, load_jsonl
from geo.coords import from_wgs84, haversine_m
from geo.gazetteer import source_paths
from geo.geocode import Geocoder


def require_data(*cities: str) -> None:
    for city in cities:
        if not any(p.exists() for p in source_paths(city)):
            pytest.skip(f"no OSM data for {city} under ONEHOUR_DATA_DIR")


@pytest.fixture(scope="module")
def geocoder():
    return Geocoder()


def test_street_address_resolves_on_that_street(geocoder):
    require_data("beijing")
    result = geocoder.geocode("北京市朝阳区太阳宫中路12号3号楼501", "beijing")
    assert result.point is not None
    street = geocoder.gazetteer("beijing").streets["太阳宫中路"]
    assert street.distance_m(*result.point) < 50
    assert result.door == "3号楼501"


def test_tagged_house_number_is_used_exactly(geocoder):
    require_data("beijing")
    result = geocoder.geocode("朝阳区光华路4号", "beijing")
    assert result.candidates[0].kind == "house_number"
    assert result.confidence >= 0.9


def test_named_area_beats_the_street(geocoder):
    require_data("shanghai")
    result = geocoder.geocode("上海市静安区南京西路1266号恒隆广场", "shanghai")
    assert result.candidates[0].kind == "aoi"
    assert result.point is not None


def test_long_street_without_numbers_goes_to_review_with_candidates(geocoder):
    require_data("beijing")
    result = geocoder.geocode("朝阳区北四环东路8号", "beijing")
    assert result.point is None
    assert result.candidates and result.candidates[0].name == "北四环东路"
    assert "confidence" in result.reason


def test_ambiguous_place_name_is_not_guessed(geocoder):
    require_data("beijing")
    result = geocoder.geocode("中关村", "beijing")
    assert result.point is None
    assert len(result.candidates) > 1


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("上海市黄浦区淮海中路300号", "not in beijing"),
        ("深圳市南山区科技园南路8号", "深圳"),
        ("", "empty"),
        ("哈" * 500, "too long"),
        ("火星路999号", "no street or place"),
    ],
)
def test_bad_addresses_get_no_point_and_a_clear_reason(geocoder, address, reason):
    require_data("beijing")
    result = geocoder.geocode(address, "beijing")
    assert result.point is None
    assert reason in result.reason


def test_typo_in_a_street_name_is_offered_as_a_candidate_only(geocoder):
    require_data("shanghai")
    result = geocoder.geocode("上海市黄浦区淮每中路300号", "shanghai")
    assert result.point is None
    assert result.candidates[0].name == "淮海中路"


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_caller_coordinates_in_any_declared_system_land_on_the_same_spot(geocoder, crs):
    require_data("shanghai")
    lon, lat = 121.4729833, 31.2264076
    declared = from_wgs84(lon, lat, crs)
    result = geocoder.locate(float(declared[0]), float(declared[1]), crs, "shanghai")
    assert result.point is not None
    assert float(haversine_m(lon, lat, *result.point)) < 0.01


def test_coordinates_declared_in_the_wrong_system_are_caught(geocoder):
    require_data("guangzhou")
    lon, lat = 113.3180, 23.1250
    bd_lon, bd_lat = (float(v) for v in from_wgs84(lon, lat, "bd09"))
    result = geocoder.locate(bd_lon, bd_lat, "wgs84", "guangzhou")
    assert result.point is None
    assert "bd09" in result.reason


def test_coordinates_outside_china_are_rejected(geocoder):
    require_data("beijing")
    result = geocoder.locate(-73.98, 40.75, "wgs84", "beijing")
    assert result.point is None
    assert "outside China" in result.reason
    swapped = geocoder.locate(39.97, 116.45, "wgs84", "beijing")
    assert swapped.point is None
    assert "not valid" in swapped.reason


def test_corpus_hit_rate_and_no_silent_wrong_answers():
    require_data("beijing", "shanghai", "guangzhou")
    figures = evaluate_geocoder(load_jsonl(GEOCODE_CORPUS), repeat=0)
    assert figures["addresses"] >= 300
    assert figures["geocode_hit_rate"] >= 0.85
    assert figures["wrong_answer_rate"] <= 0.02
    assert (
        figures["review_rows_rejected"].split("/")[0]
        == figures["review_rows_rejected"].split("/")[1]
    )
