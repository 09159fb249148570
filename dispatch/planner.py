"""The seam between the dispatcher and whatever finds routes.

A planner turns a :class:`solver.Problem` into a :class:`solver.Plan`. The
production planner is OR-Tools through :func:`solver.solve`; the simulator's
greedy and insertion policies are other planners behind the same protocol.
"""

import logging
from typing import Any, Protocol

import solver
from solver.problem import Plan, Problem

logger = logging.getLogger(__name__)


class Planner(Protocol):
    """Anything that plans routes for a problem, optionally from a previous plan."""

    def plan(self, problem: Problem, previous: Plan | None) -> Plan:
        """Return a plan for ``problem``; ``previous`` is a warm start hint."""
        ...


LIVE_TIME_LIMIT_S = 1.0
"""Solver budget of a live re-plan: the loop must answer within 2 s."""
LIVE_MAX_MODEL_NODES = 800
"""Largest problem (routing nodes) handed to OR-Tools' local search live."""


def live_solver_params() -> Any:
    """Return the solver settings of the live loop.

    Notes
    -----
    Building and closing the OR-Tools model costs far more than the live
    budget on large problems: measured here, closing the model of 600 orders
    with three depot alternatives each (2 321 routing nodes) took 15.8 s, and
    about 1 s at 950 nodes. Above ``LIVE_MAX_MODEL_NODES`` the solver keeps its
    own construction and local search, which fit in the budget.
    """
    return solver.SolverParams(
        time_limit_s=LIVE_TIME_LIMIT_S, max_model_nodes=LIVE_MAX_MODEL_NODES
    )


class OrToolsPlanner:
    """Plan with the OR-Tools solver, warm-started from the previous plan.

    Parameters
    ----------
    params
        A ``solver.SolverParams``; :func:`live_solver_params` when ``None``.
    """

    def __init__(self, params: Any = None) -> None:
        self.params = params if params is not None else live_solver_params()

    def plan(self, problem: Problem, previous: Plan | None) -> Plan:
        """Solve ``problem`` within the solver's budget."""
        plan: Plan = solver.solve(problem, self.params, warm_start=previous)
        logger.debug(
            "planned %d orders on %d couriers in %.3f s, %d unassigned",
            len(problem.orders),
            len(problem.couriers),
            plan.solve_time_s,
            len(plan.unassigned),
        )
        return plan
