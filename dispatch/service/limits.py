"""A cap on request bodies, answered with 413 naming the body and the limit."""

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)


class BodyTooLargeError(Exception):
    """Raised inside the request when the streamed body passes the limit."""


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_body_bytes`` with a 413.

    The ``Content-Length`` header is checked before anything is read; a
    chunked body is counted as it streams.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if (
            length is not None
            and length.isdigit()
            and int(length) > self.max_body_bytes
        ):
            await self._refuse(scope, send, int(length))
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._refuse(scope, send, received)

    async def _refuse(self, scope: Scope, send: Send, size: int) -> None:
        logger.warning(
            "%s %s refused: body of at least %d bytes exceeds %d",
            scope["method"],
            scope["path"],
            size,
            self.max_body_bytes,
        )
        body = json.dumps(
            {
                "detail": [
                    {
                        "loc": ["body"],
                        "msg": (
                            f"request body of {size} bytes exceeds the limit of "
                            f"{self.max_body_bytes} bytes"
                        ),
                        "type": "body_too_large",
                    }
                ]
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
