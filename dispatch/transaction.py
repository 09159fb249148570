"""Undo for one event: the records it touched, stamped on success, restored on failure.

The dispatcher changes its state in place; a :class:`Transaction` copies each
record the first time an event touches it, so a refused event or a failed
journal write puts everything back, and a successful one stamps exactly the
changed records with the new sequence number (what the store writes).
"""

from typing import TYPE_CHECKING, Any

from dispatch.domain import CourierRecord, DepotRecord, OrderRecord

if TYPE_CHECKING:
    from dispatch.dispatcher import Dispatcher


class Transaction:
    """Remember the records an event touches, to stamp or undo them."""

    def __init__(self, dispatcher: "Dispatcher") -> None:
        self.dispatcher = dispatcher
        state = dispatcher._state
        self.scalars = (state.seq, state.now_s, state.last_replan_s, state.dirty)
        self.view = dispatcher._view
        self.saved: dict[str, dict[str, Any]] = {
            "orders": {},
            "couriers": {},
            "depots": {},
        }
        self.nodes: list[tuple[dict[str, int], str, int | None]] = []

    def order(self, order_id: str) -> OrderRecord:
        """Return the live order, saving a copy first."""
        return self._touch("orders", order_id)

    def courier(self, courier_id: str) -> CourierRecord:
        """Return the live courier, saving a copy first."""
        return self._touch("couriers", courier_id)

    def depot(self, depot_id: str) -> DepotRecord:
        """Return the live depot, saving a copy first."""
        return self._touch("depots", depot_id)

    def add(self, collection: str, record: Any) -> None:
        """Add a new record, removed again on rollback."""
        self.saved[collection].setdefault(record.id, None)
        getattr(self.dispatcher._state, collection)[record.id] = record

    def node(self, book: dict[str, int], key: str, node: int) -> None:
        """Set a snapped node in one of the dispatcher's node books."""
        self.nodes.append((book, key, book.get(key)))
        book[key] = node

    def touched(self) -> bool:
        """Return whether any record was touched."""
        return any(self.saved.values())

    def changed(self) -> dict[str, list[str]]:
        """Return the ids of the touched records, per collection."""
        return {collection: list(saved) for collection, saved in self.saved.items()}

    def stamp(self, seq: int) -> None:
        """Mark every touched record as changed at ``seq``."""
        state = self.dispatcher._state
        for collection, saved in self.saved.items():
            records = getattr(state, collection)
            for key in saved:
                records[key].updated_seq = seq

    def rollback(self) -> None:
        """Put every touched record, node and scalar back as it was."""
        dispatcher = self.dispatcher
        state = dispatcher._state
        state.seq, state.now_s, state.last_replan_s, state.dirty = self.scalars
        dispatcher._view = self.view
        for collection, saved in self.saved.items():
            records = getattr(state, collection)
            for key, before in saved.items():
                if before is None:
                    records.pop(key, None)
                else:
                    records[key] = before
        for book, key, before in reversed(self.nodes):
            if before is None:
                book.pop(key, None)
            else:
                book[key] = before

    def _touch(self, collection: str, key: str) -> Any:
        records = getattr(self.dispatcher._state, collection)
        saved = self.saved[collection]
        if key not in saved:
            saved[key] = snapshot(records[key])
        return records[key]


def snapshot(record: Any) -> Any:
    """Return a copy of a record that later in-place changes cannot reach.

    Records are changed by assigning fields, appending to their lists and
    updating their stock dicts; stops and events inside are never changed in
    place, so copying those containers is enough (and much cheaper than a
    deep copy on every re-plan).
    """
    if isinstance(record, OrderRecord):
        return record.model_copy(update={"history": list(record.history)})
    if isinstance(record, CourierRecord):
        return record.model_copy(
            update={"onboard": list(record.onboard), "route": list(record.route)}
        )
    if isinstance(record, DepotRecord):
        return record.model_copy(
            update={"stock": dict(record.stock), "reserved": dict(record.reserved)}
        )
    return record.model_copy(deep=True)
