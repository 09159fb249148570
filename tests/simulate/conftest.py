"""Shared fixtures: the tiny hand-made stream and its scenario."""

from pathlib import Path

import pytest

from simulate.scenario import Scenario, stream_scenario
from simulate.stream import read_stream

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "data" / "streams" / "tiny"
BROKEN = Path(__file__).resolve().parent / "streams"


@pytest.fixture
def tiny_scenario() -> Scenario:
    """Twelve orders, two shops, three couriers on a planar 4 km square."""
    return stream_scenario(read_stream(TINY), None, strict=True, seed=1)
