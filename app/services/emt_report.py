"""The EMT report: the threat, each strand and governance for a period, in one read.

Each section is built from its area's own list queries (the same rules as its lists and the dashboard), counted
within the reader's clearance, and only for readers holding its area's read scope. Every count remembers the
markings of what it counted, so the report's `classification` is the highest marking of anything it includes.

Sections are a registry (`SECTIONS`): adding an area's section is one entry. Another area may provide its own as
`report_section(session, *, principal, start, end) -> dict` and plug it in with `provided(...)`, as community
tensions does (on the council's own tension scale).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlmodel import Session, col

from app.core.clock import LONDON, as_utc, financial_quarter, today_london
from app.core.errors import Unprocessable
from app.core.security import Classification, Principal
from app.models.emt_report import (
    AwaitingDecision,
    EmtReport,
    GovernanceSection,
    GroupOverdue,
    PrepareSection,
    PreventSection,
    ProtectSection,
    ThreatChange,
    ThreatSection,
    TrainingFigures,
)
from app.models.governance import Escalation, EscalationStatus
from app.models.lessons import Lesson, LessonStatus
from app.models.prepare import Exercise, RiskRating
from app.models.prevent import ItemStatus, PreventItem, PreventItemUpdate, PreventPlan
from app.models.protect import SecurityAssessment, Site, TrainingSession
from app.models.threat_level import ThreatLevelChange
from app.services import (
    contingency_plans,
    escalations,
    exercises,
    governance_actions,
    lessons,
    prevent,
    prevent_items,
    risks,
    sites,
    tension_levels,
    tension_reports,
    threat_level,
    training,
    working_groups,
)
from app.services.contingency_plans import ContingencyPlanFilters
from app.services.escalations import EscalationFilters
from app.services.exercises import ExerciseFilters
from app.services.governance_actions import ActionFilters
from app.services.lessons import LessonFilters
from app.services.prevent_items import ItemFilters
from app.services.risks import RiskFilters
from app.services.sites import SiteFilters
from app.services.training import TrainingFilters

_I: Any = PreventItem
_U: Any = PreventItemUpdate
_S: Any = Site
_SA: Any = SecurityAssessment
_T: Any = TrainingSession
_C: Any = ThreatLevelChange
_E: Any = Escalation


class Marks:
    """The highest marking of everything a report has counted so far."""

    def __init__(self) -> None:
        self.highest = Classification.OFFICIAL

    def saw(self, markings: Iterable[Classification | str]) -> None:
        """Note the markings of records the report includes."""
        for marking in markings:
            if Classification(marking).rank > self.highest.rank:
                self.highest = Classification(marking)


@dataclass
class Context:
    """What every section builder gets: the reader, the period, and the marks so far."""

    session: Session
    principal: Principal
    start: date
    end: date
    risk_matrix: str
    tension_levels: str = ""
    marks: Marks = field(default_factory=Marks)

    def count(self, stmt: Select[Any]) -> int:
        """How many rows the statement gives (its `classification` column noted in the marks)."""
        return sum(self.by(stmt, None).values())

    def by(self, stmt: Select[Any], column: str | None) -> dict[Any, int]:
        """The statement's rows counted by one of its columns (or all together), markings noted."""
        sub = stmt.order_by(None).subquery()
        key = sub.c[column] if column else None
        columns = [sub.c.classification, func.count()] + ([key] if key is not None else [])
        stmt_by = select(*columns).group_by(sub.c.classification, *([key] if key is not None else []))
        totals: dict[Any, int] = {}
        for marking, number, *rest in self.session.execute(stmt_by).tuples():
            self.marks.saw([marking])
            name = rest[0] if rest else None
            totals[name] = totals.get(name, 0) + number
        return totals


SectionBuilder = Callable[[Context], BaseModel | dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """One section of the report: the scope a reader needs for it (None: everyone) and its builder."""

    scope: str | None
    build: SectionBuilder


class ProvidedSection(Protocol):
    """A section another area builds for the report."""

    def __call__(self, session: Session, *, principal: Principal, start: date, end: date) -> dict[str, Any]: ...


def provided(report_section: ProvidedSection) -> SectionBuilder:
    """A section built by another area's `report_section`; its marking is the `classification` it gives (if any)."""

    def build(context: Context) -> dict[str, Any]:
        section = report_section(context.session, principal=context.principal, start=context.start, end=context.end)
        context.marks.saw([section.get("classification") or Classification.OFFICIAL])
        return section

    return build


def default_period(today: date) -> tuple[date, date]:
    """This financial quarter."""
    return financial_quarter(today)


EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)  # a report compares with the period before: it needs room


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """The period asked for, each end defaulting to this quarter's; 422 when it ends before it starts, or either
    end is outside 2000 to 2099 (no record is older; the period before a wider one would be outside the calendar)."""
    first, last = default_period(today_london())
    start, end = start or first, end or last
    for name, day in (("from", start), ("to", end)):
        if not EARLIEST <= day <= LATEST:
            raise Unprocessable.field(name, "must be a date from 1 January 2000 to 31 December 2099")
    if end < start:
        raise Unprocessable.field("to", "must be on or after from")
    return start, end


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's days, Europe/London, as UTC instants [from, to)."""
    return (
        datetime.combine(start, time(), LONDON),
        datetime.combine(end + timedelta(days=1), time(), LONDON),
    )


