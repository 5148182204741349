"""Idempotency-Key replay for every API POST, as ASGI middleware around the API.

It sits outside routing, not in a route handler: the request's session commits when the handler's
dependencies close, which is after the handler returns but before the response is sent. So the response is
kept for replay at the right moment — after the change is committed, before the client hears of it.

Secrets are never kept: a route whose response carries one (a new API key, a user token, a feed's signing secret)
declares it with `dependencies=[SecretBearing]`; its response is not stored, and a replay of the request answers
409 (the secret is shown once). A replay is also refused (409) when the principal's clearance or scopes changed
since the first request, so a lowered clearance never gets the old, more sensitive body back.

The principal resolved here is kept on the request's state and reused by `get_principal` (one authentication per
request).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import AUTHENTICATED
from app.api.problems import problem_response
from app.core.database import Database
from app.core.errors import AppError, Conflict, Unprocessable
from app.core.security import Principal
from app.services import idempotency, identity

_REPLAYED_HEADERS = ("location", "etag", "content-type")

SECRET_SHOWN_ONCE = (
    "The request with this Idempotency-Key created a secret, which is shown only once. If you did not receive it, "
    "revoke it and send a new request with a new Idempotency-Key."
)
PRINCIPAL_CHANGED = (
    "Your clearance or scopes have changed since the request with this Idempotency-Key was first made, so its "
    "response is not repeated. Send the request again with a new Idempotency-Key."
)


async def _mark_secret_bearing(request: Request) -> None:
    request.state.secret_bearing = True


SecretBearing = Depends(_mark_secret_bearing)
"""`dependencies=[SecretBearing]` on a POST whose response carries a secret: it is never stored for replay."""


class IdempotencyMiddleware:
    """A POST repeated with the same Idempotency-Key by the same principal within 24 h gets the first response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            await _idempotent(self.app, scope, receive, send)
        except AppError as exc:
            await problem_response(exc.problem(instance=scope["path"]), exc.headers)(scope, receive, send)


async def _idempotent(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    key = request.headers.get("idempotency-key")
    if key is None:
        await inner(scope, receive, send)
        return
    if not 1 <= len(key) <= 255:
        raise Unprocessable.field("Idempotency-Key", "must be 1 to 255 characters")
    database: Database = scope["app"].state.database
    body = await request.body()
    replay_body = _replay(body)
    principal = await run_in_threadpool(_authenticate, database, request)
    if principal is None:
        await inner(scope, replay_body, send)  # it will answer 401 itself
        return
    digest = hashlib.sha256(b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body]))
    claim = await run_in_threadpool(
        _in_transaction,
        database,
        idempotency.claim,
        principal_id=f"{principal.kind}:{principal.id}",
        key=key,
        request_hash=digest.hexdigest(),
        fingerprint=idempotency.fingerprint(principal),
    )
    if claim.outcome == "mismatch":
        raise Unprocessable.field("Idempotency-Key", "was already used with a different request")
    if claim.outcome == "in_progress":
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
    if claim.outcome == "secret":
        raise Conflict(SECRET_SHOWN_ONCE)
    if claim.outcome == "changed":
        raise Conflict(PRINCIPAL_CHANGED)
    if claim.outcome == "replay":
        headers = {**(claim.headers or {}), "Idempotent-Replayed": "true"}
        await Response(claim.body, status_code=claim.status_code or 200, headers=headers)(scope, receive, send)
        return
    assert claim.record_id is not None
    record_id, buffered = claim.record_id, _Buffer()
    try:
        await inner(scope, replay_body, buffered.send)
    except BaseException:
        await run_in_threadpool(_in_transaction, database, idempotency.release, record_id)
        raise
    if 200 <= buffered.status < 300:
        secret = bool((scope.get("state") or {}).get("secret_bearing"))
        await run_in_threadpool(
            _in_transaction,
            database,
            idempotency.complete,
            record_id,
            status_code=buffered.status,
            headers={} if secret else buffered.kept_headers(),
            body=None if secret else buffered.body,
            secret_bearing=secret,
        )
    else:
        await run_in_threadpool(_in_transaction, database, idempotency.release, record_id)
    for message in buffered.messages:
        await send(message)


class _Buffer:
    """Holds a response's messages until it has been recorded."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
        self.messages.append(message)

    def kept_headers(self) -> dict[str, str]:
        return {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in self.headers
            if k.decode("latin-1").lower() in _REPLAYED_HEADERS
        }


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _authenticate(database: Database, request: Request) -> Principal | None:
    """Whose key this is: the principal behind the bearer token, or None if it is not valid.

    Kept on the request's state for `get_principal`, so the request is authenticated once.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    token = token.strip()
    known = identity.cached_principal(token)
    if known is not None and not known.renew:
        principal, due = known.principal, known.touch_due
    else:
        with database.session(write=False) as session:
            try:
                principal, due = identity.authenticate(session, token)
            except AppError:
                return None
    setattr(request.state, AUTHENTICATED, (token, principal, due))
    return principal


def _in_transaction(database: Database, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run fn in a short write transaction of its own."""
    with database.session(write=True) as session:
        result = fn(session, *args, **kwargs)
        session.commit()
        return result


__all__ = ["IdempotencyMiddleware", "SecretBearing"]
