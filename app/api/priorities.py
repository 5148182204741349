"""EMT's priorities for the year (`governance:read`; writing needs `approve`)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

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
from app.core.pagination import SortKey
from app.core.security import APPROVE, Principal
from app.models.common import Page
from app.models.governance import (
    EmtPriority,
    EmtPriorityCreate,
    EmtPriorityRead,
    EmtPriorityUpdate,
    PriorityStatus,
    Strand,
    Year,
)
from app.services import priorities
from app.services.priorities import PriorityFilters

router = APIRouter(prefix="/priorities", tags=["governance"])

Reader = Annotated[Principal, requires("governance:read")]
Approver = Annotated[Principal, requires(APPROVE)]
_P: Any = EmtPriority
ORDER = [SortKey(_P.year, descending=True), SortKey(_P.strand), SortKey(_P.title), SortKey(_P.id)]


async def priority_filters(
    year: Annotated[Year | None, Query()] = None,
    strand: Annotated[Strand | None, Query()] = None,
    status: Annotated[PriorityStatus | None, Query()] = None,
) -> PriorityFilters:
    """The priority list's filters from its query parameters."""
    return PriorityFilters(year=year, strand=strand, status=status)


def _present(session: SessionDep, principal: Principal) -> Any:
    return partial(priorities.present_many, session, principal=principal)


@router.get("", response_model=Page[EmtPriorityRead], responses=CSV_RESPONSE)
def list_priorities(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[PriorityFilters, Depends(priority_filters)],
) -> Response:
    """The priorities you may see, newest year first, by strand."""
    stmt = priorities.list_statement(principal, filters)
    return collection(request, session, stmt, ORDER, params, present_many=_present(session, principal))


@router.post("", response_model=EmtPriorityRead, status_code=201)
def create_priority(request: Request, session: SessionDep, principal: Approver, data: EmtPriorityCreate) -> Response:
    """Set one of EMT's priorities for a year (`approve`)."""
    priority = priorities.create(session, data, actor=principal)
    body = _present(session, principal)([priority])[0]
    return created(request, body, location=f"/priorities/{priority.id}", version=priority.version)


@router.get("/{priority_id}", response_model=EmtPriorityRead)
def read_priority(session: SessionDep, principal: Reader, priority_id: str, response: Response) -> EmtPriorityRead:
    """One priority."""
    priority = priorities.get(session, priority_id, principal)
    with_etag(response, priority.version)
    result: EmtPriorityRead = _present(session, principal)([priority])[0]
    return result


@router.patch("/{priority_id}", response_model=EmtPriorityRead, responses=IF_MATCH_RESPONSES)
def update_priority(
    session: SessionDep,
    principal: Approver,
    priority_id: str,
    data: EmtPriorityUpdate,
    if_match: IfMatch,
    response: Response,
) -> EmtPriorityRead:
    """Change a priority (`approve`; If-Match required)."""
    priority = priorities.get(session, priority_id, principal)
    check_if_match(if_match, priority.version)
    priority = priorities.update(session, priority, data, actor=principal)
    with_etag(response, priority.version)
    result: EmtPriorityRead = _present(session, principal)([priority])[0]
    return result
