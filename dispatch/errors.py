"""Errors the dispatcher raises when an event cannot be applied.

Every error leaves the dispatcher's state exactly as it was before the event.
The service turns them into 4xx answers: ``UnknownOrder`` / ``UnknownCourier``
→ 404, ``IllegalTransition`` / ``DuplicateOrder`` → 409, ``InvalidEvent`` → 422.
"""

# The class names are the agreed dispatcher contract, so no "Error" suffix.
# ruff: noqa: N818


class DispatchError(Exception):
    """An event the dispatcher refused; its state is unchanged."""


class UnknownOrder(DispatchError, LookupError):
    """The event names an order id the dispatcher has never seen."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"unknown order id {order_id!r}")
        self.order_id = order_id


class UnknownCourier(DispatchError, LookupError):
    """The event names a courier id the dispatcher has never seen."""

    def __init__(self, courier_id: str) -> None:
        super().__init__(f"unknown courier id {courier_id!r}")
        self.courier_id = courier_id


class IllegalTransition(DispatchError, RuntimeError):
    """The event asks for a change the current state does not allow."""


class DuplicateOrder(DispatchError, RuntimeError):
    """An order id arrived again with a different payload."""

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"order id {order_id!r} already exists with a different payload; "
            "resend the same payload or use a new id"
        )
        self.order_id = order_id


class InvalidEvent(DispatchError, ValueError):
    """The event is well formed but cannot apply (e.g. an unknown depot)."""
