"""The audit log: read it, and check that nobody has altered it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import AuditReader, SessionDep
from app.api.http import CSV_RESPONSE, PageParams, collection, page_params
from app.core.pagination import SortKey
from app.models.audit import AuditEvent, AuditEventRead, AuditVerification
from app.models.common import Page, UtcDateTime
from app.services import audit

router = APIRouter(prefix="/audit-events", tags=["audit"])

ORDER = [SortKey(AuditEvent.id, descending=True)]  # type: ignore[arg-type]


@router.get("", response_model=Page[AuditEventRead], responses=CSV_RESPONSE)
def list_audit_events(
    request: Request,
    session: SessionDep,
    principal: AuditReader,
    params: Annotated[PageParams, Depends(page_params)],
    entity_type: Annotated[str | None, Query(max_length=60)] = None,
    entity_id: Annotated[str | None, Query(max_length=200)] = None,
    actor: Annotated[str | None, Query(max_length=250, description="e.g. `user:alice` or `api_key:Met CT`")] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[UtcDateTime | None, Query(description="Events at or after this time (RFC 3339).")] = None,
    until: Annotated[UtcDateTime | None, Query(description="Events before this time (RFC 3339).")] = None,
) -> Response:
    """Audit events, newest first: only those within your need-to-know (an event about a record marked above your
    clearance, or about a record whose history holds such an event, is left out)."""
    stmt = audit.list_statement(
        principal=principal,
        entity_type=entity_type,
        entity_id=entity_id,
        actor=actor,
        action=action,
        since=since,
        until=until,
    )
    return collection(request, session, stmt, ORDER, params, AuditEventRead)


@router.get("/verify", response_model=AuditVerification)
def verify_audit_events(session: SessionDep, principal: AuditReader) -> AuditVerification:
    """Walk the hash chain; `ok` is false and `first_bad_id` set if any event was altered or removed.

    The whole chain is always checked; `checked` and `first_bad_id` speak only of events you may read.
    """
    return audit.verify(session, principal=principal)
