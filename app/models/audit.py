"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from app.models.common import UtcDateTime, timestamp_field


class AuditEvent(SQLModel, table=True):
    """One change or disclosure: who, what, when, before and after, chained to the event before it."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id"),
        Index("ix_audit_event_action_entity_at", "action", "entity_id", "at"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    at: datetime = timestamp_field(nullable=False, index=True)  # type: ignore[assignment]
    actor: str = Field(max_length=250, index=True)
    actor_kind: str = Field(max_length=20)
    organisation: str | None = Field(default=None, max_length=200)
    action: str = Field(max_length=100)
    entity_type: str = Field(max_length=60)
    entity_id: str | None = Field(default=None, max_length=200)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    request_id: str | None = Field(default=None, max_length=200)
    classification: str | None = Field(default=None, max_length=20)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditEventRead(BaseModel):
    """An audit event as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: UtcDateTime
    actor: str
    actor_kind: str
    organisation: str | None
    action: str
    entity_type: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    classification: str | None = None
    prev_hash: str
    hash: str


class AuditVerification(BaseModel):
    """The result of walking the chain."""

    ok: bool
    checked: int
    first_bad_id: int | None
