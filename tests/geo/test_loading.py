"""Reading map files of every format, caching graphs, and refusing bad input."""

import json
import os

import numpy as np
import pytest

import geo
from geo.city import city_definition, graph_from_files
from geo.profiles import travel_profile
from geo.road import RoadTravelModel

from .conftest import grid_nodes

RES = {"highway": "residential"}
STREETS = [
    (101, [1, 2, 3], RES),
    (102, [4, 5, 6], RES),
    (103, [7, 8, 9], {"highway": "secondary", "oneway": "yes"}),
    (104, [1, 4, 7], RES),
    (105, [2, 5, 8], RES),
    (106, [3, 6, 9], RES),
]


def corner_times(graph):
    model = RoadTravelModel(graph, "town", synthetic=True)
    nodes = model.snap(
        np.array([grid_nodes()[1], grid_nodes()[9], grid_nodes()[7]])
    ).nodes
    time_s, _ = model.matrix(nodes, nodes)
    return time_s


def cached_graphs(cache_root):
    folder = cache_root / "graphs"
    return sorted(folder.glob("*.npz")) if folder.is_dir() else []


def test_a_second_load_reads_the_cache_and_a_new_profile_builds_anew(
    write_town, isolated_dirs, tmp_path
):
    town = write_town(STREETS)
    ebike = travel_profile("ebike")

    first = graph_from_files("town", [town], ebike)
    (cached,) = cached_graphs(tmp_path / "cache")
    built_at = cached.stat().st_mtime_ns
    second = graph_from_files("town", [town], ebike)
    graph_from_files("town", [town], travel_profile("walk"))

    assert cached.stat().st_mtime_ns == built_at
    assert np.array_equal(first.time_s, second.time_s)
    assert second.meta == first.meta
    assert len(cached_graphs(tmp_path / "cache")) == 2
    assert not list((tmp_path / "cache" / "graphs").glob("*.tmp"))


def test_changing_the_map_file_invalidates_the_cache(write_town, isolated_dirs):
    town = write_town(STREETS)
    before = graph_from_files("town", [town], travel_profile("ebike"))

    town = write_town(STREETS[:-1])
    after = graph_from_files("town", [town], travel_profile("ebike"))

    assert after.n_edges < before.n_edges


@pytest.mark.parametrize(
    ("defect", "content", "reason"),
    [
        ("empty", "", "is empty"),
        (
            "truncated",
            '<?xml version="1.0"?><osm version="0.6"><node id="1" lat=',
            "could not be read",
        ),
        ("no_highway", '<?xml version="1.0"?><osm version="0.6"></osm>', "no highway"),
    ],
)
def test_a_broken_osm_file_gets_an_error_naming_it_and_caches_nothing(
    tmp_path, isolated_dirs, defect, content, reason
):
    broken = tmp_path / f"{defect}.osm"
    broken.write_text(content, encoding="utf-8")

    with pytest.raises(geo.MapDataError, match=reason) as caught:
        graph_from_files("broken", [broken], travel_profile("ebike"))

    assert broken.name in str(caught.value)
    assert cached_graphs(tmp_path / "cache") == []


def test_a_file_with_only_expressways_has_no_routable_road_for_e_bikes(
    write_town, isolated_dirs, tmp_path
):
    town = write_town([(1, [1, 2, 3], {"highway": "motorway"})])

    with pytest.raises(geo.MapDataError, match="no road usable by ebike"):
        graph_from_files("expressway", [town], travel_profile("ebike"))
    assert cached_graphs(tmp_path / "cache") == []


def test_a_city_without_its_files_says_which_file_and_which_command(isolated_dirs):
    with pytest.raises(geo.MapDataMissingError) as caught:
        geo.load_city("shanghai")

    message = str(caught.value)
    assert "osm/shanghai/le-degn-system_shanghai.osm" in message
    assert "onehour city prepare shanghai --download" in message
    assert "ONEHOUR_DATA_DIR" in message


def test_patch_files_merge_into_one_graph(write_town, isolated_dirs):
    whole = write_town(STREETS)
    west = write_town(STREETS[:4], name="west.osm")
    east = write_town(STREETS[3:], name="east.osm")  # way 104 is in both

    merged = graph_from_files("patches", [west, east], travel_profile("ebike"))
    single = graph_from_files("whole", [whole], travel_profile("ebike"))

    assert merged.n_nodes == single.n_nodes and merged.n_edges == single.n_edges
    assert np.array_equal(corner_times(merged), corner_times(single))


def test_pbf_geojson_and_graphml_give_the_same_town_as_osm_xml(
    write_town, isolated_dirs, tmp_path
):
    import osmium
    import osmnx

    xml = write_town(STREETS)
    pbf = tmp_path / "town.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    geojson = tmp_path / "town.geojson"
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [list(grid_nodes()[r]) for r in refs],
            },
            "properties": {"id": f"w{way_id}", "nodes": refs, **tags},
        }
        for way_id, refs, tags in STREETS
    ]
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    graphml = tmp_path / "town.graphml"
    osmnx.save_graphml(
        osmnx.graph_from_xml(xml, bidirectional=False, simplify=False, retain_all=True),
        graphml,
    )

    expected = corner_times(graph_from_files("xml", [xml], travel_profile("ebike")))
    for path in (pbf, geojson, graphml):
        graph = graph_from_files(path.name, [path], travel_profile("ebike"))
        assert np.abs(corner_times(graph) - expected).max() <= 1, path.name


@pytest.mark.parametrize(
    ("name", "first_file"),
    [
        ("beijing", "sumoTrajectoryData_region5.osm"),
        ("shanghai", "le-degn-system_shanghai.osm"),
        ("guangzhou", "huacheng-highways.geojson"),
    ],
)
def test_real_city_extract_loads_and_reports_what_was_dropped(name, first_file):
    if not (geo.settings.data_dir() / "osm" / name).is_dir():
        pytest.skip(f"no extract under ONEHOUR_DATA_DIR/osm/{name}")
    city = geo.load_city(name)
    info = city.info

    assert info["nodes"] > 500 and info["edges"] > info["nodes"]
    assert 0.0 < info["dropped_node_share"] < 0.6
    assert info["nodes_before_scc"] > info["nodes"]
    assert info["road_km"] > 5.0
    assert city_definition(name).bbox == city.bbox
    assert os.path.basename(info["sources"][0]) == first_file
