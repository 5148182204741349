"""The route class of every API router: it adds Idempotency-Key replay to POSTs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app.core.database import Database
from app.core.errors import AppError, Conflict, Unprocessable
from app.services import identity, idempotency

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_REPLAYED_HEADERS = ("location", "etag", "content-type")


class ApiRoute(APIRoute):
    """An APIRoute whose POSTs honour Idempotency-Key (API.md: same principal, 24 h, same body)."""

    def get_route_handler(self) -> Handler:
        original = super().get_route_handler()
        if "POST" not in self.methods:
            return original

        async def handler(request: Request) -> Response:
            key = request.headers.get("idempotency-key")
            if key is None:
                return await original(request)
            if not 1 <= len(key) <= 255:
                raise Unprocessable.field("Idempotency-Key", "must be 1 to 255 characters")
            database: Database = request.app.state.database
            principal_id = await run_in_threadpool(_principal_id, database, request)
            if principal_id is None:
                return await original(request)  # it will answer 401 itself
            body = await request.body()
            digest = hashlib.sha256(
                b"\n".join([request.url.path.encode(), request.url.query.encode(), body])
            ).hexdigest()
            claim = await run_in_threadpool(_in_transaction, database, idempotency.claim,
                                            principal_id=principal_id, key=key, request_hash=digest)
            if claim.outcome == "mismatch":
                raise Unprocessable.field("Idempotency-Key", "was already used with a different request")
            if claim.outcome == "in_progress":
                raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
            if claim.outcome == "replay":
                headers = {**(claim.headers or {}), "Idempotent-Replayed": "true"}
                return Response(claim.body, status_code=claim.status_code or 200, headers=headers)
            assert claim.record_id is not None
            try:
                response = await original(request)
            except (AppError, Exception):
                await run_in_threadpool(_in_transaction, database, idempotency.release, claim.record_id)
                raise
            if 200 <= response.status_code < 300 and hasattr(response, "body"):
                kept = {k: v for k, v in response.headers.items() if k.lower() in _REPLAYED_HEADERS}
                await run_in_threadpool(_in_transaction, database, idempotency.complete, claim.record_id,
                                        status_code=response.status_code, headers=kept, body=bytes(response.body))
            else:
                await run_in_threadpool(_in_transaction, database, idempotency.release, claim.record_id)
            return response

        return handler


def _principal_id(database: Database, request: Request) -> str | None:
    """Whose key this is: the principal behind the bearer token, or None if it is not valid."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    with database.session(write=False) as session:
        try:
            principal, _ = identity.authenticate(session, token.strip())
        except AppError:
            return None
    return f"{principal.kind}:{principal.id}"


def _in_transaction(database: Database, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run fn in a short write transaction of its own."""
    with database.session(write=True) as session:
        result = fn(session, *args, **kwargs)
        session.commit()
        return result
