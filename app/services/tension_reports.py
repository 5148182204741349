"""Tension reports: who may see which, the reporter's view, the officers' assessment, and trends.

Who sees what. A principal with `tensions:read` sees every report their clearance allows, in full. A principal
with only `tensions:report` sees only the reports they made, in the reporter's view (what they wrote, plus status,
level, trend and reassurance message) — and keeps it when an officer raises a report above their clearance: the
one exception to clearance, tied to the caller being the reporter. Anyone else's report does not exist for them.
Counts (summaries, the EMT report section) follow clearance alone.

The reporter is the principal's id and kind: a user, or a partner's API key that carries `tensions:report` (a
police system sending reports, say). Their name and organisation are kept as they were when they reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlmodel import Session, col

from app.core.clock import LONDON, as_utc, utcnow
from app.core.errors import NotFound, Unprocessable
from app.core.security import Classification, Principal
from app.models.common import RecordRead
from app.models.protect import Location
from app.models.tensions import (
    CommunityEvent,
    ReassuranceMessage,
    Reporter,
    ReportStatus,
    TensionGroup,
    TensionLevel,
    TensionReport,
    TensionReportCreate,
    TensionReportRead,
    TensionReportReporterView,
    TensionReportUpdate,
    TensionSummary,
)
from app.services import links, records, tension_levels

READ = "tensions:read"
Scale = tuple[TensionLevel, ...]
AnySelect = Select[*tuple[Any, ...]]
"""A select of records or of a few of their columns."""


@dataclass(frozen=True)
class TensionReportFilters:
    """The filters of the report list, combined with AND."""

    ward: str | None = None
    status: ReportStatus | None = None
    category: str | None = None
    level_min: int | None = None
    reported_after: date | None = None
    reported_before: date | None = None
    q: str | None = None
    community_event_id: str | None = None
    mine: bool = False


def _own(principal: Principal) -> Any:
    """The reports the principal made."""
    return and_(col(TensionReport.reporter_kind) == principal.kind, col(TensionReport.reporter_id) == principal.id)


def _cleared(principal: Principal) -> Any:
    return col(TensionReport.classification).in_(principal.clearance.visible())


def _visible(principal: Principal) -> Any:
    """What exists for the principal: by clearance for a reader (and their own), only their own for a reporter."""
    return or_(_cleared(principal), _own(principal)) if principal.has(READ) else _own(principal)


def _filtered(stmt: AnySelect, filters: TensionReportFilters) -> AnySelect:
    if filters.ward:
        stmt = stmt.where(func.lower(col(TensionReport.ward)) == filters.ward.strip().lower())
    if filters.status:
        stmt = stmt.where(col(TensionReport.status) == filters.status)
    if filters.category:
        stmt = stmt.where(col(TensionReport.category) == filters.category)
    if filters.level_min is not None:
        stmt = stmt.where(col(TensionReport.level) >= filters.level_min)
    stmt = _between(stmt, filters.reported_after, filters.reported_before)
    if filters.community_event_id:
        stmt = stmt.where(col(TensionReport.community_event_id) == filters.community_event_id)
    if filters.q:
        like = f"%{filters.q.strip().lower()}%"
        texts = (TensionReport.summary, TensionReport.trigger_detail, TensionReport.ward)
        stmt = stmt.where(or_(*(func.lower(col(c)).like(like) for c in texts)))
    return stmt


def list_statement(principal: Principal, filters: TensionReportFilters) -> Select[Any]:
    """The reports that exist for the principal and match every filter (`mine`: only those they made)."""
    stmt = select(TensionReport).where(_own(principal) if filters.mine else _visible(principal))
    return _filtered(stmt, filters)


def get(session: Session, report_id: str, principal: Principal) -> TensionReport:
    """A report that exists for the principal, or 404."""
    report = session.get(TensionReport, report_id)
    if report is None or not _may_read(report, principal):
        raise NotFound(f"There is no tension report with id {report_id!r}.")
    return report


def _is_reporter(report: TensionReport, principal: Principal) -> bool:
    return report.reporter_kind == principal.kind and report.reporter_id == principal.id


def _may_read(report: TensionReport, principal: Principal) -> bool:
    if principal.has(READ) and principal.may_see(report.classification):
        return True
    return _is_reporter(report, principal)


def _full_view(report: TensionReport, principal: Principal) -> bool:
    return principal.has(READ) and principal.may_see(report.classification)


def present(report: TensionReport, *, principal: Principal) -> TensionReportRead | TensionReportReporterView:
    """The report in full for a cleared reader; otherwise (it is the caller's own) the reporter's view."""
    fields: dict[str, Any] = {
        **RecordRead.model_validate(report).model_dump(),
        "classification": report.classification,
        "ward": report.ward,
        "location": _location(report),
        "communities": list(report.communities),
        "category": report.category,
        "trigger": report.trigger,
        "trigger_detail": report.trigger_detail,
        "summary": report.summary,
        "source": report.source,
        "community_event_id": report.community_event_id,
        "reported_at": report.reported_at,
        "reporter": Reporter(name=report.reporter_name, organisation=report.reporter_organisation),
        "status": report.status,
        "level": report.level,
        "trend": report.trend,
        "reassurance_message": report.reassurance_message,
    }
    if not _full_view(report, principal):
        return TensionReportReporterView(**fields)
    return TensionReportRead(
        **fields,
        actions=report.actions,
        assessment_notes=report.assessment_notes,
        police_informed_at=report.police_informed_at,
    )


def _location(report: TensionReport) -> Location | None:
    if report.lat is None or report.lon is None:
        return None
    return Location(lat=report.lat, lon=report.lon)


def _event(session: Session, event_id: str | None, principal: Principal) -> str | None:
    if event_id is None:
        return None
    return links.require(session, CommunityEvent, [event_id], principal, field="community_event_id", noun="event")[0]


def create(session: Session, data: TensionReportCreate, *, actor: Principal) -> TensionReport:
    """Record a report from the actor: new, reported now, by them."""
    fields = data.model_dump(exclude={"location", "community_event_id"})
    location = data.location
    report = TensionReport(
        **fields,
        lat=location.lat if location else None,
        lon=location.lon if location else None,
        community_event_id=_event(session, data.community_event_id, actor),
        reported_at=utcnow(),
        reporter_id=actor.id,
        reporter_kind=actor.kind,
        reporter_name=actor.display_name or actor.name,
        reporter_organisation=actor.organisation,
        status=ReportStatus.NEW.value,
    )
    return records.create(session, report, actor=actor)


def update(
    session: Session, report: TensionReport, data: TensionReportUpdate, *, actor: Principal, scale: Scale
) -> TensionReport:
    """An officer's assessment; the level must be on the council's scale."""
    changes = data.model_dump(exclude_unset=True)
    if changes.get("level") is not None and changes["level"] > len(scale):
        raise Unprocessable.field("level", f"must be between 1 and {len(scale)} (the council's scale)")
    if "community_event_id" in changes:
        changes["community_event_id"] = _event(session, changes["community_event_id"], actor)
    with records.changing(session, report, actor=actor):
        for name, value in changes.items():
            setattr(report, name, value)
    return report


# --- Trends -------------------------------------------------------------------------------------------------------


def london_day_start(day: date) -> datetime:
    """The UTC instant a London calendar day begins."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def _between(stmt: AnySelect, start: date | None, end: date | None) -> AnySelect:
    """Reports made on London days start..end, both included."""
    if start is not None:
        stmt = stmt.where(col(TensionReport.reported_at) >= london_day_start(start))
    if end is not None:
        stmt = stmt.where(col(TensionReport.reported_at) < london_day_start(end + timedelta(days=1)))
    return stmt


def iso_week(moment: datetime) -> str:
    """The ISO week of a moment's London date, as `2026-W48` (computed here, so every database agrees)."""
    year, week, _ = moment.astimezone(LONDON).isocalendar()
    return f"{year}-W{week:02d}"


def summary(
    session: Session,
    principal: Principal,
    *,
    by: str,
    start: date | None,
    end: date | None,
    filters: TensionReportFilters | None = None,
) -> TensionSummary:
    """Reports counted by ward or ISO week, within the principal's clearance (never their own above it)."""
    columns = select(
        col(TensionReport.ward), col(TensionReport.reported_at), col(TensionReport.level), col(TensionReport.status)
    )
    stmt = _filtered(columns.where(_cleared(principal)), filters or TensionReportFilters())
    earliest_first = _between(stmt, start, end).order_by(col(TensionReport.reported_at), col(TensionReport.id))
    rows = session.execute(earliest_first).all()
    groups: dict[str, list[Any]] = {}
    spelling: dict[str, str] = {}  # a ward typed in another case is the same ward, under its earliest spelling
    for ward, reported_at, level, status in rows:
        key = spelling.setdefault(ward.lower(), ward) if by == "ward" else iso_week(as_utc(reported_at))
        groups.setdefault(key, []).append((level, status))
    ordered = sorted(groups, key=lambda k: (k.lower(), k) if by == "ward" else (k, k))
    return TensionSummary(
        groups=[_group(key, groups[key]) for key in ordered],
        reports=len(rows),
        new=sum(1 for *_, status in rows if status == ReportStatus.NEW),
        highest_level=max((r[2] for r in rows if r[2] is not None), default=None),
    )


def _group(key: str, items: list[Any]) -> TensionGroup:
    return TensionGroup(
        key=key,
        reports=len(items),
        new=sum(1 for _, status in items if status == ReportStatus.NEW),
        highest_level=max((level for level, _ in items if level is not None), default=None),
    )


def messages(session: Session, principal: Principal) -> list[ReassuranceMessage]:
    """The current reassurance messages, newest first per ward: those of open reports the principal is cleared
    to see (a member carries them back to residents, so they come from reports at the member's clearance)."""
    stmt = (
        select(TensionReport)
        .where(_cleared(principal), col(TensionReport.reassurance_message) != "")
        .where(col(TensionReport.status) != ReportStatus.CLOSED.value)
        .order_by(func.lower(col(TensionReport.ward)), col(TensionReport.updated_at).desc(), col(TensionReport.id))
        .limit(500)
    )
    return [
        ReassuranceMessage(
            ward=r.ward,
            message=r.reassurance_message,
            level=r.level,
            trend=r.trend,
            category=r.category,
            updated_at=r.updated_at,
        )
        for r in session.execute(stmt).scalars()
    ]


def report_section(
    session: Session, *, principal: Principal, start: date, end: date, scale: Scale | None = None
) -> dict[str, Any]:
    """The community tensions section of the EMT report: reports made start..end (London days, inclusive),
    counted within the principal's clearance, by level and by ward.

    A ward's trend compares its count with the previous period of the same length (more: rising, fewer:
    falling, the same: stable). `scale` is the configured one (`tension_levels.parse_levels(settings...)`).
    """
    scale = scale or tension_levels.parse_levels("")
    length = (end - start).days + 1
    now, marking = _counts(session, principal, start, end)
    before, _ = _counts(session, principal, start - timedelta(days=length), start - timedelta(days=1))
    by_level: dict[int, int] = {}
    for ward_levels in now.values():
        for level in ward_levels:
            if level is not None:
                by_level[level] = by_level.get(level, 0) + 1
    return {
        "classification": marking,
        "reports": sum(len(v) for v in now.values()),
        "unassessed": sum(1 for v in now.values() for level in v if level is None),
        "by_level": [{"level": t.level, "name": t.name, "reports": by_level.get(t.level, 0)} for t in scale],
        "by_ward": [
            {
                "ward": ward,
                "reports": len(levels),
                "highest_level": max((lv for lv in levels if lv is not None), default=None),
                "trend": _trend(len(levels), len(before.get(ward, []))),
            }
            for ward, levels in sorted(now.items(), key=lambda item: (-len(item[1]), item[0].lower()))
        ],
    }


def _counts(
    session: Session, principal: Principal, start: date, end: date
) -> tuple[dict[str, list[int | None]], Classification]:
    """Each ward's reports (their levels) made start..end within clearance, wards compared in any case; and the
    highest marking among them (OFFICIAL when there are none)."""
    columns = select(col(TensionReport.ward), col(TensionReport.level), col(TensionReport.classification))
    stmt = _between(columns.where(_cleared(principal)), start, end).order_by(
        col(TensionReport.reported_at),
        col(TensionReport.id),  # a ward under its earliest spelling
    )
    wards: dict[str, list[int | None]] = {}
    names: dict[str, str] = {}
    marking = Classification.OFFICIAL
    for ward, level, classification in session.execute(stmt).all():
        name = names.setdefault(ward.lower(), ward)
        wards.setdefault(name, []).append(level)
        marking = max(marking, Classification(classification), key=lambda c: c.rank)
    return wards, marking


def _trend(now: int, before: int) -> str:
    return "rising" if now > before else "falling" if now < before else "stable"
