"""Fan-out of state changes to server-sent-event clients.

Producers (the request handlers and the re-planning worker thread) call
:meth:`Broadcaster.publish` from any thread; each connected client reads its
own bounded queue on the event loop. A client that falls too far behind gets
a ``resync`` message and should reload the full state.
"""

import asyncio
import itertools
import logging
import threading
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

QUEUE_SIZE = 1000


@dataclass(frozen=True)
class Message:
    """One change: its sequence id, kind (``order``, ``courier``, ...) and data."""

    id: int
    kind: str
    data: dict[str, Any]


class Broadcaster:
    """Deliver every published message to every subscribed client queue."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: set[asyncio.Queue[Message]] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver on ``loop`` (the service's event loop)."""
        self._loop = loop

    def subscribe(self) -> asyncio.Queue[Message]:
        """Return a new client queue; call :meth:`unsubscribe` when done."""
        queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        logger.debug("stream client joined, %d connected", len(self._queues))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Message]) -> None:
        """Stop delivering to ``queue``."""
        self._queues.discard(queue)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Send one message to every client, from any thread."""
        if self._loop is None or not self._queues:
            return
        with self._lock:
            message = Message(next(self._ids), kind, data)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._deliver(message)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._deliver, message)

    def _deliver(self, message: Message) -> None:
        for queue in list(self._queues):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                logger.warning("stream client fell %d messages behind", QUEUE_SIZE)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(Message(message.id, "resync", {}))