def _threat(context: Context) -> ThreatSection:
    since, until = _utc_bounds(context.start, context.end)
    history = threat_level.list_statement(None, threat_level.ThreatLevelFilters())
    changes = context.session.execute(
        history.where(_C.effective_from >= since, _C.effective_from < until, _C.changed.is_(True)).order_by(
            _C.effective_from, _C.id
        )
    ).scalars()
    return ThreatSection(
        current=threat_level.current(context.session).read,
        changes=[ThreatChange.model_validate(c, from_attributes=True) for c in changes],
    )


def _prevent(context: Context) -> PreventSection:
    session, principal = context.session, context.principal
    in_force = prevent_items.in_force_id(session, today_london())
    plan = session.get(PreventPlan, in_force) if in_force else None
    if plan is not None and not principal.may_see(plan.classification):
        plan = None
    items = prevent_items.list_statement(principal, ItemFilters(in_force=True))
    since, until = _utc_bounds(context.start, context.end)
    completed_update = exists().where(
        _U.item_id == _I.id, _U.status_to == ItemStatus.COMPLETE.value, _U.created_at >= since, _U.created_at < until
    )
    completed = items.where(
        _I.status == ItemStatus.COMPLETE.value,
        or_(completed_update, and_(_I.updated_at >= since, _I.updated_at < until)),
    )
    by_rag = context.by(items, "rag")
    coverage = prevent.coverage(session, plan, principal) if plan is not None else None
    if plan is not None:
        context.marks.saw([plan.classification])
    if coverage is not None and coverage.threat_assessment_classification:
        context.marks.saw([coverage.threat_assessment_classification])
    return PreventSection(
        plan_in_force_id=plan.id if plan else None,
        plan_title=plan.title if plan else None,
        items=sum(by_rag.values()),
        by_rag={rag: by_rag.get(None if rag == "none" else rag, 0) for rag in ("red", "amber", "green", "none")},
        overdue=context.count(prevent_items.list_statement(principal, ItemFilters(in_force=True, overdue=True))),
        completed_in_period=context.count(completed),
        priorities=len(coverage.priorities) if coverage else 0,
        priorities_unanswered=coverage.unanswered if coverage else 0,
    )


def _training(context: Context, start: date, end: date) -> tuple[int, int]:
    visible = training.list_statement(context.principal, TrainingFilters(delivered_from=start, delivered_to=end))
    sub = visible.subquery()
    rows = context.session.execute(
        select(sub.c.classification, func.count(), func.coalesce(func.sum(sub.c.attendees), 0)).group_by(
            sub.c.classification
        )
    ).tuples()
    sessions = attendees = 0
    for marking, number, people in rows:
        context.marks.saw([marking])
        sessions, attendees = sessions + number, attendees + int(people)
    return sessions, attendees


def _protect(context: Context) -> ProtectSection:
    principal = context.principal
    register = sites.list_statement(principal, SiteFilters())
    in_period = and_(_SA.assessed_on >= context.start, _SA.assessed_on <= context.end)
    assessed = select(_SA.site_id).where(in_period)
    visible_assessments = select(_SA.id, _SA.recommendations, _S.classification).join(_S, _S.id == _SA.site_id)
    visible_assessments = visible_assessments.where(_S.classification.in_(principal.clearance.visible()))
    open_recommendations = 0
    for _, recommendations, marking in context.session.execute(visible_assessments).tuples():
        still_open = sum(1 for r in recommendations or [] if r.get("status") == "open")
        if still_open:
            context.marks.saw([marking])
            open_recommendations += still_open
    length = context.end - context.start
    sessions, attendees = _training(context, context.start, context.end)
    before, before_people = _training(context, context.start - length - timedelta(days=1), context.start - timedelta(1))
    return ProtectSection(
        sites=context.count(register),
        sites_reviewed_in_period=context.count(register.where(_S.id.in_(assessed))),
        sites_review_overdue=context.count(sites.list_statement(principal, SiteFilters(review_overdue=True))),
        assessments_in_period=context.count(visible_assessments.where(in_period)),
        open_recommendations=open_recommendations,
        training=TrainingFigures(
            sessions=sessions, attendees=attendees, previous_sessions=before, previous_attendees=before_people
        ),
    )


