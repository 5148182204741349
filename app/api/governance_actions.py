"""Actions agreed by the groups (`governance:read` / `governance:write`), with `overdue` derived."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import case, func

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
from app.core.clock import today_london
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import Page
from app.models.governance import ActionCreate, ActionRead, ActionStatus, ActionUpdate, GovernanceAction
from app.services import governance_actions as actions
from app.services.governance_actions import ActionFilters

router = APIRouter(prefix="/actions", tags=["governance"])

Reader = Annotated[Principal, requires("governance:read")]
Writer = Annotated[Principal, requires("governance:write")]
_A: Any = GovernanceAction
_FAR_FUTURE = date(9999, 12, 31)
# Open actions first, earliest due first (so the overdue lead), then the rest; the id keeps paging stable.
ORDER = [
    SortKey(case((_A.status == ActionStatus.OPEN.value, 0), else_=1)),
    SortKey(func.coalesce(_A.due_on, _FAR_FUTURE)),
    SortKey(_A.id),
]


async def action_filters(
    group_id: Annotated[str | None, Query(max_length=36, description="Actions of this group.")] = None,
    meeting_id: Annotated[str | None, Query(max_length=36, description="Actions agreed at this meeting.")] = None,
    status: Annotated[ActionStatus | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="Open and due before today (Europe/London).")] = None,
    owner: Annotated[str | None, Query(max_length=200, description="Exact owner (any case).")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the action or its owner.")] = None,
) -> ActionFilters:
    """The action list's filters from its query parameters."""
    return ActionFilters(group_id=group_id, meeting_id=meeting_id, status=status, overdue=overdue, owner=owner, q=q)


def _present(session: SessionDep, principal: Principal) -> Any:
    return partial(actions.present_many, session, principal=principal, today=today_london())


@router.get("", response_model=Page[ActionRead], responses=CSV_RESPONSE)
def list_actions(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[ActionFilters, Depends(action_filters)],
) -> Response:
    """The actions you may see: open ones first, earliest due first (so the overdue lead)."""
    stmt = actions.list_statement(principal, filters)
    return collection(request, session, stmt, ORDER, params, present_many=_present(session, principal))


@router.post("", response_model=ActionRead, status_code=201)
def create_action(request: Request, session: SessionDep, principal: Writer, data: ActionCreate) -> Response:
    """Add an action; its group, meeting and links must exist and be visible to you (else 422)."""
    action = actions.create(session, data, actor=principal)
    body = _present(session, principal)([action])[0]
    return created(request, body, location=f"/actions/{action.id}", version=action.version)


@router.get("/{action_id}", response_model=ActionRead)
def read_action(session: SessionDep, principal: Reader, action_id: str, response: Response) -> ActionRead:
    """One action; links to records you may not see are left out."""
    action = actions.get(session, action_id, principal)
    with_etag(response, action.version)
    result: ActionRead = _present(session, principal)([action])[0]
    return result


@router.patch("/{action_id}", response_model=ActionRead, responses=IF_MATCH_RESPONSES)
def update_action(
    session: SessionDep,
    principal: Writer,
    action_id: str,
    data: ActionUpdate,
    if_match: IfMatch,
    response: Response,
) -> ActionRead:
    """Change an action (If-Match required); `links` replaces the links you can see."""
    action = actions.get(session, action_id, principal)
    check_if_match(if_match, action.version)
    action = actions.update(session, action, data, actor=principal)
    with_etag(response, action.version)
    result: ActionRead = _present(session, principal)([action])[0]
    return result
