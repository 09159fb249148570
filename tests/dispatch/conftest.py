"""A tiny hand-checkable city for the dispatcher tests.

Two depots 3.4 km apart on a planar (haversine × 1.3, 15 km/h) travel model,
couriers near depot A, dropoffs a few minutes' ride away.
"""

import pytest

import solver
from dispatch import Dispatcher, DispatchParams, OrToolsPlanner
from dispatch.domain import DepotRecord
from geo.planar import PlanarTravelModel

DEPOT_A = (116.400, 39.900)
DEPOT_B = (116.440, 39.900)
NEAR_A = (116.405, 39.905)
FAR_AWAY = (116.590, 39.900)
"""About 16 km east of depot A: some 85 min by e-bike, late but servable."""


def make_depots() -> list[DepotRecord]:
    return [
        DepotRecord(
            id="A",
            name="depot A",
            lon=DEPOT_A[0],
            lat=DEPOT_A[1],
            stock={"活着": 2, "三体": 1},
        ),
        DepotRecord(
            id="B",
            name="depot B",
            lon=DEPOT_B[0],
            lat=DEPOT_B[1],
            stock={"三体": 3, "百年孤独": 1},
        ),
    ]


def make_planner() -> OrToolsPlanner:
    return OrToolsPlanner(solver.SolverParams(time_limit_s=5.0, solution_limit=30))


@pytest.fixture
def travel() -> PlanarTravelModel:
    return PlanarTravelModel("lonlat", name="tiny")


@pytest.fixture
def dispatcher(travel: PlanarTravelModel) -> Dispatcher:
    return Dispatcher(travel, make_depots(), make_planner(), DispatchParams())
