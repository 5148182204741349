"""The one place audit events are written, listed and verified."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import ColumnElement, Select, Table, and_, exists, false, func, insert, not_, or_, text, true
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from app.core.audit_chain import GENESIS, event_hash
from app.core.clock import utcnow
from app.core.context import current_request_id
from app.core.database import Database
from app.core.security import Classification, Principal
from app.models.audit import AuditEvent, AuditVerification

CHAIN_LOCK_KEY = 727_001  # PostgreSQL advisory lock that serialises appends to the chain


def snapshot(value: BaseModel | dict[str, Any] | None, *, exclude: set[str] | None = None) -> dict[str, Any] | None:
    """A JSON-safe copy of a record's fields for the before/after of an event."""
    if value is None:
        return None
    data = value.model_dump(exclude=exclude) if isinstance(value, BaseModel) else dict(value)
    for name in exclude or ():
        data.pop(name, None)
    result: dict[str, Any] = to_jsonable_python(data)
    return result


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    entity_type: str,
    entity_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    anonymous_name: str | None = None,
    classification: Classification | str | None = None,
) -> AuditEvent:
    """Append an event to the chain, in the caller's transaction.

    `classification` is the marking of the record the event is about (its parent's, for a child record), so the
    log can be read within the reader's clearance. It is part of the hashed content when given.
    """
    content = _content(actor, action, entity_type, entity_id, before, after, anonymous_name, classification)
    prev_hash = _chain_head(session)
    at = utcnow()
    event = AuditEvent(at=at, prev_hash=prev_hash, hash=event_hash(prev_hash, at, content), **content)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class Entry:
    """One event of a batch written together (`record_all`): what `record` takes, and the request it belongs to."""

    actor: Principal
    action: str
    entity_type: str
    entity_id: str | None
    after: dict[str, Any]
    classification: Classification
    request_id: str | None


def record_all(session: Session, entries: Sequence[Entry]) -> None:
    """Append several events in the caller's transaction: the chain is taken once, and one INSERT writes them all
    in order (a batch of disclosures; no ORM objects are built)."""
    if not entries:
        return
    rows = _chained(_chain_head(session), entries)
    session.connection().execute(insert(_TABLE), rows)  # Core: none of the ORM bulk insert's bookkeeping


async def record_all_async(database: Database, entries: Sequence[Entry]) -> None:
    """`record_all` in a transaction of its own on PostgreSQL's asyncio driver (app/core/rows.py), committed before
    it returns: the same lock, head, rows and INSERT (SQLAlchemy's, with its processing of each value), without a
    worker thread or a session; the event loop serves other requests while the server answers."""
    if not entries:
        return
    assert database.async_rows is not None, "PostgreSQL only"
    async with database.async_rows.connection() as connection, connection.cursor() as cursor:
        # One round trip: begin, take the chain, read its head. The head is a statement of its own, so under READ
        # COMMITTED its snapshot is taken once the lock is held: it sees the batch that held the lock before.
        await cursor.execute(_TAKE_CHAIN, prepare=False)
        while cursor.nextset():
            pass
        head = await cursor.fetchone()
        rows = _chained(head[0] if head and head[0] else GENESIS, entries)
        sql, prepare = _insert_for(database.async_rows.dialect, tuple(rows[0]))
        async with connection.pipeline():  # and one more: the rows and the commit, sent together
            await cursor.executemany(sql, [prepare(row) for row in rows])
            await cursor.execute("COMMIT")


def _chained(prev_hash: str, entries: Sequence[Entry]) -> list[dict[str, Any]]:
    """The rows of a batch of events, each chained to the one before it (the first to `prev_hash`)."""
    rows = []
    for entry in entries:
        content = _content(
            entry.actor, entry.action, entry.entity_type, entry.entity_id, None, entry.after, None, entry.classification
        )
        content["request_id"] = entry.request_id
        at = utcnow()
        digest = event_hash(prev_hash, at, content)
        rows.append({"at": at, "prev_hash": prev_hash, "hash": digest, **content})
        prev_hash = digest
    return rows


_TABLE = SQLModel.metadata.tables[str(AuditEvent.__tablename__)]
_TAKE_CHAIN = (
    f"BEGIN; SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY:d}); SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1"  # noqa: S608 (an int constant)
)


@lru_cache(maxsize=8)
def _insert_for(dialect: Dialect, keys: tuple[str, ...]) -> tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    """The INSERT SQLAlchemy would send for rows of these keys, and what it does to each row's values first (JSON
    columns become JSON text, as the engine's serializer writes them)."""
    compiled: Any = insert(_TABLE).compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
    processors = dict(compiled._bind_processors)
    names = {key: compiled.bind_names[compiled.binds[key]] for key in keys}  # column key -> its bound name

    def prepare(row: dict[str, Any]) -> dict[str, Any]:
        values = {}
        for key, value in row.items():
            name = names[key]
            processor = processors.get(name)
            values[name] = processor(value) if processor is not None else value  # None too: JSON's null, as SQLAlchemy
        return values

    return compiled.string, prepare


