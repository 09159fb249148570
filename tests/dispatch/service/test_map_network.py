"""The road network the live map draws: every street once, framed by its extent."""

import numpy as np

import geo
from dispatch.service.network import road_network


def test_the_demo_city_streets_are_drawn_once_each_within_their_extent():
    city = geo.load_city("demo")
    network = road_network(city.travel, city.bbox)

    segments = np.asarray(network["segments"])
    assert segments.shape[1] == 4 and len(segments) > 1000
    ends = {tuple(s[:2]) + tuple(s[2:]) for s in segments.tolist()}
    reversed_ends = {(b0, b1, a0, a1) for a0, a1, b0, b1 in ends}
    assert not ends & reversed_ends, "a two-way street is drawn twice"
    west, south, east, north = network["bbox"]
    assert segments[:, [0, 2]].min() == west and segments[:, [0, 2]].max() == east
    assert segments[:, [1, 3]].min() == south and segments[:, [1, 3]].max() == north


def test_a_model_without_streets_gives_an_empty_network_framed_by_the_service_area():
    network = road_network(geo.PlanarTravelModel("lonlat"), (116.3, 39.8, 116.5, 40.0))
    assert network == {"segments": [], "bbox": [116.3, 39.8, 116.5, 40.0]}
