"""The Prevent delivery plan: plans, their items and progress updates (docs/api.md 'Prevent')."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from sqlmodel import Session

from app.api.deps import SessionDep, requires
from app.api.disclosure import disclose
from app.api.fast import Call, hot
from app.api.http import (
    CSV_RESPONSE,
    IF_MATCH_RESPONSES,
    IfMatch,
    PageParams,
    check_if_match,
    collection,
    created,
    page_params,
    read_in_one_hop,
    with_etag,
)
from app.api.openapi import CONFLICT_RESPONSE
from app.core.clock import today_london
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import IsoDate, Page
from app.models.prevent import (
    Coverage,
    DecisionRequest,
    ItemCreate,
    ItemRead,
    ItemStatus,
    ItemUpdate,
    KeyArea,
    PlanCreate,
    PlanDetail,
    PlanRead,
    PlanUpdate,
    PreventPlan,
    PreventPlanStatus,
    ProgressUpdateCreate,
    ProgressUpdateRead,
    ReturnRequest,
    ReviewRequest,
)
from app.services import prevent, prevent_items, prevent_updates

router = APIRouter(prefix="/prevent", tags=["prevent"])

Reader = Annotated[Principal, requires("prevent:read")]
Writer = Annotated[Principal, requires("prevent:write")]
Approver = Annotated[Principal, requires("approve")]
PLAN_ORDER = [SortKey(PreventPlan.period_start, True), SortKey(PreventPlan.id, True)]  # type: ignore[arg-type]
RagFilter = Literal["red", "amber", "green", "none"]
ItemSort = Literal[
    "ref", "-ref", "title", "-title", "owner", "-owner", "due_date", "-due_date", "rag", "-rag", "status", "-status"
]
OptionalIfMatch = Annotated[str | None, Header(alias="If-Match", description="Optional: the ETag last read.")]


async def plan_filters(status: PreventPlanStatus | None = None) -> prevent.PlanFilters:
    """The plan list's filters from its query parameters."""
    return prevent.PlanFilters(status=status)


async def item_filters(
    plan_id: Annotated[str | None, Query(max_length=36)] = None,
    key_area: KeyArea | None = None,
    status: ItemStatus | None = None,
    rag: Annotated[RagFilter | None, Query(description="`none`: no rating")] = None,
    owner: Annotated[str | None, Query(max_length=200, description="Exact owner (any case).")] = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in ref, title or description.")] = None,
    due_before: IsoDate | None = None,
    due_after: IsoDate | None = None,
    open: Annotated[bool | None, Query(description="true: not complete or cancelled; false: closed.")] = None,
    in_force: Annotated[bool | None, Query(description="true: items of the plan in force today.")] = None,
) -> prevent_items.ItemFilters:
    """The item list's filters from its query parameters (all combine with AND)."""
    return prevent_items.ItemFilters(
        plan_id=plan_id,
        key_area=key_area.value if key_area else None,
        status=status.value if status else None,
        rag=rag,
        owner=owner,
        overdue=overdue,
        q=q,
        due_before=due_before,
        due_after=due_after,
        open=open,
        in_force=in_force,
    )


def _present_plan(session: Session, principal: Principal) -> Callable[[PreventPlan], PlanRead]:
    """Plans as this principal sees them (links to assessments they may not see left out; superseded and in force
    as of today)."""
    return partial(prevent.present, **prevent.plan_context(session, principal))


@router.get("/plans", response_model=Page[PlanRead], responses=CSV_RESPONSE)
def list_plans(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[prevent.PlanFilters, Depends(plan_filters)],
) -> Response:
    """The plans you may see, newest period first."""
    stmt = prevent.list_statement(principal, filters)
    return collection(request, session, stmt, PLAN_ORDER, params, _present_plan(session, principal))


@router.post("/plans", response_model=PlanRead, status_code=201)
def create_plan(request: Request, session: SessionDep, principal: Writer, data: PlanCreate) -> Response:
    """Draft a plan."""
    plan = prevent.create(session, data, actor=principal)
    return created(
        request,
        _present_plan(session, principal)(plan),
        location=f"/prevent/plans/{plan.id}",
        version=plan.version,
    )


@router.get("/plans/{plan_id}", response_model=PlanDetail)
def read_plan(request: Request, session: SessionDep, principal: Reader, plan_id: str, response: Response) -> PlanDetail:
    """One plan, with counts of the items you may see by key area, RAG and status, and their owners."""
    plan = prevent.get(session, plan_id, principal)
    with_etag(response, plan.version)
    if principal.kind == "api_key":  # the counts and owners include sensitive items: a disclosure of them
        disclose(request, prevent.sensitive_item_ids(session, plan, principal))
    return prevent.present_detail(session, plan, principal)


@router.patch("/plans/{plan_id}", response_model=PlanRead, responses={**IF_MATCH_RESPONSES, **CONFLICT_RESPONSE})
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
    plan = prevent.update(session, plan, data, actor=principal)
    with_etag(response, plan.version)
    return _present_plan(session, principal)(plan)


