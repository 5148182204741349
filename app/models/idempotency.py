"""Stored responses of POSTs sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.ids import new_id
from app.models.common import timestamp_field


class IdempotencyRecord(SQLModel, table=True):
    """A principal's key, the request it was first used for, and (once done) the response it got.

    A response that carried a secret is never kept: only `secret_bearing` says there was one.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("principal_id", "key", name="uq_idempotency_record_principal_key"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    principal_id: str = Field(max_length=80)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    created_at: datetime = timestamp_field(nullable=False, index=True)  # type: ignore[assignment]
    status_code: int | None = None
    response_headers: str | None = None
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    # Who asked, as they were: a replay after the principal's clearance or scopes changed is refused.
    principal_fingerprint: str | None = Field(default=None, max_length=64)
    # The response carried a secret (a new key, token or signing secret): it was not kept, and is never replayed.
    secret_bearing: bool = Field(default=False)
