"""Partner rate limits: requests per API key per window, counted in the database so the limit holds across processes.

The database keeps one row per key: the window it is in and how many slots of it have been handed out. A process
does not write it on every request: it leases slots, several at a time, and hands them out from memory. One
statement leases `n` slots (one round trip, in a short write transaction of its own so reads stay read-only):

    INSERT INTO api_rate_limit (key_id, window_start, hits) VALUES (:key, :window, :n)
    ON CONFLICT (key_id) DO UPDATE SET <a new window: n, the same window: hits + n> RETURNING hits, window_start

A lease is small while little is known or little is left: the first request of a window in a process leases one
slot, and each later lease takes a tenth of what the window had left at the last lease, at most `MAX_LEASE` (50).
So a key busy in one process costs one write per ~50 requests, not one per request, and the bounds are:

- **Never over the limit.** Slots are counted in the database when they are leased, before they are used, so all
  processes together never let a key make more than `CONTEST_PARTNER_RATE_LIMIT` requests in a window.
- **Exact in one process.** A key served by one process gets exactly the limit, then `429`: near the end of the
  quota the leases shrink to one slot, and what it leased is all it uses.
- **Early refusal across processes.** Slots another process leased but has not used yet count as used, so a key
  served by several processes at once may be refused when up to `MAX_LEASE` slots per other process (and never
  more than a tenth of what was left when it leased them) are still unused there. Unused slots lapse with the
  window.

Once the database says a key's window is used up, the process refuses the key from memory until the window ends
(the count of a window never goes down, so this is exact). Windows are fixed (`CONTEST_PARTNER_RATE_WINDOW_SECONDS`,
60 by default), so nothing needs purging; a process whose clock lags never moves a key's window back (it counts
into the newer window). Past `CONTEST_PARTNER_RATE_LIMIT` (0 disables it) the request is refused: 429 with
`Retry-After`. Every partner response carries the IETF headers (draft-ietf-httpapi-ratelimit-headers):

    RateLimit-Policy: "partner";q=600;w=60      the quota per window, and the window in seconds
    RateLimit: "partner";r=598;t=42             what is left in this window, and seconds until it resets

`r` is exact for a key served by one process; with several, it also subtracts the slots the others had leased by
this process's last lease. Users (tokens: the pages, people) are not limited: their sign-ins are throttled instead.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field

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


MAX_LEASE = 50
"""The most slots a process leases for a key at once."""


def take(
    session: Session, key_id: str, *, window_seconds: int, slots: int = 1, now: float | None = None
) -> tuple[int, int]:
    """Lease slots for a key: (slots handed out in its current window, that window's start). One statement."""
    moment = time.time() if now is None else now
    window = int(moment // window_seconds) * window_seconds
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ApiRateLimit).values(key_id=key_id, window_start=window, hits=slots)
    table = ApiRateLimit.__table__.c  # type: ignore[attr-defined]
    newer = stmt.excluded.window_start > table.window_start
    upsert = stmt.on_conflict_do_update(
        index_elements=["key_id"],
        set_={
            "hits": case((newer, slots), else_=table.hits + slots),
            "window_start": case((newer, stmt.excluded.window_start), else_=table.window_start),
        },
    ).returning(table.hits, table.window_start)
    hits, started = session.execute(upsert).one()
    return int(hits), int(started)


def count(database: Database, key_id: str, *, window_seconds: int, slots: int = 1) -> tuple[int, int]:
    """`take` in a short write transaction of its own (committed at once, whatever becomes of the request)."""
    with database.session(write=True) as session:
        result = take(session, key_id, window_seconds=window_seconds, slots=slots)
        session.commit()
    return result


@dataclass
class _Lease:
    """What this process knows of a key's window: its start, the slots handed out (all processes) when this process
    last leased, and how many of the slots it leased are still unused here."""

    window: int
    hits: int
    slots: int


@dataclass
class Limiter:
    """One process's leases, by key (see the module's docstring for the bounds)."""

    database: Database
    _leases: dict[str, _Lease] = field(default_factory=dict)
    _leasing: dict[str, asyncio.Future[None]] = field(default_factory=dict)
    writes: int = 0  # leases written (for the tests)

    async def take(self, key_id: str, *, limit: int, window_seconds: int) -> tuple[bool, int, int]:
        """Take one slot: (whether the request may go on, slots used in the window, the window's start)."""
        while True:
            window = int(time.time() // window_seconds) * window_seconds
            lease = self._leases.get(key_id)
            if lease is not None and lease.window < window:  # its window is over; unused slots lapse
                lease = None
            if lease is not None and lease.slots > 0:
                lease.slots -= 1
                return True, lease.hits - lease.slots, lease.window
            if lease is not None and lease.hits >= limit:  # a window's count never goes down: refused till it ends
                return False, lease.hits, lease.window
            leasing = self._leasing.get(key_id)
            if leasing is not None:  # another request of this key is leasing: use what it gets
                await asyncio.shield(leasing)
                continue
            wanted = 1 if lease is None else max(1, min(MAX_LEASE, (limit - lease.hits) // 10))
            await self._lease(key_id, wanted, limit=limit, window_seconds=window_seconds)

    async def _lease(self, key_id: str, wanted: int, *, limit: int, window_seconds: int) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._leasing[key_id] = done
        try:
            hits, started = await run_in_threadpool(
                count, self.database, key_id, window_seconds=window_seconds, slots=wanted
            )
        finally:
            del self._leasing[key_id]
            done.set_result(None)
        self.writes += 1
        granted = max(0, min(wanted, limit - (hits - wanted)))  # slots past the limit are counted, never used
        if len(self._leases) > 10_000:  # keys not seen this window: forget them
            self._leases = {k: v for k, v in self._leases.items() if v.window >= started}
        self._leases[key_id] = _Lease(started, hits, granted)

    def counted(self, key_id: str, hits: int, started: int) -> None:
        """A slot taken in a request's own transaction (a write on SQLite): what the database said of the window."""
        lease = self._leases.get(key_id)
        if lease is not None and lease.window == started:
            lease.hits = max(lease.hits, hits)


def limiter(database: Database) -> Limiter:
    """The rate limiter of a database (one per process)."""
    found: Limiter | None = getattr(database, "_rate_limiter", None)
    if found is None:
        found = Limiter(database)
        database._rate_limiter = found  # type: ignore[attr-defined]
    return found


async def enforce(request: Request, principal: Principal, session: Session | None) -> None:
    """Count a partner key's request; 429 past its limit. Users are not limited; a limit of 0 disables it.

    Slots are leased in transactions of their own, so refused requests (403, 404, 422) count too. On SQLite a write
    request already holds the one write lock in its own transaction, so there it takes one slot in that transaction
    (a write that fails is then not counted; SQLite serves one process, PostgreSQL many).
    """
    settings: Settings = request.app.state.settings
    if principal.kind != "api_key" or settings.partner_rate_limit <= 0 or hasattr(request.state, STATE):
        return
    limit, window = settings.partner_rate_limit, settings.partner_rate_window_seconds
    database: Database = request.app.state.database
    if request.method not in _SAFE_METHODS and settings.is_sqlite and session is not None:
        hits, started = await run_in_threadpool(take, session, principal.id, window_seconds=window)
        limiter(database).counted(principal.id, hits, started)
        allowed = hits <= limit
    else:
        allowed, hits, started = await limiter(database).take(principal.id, limit=limit, window_seconds=window)
    reset = max(1, math.ceil(started + window - time.time()))
    state = RateLimitState(limit, window, hits, reset)
    setattr(request.state, STATE, state)
    if not allowed:
        raise TooManyRequests(
            f"This API key has used its {limit} requests per {window} seconds; try again in {reset} seconds.",
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