def _prepare(context: Context) -> PrepareSection:
    principal, matrix = context.principal, risks.parse_matrix(context.risk_matrix)
    level = contingency_plans.response_level(context.session)
    overdue = contingency_plans.list_statement(principal, ContingencyPlanFilters(review_overdue=True), level=level)
    held = exercises.list_statement(principal, ExerciseFilters(held_after=context.start, held_before=context.end))
    still_open = lessons.list_statement(principal, LessonFilters(status=LessonStatus.OPEN), today=today_london())
    columns: list[Any] = [col(Lesson.id), col(Exercise.classification)]  # a lesson carries its exercise's marking
    marked = still_open.join(Exercise, col(Exercise.id) == col(Lesson.exercise_id)).with_only_columns(*columns)
    open_lessons = context.count(marked)

    def rated(rating: RiskRating) -> int:
        return context.count(risks.list_statement(principal, RiskFilters(rating=rating), matrix=matrix))

    return PrepareSection(
        plans_review_overdue=context.count(overdue),
        exercises_in_period=context.count(held),
        open_lessons=open_lessons,
        risks_high=rated(RiskRating.HIGH),
        risks_very_high=rated(RiskRating.VERY_HIGH),
    )


def _governance(context: Context) -> GovernanceSection:
    session, principal = context.session, context.principal
    groups = working_groups.names(session, principal)
    raised = escalations.list_statement(principal, EscalationFilters(status=EscalationStatus.RAISED))
    waiting = list(session.execute(raised.order_by(_E.created_at, _E.id)).scalars())
    context.marks.saw(e.classification for e in waiting)
    overdue = context.by(governance_actions.list_statement(principal, ActionFilters(overdue=True)), "group_id")
    return GovernanceSection(
        escalations_awaiting_decision=len(waiting),
        awaiting=[
            AwaitingDecision(
                id=e.id,
                title=e.title,
                group=groups.get(e.group_id, ""),
                ask=e.ask,
                raised_on=as_utc(e.created_at).astimezone(LONDON).date(),
                classification=e.classification,
            )
            for e in waiting
        ],
        actions_overdue=sum(overdue.values()),
        overdue_by_group=sorted(
            (GroupOverdue(group_id=g, group=groups.get(g, ""), overdue=n) for g, n in overdue.items()),
            key=lambda row: (-row.overdue, row.group),
        ),
    )


def _tensions(context: Context) -> BaseModel | dict[str, Any]:
    """Community tensions' own section, on the configured tension scale."""
    scale = tension_levels.parse_levels(context.tension_levels)
    return provided(functools.partial(tension_reports.report_section, scale=scale))(context)


SECTIONS: dict[str, Section] = {
    "threat": Section(None, _threat),
    "prevent": Section("prevent:read", _prevent),
    "protect": Section("protect:read", _protect),
    "prepare": Section("prepare:read", _prepare),
    "tensions": Section("tensions:read", _tensions),
    "governance": Section("governance:read", _governance),
}


def build(
    session: Session, principal: Principal, *, start: date, end: date, risk_matrix: str, tension_levels: str = ""
) -> EmtReport:
    """The report for the period: every section the reader may read, and the highest marking it includes."""
    context = Context(
        session=session,
        principal=principal,
        start=start,
        end=end,
        risk_matrix=risk_matrix,
        tension_levels=tension_levels,
    )
    sections = {
        name: section.build(context)
        for name, section in SECTIONS.items()
        if section.scope is None or principal.has(section.scope)
    }
    return EmtReport.model_validate({"from": start, "to": end, "classification": context.marks.highest, **sections})


def rows(report: EmtReport) -> list[dict[str, Any]]:
    """The report as CSV rows (section, measure, value): every figure of every section included."""
    found: list[dict[str, Any]] = []
    data = report.model_dump(mode="json", by_alias=True, exclude={"start", "end", "classification"})
    for section, content in data.items():
        if content is not None:
            _flatten(found, section, "", content)
    return found


def _flatten(found: list[dict[str, Any]], section: str, prefix: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(found, section, f"{prefix}{key}" if not prefix else f"{prefix}.{key}", inner)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for number, inner in enumerate(value, start=1):
            _flatten(found, section, f"{prefix}.{number}", inner)
    else:
        found.append({"section": section, "measure": prefix, "value": value})
