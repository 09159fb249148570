"""Gazetteers are built from each city's OSM data and AOIs, and cached."""

import pytest

from geo.address import parse_address
from geo.gazetteer import build_gazetteer, load_gazetteer, source_paths
from geo.settings import cache_dir


def require_data(city: str) -> None:
    if not any(p.exists() for p in source_paths(city)):
        pytest.skip(f"no OSM data for {city} under ONEHOUR_DATA_DIR")


@pytest.mark.parametrize(
    ("city", "street"),
    [("beijing", "太阳宫中路"), ("shanghai", "淮海中路"), ("guangzhou", "花城大道")],
)
def test_each_city_has_its_real_streets_with_geometry(city, street):
    require_data(city)
    gazetteer = load_gazetteer(city)
    assert street in gazetteer.streets
    found = gazetteer.streets[street]
    assert found.extent_m > 100
    assert gazetteer.in_service_area(*found.centre, margin_m=500)


def test_aois_and_osm_places_are_indexed():
    require_data("shanghai")
    require_data("beijing")
    assert "瑞安广场" in load_gazetteer("shanghai").places
    assert "芍药居" in load_gazetteer("beijing").places


def test_building_labels_are_not_places():
    require_data("beijing")
    places = load_gazetteer("beijing").places
    assert "1号楼" not in places and "2号楼" not in places


def test_second_load_comes_from_the_cache():
    require_data("guangzhou")
    load_gazetteer("guangzhou")
    assert list((cache_dir() / "gazetteer").glob("guangzhou-*.pkl"))
    rebuilt = build_gazetteer("guangzhou")
    assert set(rebuilt.streets) == set(load_gazetteer("guangzhou").streets)


@pytest.mark.parametrize(
    ("address", "core", "number", "door", "city"),
    [
        ("北京市朝阳区太阳宫中路12号", "太阳宫中路", 12, "", "beijing"),
        (
            "上海市黄浦区淮海中路１２３弄5号302室",
            "淮海中路",
            123,
            "5号302室",
            "shanghai",
        ),
        ("太阳宫中路十二号3号楼2单元501", "太阳宫中路", 12, "3号楼2单元501", None),
        ("天河区花城大道85号 3栋1201", "花城大道", 85, "3栋1201", "guangzhou"),
        ("广东省广州市珠江西路5号", "珠江西路", 5, "", "guangzhou"),
    ],
)
def test_addresses_are_split_into_core_house_number_and_door(
    address, core, number, door, city
):
    parsed = parse_address(address)
    assert (parsed.core, parsed.house_number, parsed.door, parsed.city) == (
        core,
        number,
        door,
        city,
    )


def test_another_city_is_recognised():
    assert parse_address("深圳市南山区科技园南路8号").other_city == "深圳"
