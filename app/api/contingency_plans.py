"""Contingency plans (`prepare:read` / `prepare:write`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

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
from app.api.kept import Kept
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import Page
from app.models.prepare import (
    ContingencyPlan,
    ContingencyPlanCreate,
    ContingencyPlanRead,
    ContingencyPlanStatus,
    ContingencyPlanUpdate,
    PlanType,
)
from app.services import contingency_plans as plans

router = APIRouter(prefix="/contingency-plans", tags=["prepare"])

Reader = Annotated[Principal, requires("prepare:read")]
Writer = Annotated[Principal, requires("prepare:write")]
ORDER = [SortKey(ContingencyPlan.title), SortKey(ContingencyPlan.id)]


async def contingency_plan_filters(
    plan_type: PlanType | None = None,
    status: ContingencyPlanStatus | None = None,
    review_overdue: Annotated[bool | None, Query(description="review_due is before today.")] = None,
    active_now: Annotated[
        bool | None,
        Query(description="Approved and activated by the current UK response level (NORMAL if none recorded)."),
    ] = None,
    exercise_overdue: Annotated[bool | None, Query(description="Not exercised in the last 365 days.")] = None,
    risk_id: Annotated[str | None, Query(max_length=36, description="Plans answering this risk.")] = None,
    site_id: Annotated[str | None, Query(max_length=36, description="Plans covering this site.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in title, summary or owner.")] = None,
) -> plans.ContingencyPlanFilters:
    """The plan list's filters from its query parameters."""
    return plans.ContingencyPlanFilters(
        plan_type=plan_type,
        status=status,
        review_overdue=review_overdue,
        active_now=active_now,
        exercise_overdue=exercise_overdue,
        risk_id=risk_id,
        site_id=site_id,
        q=q,
    )


def _presenter(session: SessionDep, principal: Principal) -> Callable[[ContingencyPlan], ContingencyPlanRead]:
    return partial(plans.present, session=session, principal=principal, level=plans.response_level(session))


@router.get("", response_model=Page[ContingencyPlanRead], responses=CSV_RESPONSE, dependencies=[Kept])
def list_contingency_plans(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[plans.ContingencyPlanFilters, Depends(contingency_plan_filters)],
) -> Response:
    """The plans you may see, by title."""
    level = plans.response_level(session)
    stmt = plans.list_statement(principal, filters, level=level)
    present = partial(plans.present_many, session=session, principal=principal, level=level)
    return collection(request, session, stmt, ORDER, params, present_many=present)


@router.post("", response_model=ContingencyPlanRead, status_code=201)
def create_contingency_plan(
    request: Request,
    session: SessionDep,
    principal: Writer,
    data: ContingencyPlanCreate,
) -> Response:
    """Add a plan. Linked sites and risks must exist and be visible to you (else 422)."""
    plan = plans.create(session, data, actor=principal)
    body = _presenter(session, principal)(plan)
    return created(request, body, location=f"/contingency-plans/{plan.id}", version=plan.version)


@router.get("/{plan_id}", response_model=ContingencyPlanRead)
def read_contingency_plan(
    session: SessionDep,
    principal: Reader,
    plan_id: str,
    response: Response,
) -> ContingencyPlanRead:
    """One plan, with its derived review, activation and exercise state."""
    plan = plans.get(session, plan_id, principal)
    with_etag(response, plan.version)
    return _presenter(session, principal)(plan)


@router.patch("/{plan_id}", response_model=ContingencyPlanRead, responses=IF_MATCH_RESPONSES)
def update_contingency_plan(
    session: SessionDep,
    principal: Writer,
    plan_id: str,
    data: ContingencyPlanUpdate,
    if_match: IfMatch,
    response: Response,
) -> ContingencyPlanRead:
    """Change a plan (If-Match required)."""
    plan = plans.get(session, plan_id, principal)
    check_if_match(if_match, plan.version)
    plan = plans.update(session, plan, data, actor=principal)
    with_etag(response, plan.version)
    return _presenter(session, principal)(plan)


@router.delete("/{plan_id}", status_code=204, responses=IF_MATCH_RESPONSES)
def delete_contingency_plan(session: SessionDep, principal: Writer, plan_id: str, if_match: IfMatch) -> Response:
    """Remove a plan (If-Match required); exercises of it are kept."""
    plan = plans.get(session, plan_id, principal)
    check_if_match(if_match, plan.version)
    plans.delete(session, plan, actor=principal)
    return Response(status_code=204)
