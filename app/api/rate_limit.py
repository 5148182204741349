"""Partner rate limits: requests per API key per minute, counted in the database so the limit holds across processes.

Each request by a partner's API key takes one slot with one statement (one round trip, in a short write
transaction of its own so reads stay read-only):

    INSERT INTO api_rate_limit (key_id, window_start, hits) VALUES (:key, :window, 1)
    ON CONFLICT (key_id) DO UPDATE SET <a new window: 1, the same window: hits + 1> RETURNING hits, window_start

Windows are fixed (`CONTEST_PARTNER_RATE_WINDOW_SECONDS`, 60 by default) and one row per key is kept, so nothing
needs purging. A process whose clock lags never moves a key's window back (it counts into the newer window).
Past `CONTEST_PARTNER_RATE_LIMIT` (0 disables it) the request is refused: 429 with `Retry-After`. Every partner
response carries the IETF headers (draft-ietf-httpapi-ratelimit-headers):

    RateLimit-Policy: "partner";q=600;w=60      the quota per window, and the window in seconds
    RateLimit: "partner";r=598;t=42             what is left in this window, and seconds until it resets

Users (tokens: the pages, people) are not limited: their sign-ins are throttled instead.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.database import Database
from app.core.errors import TooManyRequests
from app.core.security import Principal
from app.core.settings import Settings
from app.models.identity import ApiRateLimit

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
POLICY = "partner"
STATE = "rate_limit"
"""Request state key: the RateLimitState of this request, whose headers the middleware adds to the response."""


@dataclass(frozen=True)
class RateLimitState:
    """Where a key stands in its window."""

    limit: int
    window_seconds: int
    hits: int
    reset_seconds: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.hits)

    def headers(self) -> dict[str, str]:
        """The IETF RateLimit-Policy and RateLimit fields."""
        return {
            "RateLimit-Policy": f'"{POLICY}";q={self.limit};w={self.window_seconds}',
            "RateLimit": f'"{POLICY}";r={self.remaining};t={self.reset_seconds}',
        }


def take(session: Session, key_id: str, *, window_seconds: int, now: float | None = None) -> tuple[int, int]:
    """Take one slot for a key: (hits in its current window, seconds until that window ends). One statement."""
    moment = time.time() if now is None else now
    window = int(moment // window_seconds) * window_seconds
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ApiRateLimit).values(key_id=key_id, window_start=window, hits=1)
    table = ApiRateLimit.__table__.c  # type: ignore[attr-defined]
    newer = stmt.excluded.window_start > table.window_start
    upsert = stmt.on_conflict_do_update(
        index_elements=["key_id"],
        set_={
            "hits": case((newer, 1), else_=table.hits + 1),
            "window_start": case((newer, stmt.excluded.window_start), else_=table.window_start),
        },
    ).returning(table.hits, table.window_start)
    hits, started = session.execute(upsert).one()
    return int(hits), max(1, math.ceil(int(started) + window_seconds - moment))


def count(database: Database, key_id: str, *, window_seconds: int) -> tuple[int, int]:
    """`take` in a short write transaction of its own (committed at once, whatever becomes of the request)."""
    with database.session(write=True) as session:
        result = take(session, key_id, window_seconds=window_seconds)
        session.commit()
    return result


async def enforce(request: Request, principal: Principal, session: Session) -> None:
    """Count a partner key's request; 429 past its limit. Users are not limited; a limit of 0 disables it.

    The count commits on its own, so refused requests (403, 404, 422) count too. On SQLite a write request already
    holds the one write lock in its own transaction, so there it counts in that transaction (a write that fails
    is then not counted; SQLite serves one process, PostgreSQL many).
    """
    settings: Settings = request.app.state.settings
    if principal.kind != "api_key" or settings.partner_rate_limit <= 0 or hasattr(request.state, STATE):
        return
    window = settings.partner_rate_window_seconds
    database: Database = request.app.state.database
    if request.method not in _SAFE_METHODS and settings.is_sqlite:
        hits, reset = await run_in_threadpool(take, session, principal.id, window_seconds=window)
    else:
        hits, reset = await run_in_threadpool(count, database, principal.id, window_seconds=window)
    state = RateLimitState(settings.partner_rate_limit, window, hits, reset)
    setattr(request.state, STATE, state)
    if hits > state.limit:
        raise TooManyRequests(
            f"This API key has used its {state.limit} requests per {window} seconds; try again in {reset} seconds.",
            retry_after=reset,
        )


class RateLimitHeaders:
    """Adds the RateLimit headers to the response of every request whose key was counted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = (scope.get("state") or {}).get(STATE)
                if isinstance(state, RateLimitState):
                    present = {k.lower() for k, _ in message.get("headers", [])}
                    extra = [
                        (k.lower().encode(), v.encode())
                        for k, v in state.headers().items()
                        if k.lower().encode() not in present
                    ]
                    message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
