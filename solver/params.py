"""Solver settings: weights of the objective and the search budget."""

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Metaheuristic(StrEnum):
    """How OR-Tools escapes local minima after the construction."""

    GUIDED_LOCAL_SEARCH = "guided_local_search"
    SIMULATED_ANNEALING = "simulated_annealing"
    TABU_SEARCH = "tabu_search"
    GREEDY_DESCENT = "greedy_descent"


class Construction(StrEnum):
    """Which open order the construction inserts next."""

    CHEAPEST = "cheapest"
    """The one with the cheapest insertion anywhere: serves the most on time."""
    REGRET = "regret"
    """The one that loses most if its best route fills up (regret-2)."""


class SolverParams(BaseModel):
    """Weights and budget of one solve; frozen and validated.

    The objective, in order of weight: leaving an order unassigned
    (``unassigned_penalty`` times its priority), lateness past a deadline
    (``lateness_cost_per_s`` per second), moving an order away from its
    current courier (``reassign_penalty``), travel time in seconds, and a
    ``courier_cost`` for every courier that leaves its start.

    The budget is wall time (``time_limit_s``, model building included) and,
    for reproducible runs, ``solution_limit``: the number of improving
    solutions OR-Tools may find before it stops (and of ruin-and-recreate
    iterations unless ``lns_iterations`` says otherwise). A solve with a
    solution limit and a generous time limit gives the same plan on every run.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_limit_s: float = Field(
        default=1.0, gt=0, description="Wall-time budget, seconds."
    )
    solution_limit: int | None = Field(
        default=None, ge=1, description="Stop after this many improving solutions."
    )
    lateness_cost_per_s: int = Field(default=1_000, ge=0)
    unassigned_penalty: int = Field(default=10_000_000, ge=1)
    reassign_penalty: int = Field(default=600, ge=0)
    courier_cost: int = Field(default=1, ge=0)
    hard_deadlines: bool = False
    construction: Construction = Construction.CHEAPEST
    push_cost_per_s: float = Field(
        default=1.0,
        ge=0,
        description=(
            "Construction only: cost per second an insertion delays the next "
            "stop, which keeps time slack for later orders (measured on live "
            "shapes: 40 % fewer late orders); 0 inserts by travel alone, which "
            "suits distance-only VRPTW benchmarks better."
        ),
    )
    metaheuristic: Metaheuristic = Metaheuristic.GUIDED_LOCAL_SEARCH
    improve: bool = Field(
        default=True,
        description="Let OR-Tools improve the construction; False stops there.",
    )
    max_model_nodes: int = Field(
        default=2_500,
        ge=0,
        description=(
            "Above this many routing nodes the OR-Tools model costs more to build "
            "than the budget allows; the construction's own local search is used. "
            "0 never builds it: a budget of work (lns_iterations), not of time."
        ),
    )
    lns_iterations: int | None = Field(
        default=None,
        ge=0,
        description=(
            "Ruin-and-recreate iterations (before OR-Tools, or alone when the "
            "OR-Tools model is not affordable); None runs solution_limit of them "
            "if that is set (reproducible), else until its share of the time limit."
        ),
    )
    lns_share: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description=(
            "Share of the search time (after the construction and OR-Tools' model "
            "building) that ruin and recreate runs before OR-Tools polishes."
        ),
    )
    threads: int = Field(
        default=2,
        ge=1,
        description=(
            "Threads of ruin and recreate on large problems: the routes are "
            "split into this many parts, near one another, each searched in its "
            "own thread and split anew every few hundredths of a second. Small "
            "problems (under solver.lns.PART_MIN_ORDERS orders a part) use one."
        ),
    )
    seed: int = Field(default=0, ge=0, description="Seed of the ruin-and-recreate.")
    log_search: bool = False

    @model_validator(mode="after")
    def _penalties_ordered(self) -> "SolverParams":
        if self.unassigned_penalty <= self.reassign_penalty:
            raise ValueError(
                f"unassigned_penalty={self.unassigned_penalty} must exceed "
                f"reassign_penalty={self.reassign_penalty}"
            )
        return self

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "SolverParams":
        """Build params from a mapping (e.g. a TOML table), validating every key."""
        return cls.model_validate(values)

    @classmethod
    def from_toml(cls, path: Path, table: str | None = "solver") -> "SolverParams":
        """Read params from a TOML file, from ``[table]`` or the top level."""
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if table is not None:
            data = data.get(table, {})
        return cls.from_dict(data)
