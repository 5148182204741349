"""The threat level: record changes, read the current level cheaply, and the history."""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select
from sqlmodel import Session, select

from app.core.clock import LONDON, as_utc, utcnow
from app.core.errors import Unprocessable
from app.core.security import Principal
from app.models.threat_level import (
    DESCRIPTIONS,
    DESCRIPTIONS_BEFORE_2019,
    NEW_WORDING_FROM,
    RESPONSE_LEVELS,
    ResponseLevel,
    ThreatLevel,
    ThreatLevelChange,
    ThreatLevelChangeRead,
    ThreatLevelCreate,
    ThreatLevelRead,
    ThreatScope,
)
from app.services import audit

MANUAL = "manual"
FUTURE_TOLERANCE = timedelta(minutes=5)


def description(level: ThreatLevel, effective_from: datetime) -> str:
    """The official wording in force on the day the level took effect."""
    day = as_utc(effective_from).astimezone(LONDON).date()
    return (DESCRIPTIONS if day >= NEW_WORDING_FROM else DESCRIPTIONS_BEFORE_2019)[ThreatLevel(level)]


def present(change: ThreatLevelChange, *, stale: bool = False) -> ThreatLevelChangeRead:
    """A stored change with its derived fields."""
    level = ThreatLevel(change.level)
    return ThreatLevelChangeRead(
        id=change.id,
        scope=ThreatScope(change.scope),
        level=level,
        description=description(level, change.effective_from),
        response_level=RESPONSE_LEVELS[level],
        effective_from=change.effective_from,
        source=change.source,
        recorded_at=change.created_at,
        stale=stale,
        note=change.note,
        recorded_by=change.recorded_by,
        changed=change.changed,
    )


# Registered by the app at start-up (app/main.py): tells whether a change that came from a feed is now stale.
StalenessCheck = Callable[[Session, ThreatLevelChange], bool]
_staleness_checks: list[StalenessCheck] = []


def register_staleness_check(check: StalenessCheck) -> None:
    """Let another area (feeds) say when a level it reported has gone stale; registering twice is harmless."""
    if check not in _staleness_checks:
        _staleness_checks.append(check)


def _is_stale(session: Session, change: ThreatLevelChange) -> bool:
    return change.feed_id is not None and any(check(session, change) for check in _staleness_checks)


def latest(session: Session, scope: ThreatScope, *, at: datetime | None = None) -> ThreatLevelChange | None:
    """The change in force for a scope now (or at a time)."""
    stmt = (
        select(ThreatLevelChange)
        .where(ThreatLevelChange.scope == scope, ThreatLevelChange.effective_from <= (at or utcnow()))
        .order_by(ThreatLevelChange.effective_from.desc(), ThreatLevelChange.id.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


@dataclass(frozen=True)
class Current:
    """The current level of a scope, ready to serve: body, ETag and Last-Modified."""

    read: ThreatLevelRead | None
    etag: str
    last_modified: datetime | None
    body: bytes = b""  # `read` as JSON, serialised once per load rather than once per request


class CurrentCache:
    """The current level per scope, kept for a few seconds so the hottest endpoint rarely queries.

    A change recorded in this process clears it at once; other processes see it within `ttl` seconds.
    """

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[str, ThreatScope], tuple[float, Current]] = {}
        self._lock = threading.Lock()

    def peek(self, database_url: str, scope: ThreatScope) -> Current | None:
        """The cached level if still fresh (no database needed), else None."""
        with self._lock:
            entry = self._entries.get((database_url, scope))
        return entry[1] if entry and time.monotonic() - entry[0] < self.ttl else None

    def get(self, session: Session, scope: ThreatScope) -> Current:
        """The current level, from the cache when fresh."""
        database_url = _url_key(session.get_bind().engine)
        cached = self.peek(database_url, scope)
        if cached is not None:
            return cached
        now, value = time.monotonic(), _load_current(session, scope)
        with self._lock:
            self._entries[(database_url, scope)] = (now, value)
        return value

    def clear(self) -> None:
        """Forget everything (after a change)."""
        with self._lock:
            self._entries.clear()


CACHE = CurrentCache()
_URL_KEYS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _url_key(engine: Engine) -> str:
    """An engine's URL as the caches are keyed by it (`Database.url_key`), rendered once per engine: rendering it
    on every request cost more than the rest of a cached read of the level."""
    key = _URL_KEYS.get(engine)
    if key is None:
        key = _URL_KEYS[engine] = str(engine.url)
    return key


def _load_current(session: Session, scope: ThreatScope) -> Current:
    change = latest(session, scope)
    if change is None:
        return Current(read=None, etag='"none"', last_modified=None)
    full = present(change, stale=_is_stale(session, change))
    read = ThreatLevelRead.model_validate(full.model_dump(include=set(ThreatLevelRead.model_fields)))
    body = read.model_dump_json().encode()
    digest = hashlib.sha256(body).hexdigest()[:20]
    return Current(read=read, etag=f'"{digest}"', last_modified=as_utc(change.created_at), body=body)


def current(session: Session, scope: ThreatScope = ThreatScope.UK) -> Current:
    """The level in force for a scope, cheaply."""
    return CACHE.get(session, scope)


def uk_response_level(session: Session) -> ResponseLevel | None:
    """The response level implied by the current UK threat level (None if no level was ever recorded)."""
    read = current(session, ThreatScope.UK).read
    return read.response_level if read else None


@dataclass(frozen=True)
class ThreatLevelFilters:
    """The filters of the history."""

    scope: ThreatScope | None = None


def list_statement(principal: Principal | None, filters: ThreatLevelFilters) -> Select[Any]:
    """Every change, optionally of one scope (the history is public: everyone sees the same)."""
    stmt = select(ThreatLevelChange)
    return stmt.where(ThreatLevelChange.scope == filters.scope) if filters.scope else stmt


def create(
    session: Session,
    data: ThreatLevelCreate,
    *,
    actor: Principal | None,
    source: str = MANUAL,
    feed_id: str | None = None,
    recorded_by: str | None = None,
) -> ThreatLevelChange:
    """Record a level for a scope; recording the level already in force is kept, flagged changed=False."""
    now = utcnow()
    effective_from = as_utc(data.effective_from) if data.effective_from else now
    if effective_from > now + FUTURE_TOLERANCE:
        raise Unprocessable.field("effective_from", "cannot be in the future")
    before = latest(session, data.scope, at=effective_from)
    change = ThreatLevelChange(
        scope=data.scope,
        level=data.level,
        effective_from=effective_from,
        source=source,
        feed_id=feed_id,
        recorded_by=recorded_by or (actor.actor if actor else source),
        note=data.note,
        changed=before is None or before.level != data.level,
    )
    session.add(change)
    session.flush()
    audit.record(
        session,
        actor=actor,
        anonymous_name=source,
        action="threat_level.record",
        entity_type="threat_level",
        entity_id=change.id,
        before={"level": before.level if before else None, "scope": data.scope},
        after=audit.snapshot(present(change), exclude={"description", "stale"}),
    )
    session.info.setdefault("after_commit", []).append(CACHE.clear)
    return change
