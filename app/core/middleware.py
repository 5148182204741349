"""One ASGI middleware for what every response needs: a request id, security headers, a body limit."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from app.core.context import request_id_var
from app.core.errors import PROBLEM_JSON, problem_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("contest_hub.http")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def content_security_policy(extra_img_sources: str = "") -> str:
    """The CSP: everything from this server only, no inline script, never framed."""
    img = f"'self' data: {extra_img_sources}".strip()
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {img}; font-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


class RequestMiddleware:
    """Tag each request with an X-Request-ID, refuse bodies over the limit, add security headers."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, csp: str) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.csp = csp.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        supplied = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                present = {k.lower() for k, _ in raw}
                raw.append((b"x-request-id", request_id.encode()))
                raw.append((b"x-content-type-options", b"nosniff"))
                raw.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                raw.append((b"x-frame-options", b"DENY"))
                if b"content-security-policy" not in present:
                    raw.append((b"content-security-policy", self.csp))
                if b"cache-control" not in present:
                    raw.append((b"cache-control", b"no-store"))
                if secure:
                    raw.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message["headers"] = raw
            await send(message)

        try:
            if scope["method"] in _BODY_METHODS:
                body = await self._read_body(headers, receive)
                if body is None:
                    await self._too_large(scope, request_id, send_with_headers)
                    return
                receive = _replay(body, receive)
            await self.app(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(token)

    async def _read_body(self, headers: dict[bytes, bytes], receive: Receive) -> bytes | None:
        """The whole body, or None once it passes the limit (by Content-Length or by counting)."""
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, request_id: str, send: Send) -> None:
        log.info("refused a body over %d bytes on %s (request %s)", self.max_body_bytes, scope["path"], request_id)
        detail = f"The request body is larger than the limit of {self.max_body_bytes} bytes."
        body = json.dumps(
            problem_body(413, "Payload too large", detail, slug="payload-too-large", instance=scope["path"])
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the buffered body over once, then passes on what comes after (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