def _chain_head(session: Session) -> str:
    """The hash of the last event, holding the chain until the transaction ends (PostgreSQL: an advisory lock;
    SQLite: the transaction is a writer, and there is one)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()  # type: ignore[union-attr]
    return last or GENESIS


def _content(
    actor: Principal | None,
    action: str,
    entity_type: str,
    entity_id: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    anonymous_name: str | None,
    classification: Classification | str | None,
) -> dict[str, Any]:
    content: dict[str, Any] = {
        "actor": actor.actor if actor else f"anonymous:{anonymous_name or '-'}",
        "actor_kind": actor.kind if actor else "anonymous",
        "organisation": actor.organisation if actor else None,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": to_jsonable_python(before) if before is not None else None,
        "after": to_jsonable_python(after) if after is not None else None,
        "request_id": current_request_id(),
    }
    if classification is not None:
        content["classification"] = Classification(classification).value
    return content


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, so an event says what changed and not the whole record."""
    before, after = before or {}, after or {}
    keys = [k for k in after.keys() | before.keys() if before.get(k) != after.get(k) and k not in _NOISE]
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


_NOISE = {"updated_at", "version"}


# Entity types whose records carry no marking: an event about one of them with no marking is OFFICIAL.
UNMARKED_ENTITY_TYPES = frozenset({"user", "api_key", "threat_level", "feed"})


def _marked_tables() -> dict[str, Table]:
    """Every table whose records carry a marking, by the entity type its events use (the table name)."""
    return {
        name: table  # type: ignore[misc]
        for name, table in SQLModel.metadata.tables.items()
        if "classification" in table.c and "id" in table.c and name != AuditEvent.__tablename__
    }


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The events a principal may read: need-to-know applied to the log itself.

    For a reader below the highest clearance, an event is visible only if
    - its marking is within their clearance; an event with no marking (written before events carried one, or by
      code that gives none) counts as OFFICIAL only when it is about a kind of record that carries no marking
      (users, keys, the threat level, feeds) or about a record whose current marking is within their clearance —
      anything else (a deleted record, a child record without a marking of its own) stays hidden: fail closed;
    - no event about the same record is marked above their clearance (a record raised to OFFICIAL-SENSITIVE hides
      its whole history, before and after);
    - the record, where it still exists, is not marked above their clearance now.
    """
    visible = [c.value for c in principal.clearance.visible()]
    if len(visible) == len(Classification):
        return true()
    tables = _marked_tables()
    current_within = [
        and_(
            col(AuditEvent.entity_type) == name,
            exists().where(table.c.id == col(AuditEvent.entity_id), table.c.classification.in_(visible)),
        )
        for name, table in tables.items()
    ]
    current_above = [
        and_(
            col(AuditEvent.entity_type) == name,
            exists().where(table.c.id == col(AuditEvent.entity_id), table.c.classification.not_in(visible)),
        )
        for name, table in tables.items()
    ]
    other = aliased(AuditEvent)
    marked_above = exists().where(
        col(other.entity_type) == col(AuditEvent.entity_type),
        col(other.entity_id) == col(AuditEvent.entity_id),
        col(other.classification).is_not(None),
        col(other.classification).not_in(visible),
    )
    own_marking = or_(
        col(AuditEvent.classification).in_(visible),
        and_(
            col(AuditEvent.classification).is_(None),
            or_(col(AuditEvent.entity_type).in_(sorted(UNMARKED_ENTITY_TYPES)), *current_within),
        ),
    )
    return and_(own_marking, not_(marked_above), not_(or_(false(), *current_above)))


def list_statement(
    *,
    principal: Principal,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    """Audit events matching every filter given, within the principal's need-to-know (`visible_to`)."""
    stmt = select(AuditEvent).where(visible_to(principal))
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


def verify(session: Session, *, batch: int = 1000, principal: Principal | None = None) -> AuditVerification:
    """Walk the whole chain; report the first event whose hash or link does not hold.

    The walk always covers every event. For a reader below the highest clearance the report speaks only of what
    they may see: `checked` counts the visible events before the break, and `first_bad_id` is null when the broken
    event is hidden from them (`ok` is still false: that the log was altered is theirs to know).
    """
    result = _verify(session, batch=batch)
    if principal is None or len(principal.clearance.visible()) == len(Classification):
        return result
    seen = select(func.count()).select_from(AuditEvent).where(visible_to(principal))
    if result.first_bad_id is not None:
        seen = seen.where(AuditEvent.id < result.first_bad_id)  # type: ignore[operator]
        bad_visible = session.execute(
            select(AuditEvent.id).where(AuditEvent.id == result.first_bad_id, visible_to(principal))
        ).first()
        result.first_bad_id = result.first_bad_id if bad_visible else None
    result.checked = int(session.execute(seen).scalar_one())
    return result


def _verify(session: Session, *, batch: int) -> AuditVerification:
    prev_hash, checked, after_id = GENESIS, 0, 0
    while True:
        events = (
            session.execute(
                select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id).limit(batch)  # type: ignore[arg-type,operator,union-attr]
            )
            .scalars()
            .all()
        )
        if not events:
            return AuditVerification(ok=True, checked=checked, first_bad_id=None)
        for event in events:
            content = {
                "actor": event.actor,
                "actor_kind": event.actor_kind,
                "organisation": event.organisation,
                "action": event.action,
                "entity_type": event.entity_type,
                "entity_id": event.entity_id,
                "before": event.before,
                "after": event.after,
                "request_id": event.request_id,
            }
            if event.classification is not None:
                content["classification"] = event.classification
            if event.prev_hash != prev_hash or event.hash != event_hash(prev_hash, event.at, content):
                return AuditVerification(ok=False, checked=checked, first_bad_id=event.id)
            prev_hash, checked = event.hash, checked + 1
            after_id = event.id or after_id
