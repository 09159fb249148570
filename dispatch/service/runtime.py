"""The running dispatcher inside the service: one lock, a re-planner, a stream.

Request handlers apply events under :attr:`DispatchRuntime.lock`; the
re-planner runs in a worker thread, woken by the timer or (debounced) by state
changes, so intake never waits for the solver except while a problem is built
or a finished plan committed. The solver itself runs in a child process when
the planner can be pickled, so its CPU time does not compete with requests
for the interpreter lock.
"""

import asyncio
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from dispatch.service.broadcast import Broadcaster
from dispatch.service.views import KINDS, VIEWS
from dispatch.store import Change, SqlStore

logger = logging.getLogger(__name__)

T = TypeVar("T")

PARENT_POLL_S = 1.0
"""How often the solver's child process checks that the service still runs."""


class ServiceSettings(BaseModel):
    """How the service re-plans and what requests it accepts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    replan_interval_s: float = Field(default=30.0, gt=0)
    """The timer: re-plan at least this often."""
    replan_debounce_s: float = Field(default=1.0, ge=0)
    """After a change, wait this long for more before re-planning."""
    replan_on_change: bool = True
    """Re-plan shortly after changes; when false only the timer (and
    ``POST /plan/replan``) re-plans."""
    replan_min_gap_s: float = Field(default=5.0, ge=0)
    """Start re-plans at least this far apart, so a stream of orders does not
    keep the lock busy with building and committing plans."""
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    """Larger request bodies are refused with 413."""
    city: str = ""
    """Name of the city served, shown on the map."""
    solve_in_subprocess: bool = True
    """Run the solver in a child process (when the planner pickles)."""


class DispatchRuntime:
    """A dispatcher, its store and its stream, shared by every request.

    Parameters
    ----------
    dispatcher
        The in-memory ``dispatch.Dispatcher``, journalling to ``store``.
    store
        The durable store; its committed changes feed the stream.
    settings
        Re-planning cadence and request limits.
    clock
        Returns Unix seconds; the service's event times.
    """

    def __init__(
        self,
        dispatcher: Any,
        store: SqlStore,
        settings: ServiceSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.dispatcher = dispatcher
        self.store = store
        self.settings = settings
        self.clock = clock
        self.lock = threading.RLock()
        self.broadcaster = Broadcaster()
        self.replans = 0
        self._replanning = threading.Lock()
        self._dirty = asyncio.Event()
        self._solver_pool: ProcessPoolExecutor | None = None
        store.subscribe(self._on_change)

    def start_solver_process(self) -> None:
        """Start the child process that solves, if settings and planner allow."""
        if not self.settings.solve_in_subprocess or self._solver_pool is not None:
            return
        try:
            pickle.dumps(self.dispatcher.planner)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            logger.warning("planner cannot move to a child process (%s)", error)
            return
        context = multiprocessing.get_context("spawn")
        self._solver_pool = ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_follow_parent
        )
        self._solver_pool.submit(_warm_up)
        logger.info("solver runs in a child process")

    def stop_solver_process(self) -> None:
        """Stop the solver's child process."""
        if self._solver_pool is not None:
            self._solver_pool.shutdown(wait=True, cancel_futures=True)
            self._solver_pool = None

    def now_s(self) -> int:
        """Return the service clock in whole Unix seconds."""
        return int(self.clock())

    def apply(self, event: Any) -> Any:
        """Apply one event under the lock and wake the re-planner."""
        with self.lock:
            outcome = self.dispatcher.apply(event)
        if self.settings.replan_on_change:
            self._dirty.set()
        return outcome

    def read(self, reader: Callable[[Any], T]) -> T:
        """Run ``reader(dispatcher)`` under the lock, for a consistent view."""
        with self.lock:
            return reader(self.dispatcher)

    def replan(self) -> Any:
        """Re-plan now and publish the plan; blocking, so call it from a thread.

        The problem is built and the plan committed under the lock; the solver
        runs outside it, so intake continues meanwhile. Events applied during
        the solve win over the plan (see ``Dispatcher.commit_replan``).
        """
        with self._replanning:
            now_s = self.now_s()
            started = time.perf_counter()
            with self.lock:
                built = self.dispatcher.prepare_replan(now_s)
            built_at = time.perf_counter()
            plan = self._solve(built)
            solved_at = time.perf_counter()
            with self.lock:
                view = self.dispatcher.commit_replan(built, plan)
            committed_at = time.perf_counter()
            self.replans += 1
        logger.info(
            "re-plan %d at %d: %d routes, %d unassigned; locked %.3f s to build, "
            "%.3f s to commit; solved in %.3f s outside the lock",
            self.replans,
            view.at_s,
            len(view.routes),
            len(view.unassigned),
            built_at - started,
            committed_at - solved_at,
            solved_at - built_at,
        )
        self.broadcaster.publish("plan", _plan_summary(view))
        return view

    def _solve(self, built: Any) -> Any:
        planner = self.dispatcher.planner
        if self._solver_pool is None:
            return planner.plan(built.problem, built.warm_start)
        try:
            future = self._solver_pool.submit(
                _plan, planner, built.problem, built.warm_start
            )
            return future.result()
        except BrokenProcessPool:
            logger.error("the solver's child process died; solving in a thread now")
            self._solver_pool = None
            return planner.plan(built.problem, built.warm_start)

    async def run_replanner(self) -> None:
        """Re-plan forever: on the timer, and shortly after each change."""
        settings = self.settings
        last_started = -float("inf")
        while True:
            try:
                await asyncio.wait_for(self._dirty.wait(), settings.replan_interval_s)
                gap_s = settings.replan_min_gap_s - (time.monotonic() - last_started)
                await asyncio.sleep(max(settings.replan_debounce_s, gap_s))
            except TimeoutError:
                pass
            self._dirty.clear()
            last_started = time.monotonic()
            try:
                await asyncio.to_thread(self.replan)
            except Exception:
                logger.exception("re-plan failed; the previous plan stays in force")

    def _on_change(self, change: Change) -> None:
        for name, rows in change.rows.items():
            view = VIEWS[name]
            for row in rows.values():
                self.broadcaster.publish(KINDS[name], view(row))


def _follow_parent() -> None:
    """Exit the solver's child process as soon as the service process is gone.

    A service killed with SIGKILL cannot stop its child; without this the
    child would wait for work forever.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _warm_up() -> None:
    """Import the solver in the child process before the first plan needs it."""
    import solver  # noqa: F401  (imported for its side effect: loading OR-Tools)


def _plan(planner: Any, problem: Any, warm_start: Any) -> Any:
    """Plan in the solver's child process (a module-level function pickles)."""
    return planner.plan(problem, warm_start)


def _plan_summary(plan: Any) -> dict[str, Any]:
    return {
        "at_s": plan.at_s,
        "routes": {c: len(stops) for c, stops in plan.routes.items()},
        "unassigned": len(plan.unassigned),
        "build_time_s": plan.build_time_s,
        "solve_time_s": plan.solve_time_s,
    }
