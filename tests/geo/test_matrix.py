"""Travel-time matrices and paths on the road graph."""

import networkx as nx
import numpy as np
import pytest

import geo
from geo.city import synthetic_graph
from geo.profiles import travel_profile
from geo.road import PairCache, RoadTravelModel
from geo.synthetic import SyntheticCitySpec

SMALL = SyntheticCitySpec(side=20, spacing_m=90.0, noise_m=10.0, seed=7)


@pytest.fixture(scope="module")
def small_model() -> RoadTravelModel:
    graph = synthetic_graph(SMALL, travel_profile("ebike"))
    return RoadTravelModel(graph, "small-grid", synthetic=True)


def networkx_graph(model: RoadTravelModel) -> nx.DiGraph:
    graph = model.graph
    digraph = nx.DiGraph()
    digraph.add_weighted_edges_from(
        zip(
            graph.tails().tolist(),
            graph.indices.tolist(),
            graph.time_s.tolist(),
            strict=True,
        )
    )
    return digraph


def test_matrix_times_equal_networkx_dijkstra(small_model):
    rng = np.random.default_rng(3)
    origins = rng.choice(small_model.graph.n_nodes, 12, replace=False)
    destinations = rng.choice(small_model.graph.n_nodes, 30, replace=False)
    digraph = networkx_graph(small_model)

    time_s, distance_m = small_model.matrix(origins, destinations)

    for i, origin in enumerate(origins.tolist()):
        lengths = nx.single_source_dijkstra_path_length(
            digraph, origin, weight="weight"
        )
        assert time_s[i].tolist() == [lengths[d] for d in destinations.tolist()]
    assert time_s.dtype == np.int32 and distance_m.dtype == np.int32
    assert (distance_m[time_s > 0] > 0).all()


def test_path_time_and_distance_match_the_matrix(small_model):
    origin, destination = 5, small_model.graph.n_nodes - 9

    path = small_model.path(origin, destination)
    time_s, distance_m = small_model.matrix(np.array([origin]), np.array([destination]))

    assert path.time_s[0] == 0 and path.distance_m[0] == 0
    assert path.time_s[-1] == time_s[0, 0]
    assert round(path.distance_m[-1]) == distance_m[0, 0]
    assert np.all(np.diff(path.time_s) >= 0)
    assert np.allclose(
        path.points[0], small_model.location_points(np.array([origin]))[0]
    )


def test_pairs_beyond_the_horizon_are_unreachable():
    graph = synthetic_graph(SMALL, travel_profile("ebike"))
    short = RoadTravelModel(graph, "short-horizon", synthetic=True, horizon_s=120)
    far = np.array([graph.n_nodes - 1])

    time_s, distance_m = short.matrix(np.array([0]), far)

    assert time_s[0, 0] == geo.UNREACHABLE_S
    assert distance_m[0, 0] == geo.UNREACHABLE_S
    with pytest.raises(ValueError, match="not reachable"):
        short.path(0, int(far[0]))


def test_known_nodes_are_reused_and_only_new_ones_are_searched(small_model):
    small_model.clear_cache()
    first = np.arange(0, 40)
    second = np.arange(20, 60)

    time_first, _ = small_model.matrix(first, second)
    searched = small_model.cached_rows
    time_second, _ = small_model.matrix(second, first)
    assert small_model.cached_rows == searched
    small_model.matrix(np.arange(50, 70), first)

    assert small_model.cached_rows == searched + 10
    assert np.array_equal(time_first[20:, :20], time_second[:20, 20:])
    assert np.array_equal(np.diag(time_first[20:, :20]), np.zeros(20))


def test_cached_pairs_equal_fresh_searches_while_the_stops_drift_all_day(small_model):
    # Re-plans ask for a set of stops that drifts: some doors are served and
    # leave, new ones come. The pair cache keeps, forgets and fills slots.
    cache = PairCache(max_nodes=120)
    query = small_model._hierarchy_query()
    rng = np.random.default_rng(3)
    n_nodes = small_model.graph.n_nodes
    stops = rng.choice(n_nodes, 60, replace=False)
    for call in range(120):
        leaving = rng.choice(stops.size, int(rng.integers(0, 12)), replace=False)
        stops[leaving] = rng.integers(0, n_nodes, leaving.size)
        if call % 40 == 39:
            stops = rng.choice(n_nodes, 60, replace=False)
        unique = np.unique(stops)
        origins = rng.permutation(unique)[: int(rng.integers(1, unique.size + 1))]

        cached = cache.weights(query, origins, unique)

        assert np.array_equal(cached, query.weights(origins, unique)), call


def test_a_promise_sized_call_with_a_new_node_gets_dijkstra_times(small_model):
    small_model.clear_cache()
    known = np.arange(0, 200)
    small_model.matrix(known, known)
    new = np.array([small_model.graph.n_nodes - 1])
    digraph = networkx_graph(small_model)

    from_new, _ = small_model.matrix(new, known[:5])
    to_new, _ = small_model.matrix(known[:5], new)

    lengths = nx.single_source_dijkstra_path_length(digraph, int(new[0]))
    assert from_new[0].tolist() == [lengths[d] for d in range(5)]
    assert to_new[:, 0].tolist() == [
        nx.dijkstra_path_length(digraph, o, int(new[0])) for o in range(5)
    ]


def test_repeated_origins_get_identical_rows(small_model):
    time_s, _ = small_model.matrix(np.array([3, 9, 3]), np.array([1, 2, 3]))

    assert np.array_equal(time_s[0], time_s[2])
    assert time_s[0, 2] == 0


def test_node_indices_out_of_range_are_rejected(small_model):
    with pytest.raises(ValueError, match="node indices"):
        small_model.matrix(np.array([small_model.graph.n_nodes]), np.array([0]))
    with pytest.raises(TypeError, match="integer"):
        small_model.matrix(np.array([0.5]), np.array([0]))


def test_every_node_reaches_every_other_after_the_component_restriction(small_model):
    nodes = np.arange(0, small_model.graph.n_nodes, 37)

    time_s, _ = small_model.matrix(nodes, nodes)

    assert time_s.max() < geo.UNREACHABLE_S


def test_hierarchy_matrix_equals_plain_dijkstra_in_time_and_distance():
    from scipy.sparse import csgraph, csr_matrix

    city = geo.load_city("demo")
    graph = city.travel.graph
    weight = graph.time_s.astype(np.float64) * 2**24 + graph.length_dm
    n = graph.n_nodes
    adjacency = csr_matrix((weight, graph.indices, graph.indptr), shape=(n, n))
    nodes = np.random.default_rng(11).choice(n, 40, replace=False)

    time_s, distance_m = city.travel.matrix(nodes, nodes)
    plain = csgraph.dijkstra(adjacency, indices=nodes)[:, nodes]

    assert np.array_equal(time_s, plain // 2**24)
    assert np.array_equal(distance_m, np.rint((plain % 2**24) / 10.0))
