"""Pure optimisation: a routing problem in, a plan out (integers only)."""

from solver.check import check_plan
from solver.params import Construction, Metaheuristic, SolverParams
from solver.problem import (
    CommittedStop,
    Courier,
    Order,
    Pickup,
    Plan,
    Problem,
    Route,
    StopKind,
    Unassigned,
    UnassignedReason,
    Visit,
)
from solver.solve import solve, warm_up

__all__ = [
    "CommittedStop",
    "Construction",
    "Courier",
    "Metaheuristic",
    "Order",
    "Pickup",
    "Plan",
    "Problem",
    "Route",
    "SolverParams",
    "StopKind",
    "Unassigned",
    "UnassignedReason",
    "Visit",
    "check_plan",
    "solve",
    "warm_up",
]
