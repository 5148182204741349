"""Idempotency-Key bookkeeping: claim a key before running a POST, keep its response after."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.core.clock import as_utc, utcnow
from app.core.security import Principal
from app.models.idempotency import IdempotencyRecord

RETENTION = timedelta(hours=24)
# A claim left unfinished this long belongs to a request that died; a retry may run again.
ABANDONED = timedelta(minutes=2)


@dataclass(frozen=True)
class Claim:
    """What a key means for this request: run it, replay a stored response, or refuse."""

    outcome: str  # "run" | "replay" | "mismatch" | "in_progress" | "secret" | "changed"
    record_id: str | None = None
    status_code: int | None = None
    headers: dict[str, str] | None = None
    body: bytes | None = None


def fingerprint(principal: Principal) -> str:
    """The principal as it was when it first sent a key: who, with what clearance and scopes."""
    parts = [principal.kind, principal.id, principal.clearance.value, *sorted(principal.scopes)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def claim(session: Session, *, principal_id: str, key: str, request_hash: str, fingerprint: str) -> Claim:
    """Claim the key for this request, or say why not (call in a transaction of its own).

    A finished request is replayed only to the principal as it was (same clearance and scopes), and never when its
    response carried a secret, which was not kept.
    """
    now = utcnow()
    existing = session.execute(
        select(IdempotencyRecord).where(IdempotencyRecord.principal_id == principal_id, IdempotencyRecord.key == key)
    ).scalar_one_or_none()
    if existing is not None:
        age = now - as_utc(existing.created_at)
        if age > RETENTION or (existing.status_code is None and age > ABANDONED):
            session.delete(existing)
            session.flush()
        elif existing.request_hash != request_hash:
            return Claim("mismatch")
        elif existing.status_code is None:
            return Claim("in_progress")
        elif existing.secret_bearing:
            return Claim("secret")
        elif existing.principal_fingerprint != fingerprint:
            return Claim("changed")
        else:
            return Claim(
                "replay",
                status_code=existing.status_code,
                headers=json.loads(existing.response_headers or "{}"),
                body=existing.response_body,
            )
    record = IdempotencyRecord(
        principal_id=principal_id,
        key=key,
        request_hash=request_hash,
        created_at=now,
        principal_fingerprint=fingerprint,
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return Claim("in_progress")
    return Claim("run", record_id=record.id)


def complete(
    session: Session,
    record_id: str,
    *,
    status_code: int,
    headers: dict[str, str],
    body: bytes | None,
    secret_bearing: bool = False,
) -> None:
    """Keep the response of a claimed key for replay; of a response that carried a secret, keep only that it did."""
    record = session.get(IdempotencyRecord, record_id)
    if record is not None:
        record.status_code = status_code
        record.secret_bearing = secret_bearing
        record.response_headers = None if secret_bearing else json.dumps(headers)
        record.response_body = None if secret_bearing else body


def release(session: Session, record_id: str) -> None:
    """Give up a claim whose request failed, so a retry runs afresh."""
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))  # type: ignore[arg-type]


def purge_expired(session: Session) -> int:
    """Forget keys older than the retention window."""
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - RETENTION)  # type: ignore[arg-type]
    )
    return int(getattr(result, "rowcount", 0) or 0)
