"""Loading cities: the synthetic demo city and the real extracts."""

import numpy as np
import pytest

import geo
from geo.settings import data_dir


def require_city_data(name: str) -> None:
    if not (data_dir() / "osm" / name).is_dir():
        pytest.skip(f"no OSM extract under {data_dir() / 'osm' / name}")


def test_demo_city_loads_with_no_data_and_says_it_is_synthetic():
    city = geo.load_city("demo")

    assert city.synthetic and city.travel.synthetic
    assert city.travel.graph.n_nodes > 2000
    assert len(city.depots) == 3


def test_demo_depots_reach_each_other_within_half_an_hour():
    city = geo.load_city("demo")
    points = np.array([[d.lon, d.lat] for d in city.depots])

    nodes = city.travel.snap(points).nodes
    time_s, distance_m = city.travel.matrix(nodes, nodes)

    assert (np.diag(time_s) == 0).all()
    assert time_s.max() < 1800
    assert (distance_m[~np.eye(3, dtype=bool)] > 0).all()


@pytest.mark.parametrize(
    ("name", "depots"), [("beijing", 3), ("shanghai", 3), ("guangzhou", 2)]
)
def test_real_city_depots_sit_on_its_routable_graph(name, depots):
    require_city_data(name)
    city = geo.load_city(name)
    points = np.array([[d.lon, d.lat] for d in city.depots])

    snapped = city.travel.snap(points)
    time_s, _ = city.travel.matrix(snapped.nodes, snapped.nodes)

    assert len(city.depots) == depots
    assert not city.synthetic
    assert snapped.distance_m.max() < 5.0
    assert time_s.max() < geo.UNREACHABLE_S
