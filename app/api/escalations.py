"""Escalations to EMT (`governance:read` / `governance:write`; decisions need `approve`)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy import case

from app.api.deps import SessionDep, requires
from app.api.http import (
    CSV_RESPONSE,
    IF_MATCH_RESPONSES,
    IfMatch,
    PageParams,
    check_if_match,
    collection,
    created,
    page_params,
    with_etag,
)
from app.api.kept import Kept
from app.core.pagination import SortKey
from app.core.security import APPROVE, Principal
from app.models.common import Page
from app.models.governance import (
    DecideRequest,
    Escalation,
    EscalationCreate,
    EscalationRead,
    EscalationStatus,
    EscalationUpdate,
)
from app.services import escalations
from app.services.escalations import EscalationFilters

router = APIRouter(prefix="/escalations", tags=["governance"])

Reader = Annotated[Principal, requires("governance:read")]
Writer = Annotated[Principal, requires("governance:write")]
Approver = Annotated[Principal, requires(APPROVE)]
OptionalIfMatch = Annotated[str | None, Header(alias="If-Match", description="Optional: the ETag last read.")]
_E: Any = Escalation
# Those awaiting a decision first, then the newest.
ORDER = [
    SortKey(case((_E.status == EscalationStatus.RAISED.value, 0), else_=1)),
    SortKey(_E.created_at, descending=True),
    SortKey(_E.id, descending=True),
]


async def escalation_filters(
    group_id: Annotated[str | None, Query(max_length=36, description="Raised by this group.")] = None,
    status: Annotated[EscalationStatus | None, Query(description="`raised`: awaiting EMT's decision.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or description.")] = None,
) -> EscalationFilters:
    """The escalation list's filters from its query parameters."""
    return EscalationFilters(group_id=group_id, status=status, q=q)


def _present(session: SessionDep, principal: Principal) -> Any:
    return partial(escalations.present_many, session, principal=principal)


@router.get("", response_model=Page[EscalationRead], responses=CSV_RESPONSE, dependencies=[Kept])
def list_escalations(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[EscalationFilters, Depends(escalation_filters)],
) -> Response:
    """The escalations you may see: those awaiting a decision first, then the newest."""
    stmt = escalations.list_statement(principal, filters)
    return collection(request, session, stmt, ORDER, params, present_many=_present(session, principal))


@router.post("", response_model=EscalationRead, status_code=201)
def create_escalation(request: Request, session: SessionDep, principal: Writer, data: EscalationCreate) -> Response:
    """Raise an escalation to EMT; it starts `raised`. Its group and links must be visible to you (else 422)."""
    escalation = escalations.create(session, data, actor=principal)
    body = _present(session, principal)([escalation])[0]
    return created(request, body, location=f"/escalations/{escalation.id}", version=escalation.version)


@router.get("/{escalation_id}", response_model=EscalationRead)
def read_escalation(session: SessionDep, principal: Reader, escalation_id: str, response: Response) -> EscalationRead:
    """One escalation and EMT's decision, if made."""
    escalation = escalations.get(session, escalation_id, principal)
    with_etag(response, escalation.version)
    result: EscalationRead = _present(session, principal)([escalation])[0]
    return result


@router.patch("/{escalation_id}", response_model=EscalationRead, responses=IF_MATCH_RESPONSES)
def update_escalation(
    session: SessionDep,
    principal: Writer,
    escalation_id: str,
    data: EscalationUpdate,
    if_match: IfMatch,
    response: Response,
) -> EscalationRead:
    """Change what an escalation says (If-Match required). `status` and the decision are 422 here: only
    `POST /escalations/{id}/decide` changes them."""
    escalation = escalations.get(session, escalation_id, principal)
    check_if_match(if_match, escalation.version)
    escalation = escalations.update(session, escalation, data, actor=principal)
    with_etag(response, escalation.version)
    result: EscalationRead = _present(session, principal)([escalation])[0]
    return result


@router.post(
    "/{escalation_id}/decide",
    response_model=EscalationRead,
    responses={
        409: {"description": "The escalation is closed, or cannot go to that outcome from where it is."},
        412: {"description": "If-Match is stale: the escalation changed since it was read."},
    },
)
def decide_escalation(
    session: SessionDep,
    principal: Approver,
    escalation_id: str,
    data: DecideRequest,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> EscalationRead:
    """EMT's decision (`approve`): a raised escalation accepted, declined or resolved; an accepted one resolved.
    `decided_by` and `decided_on` are recorded by the service. Whoever raised it cannot decide it (403).
    If-Match is optional (412 when stale)."""
    escalation = escalations.get(session, escalation_id, principal)
    if if_match:
        check_if_match(if_match, escalation.version)
    escalation = escalations.decide(session, escalation, data, actor=principal)
    with_etag(response, escalation.version)
    result: EscalationRead = _present(session, principal)([escalation])[0]
    return result
