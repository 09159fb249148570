"""The FastAPI application: orders, couriers, plan, depots, stream and map.

Build it with :func:`create_app`; ``onehour serve`` runs it under uvicorn.
Every data endpoint needs a bearer token (see :mod:`dispatch.service.auth`).
Refused requests answer 4xx with the field or id at fault and leave the state
unchanged: unknown ids 404, impossible transitions and conflicting duplicate
orders 409, malformed bodies 422, oversized bodies 413.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from dispatch.errors import (
    DispatchError,
    DuplicateOrder,
    IllegalTransition,
    InvalidEvent,
    UnknownCourier,
    UnknownOrder,
)
from dispatch.service import routes, text_orders
from dispatch.service.auth import Tokens
from dispatch.service.limits import BodyLimitMiddleware
from dispatch.service.routes import STATIC_DIR
from dispatch.service.runtime import DispatchRuntime, ServiceSettings
from dispatch.store import SqlStore

logger = logging.getLogger(__name__)

ERROR_STATUS: dict[type[DispatchError], int] = {
    UnknownOrder: status.HTTP_404_NOT_FOUND,
    UnknownCourier: status.HTTP_404_NOT_FOUND,
    IllegalTransition: status.HTTP_409_CONFLICT,
    DuplicateOrder: status.HTTP_409_CONFLICT,
    InvalidEvent: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


def create_app(
    dispatcher: Any,
    store: SqlStore,
    tokens: Tokens,
    settings: ServiceSettings | None = None,
    network: dict[str, Any] | None = None,
) -> FastAPI:
    """Build the service around a dispatcher that journals to ``store``.

    Parameters
    ----------
    dispatcher
        The live ``dispatch.Dispatcher``; its journal must be ``store``.
    store
        The durable store; its committed changes feed the event stream.
    tokens
        Who may call, and as whom.
    settings
        Re-planning cadence and request limits; defaults when ``None``.
    network
        The road network for the map (see :func:`dispatch.service.network`);
        the map draws no streets without it.
    """
    settings = settings or ServiceSettings()
    runtime = DispatchRuntime(dispatcher, store, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.broadcaster.bind(asyncio.get_running_loop())
        await asyncio.to_thread(runtime.start_solver_process)
        replanner = asyncio.create_task(runtime.run_replanner(), name="replanner")
        logger.info("service up: %s", settings.city or "no city named")
        try:
            yield
        finally:
            replanner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await replanner
            await asyncio.to_thread(runtime.stop_solver_process)

    app = FastAPI(
        title="onehour dispatch",
        summary="Same-hour courier dispatch: orders, couriers, plan, live map.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _serve_docs(app)
    app.state.runtime = runtime
    app.state.tokens = tokens
    app.state.network = network or {"segments": [], "bbox": None}
    app.state.settings = settings
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_exception_handler(DispatchError, _dispatch_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ValidationError, _invalid_event)
    for router in routes.ROUTERS:
        app.include_router(router)
    app.include_router(text_orders.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _serve_docs(app: FastAPI) -> None:
    """Serve the interactive API docs at /docs from local files, no CDN.

    Notes
    -----
    The Swagger UI files come with the ``swagger-ui-bundle-v2`` package; the
    machines this runs on may have no internet.
    """
    import swagger_ui_bundle

    assets = Path(swagger_ui_bundle.swagger_ui_path)
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )

    app.add_api_route("/docs", docs, include_in_schema=False)


async def _dispatch_error(request: Request, exc: Exception) -> JSONResponse:
    code = next(
        (c for kind, c in ERROR_STATUS.items() if isinstance(exc, kind)),
        status.HTTP_409_CONFLICT,
    )
    logger.warning(
        "%s %s refused (%d %s): %s",
        request.method,
        request.url.path,
        code,
        type(exc).__name__,
        exc,
    )
    return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, code)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _unprocessable(request, list(exc.errors()), prefix=())


async def _invalid_event(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    return _unprocessable(request, list(exc.errors()), prefix=("body",))


def _unprocessable(
    request: Request, errors: list[Any], prefix: tuple[str, ...]
) -> JSONResponse:
    """Answer 422 naming each bad field, without echoing (or logging) values."""
    detail = [
        {
            "loc": [*prefix, *error["loc"]],
            "msg": error["msg"],
            "type": error["type"],
        }
        for error in errors
    ]
    fields = ", ".join(".".join(str(p) for p in item["loc"]) for item in detail)
    logger.warning(
        "%s %s refused (422): invalid %s", request.method, request.url.path, fields
    )
    return JSONResponse({"detail": detail}, status.HTTP_422_UNPROCESSABLE_CONTENT)
