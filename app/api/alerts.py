"""Warn and inform: public warnings (`prepare:read` / `prepare:write`, `approve` to publish), and the published
messages anyone may read (the public pages, the Atom feed and the CAP documents are made from these)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlmodel import col

from app.api.deps import SessionDep, SettingsDep, requires
from app.api.http import (
    CSV_RESPONSE,
    IF_MATCH_RESPONSES,
    IfMatch,
    PageParams,
    check_if_match,
    collection,
    created,
    json_model,
    page_params,
    read_in_one_hop,
    with_etag,
)
from app.api.kept import Kept
from app.api.openapi import CONFLICT_RESPONSE
from app.core.clock import utcnow
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.alerts import (
    Alert,
    AlertCreate,
    AlertRead,
    AlertState,
    AlertStatus,
    AlertUpdate,
    MsgType,
    PublicAlertRead,
)
from app.models.common import Page
from app.services import alerts

router = APIRouter(prefix="/alerts", tags=["warn and inform"])

Reader = Annotated[Principal, requires("prepare:read")]
Writer = Annotated[Principal, requires("prepare:write")]
Approver = Annotated[Principal, requires("approve")]
OptionalIfMatch = Annotated[str | None, Header(alias="If-Match", description="Optional: the ETag last read.")]

NEWEST_FIRST = [SortKey(col(Alert.created_at), True), SortKey(col(Alert.id), True)]
NEWEST_SENT_FIRST = [SortKey(col(Alert.sent), True), SortKey(col(Alert.id), True)]
PUBLIC_CACHE = "public, max-age=60"
STEP_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Without the scope, or (approve) the caller drafted the alert."},
    409: {"description": "The alert is not in a state this step applies to."},
    412: IF_MATCH_RESPONSES[412],
}


async def alert_filters(
    state: AlertState | None = None,
    status: AlertStatus | None = None,
    msg_type: MsgType | None = None,
) -> alerts.AlertFilters:
    """The alert list's filters from its query parameters."""
    return alerts.AlertFilters(state=state, status=status, msg_type=msg_type)


@router.get("", response_model=Page[AlertRead], responses=CSV_RESPONSE, dependencies=[Kept])
async def list_alerts(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[alerts.AlertFilters, Depends(alert_filters)],
) -> Response:
    """Every alert, drafts included, newest first."""
    now = utcnow()

    def work() -> Response:
        stmt = alerts.list_statement(principal, filters, now=now)
        return collection(request, session, stmt, NEWEST_FIRST, params, lambda a: alerts.present(a, now=now))

    return await read_in_one_hop(session, work)


@router.post("", response_model=AlertRead, status_code=201)
def create_alert(
    request: Request, session: SessionDep, settings: SettingsDep, principal: Writer, data: AlertCreate
) -> Response:
    """Draft an alert; someone else approves it before anyone outside sees it."""
    alert = alerts.create(session, data, actor=principal, sender=settings.cap_sender)
    return created(request, alerts.present(alert), location=f"/alerts/{alert.id}", version=alert.version)


@router.get("/public", response_model=Page[PublicAlertRead], responses=CSV_RESPONSE)
async def list_public_alerts(
    request: Request,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    include: Annotated[
        str | None, Query(pattern="^exercises$", description="`exercises`: Exercise and Test messages as well.")
    ] = None,
) -> Response:
    """Every published message, newest sent first, without a token: `Actual` only unless `include=exercises`.

    Updates and cancellations are messages too; a superseded, cancelled or expired warning says so in `state`.
    """
    now = utcnow()

    def work() -> Response:
        stmt = alerts.public_statement(include_exercises=include == "exercises")
        response = collection(
            request, session, stmt, NEWEST_SENT_FIRST, params, lambda a: alerts.present_public(a, now=now)
        )
        response.headers["Cache-Control"] = PUBLIC_CACHE
        return response

    return await read_in_one_hop(session, work)


@router.get("/public/{alert_id}", response_model=PublicAlertRead)
async def read_public_alert(session: SessionDep, alert_id: str) -> Response:
    """One published message, without a token (any status); a draft is 404."""

    def work() -> Response:
        alert = alerts.get_published(session, alert_id)
        response = json_model(alerts.present_public(alert), headers={"Cache-Control": PUBLIC_CACHE})
        with_etag(response, alert.version)
        return response

    return await read_in_one_hop(session, work)


@router.get("/{alert_id}", response_model=AlertRead)
async def read_alert(session: SessionDep, principal: Reader, alert_id: str) -> Response:
    """One alert, in whatever state."""

    def work() -> Response:
        alert = alerts.get(session, alert_id, principal)
        response = json_model(alerts.present(alert))
        with_etag(response, alert.version)
        return response

    return await read_in_one_hop(session, work)


@router.patch("/{alert_id}", response_model=AlertRead, responses=IF_MATCH_RESPONSES | CONFLICT_RESPONSE)
def update_alert(
    session: SessionDep, principal: Writer, alert_id: str, data: AlertUpdate, if_match: IfMatch, response: Response
) -> AlertRead:
    """Change a draft (409 once it is published); `null` clears `expires`."""
    alert = alerts.get(session, alert_id, principal)
    check_if_match(if_match, alert.version)
    alert = alerts.update(session, alert, data, actor=principal)
    with_etag(response, alert.version)
    return alerts.present(alert)


@router.post("/{alert_id}/approve", response_model=AlertRead, responses=STEP_RESPONSES)
def approve_alert(
    session: SessionDep, principal: Approver, alert_id: str, response: Response, if_match: OptionalIfMatch = None
) -> AlertRead:
    """Publish a draft, sent now; never by its author. An update or cancel supersedes or cancels the message it
    follows. If-Match is optional."""
    alert = alerts.get(session, alert_id, principal)
    if if_match:
        check_if_match(if_match, alert.version)
    alert = alerts.approve(session, alert, actor=principal)
    with_etag(response, alert.version)
    return alerts.present(alert)


@router.post("/{alert_id}/update", response_model=AlertRead, status_code=201, responses=CONFLICT_RESPONSE)
def update_published_alert(request: Request, session: SessionDep, principal: Writer, alert_id: str) -> Response:
    """Start a draft Update of a published alert (its words copied, `references` naming it) to edit and approve."""
    draft = alerts.follow_up(session, alerts.get(session, alert_id, principal), MsgType.UPDATE, actor=principal)
    return created(request, alerts.present(draft), location=f"/alerts/{draft.id}", version=draft.version)


@router.post("/{alert_id}/cancel", response_model=AlertRead, status_code=201, responses=CONFLICT_RESPONSE)
def cancel_published_alert(request: Request, session: SessionDep, principal: Writer, alert_id: str) -> Response:
    """Start a draft Cancel of a published alert; approving it cancels the alert."""
    draft = alerts.follow_up(session, alerts.get(session, alert_id, principal), MsgType.CANCEL, actor=principal)
    return created(request, alerts.present(draft), location=f"/alerts/{draft.id}", version=draft.version)
