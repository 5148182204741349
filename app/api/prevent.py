"""The Prevent delivery plan: plans, their items and progress updates (docs/api.md 'Prevent')."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response

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
from app.api.routing import ApiRoute
from app.core.clock import today_london
from app.core.errors import Unprocessable
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import Page
from app.models.prevent import (
    Coverage,
    ItemCreate,
    ItemRead,
    ItemStatus,
    ItemUpdate,
    KeyArea,
    PlanCreate,
    PlanDetail,
    PlanRead,
    PlanStatus,
    PlanUpdate,
    PreventPlan,
    ProgressUpdateCreate,
    ProgressUpdateRead,
    ReviewRequest,
)
from app.services import prevent, prevent_items

router = APIRouter(prefix="/prevent", tags=["prevent"], route_class=ApiRoute)

Reader = Annotated[Principal, requires("prevent:read")]
Writer = Annotated[Principal, requires("prevent:write")]
Approver = Annotated[Principal, requires("approve")]
PLAN_ORDER = [SortKey(PreventPlan.period_start, True), SortKey(PreventPlan.id, True)]  # type: ignore[arg-type]
OptionalIfMatch = Annotated[str | None, Header(alias="If-Match", description="Optional: the ETag last read.")]


IsoDateQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="A date, YYYY-MM-DD.")]


def _day(name: str, value: str | None) -> date | None:
    """A YYYY-MM-DD query value as a date (422 naming the parameter if there is no such day)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Unprocessable.field(name, "is not a real date") from exc


def _plan_detail(session: SessionDep, plan: PreventPlan, principal: Principal) -> PlanDetail:
    read = prevent.presenter(session, principal)(plan)
    return PlanDetail(
        **read.model_dump(),
        counts=prevent.counts(session, plan, principal),
        owners=prevent.owners(session, plan, principal),
    )


@router.get("/plans", response_model=Page[PlanRead], responses=CSV_RESPONSE)
def list_plans(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    status: PlanStatus | None = None,
) -> Response:
    """The plans you may see, newest period first."""
    stmt = prevent.list_statement(principal, status=status.value if status else None)
    return collection(request, session, stmt, PLAN_ORDER, params, prevent.presenter(session, principal))


@router.post("/plans", response_model=PlanRead, status_code=201)
def create_plan(request: Request, session: SessionDep, principal: Writer, data: PlanCreate) -> Response:
    """Draft a plan."""
    plan = prevent.create(session, data, actor=principal)
    return created(
        request,
        prevent.presenter(session, principal)(plan),
        location=f"/prevent/plans/{plan.id}",
        version=plan.version,
    )


@router.get("/plans/{plan_id}", response_model=PlanDetail)
def read_plan(session: SessionDep, principal: Reader, plan_id: str, response: Response) -> PlanDetail:
    """One plan, with counts of the items you may see by key area, RAG and status, and their owners."""
    plan = prevent.get(session, plan_id, principal)
    with_etag(response, plan.version)
    return _plan_detail(session, plan, principal)


@router.patch("/plans/{plan_id}", response_model=PlanRead, responses=IF_MATCH_RESPONSES)
def update_plan(
    session: SessionDep,
    principal: Writer,
    plan_id: str,
    data: PlanUpdate,
    if_match: IfMatch,
    response: Response,
) -> PlanRead:
    """Change a plan's title, period, marking or threat assessment."""
    plan = prevent.get(session, plan_id, principal)
    check_if_match(if_match, plan.version)
    plan = prevent.update_plan(session, plan, data, actor=principal)
    with_etag(response, plan.version)
    return prevent.presenter(session, principal)(plan)


