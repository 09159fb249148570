"""Settings of one simulation run: a frozen, validated object loadable from TOML."""

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Policy(StrEnum):
    """Who decides which courier serves which order."""

    ORTOOLS = "ortools"
    """The production dispatcher: OR-Tools re-planning on every tick."""
    INSERTION = "insertion"
    """Cheapest insertion of each new order into the current routes."""
    GREEDY = "greedy"
    """The nearest idle courier takes the oldest waiting order (a human's rule)."""


class SolverClock(StrEnum):
    """How the time a planner takes is treated on the simulated clock."""

    BUDGET = "budget"
    """Deterministic: the planner runs a fixed count of iterations in no time."""
    MEASURED = "measured"
    """Realistic: the world moves on while the planner thinks (wall time)."""


class SimulationConfig(BaseModel):
    """Everything that decides the outcome of one simulation run.

    Same config, same stream and same seed give identical results when
    ``solver_clock`` is ``budget``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(
        default=1, ge=0, description="Seed of the world's random generator."
    )
    policy: Policy = Policy.ORTOOLS
    couriers: int = Field(
        default=30, ge=0, description="Fleet size when the stream brings no couriers."
    )
    courier_capacity: int = Field(
        default=8, ge=1, description="Orders a courier can carry."
    )
    shift_start_s: int | None = Field(
        default=None,
        ge=0,
        description="Shift start of generated couriers (default: first order).",
    )
    shift_end_s: int | None = Field(
        default=None,
        ge=0,
        description="Shift end of generated couriers (default: open end).",
    )
    replan_interval_s: int = Field(default=60, ge=1, le=3600)
    position_interval_s: int = Field(
        default=300,
        ge=1,
        description=(
            "How often a riding courier's position is reported before a tick; "
            "couriers are always placed where they pick up or deliver."
        ),
    )
    pickup_service_s: int = Field(
        default=120, ge=0, description="Time spent at a depot."
    )
    delivery_service_s: int = Field(
        default=120, ge=0, description="Time spent at a door."
    )
    travel_noise_sd: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="Sigma of the log-normal factor on every leg's travel time.",
    )
    solver_clock: SolverClock = SolverClock.BUDGET
    solver_time_limit_s: float = Field(default=1.0, gt=0.0, description="Per re-plan.")
    solver_iterations: int = Field(
        default=2000,
        ge=0,
        description=(
            "Ruin-and-recreate iterations per re-plan when the clock is 'budget'."
        ),
    )
    drain_s: int = Field(
        default=4 * 3600,
        ge=0,
        description="How long the world runs after the last order.",
    )
    targets_s: tuple[int, ...] = Field(
        default=(3600,),
        description="Click-to-door targets reported besides the deadline.",
    )
    planning_margin_s: int = Field(
        default=600,
        ge=0,
        le=1800,
        description=(
            "The dispatcher's planning margin (DispatchParams.planning_margin_s): "
            "re-plans aim at 50 min to keep a 60-min promise."
        ),
    )
    accept_late: bool = Field(
        default=False,
        description=(
            "Accept orders the dispatcher cannot promise on time (replays of "
            "data sets whose orders must all be served) instead of refusing them."
        ),
    )
    stock_copies: float = Field(
        default=200.0, gt=0.0, description="Mean copies of a stocked title per depot."
    )
    strict: bool = Field(
        default=True,
        description="Reject a stream with bad rows instead of skipping them.",
    )

    @model_validator(mode="after")
    def _check_shift(self) -> "SimulationConfig":
        if (
            self.shift_start_s is not None
            and self.shift_end_s is not None
            and self.shift_end_s <= self.shift_start_s
        ):
            raise ValueError(
                f"shift_end_s={self.shift_end_s} must be after "
                f"shift_start_s={self.shift_start_s}"
            )
        if any(t <= 0 for t in self.targets_s):
            raise ValueError(f"targets_s={self.targets_s} must all be > 0 seconds")
        return self

    @classmethod
    def from_toml(cls, path: Path, **overrides: Any) -> "SimulationConfig":
        """Load settings from a TOML file, with keyword overrides on top.

        Parameters
        ----------
        path
            A TOML file whose top-level keys are fields of this class, or
            whose ``[simulation]`` table holds them.
        **overrides
            Fields to set regardless of the file (e.g. from the command line).
        """
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        data = data.get("simulation", data)
        return cls.model_validate({**data, **overrides})
