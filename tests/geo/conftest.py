"""Tiny hand-checkable OSM towns for the road-graph tests."""

from collections.abc import Callable
from pathlib import Path

import pytest

Town = Callable[..., Path]

LON0, LAT0 = 116.40, 39.90
STEP_DEG = 0.002
"""About 170 m east-west and 222 m north-south at this latitude."""


def osm_xml(
    nodes: dict[int, tuple[float, float]],
    ways: list[tuple[int, list[int], dict[str, str]]],
    node_tags: dict[int, dict[str, str]] | None = None,
) -> str:
    """Return an OSM XML document of the given nodes and ways."""
    node_tags = node_tags or {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for node_id, (lon, lat) in nodes.items():
        tags = "".join(
            f'<tag k="{k}" v="{v}"/>' for k, v in node_tags.get(node_id, {}).items()
        )
        lines.append(
            f'<node id="{node_id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">'
            f"{tags}</node>"
        )
    for way_id, refs, tags in ways:
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        body += "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<way id="{way_id}" version="1">{body}</way>')
    lines.append("</osm>")
    return "\n".join(lines)


def grid_nodes(side: int = 3) -> dict[int, tuple[float, float]]:
    """Return nodes 1..side² on a grid, numbered row by row from the south-west."""
    return {
        1 + row * side + col: (LON0 + col * STEP_DEG, LAT0 + row * STEP_DEG)
        for row in range(side)
        for col in range(side)
    }


@pytest.fixture
def isolated_dirs(tmp_path, monkeypatch) -> Path:
    """Point the data and cache directories at empty temporary folders."""
    data = tmp_path / "data"
    (data / "osm").mkdir(parents=True)
    monkeypatch.setenv("ONEHOUR_DATA_DIR", str(data))
    monkeypatch.setenv("ONEHOUR_CACHE_DIR", str(tmp_path / "cache"))
    return data


@pytest.fixture
def write_town(tmp_path) -> Town:
    """Return a function writing an OSM XML town to a file and returning its path."""

    def write(
        ways: list[tuple[int, list[int], dict[str, str]]],
        nodes: dict[int, tuple[float, float]] | None = None,
        node_tags: dict[int, dict[str, str]] | None = None,
        name: str = "town.osm",
    ) -> Path:
        path = tmp_path / name
        path.write_text(osm_xml(nodes or grid_nodes(), ways, node_tags), "utf-8")
        return path

    return write
