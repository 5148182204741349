"""Working groups: EMT and the groups that deliver each strand (`governance:read` / `governance:write`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import col

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
from app.core.security import Principal
from app.models.common import Page
from app.models.governance import Strand, WorkingGroup, WorkingGroupCreate, WorkingGroupRead, WorkingGroupUpdate
from app.services import working_groups
from app.services.working_groups import GroupFilters

router = APIRouter(prefix="/working-groups", tags=["governance"])

Reader = Annotated[Principal, requires("governance:read")]
Writer = Annotated[Principal, requires("governance:write")]
ORDER = [SortKey(col(WorkingGroup.strand)), SortKey(col(WorkingGroup.name)), SortKey(col(WorkingGroup.id))]


async def group_filters(
    strand: Annotated[Strand | None, Query(description="The strand the group serves.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the name or purpose.")] = None,
) -> GroupFilters:
    """The group list's filters from its query parameters."""
    return GroupFilters(strand=strand, q=q)


@router.get("", response_model=Page[WorkingGroupRead], responses=CSV_RESPONSE)
def list_working_groups(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[GroupFilters, Depends(group_filters)],
) -> Response:
    """The groups you may see, by strand and name."""
    stmt = working_groups.list_statement(principal, filters)
    return collection(request, session, stmt, ORDER, params, working_groups.present)


@router.post("", response_model=WorkingGroupRead, status_code=201)
def create_working_group(
    request: Request, session: SessionDep, principal: Writer, data: WorkingGroupCreate
) -> Response:
    """Add a group (names are unique: 409)."""
    group = working_groups.create(session, data, actor=principal)
    body = working_groups.present(group)
    return created(request, body, location=f"/working-groups/{group.id}", version=group.version)


@router.get("/{group_id}", response_model=WorkingGroupRead)
def read_working_group(session: SessionDep, principal: Reader, group_id: str, response: Response) -> WorkingGroupRead:
    """One group with its members."""
    group = working_groups.get(session, group_id, principal)
    with_etag(response, group.version)
    return working_groups.present(group)


@router.patch("/{group_id}", response_model=WorkingGroupRead, responses=IF_MATCH_RESPONSES)
def update_working_group(
    session: SessionDep,
    principal: Writer,
    group_id: str,
    data: WorkingGroupUpdate,
    if_match: IfMatch,
    response: Response,
) -> WorkingGroupRead:
    """Change a group (If-Match required); `members` replaces the list."""
    group = working_groups.get(session, group_id, principal)
    check_if_match(if_match, group.version)
    group = working_groups.update(session, group, data, actor=principal)
    with_etag(response, group.version)
    return working_groups.present(group)
