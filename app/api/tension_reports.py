"""Community tension reports (`tensions:report` to send and to follow your own, `tensions:read` to read them all,
`tensions:write` to assess), their trends by ward and week, and the reassurance messages for members."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import case, func
from sqlmodel import col

from app.api.deps import RequiresAnyOf, SessionDep, SettingsDep, requires
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
from app.core.errors import Unprocessable
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import IsoDate
from app.models.tensions import (
    ReassuranceMessage,
    ReportStatus,
    TensionCategory,
    TensionReport,
    TensionReportCreate,
    TensionReportPage,
    TensionReportRead,
    TensionReportReporterView,
    TensionReportUpdate,
    TensionSummary,
)
from app.services import tension_levels, tension_reports

router = APIRouter(tags=["tensions"])

Follower = Annotated[Principal, Depends(RequiresAnyOf("tensions:read", "tensions:report"))]
Reporter = Annotated[Principal, requires("tensions:report")]
Reader = Annotated[Principal, requires("tensions:read")]
Writer = Annotated[Principal, requires("tensions:write")]
AnyView = TensionReportRead | TensionReportReporterView

PATH = "/tension-reports"
_ID = SortKey(col(TensionReport.id), descending=True)
SORTS: dict[str, list[SortKey]] = {
    "-reported_at": [SortKey(col(TensionReport.reported_at), descending=True), _ID],
    "triage": [
        SortKey(case((col(TensionReport.status) == ReportStatus.NEW.value, 0), else_=1)),
        SortKey(func.coalesce(col(TensionReport.level), 0), descending=True),
        SortKey(col(TensionReport.reported_at), descending=True),
        _ID,
    ],
}


async def report_filters(
    ward: Annotated[str | None, Query(max_length=100, description="Exact ward name (any case).")] = None,
    status: ReportStatus | None = None,
    category: TensionCategory | None = None,
    level_min: Annotated[int | None, Query(ge=1, le=10, description="Assessed at this level or higher.")] = None,
    reported_after: Annotated[IsoDate | None, Query(description="Reported on or after this day (London).")] = None,
    reported_before: Annotated[IsoDate | None, Query(description="Reported on or before this day (London).")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the summary, trigger detail or ward.")] = None,
    community_event_id: Annotated[str | None, Query(max_length=36, description="Reports about this event.")] = None,
    mine: Annotated[bool, Query(description="Only the reports you made.")] = False,
) -> tension_reports.TensionReportFilters:
    """The report list's filters from its query parameters."""
    return tension_reports.TensionReportFilters(
        ward=ward,
        status=status,
        category=category,
        level_min=level_min,
        reported_after=reported_after,
        reported_before=reported_before,
        q=q,
        community_event_id=community_event_id,
        mine=mine,
    )


@router.get(PATH, response_model=TensionReportPage, responses=CSV_RESPONSE)
async def list_tension_reports(
    request: Request,
    session: SessionDep,
    principal: Follower,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[tension_reports.TensionReportFilters, Depends(report_filters)],
    sort: Annotated[
        Literal["-reported_at", "triage"],
        Query(description="Newest first (default), or `triage`: new first, then highest level, then newest."),
    ] = "-reported_at",
) -> Response:
    """Every report you may read in full (`tensions:read`), or only your own in the reporter's view."""

    def work() -> Response:
        stmt = tension_reports.list_statement(principal, filters)
        present = partial(tension_reports.present, principal=principal)
        return collection(request, session, stmt, SORTS[sort], params, present)

    return await read_in_one_hop(session, work)


@router.post(PATH, response_model=AnyView, status_code=201)
def create_tension_report(
    request: Request, session: SessionDep, principal: Reporter, data: TensionReportCreate
) -> Response:
    """Report a community tension: it is `new`, reported now, by you, OFFICIAL unless you mark it higher."""
    report = tension_reports.create(session, data, actor=principal)
    read = tension_reports.present(report, principal=principal)
    return created(request, read, location=f"{PATH}/{report.id}", version=report.version)


@router.get(f"{PATH}/summary", response_model=TensionSummary, dependencies=[Kept])
def summarise_tension_reports(
    session: SessionDep,
    principal: Reader,
    by: Annotated[Literal["ward", "week"], Query(description="Group by ward, or by ISO week (`2026-W48`).")] = "ward",
    start: Annotated[IsoDate | None, Query(alias="from", description="Reported on or after this day (London).")] = None,
    end: Annotated[IsoDate | None, Query(alias="to", description="Reported on or before this day (London).")] = None,
    ward: Annotated[str | None, Query(max_length=100, description="Exact ward name (any case).")] = None,
    category: TensionCategory | None = None,
    status: ReportStatus | None = None,
) -> TensionSummary:
    """Reports counted by ward or week, with the highest level assessed, within your clearance."""
    if start is not None and end is not None and end < start:
        raise Unprocessable.field("to", "must not be before from")
    filters = tension_reports.TensionReportFilters(ward=ward, category=category, status=status)
    return tension_reports.summary(session, principal, by=by, start=start, end=end, filters=filters)


@router.get(f"{PATH}/{{report_id}}", response_model=AnyView)
async def read_tension_report(session: SessionDep, principal: Follower, report_id: str) -> Response:
    """One report: in full for a cleared reader, in the reporter's view for its reporter."""

    def work() -> Response:
        report = tension_reports.get(session, report_id, principal)
        response = json_model(tension_reports.present(report, principal=principal))
        with_etag(response, report.version)
        return response

    return await read_in_one_hop(session, work)


@router.patch(f"{PATH}/{{report_id}}", response_model=AnyView, responses=IF_MATCH_RESPONSES)
def assess_tension_report(
    session: SessionDep,
    settings: SettingsDep,
    principal: Writer,
    report_id: str,
    data: TensionReportUpdate,
    if_match: IfMatch,
    response: Response,
) -> AnyView:
    """Assess a report (level, trend, status, actions, reassurance); raising its marking keeps its reporter's view."""
    report = tension_reports.get(session, report_id, principal)
    check_if_match(if_match, report.version)
    scale = tension_levels.parse_levels(settings.tension_levels)
    report = tension_reports.update(session, report, data, actor=principal, scale=scale)
    with_etag(response, report.version)
    return tension_reports.present(report, principal=principal)


@router.get("/tension-messages", response_model=list[ReassuranceMessage])
def list_reassurance_messages(session: SessionDep, principal: Follower) -> list[ReassuranceMessage]:
    """The current reassurance messages for members to carry back to their communities, by ward: those of open
    reports you are cleared to see."""
    return tension_reports.messages(session, principal)
