"""Assembling a running service: city, store, dispatcher (new or restored), app."""

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI

from dispatch.dispatcher import Dispatcher
from dispatch.domain import DepotRecord
from dispatch.params import DispatchParams
from dispatch.planner import Planner
from dispatch.service.app import create_app
from dispatch.service.auth import Tokens
from dispatch.service.network import road_network
from dispatch.service.runtime import ServiceSettings
from dispatch.store import SqlStore
from geo.travel_model import TravelModel

logger = logging.getLogger(__name__)


def open_dispatcher(
    store: SqlStore,
    travel: TravelModel,
    depots: Iterable[DepotRecord],
    planner: Planner,
    params: DispatchParams | None = None,
    *,
    city: str | None = None,
    geocoder: Any = None,
) -> Dispatcher:
    """Restore the dispatcher saved in ``store``, or start a new one there.

    A new dispatcher starts with ``depots`` (and their stock) and writes that
    initial state at once; a restored one keeps its saved depots and stock.

    Raises
    ------
    ValueError
        When a saved point no longer snaps onto ``travel``'s network.
    """
    saved = store.load_state()
    if saved is None:
        dispatcher = Dispatcher(
            travel, depots, planner, params, store, geocoder=geocoder, city=city
        )
        store.save_state(dispatcher.state)
        logger.info("new dispatcher with %d depots", len(dispatcher.state.depots))
        return dispatcher
    dispatcher = Dispatcher.restore(
        saved, travel, planner, params, store, geocoder=geocoder, city=city
    )
    logger.info(
        "restored %d orders and %d couriers from the store",
        len(dispatcher.state.orders),
        len(dispatcher.state.couriers),
    )
    return dispatcher


def city_app(
    city_name: str,
    db_url: str,
    tokens: Tokens,
    settings: ServiceSettings | None = None,
    planner: Planner | None = None,
    params: DispatchParams | None = None,
) -> FastAPI:
    """Build the service for a named city on the database at ``db_url``.

    The city's road graph, depots and bundled stock come from ``geo`` and
    ``data/``; production planning is OR-Tools unless ``planner`` is given.
    """
    import geo
    from dispatch import stock
    from dispatch.planner import OrToolsPlanner

    city = geo.load_city(city_name)
    store = SqlStore.open(db_url)
    depots = stock.build_depots(city.depots, _city_stock(city_name, city.depots))
    dispatcher = open_dispatcher(
        store,
        city.travel,
        depots,
        planner or OrToolsPlanner(),
        params,
        city=city_name,
        geocoder=None if city.synthetic else _geocoder(),
    )
    settings = settings or ServiceSettings(city=city_name)
    network = road_network(city.travel, getattr(city, "bbox", None))
    logger.info("map network: %d road segments", len(network["segments"]))
    return create_app(dispatcher, store, tokens, settings, network)


def _geocoder() -> Any:
    """Return the address geocoder (its gazetteers load on first use)."""
    from geo.geocode import Geocoder

    return Geocoder()


def _city_stock(city_name: str, depots: Iterable[Any]) -> dict[str, dict[str, int]]:
    """Return the bundled stock of a city, or a seeded sample for its depots."""
    import numpy as np

    from dispatch import stock

    path = stock.stock_path(city_name)
    if path.exists():
        return stock.load_stock(path)
    logger.warning("no stock file %s; drawing a seeded sample", path)
    depot_ids = [str(d.id) for d in depots]
    return stock.generate_stock(
        stock.catalogue_titles(), depot_ids, np.random.default_rng(0)
    )
