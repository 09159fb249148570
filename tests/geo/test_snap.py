"""Snapping points onto the road graph, and the points it refuses."""

import numpy as np
import pytest

import geo


@pytest.fixture(scope="module")
def demo():
    return geo.load_city("demo")


def test_points_on_streets_snap_to_a_node_a_few_metres_away(demo):
    node_points = demo.travel.location_points(np.array([0, 100, 2000]))
    nudged = node_points + np.array([0.00005, 0.0])  # about 4 m east

    snapped = demo.travel.snap(nudged)

    assert snapped.nodes.tolist() == [0, 100, 2000]
    assert np.all((snapped.distance_m > 3.0) & (snapped.distance_m < 6.0))


def test_a_point_far_from_any_road_is_rejected_naming_it_and_its_distance(demo):
    west, _, _, north = demo.bbox
    beyond_the_corner = [west - 0.0026, north + 0.0026]  # ~360 m from the grid
    on_a_street = demo.travel.location_points(np.array([5]))[0]

    with pytest.raises(geo.OffNetworkError) as caught:
        demo.travel.snap(np.array([on_a_street, beyond_the_corner]))

    assert not isinstance(caught.value, geo.OutsideMapError)
    assert caught.value.indices == [1]
    assert caught.value.distance_m[0] > 300.0
    assert "#1" in str(caught.value) and " m" in str(caught.value)


def test_the_snap_limit_is_configurable():
    city = geo.load_city("demo", max_snap_m=1.0)
    point = city.travel.location_points(np.array([10])) + np.array([0.0001, 0.0])

    with pytest.raises(geo.OffNetworkError, match="farther than 1 m"):
        city.travel.snap(point)


def test_nan_coordinates_are_rejected(demo):
    with pytest.raises(geo.BadPointError, match="NaN"):
        demo.travel.snap(np.array([[116.40, 39.91], [np.nan, 39.91]]))


def test_swapped_lat_lon_is_recognised(demo):
    with pytest.raises(geo.BadPointError, match=r"looks like \(lat, lon\)"):
        demo.travel.snap(np.array([[39.91, 116.40]]))


def test_points_outside_the_city_are_rejected_as_outside_the_map(demo):
    with pytest.raises(geo.OutsideMapError, match="outside the map"):
        demo.travel.snap(np.array([[121.47, 31.23]]))


def test_wrong_shapes_are_rejected(demo):
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        demo.travel.snap(np.array([[116.4, 39.9, 0.0]]))


def test_planar_model_registers_points_and_measures_haversine():
    model = geo.PlanarTravelModel("lonlat", detour_factor=1.0, speed_mps=5.0)

    snapped = model.snap(np.array([[116.40, 39.90], [116.40, 39.91], [116.40, 39.90]]))
    time_s, distance_m = model.matrix(snapped.nodes, snapped.nodes)

    assert snapped.nodes.tolist() == [0, 1, 0]
    assert distance_m[0, 1] == pytest.approx(1112, abs=2)  # 0.01° of latitude
    assert time_s[0, 1] == round(distance_m[0, 1] / 5.0)
    assert model.path(0, 1).time_s[-1] == time_s[0, 1]


def test_planar_model_in_metres_applies_the_detour_factor():
    model = geo.PlanarTravelModel("xy_m", detour_factor=1.5, speed_mps=2.0)
    nodes = model.snap(np.array([[0.0, 0.0], [300.0, 400.0]])).nodes

    time_s, distance_m = model.matrix(nodes, nodes)

    assert distance_m[0, 1] == 750 and time_s[0, 1] == 375
    with pytest.raises(geo.BadPointError):
        model.snap(np.array([[np.inf, 0.0]]))
