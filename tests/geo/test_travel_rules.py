"""The courier travel rules: one-way streets, expressways, bicycle=no, delays.

The town is a 3 × 3 grid (nodes 1-9, row by row from the south-west, about
170 m apart east-west)::

    7 - 8 - 9
    |   |   |
    4 - 5 - 6
    |   |   |
    1 - 2 - 3
"""

from dataclasses import replace

import numpy as np
import pytest

from geo.graph import build_graph
from geo.osm import read_extracts
from geo.profiles import travel_profile
from geo.road import RoadTravelModel

from .conftest import grid_nodes

RES = {"highway": "residential"}
ALL_STREETS = [
    (101, [1, 2, 3], RES),
    (102, [4, 5, 6], RES),
    (103, [7, 8, 9], RES),
    (104, [1, 4, 7], RES),
    (105, [2, 5, 8], RES),
    (106, [3, 6, 9], RES),
]


def town_model(write_town, ways, mode="ebike", **profile_changes):
    network = read_extracts([write_town(ways)])
    profile = travel_profile(mode)
    if profile_changes:
        profile = replace(profile, **profile_changes)
    graph = build_graph(network, profile)
    return RoadTravelModel(
        graph, f"town/{mode}", synthetic=True, hourly_factors=profile.hourly_factors
    )


def seconds(model, a, b):
    """Travel time between two grid corners given as OSM node numbers."""
    nodes = model.snap(np.array([grid_nodes()[a], grid_nodes()[b]])).nodes
    time_s, _ = model.matrix(nodes[:1], nodes[1:])
    return int(time_s[0, 0])


def test_one_way_street_is_ridden_only_in_its_direction(write_town):
    ways = [
        w if w[0] != 101 else (101, [1, 2, 3], {**RES, "oneway": "yes"})
        for w in ALL_STREETS
    ]
    ebike = town_model(write_town, ways)

    with_the_flow = seconds(ebike, 1, 3)
    against = seconds(ebike, 3, 1)

    assert against > with_the_flow + 60  # detour through the middle row


def test_walkers_ignore_one_way_streets(write_town):
    ways = [
        w if w[0] != 101 else (101, [1, 2, 3], {**RES, "oneway": "yes"})
        for w in ALL_STREETS
    ]
    walk = town_model(write_town, ways, "walk")

    assert seconds(walk, 3, 1) == seconds(walk, 1, 3)


def test_oneway_bicycle_no_lets_e_bikes_ride_both_ways(write_town):
    tags = {**RES, "oneway": "yes", "oneway:bicycle": "no"}
    ways = [w if w[0] != 101 else (101, [1, 2, 3], tags) for w in ALL_STREETS]
    ebike = town_model(write_town, ways)

    assert seconds(ebike, 3, 1) == seconds(ebike, 1, 3)


def test_e_bikes_never_use_an_expressway_even_when_it_is_shorter(write_town):
    ways = [
        w if w[0] != 101 else (101, [1, 2, 3], {"highway": "trunk"})
        for w in ALL_STREETS
    ]
    ebike = town_model(write_town, ways)
    scooter = town_model(write_town, ways, "scooter")

    path = ebike.path(*ebike.snap(np.array([grid_nodes()[1], grid_nodes()[3]])).nodes)
    lats = path.points[:, 1]

    assert lats.max() > grid_nodes()[4][1] - 1e-6  # went round via the middle row
    assert seconds(scooter, 1, 3) < seconds(ebike, 1, 3)


def test_motorway_only_nodes_are_not_routable_for_e_bikes(write_town):
    nodes = {**grid_nodes(), 50: (116.40, 39.89)}
    ways = [*ALL_STREETS, (107, [1, 50], {"highway": "motorway"})]
    network = read_extracts([write_town(ways, nodes)])

    graph = build_graph(network, travel_profile("ebike"))

    assert not np.isclose(graph.lat, 39.89).any()


def test_bicycle_no_main_road_is_pushed_at_walking_pace_not_ridden(write_town):
    banned = {"highway": "primary", "bicycle": "no"}
    ways = [w if w[0] != 101 else (101, [1, 2, 3], banned) for w in ALL_STREETS]
    pushed = town_model(write_town, ways)
    excluded = town_model(write_town, ways, bicycle_no="exclude")
    riding = town_model(write_town, ALL_STREETS)

    assert seconds(pushed, 2, 1) > seconds(riding, 2, 1) * 2
    assert seconds(excluded, 2, 1) > seconds(riding, 2, 1)
    with pytest.raises(ValueError, match="bicycle_no"):
        town_model(write_town, ways, bicycle_no="sometimes")


def test_each_intersection_crossed_costs_the_intersection_delay(write_town):
    slow = town_model(write_town, ALL_STREETS, intersection_delay_s=30)
    fast = town_model(write_town, ALL_STREETS, intersection_delay_s=0)

    # 1 -> 3 enters node 2 (three streets meet) and node 3 (a corner, two streets).
    assert seconds(slow, 1, 3) - seconds(fast, 1, 3) == 30


def test_traffic_signals_cost_more_than_a_plain_intersection(write_town):
    network_plain = read_extracts([write_town(ALL_STREETS)])
    network_signal = read_extracts(
        [
            write_town(
                ALL_STREETS, node_tags={2: {"highway": "traffic_signals"}}, name="s.osm"
            )
        ]
    )
    profile = travel_profile("ebike")
    plain = RoadTravelModel(build_graph(network_plain, profile), "plain", True)
    signal = RoadTravelModel(build_graph(network_signal, profile), "signal", True)

    gap = seconds(signal, 1, 3) - seconds(plain, 1, 3)

    assert gap == profile.signal_delay_s - profile.intersection_delay_s


def test_e_bike_speeds_respect_the_national_25_kmh_cap():
    profile = travel_profile("ebike")

    assert max(profile.speed_kmh.values()) <= 25.0
    with pytest.raises(ValueError, match="25"):
        type(profile)("ebike", {"primary": 30.0}, True, "push")


def test_time_of_day_factor_scales_travel_times(write_town):
    model = town_model(
        write_town, ALL_STREETS, hourly_factors=(1.0,) * 8 + (1.5,) + (1.0,) * 15
    )
    rush = model.at_hour(8)

    assert seconds(rush, 1, 9) == pytest.approx(seconds(model, 1, 9) * 1.5, abs=3)


def test_scooters_keep_off_roads_closed_to_motorcycles(write_town):
    closed = {**RES, "motorcycle": "no"}
    ways = [w if w[0] != 101 else (101, [1, 2, 3], closed) for w in ALL_STREETS]
    scooter = town_model(write_town, ways, "scooter")
    open_town = town_model(write_town, ALL_STREETS, "scooter")

    assert seconds(scooter, 1, 3) > seconds(open_town, 1, 3)
