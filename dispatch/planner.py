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


class OrToolsPlanner:
    """Plan with the OR-Tools solver, warm-started from the previous plan.

    Parameters
    ----------
    params
        A ``solver.SolverParams``; the solver's defaults when ``None``.
    """

    def __init__(self, params: Any = None) -> None:
        self.params = params if params is not None else solver.SolverParams()

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