@router.post(
    "/plans/{plan_id}/approve",
    response_model=PlanRead,
    responses={409: {"description": "The plan is not a draft."}, 412: IF_MATCH_RESPONSES[412]},
)
def approve_plan(
    session: SessionDep,
    principal: Approver,
    plan_id: str,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> PlanRead:
    """EMT (or an admin) approves a draft; the plan approved before it is superseded. If-Match is optional."""
    plan = prevent.get(session, plan_id, principal)
    if if_match:
        check_if_match(if_match, plan.version)
    plan = prevent.approve(session, plan, actor=principal)
    with_etag(response, plan.version)
    return prevent.presenter(session, principal)(plan)


@router.post(
    "/plans/{plan_id}/review",
    response_model=PlanRead,
    status_code=201,
    responses={409: {"description": "The plan has already been reviewed."}},
)
def review_plan(
    request: Request,
    session: SessionDep,
    principal: Writer,
    plan_id: str,
    data: Annotated[ReviewRequest | None, Body()] = None,
) -> Response:
    """The annual review: a new draft for the next period carrying forward every open item."""
    plan = prevent.get(session, plan_id, principal)
    new_plan = prevent.review(session, plan, data or ReviewRequest(), actor=principal)
    return created(
        request,
        prevent.presenter(session, principal)(new_plan),
        location=f"/prevent/plans/{new_plan.id}",
        version=new_plan.version,
    )


@router.get("/plans/{plan_id}/coverage", response_model=Coverage)
def plan_coverage(session: SessionDep, principal: Reader, plan_id: str) -> Coverage:
    """Each priority of the plan's threat assessment with the items answering it; unanswered ones counted."""
    return prevent.coverage(session, prevent.get(session, plan_id, principal), principal)


@router.get("/items", response_model=Page[ItemRead], responses=CSV_RESPONSE)
def list_items(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    plan_id: Annotated[str | None, Query(max_length=36)] = None,
    key_area: KeyArea | None = None,
    status: ItemStatus | None = None,
    rag: Annotated[str | None, Query(pattern="^(red|amber|green|none)$", description="`none`: no rating")] = None,
    owner: Annotated[str | None, Query(max_length=200, description="Exact owner (any case).")] = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in ref, title or description.")] = None,
    due_before: IsoDateQuery = None,
    due_after: IsoDateQuery = None,
    sort: Annotated[
        str | None,
        Query(
            pattern=prevent_items.SORT_PATTERN,
            description="ref (default), title, owner, due_date, rag or status; prefix - for descending.",
        ),
    ] = None,
) -> Response:
    """Items you may see, filtered (all filters combine with AND)."""
    filters = prevent_items.ItemFilters(
        plan_id=plan_id,
        key_area=key_area.value if key_area else None,
        status=status.value if status else None,
        rag=rag,
        owner=owner,
        overdue=overdue,
        q=q,
        due_before=_day("due_before", due_before),
        due_after=_day("due_after", due_after),
    )
    today = today_london()
    return collection(
        request,
        session,
        prevent_items.list_statement(principal, filters),
        prevent_items.sort_keys(sort),
        params,
        lambda item: prevent_items.present(item, today),
    )


@router.post("/items", response_model=ItemRead, status_code=201)
def create_item(request: Request, session: SessionDep, principal: Writer, data: ItemCreate) -> Response:
    """Add an item to a plan."""
    plan = prevent.for_item(session, data.plan_id, principal)
    item = prevent_items.create(session, data, plan, actor=principal)
    return created(request, prevent_items.present(item), location=f"/prevent/items/{item.id}", version=item.version)


@router.get("/items/{item_id}", response_model=ItemRead)
def read_item(session: SessionDep, principal: Reader, item_id: str, response: Response) -> ItemRead:
    """One item."""
    item = prevent_items.get(session, item_id, principal)
    with_etag(response, item.version)
    return prevent_items.present(item)


@router.patch("/items/{item_id}", response_model=ItemRead, responses=IF_MATCH_RESPONSES)
def update_item(
    session: SessionDep,
    principal: Writer,
    item_id: str,
    data: ItemUpdate,
    if_match: IfMatch,
    response: Response,
) -> ItemRead:
    """Change an item; completing it clears its RAG."""
    item = prevent_items.get(session, item_id, principal)
    check_if_match(if_match, item.version)
    item = prevent_items.update_item(session, item, data, actor=principal)
    with_etag(response, item.version)
    return prevent_items.present(item)


@router.delete("/items/{item_id}", status_code=204, responses=IF_MATCH_RESPONSES)
def delete_item(session: SessionDep, principal: Writer, item_id: str, if_match: IfMatch) -> Response:
    """Remove an item and its timeline."""
    item = prevent_items.get(session, item_id, principal)
    check_if_match(if_match, item.version)
    prevent_items.delete(session, item, actor=principal)
    return Response(status_code=204)


@router.get("/items/{item_id}/updates", response_model=Page[ProgressUpdateRead], responses=CSV_RESPONSE)
def list_updates(
    request: Request,
    session: SessionDep,
    principal: Reader,
    item_id: str,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    """An item's timeline, newest first."""
    item = prevent_items.get(session, item_id, principal)
    return collection(
        request,
        session,
        prevent_items.updates_statement(item.id),
        prevent_items.UPDATE_ORDER,
        params,
        prevent_items.present_update,
    )


@router.post(
    "/items/{item_id}/updates",
    response_model=ProgressUpdateRead,
    status_code=201,
    responses={412: IF_MATCH_RESPONSES[412]},
)
def add_update(
    request: Request,
    session: SessionDep,
    principal: Writer,
    item_id: str,
    data: ProgressUpdateCreate,
    if_match: OptionalIfMatch = None,
) -> Response:
    """Add a progress update; its status/RAG change applies to the item at once (If-Match optional)."""
    item = prevent_items.get(session, item_id, principal)
    if if_match:
        check_if_match(if_match, item.version)
    entry = prevent_items.add_update(session, item, data, actor=principal)
    response = created(
        request,
        prevent_items.present_update(entry, item.version),
        location=f"/prevent/items/{item.id}/updates",
        version=entry.version,
    )
    response.headers["X-Item-ETag"] = f'"{item.version}"'
    return response
