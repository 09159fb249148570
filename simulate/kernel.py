"""The discrete-event kernel: a deterministic queue of timed happenings.

Happenings are ordered by (time, priority, sequence): at equal times the lower
priority number goes first, and at equal priorities the one scheduled first.
Nothing in the ordering depends on the payload, so a run is reproducible.
"""

import heapq
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Priority(IntEnum):
    """What happens first when several things fall on the same second."""

    COURIER_ONLINE = 0
    ARRIVAL = 1
    """A courier reaches a stop or finishes service there."""
    ORDER = 2
    COURIER_OFFLINE = 3
    TICK = 4
    """The dispatcher's timer: re-plan after everything else of that second."""


@dataclass(frozen=True, order=True, slots=True)
class Scheduled:
    """One queued happening; compared by (time_s, priority, sequence) only."""

    time_s: int
    priority: int
    sequence: int
    kind: str = field(compare=False)
    payload: Any = field(compare=False, default=None)


class EventQueue:
    """A priority queue of :class:`Scheduled` happenings with stable ordering."""

    def __init__(self) -> None:
        self._heap: list[Scheduled] = []
        self._sequence = 0

    def __len__(self) -> int:
        return len(self._heap)

    def push(
        self, time_s: int, priority: int, kind: str, payload: Any = None
    ) -> Scheduled:
        """Schedule a happening and return it (its sequence number breaks ties)."""
        if time_s < 0:
            raise ValueError(f"time_s={time_s} must be >= 0")
        item = Scheduled(int(time_s), int(priority), self._sequence, kind, payload)
        self._sequence += 1
        heapq.heappush(self._heap, item)
        return item

    def pop(self) -> Scheduled:
        """Remove and return the earliest happening."""
        if not self._heap:
            raise IndexError("pop from an empty event queue")
        return heapq.heappop(self._heap)

    def peek_time_s(self) -> int | None:
        """Return the time of the earliest happening, or None when empty."""
        return self._heap[0].time_s if self._heap else None