DECISION_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "The plan is not in a status this step applies to."},
    412: IF_MATCH_RESPONSES[412],
}


@router.post("/plans/{plan_id}/submit", response_model=PlanRead, responses=DECISION_RESPONSES)
def submit_plan(
    session: SessionDep, principal: Writer, plan_id: str, response: Response, if_match: OptionalIfMatch = None
) -> PlanRead:
    """Submit a draft (or returned) plan to EMT for approval. If-Match is optional."""
    plan = prevent.get(session, plan_id, principal)
    if if_match:
        check_if_match(if_match, plan.version)
    plan = prevent.submit(session, plan, actor=principal)
    with_etag(response, plan.version)
    return _present_plan(session, principal)(plan)


@router.post("/plans/{plan_id}/approve", response_model=PlanRead, responses=DECISION_RESPONSES)
def approve_plan(
    session: SessionDep,
    principal: Approver,
    plan_id: str,
    response: Response,
    data: Annotated[DecisionRequest | None, Body()] = None,
    if_match: OptionalIfMatch = None,
) -> PlanRead:
    """EMT (or an admin) approves a submitted plan; it comes into force on its period start. If-Match is optional."""
    plan = prevent.get(session, plan_id, principal)
    if if_match:
        check_if_match(if_match, plan.version)
    plan = prevent.approve(session, plan, data or DecisionRequest(), actor=principal)
    with_etag(response, plan.version)
    return _present_plan(session, principal)(plan)


@router.post("/plans/{plan_id}/return", response_model=PlanRead, responses=DECISION_RESPONSES)
def return_plan(
    session: SessionDep,
    principal: Approver,
    plan_id: str,
    data: ReturnRequest,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> PlanRead:
    """EMT (or an admin) returns a submitted plan with comments (required). If-Match is optional."""
    plan = prevent.get(session, plan_id, principal)
    if if_match:
        check_if_match(if_match, plan.version)
    plan = prevent.return_plan(session, plan, data, actor=principal)
    with_etag(response, plan.version)
    return _present_plan(session, principal)(plan)


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
        _present_plan(session, principal)(new_plan),
        location=f"/prevent/plans/{new_plan.id}",
        version=new_plan.version,
    )


@router.get("/plans/{plan_id}/coverage", response_model=Coverage)
def plan_coverage(session: SessionDep, principal: Reader, plan_id: str) -> Coverage:
    """Each priority of the plan's threat assessment with the items answering it; unanswered ones counted."""
    return prevent.coverage(session, prevent.get(session, plan_id, principal), principal)


def _item_list(
    request: Request,
    session: Session,
    principal: Principal,
    params: PageParams,
    filters: prevent_items.ItemFilters,
    sort: ItemSort | None,
) -> Response:
    stmt = prevent_items.list_statement(principal, filters)
    keys = prevent_items.sort_keys(sort)
    return collection(request, session, stmt, keys, params, rows=prevent_items.row_view(today_london()))


@hot("/prevent/items", "prevent:read", paging=True)
def _plain_item_list(call: Call) -> Response:
    """A page of every item the caller may see, by ref (the list with no filters)."""
    return _item_list(call.request, call.session, call.principal, call.page, prevent_items.ItemFilters(), None)


@router.get("/items", response_model=Page[ItemRead], responses=CSV_RESPONSE)
async def list_items(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[prevent_items.ItemFilters, Depends(item_filters)],
    sort: Annotated[
        ItemSort | None,
        Query(description="ref (default), title, owner, due_date, rag or status; prefix - for descending."),
    ] = None,
) -> Response:
    """Items you may see, filtered (all filters combine with AND)."""
    return await read_in_one_hop(session, partial(_item_list, request, session, principal, params, filters, sort))


@router.post("/items", response_model=ItemRead, status_code=201)
def create_item(request: Request, session: SessionDep, principal: Writer, data: ItemCreate) -> Response:
    """Add an item to a plan."""
    item = prevent_items.create(session, data, actor=principal)
    read = prevent_items.present(item, today=today_london())
    return created(request, read, location=f"/prevent/items/{item.id}", version=item.version)


@router.get("/items/{item_id}", response_model=ItemRead)
def read_item(session: SessionDep, principal: Reader, item_id: str, response: Response) -> ItemRead:
    """One item."""
    item = prevent_items.get(session, item_id, principal)
    with_etag(response, item.version)
    return prevent_items.present(item, today=today_london())


@router.patch("/items/{item_id}", response_model=ItemRead, responses={**IF_MATCH_RESPONSES, **CONFLICT_RESPONSE})
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
    item = prevent_items.update(session, item, data, actor=principal)
    with_etag(response, item.version)
    return prevent_items.present(item, today=today_london())


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
        prevent_updates.list_statement(item),
        prevent_updates.ORDER,
        params,
        prevent_updates.present,
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
        prevent_updates.present(entry, item_version=item.version),
        location=f"/prevent/items/{item.id}/updates",
        version=entry.version,
    )
    response.headers["X-Item-ETag"] = f'"{item.version}"'
    return response
