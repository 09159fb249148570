"""Slim, customer-free views of state records for the live map and its stream.

The stream and the map never carry a customer's name, phone number or address
text; a dispatcher reads those from ``GET /orders/{order_id}``.
"""

from typing import Any

Json = dict[str, Any]

ORDER_FIELDS = (
    "id",
    "status",
    "depot_id",
    "courier_id",
    "placed_s",
    "deadline_s",
    "eta_s",
    "promised_eta_s",
    "delivered_s",
)
COURIER_FIELDS = ("id", "online", "lon", "lat", "position_s", "capacity", "onboard")
STOP_FIELDS = ("order_id", "kind", "lon", "lat", "depot_id", "eta_s")


def order_view(order: Json) -> Json:
    """Return what the map shows of an order: status, places and times."""
    view = {key: order.get(key) for key in ORDER_FIELDS}
    dropoff = order.get("dropoff")
    view["dropoff"] = [dropoff["lon"], dropoff["lat"]] if dropoff else None
    history = order.get("history") or []
    view["reason"] = history[-1]["reason"] if history else ""
    return view


def courier_view(courier: Json) -> Json:
    """Return what the map shows of a courier: position, load and route."""
    view = {key: courier.get(key) for key in COURIER_FIELDS}
    committed = courier.get("committed")
    view["committed"] = stop_view(committed) if committed else None
    view["route"] = [stop_view(stop) for stop in courier.get("route") or []]
    return view


def stop_view(stop: Json) -> Json:
    """Return a stop without anything but where, what and when."""
    return {key: stop.get(key) for key in STOP_FIELDS}


def depot_view(depot: Json) -> Json:
    """Return a depot's place and how many titles it has free."""
    stock: dict[str, int] = depot.get("stock") or {}
    reserved: dict[str, int] = depot.get("reserved") or {}
    return {
        "id": depot.get("id"),
        "name": depot.get("name", ""),
        "lon": depot.get("lon"),
        "lat": depot.get("lat"),
        "titles": len(stock),
        "copies": sum(stock.values()),
        "reserved": sum(reserved.values()),
    }


VIEWS = {"orders": order_view, "couriers": courier_view, "depots": depot_view}
KINDS = {"orders": "order", "couriers": "courier", "depots": "depot"}
