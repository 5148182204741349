"""Prevent delivery plans: drafting, EMT approval, the annual review, counts and threat coverage."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.core.clock import today_london, utcnow
from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.core.security import Principal
from app.models.prevent import (
    CLOSED_STATUSES,
    Counts,
    Coverage,
    CoverageItem,
    CoveragePriority,
    PlanCounts,
    PlanCreate,
    PlanRead,
    PlanStatus,
    PlanUpdate,
    PreventItem,
    PreventPlan,
    ReviewRequest,
    ThreatAssessment,
)
from app.services import audit, prevent_items, threat_assessments

_P: Any = PreventPlan
_I: Any = PreventItem
_T: Any = ThreatAssessment


def present(plan: PreventPlan, *, assessment_visible: bool = True) -> PlanRead:
    """The API view of a plan; the assessment link is left out for those who may not see the assessment."""
    fields = {name: getattr(plan, name) for name in PlanRead.model_fields}
    if not assessment_visible:
        fields["threat_assessment_id"] = None
    return PlanRead.model_validate(fields)


def presenter(session: Session, principal: Principal) -> Callable[[PreventPlan], PlanRead]:
    """A function presenting plans to this principal (hiding links to assessments they may not see)."""
    hidden = set(
        session.execute(select(_T.id).where(_T.classification.not_in(principal.clearance.visible()))).scalars()
    )
    return lambda plan: present(plan, assessment_visible=plan.threat_assessment_id not in hidden)


def list_statement(principal: Principal, *, status: str | None = None) -> Any:
    """The plans the principal may see."""
    stmt = select(PreventPlan).where(_P.classification.in_(principal.clearance.visible()))
    if status:
        stmt = stmt.where(_P.status == status)
    return stmt


def get(session: Session, plan_id: str, principal: Principal) -> PreventPlan:
    """A plan the principal may see, or 404."""
    plan = session.get(PreventPlan, plan_id)
    if plan is None or not principal.may_see(plan.classification):
        raise NotFound(f"There is no Prevent plan with id {plan_id!r}.")
    return plan


def for_item(session: Session, plan_id: str, principal: Principal) -> PreventPlan:
    """The plan a new item goes into: one the principal may see, else 422 on plan_id."""
    plan = session.get(PreventPlan, plan_id)
    if plan is None or not principal.may_see(plan.classification):
        raise Unprocessable.field("plan_id", "is not a plan you can see")
    return plan


def _check_assessment(session: Session, assessment_id: str | None, principal: Principal) -> None:
    if assessment_id is None:
        return
    assessment = session.get(ThreatAssessment, assessment_id)
    if assessment is None or not principal.may_see(assessment.classification):
        raise Unprocessable.field("threat_assessment_id", "is not a threat assessment you can see")


def _check_plan(plan: PreventPlan, principal: Principal) -> None:
    if not principal.may_see(plan.classification):
        raise Forbidden(f"You cannot mark a record {plan.classification}: it is above your clearance.")
    if plan.period_end < plan.period_start:
        raise Unprocessable.field("period_end", "must be on or after the start of the period")


def create(session: Session, data: PlanCreate, *, actor: Principal) -> PreventPlan:
    """Draft a plan."""
    _check_assessment(session, data.threat_assessment_id, actor)
    plan = PreventPlan(**data.model_dump(), status=PlanStatus.DRAFT.value)
    _check_plan(plan, actor)
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="prevent_plan.create",
        entity_type="prevent_plan",
        entity_id=plan.id,
        after=audit.snapshot(present(plan)),
    )
    return plan


def update_plan(session: Session, plan: PreventPlan, data: PlanUpdate, *, actor: Principal) -> PreventPlan:
    """Change a plan's title, period, marking or assessment; a superseded plan stays as it was."""
    if plan.status == PlanStatus.SUPERSEDED.value:
        raise Conflict("This plan has been superseded; it is kept as it was.")
    before = audit.snapshot(present(plan))
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name != "threat_assessment_id":
            raise Unprocessable.field(name, "cannot be empty")
    if "threat_assessment_id" in changes:
        _check_assessment(session, changes["threat_assessment_id"], actor)
    for name, value in changes.items():
        setattr(plan, name, value)
    _check_plan(plan, actor)
    return _saved(session, plan, actor, "prevent_plan.update", before)


def approve(session: Session, plan: PreventPlan, *, actor: Principal) -> PreventPlan:
    """EMT approves a draft: record who and when, and supersede the plan approved before it."""
    if plan.status != PlanStatus.DRAFT.value:
        raise Conflict(f"Only a draft plan can be approved; this one is {plan.status}.")
    for previous in session.execute(
        select(PreventPlan).where(_P.status == PlanStatus.APPROVED.value, _P.id != plan.id)
    ).scalars():
        before = audit.snapshot(present(previous))
        previous.status = PlanStatus.SUPERSEDED.value
        _saved(session, previous, actor, "prevent_plan.supersede", before)
    before = audit.snapshot(present(plan))
    plan.status = PlanStatus.APPROVED.value
    plan.approved_by, plan.approved_on = actor.display_name or actor.name, today_london()
    return _saved(session, plan, actor, "prevent_plan.approve", before)


def review(session: Session, plan: PreventPlan, data: ReviewRequest, *, actor: Principal) -> PreventPlan:
    """Start next period's draft: same length, open items carried forward, the newest assessment linked."""
    successor = session.execute(select(_P.id).where(_P.previous_plan_id == plan.id)).first()
    if successor:
        raise Conflict(f"This plan has already been reviewed: its successor is {successor[0]}.")
    start, end = next_period(plan.period_start, plan.period_end)
    assessment = threat_assessments.newest_visible(session, actor)
    new_plan = PreventPlan(
        title=data.title or plan_title(start, end),
        period_start=start,
        period_end=end,
        status=PlanStatus.DRAFT.value,
        threat_assessment_id=assessment.id if assessment else None,
        previous_plan_id=plan.id,
        classification=plan.classification,
    )
    session.add(new_plan)
    session.flush()
    carried = 0
    # Every open item goes forward, including ones above the reviewer's clearance: they keep their marking.
    for item in session.execute(
        select(PreventItem).where(_I.plan_id == plan.id, _I.status.not_in(CLOSED_STATUSES)).order_by(_I.ref)
    ).scalars():
        session.add(
            PreventItem(
                plan_id=new_plan.id,
                ref=item.ref,
                title=item.title,
                description=item.description,
                key_area=item.key_area,
                owner=item.owner,
                partners=list(item.partners),
                status=item.status,
                rag=item.rag,
                start_date=item.start_date,
                due_date=item.due_date,
                measure=item.measure,
                priority_refs=list(item.priority_refs),
                classification=item.classification,
                continues_item_id=item.id,
            )
        )
        carried += 1
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="prevent_plan.review",
        entity_type="prevent_plan",
        entity_id=new_plan.id,
        after=(audit.snapshot(present(new_plan)) or {}) | {"items_carried_forward": carried},
    )
    return new_plan


def next_period(start: date, end: date) -> tuple[date, date]:
    """The period after this one, of the same length (whole months stay whole months)."""
    new_start = end + timedelta(days=1)
    if start.day == 1 and new_start.day == 1:
        months = (new_start.year - start.year) * 12 + new_start.month - start.month
        return new_start, _add_months(new_start, months) - timedelta(days=1)
    return new_start, new_start + (end - start)


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    target_year, target_month = day.year + year, month + 1
    return date(target_year, target_month, min(day.day, calendar.monthrange(target_year, target_month)[1]))


def plan_title(start: date, end: date) -> str:
    """The usual name of a plan: 'Prevent delivery plan 2027-28' (with an en dash)."""
    years = f"{start.year}" if start.year == end.year else f"{start.year}\N{EN DASH}{str(end.year)[2:]}"
    return f"Prevent delivery plan {years}"


def _saved(session: Session, plan: PreventPlan, actor: Principal, action: str, before: Any) -> PreventPlan:
    plan.updated_at, plan.version = utcnow(), plan.version + 1
    session.flush()
    old, new = audit.changed(before, audit.snapshot(present(plan)))
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="prevent_plan",
        entity_id=plan.id,
        before=old,
        after=new,
    )
    return plan


def counts(session: Session, plan: PreventPlan, principal: Principal) -> PlanCounts:
    """How many items the principal may see, by key area, RAG and status, and how many are overdue."""
    overdue = prevent_items.overdue_clause(today_london())
    stmt = (
        prevent_items.visible_statement(principal)
        .where(_I.plan_id == plan.id)
        .with_only_columns(_I.key_area, _I.status, _I.rag, overdue.label("overdue"), func.count())
        .group_by(_I.key_area, _I.status, _I.rag, overdue)
    )
    result = PlanCounts()
    for key_area, status, rag, is_overdue, number in session.execute(stmt):
        area = result.by_key_area.setdefault(key_area, Counts())
        for bucket in (result, area):
            bucket.total += number
            bucket.overdue += number if is_overdue else 0
            bucket.by_rag[rag or "none"] = bucket.by_rag.get(rag or "none", 0) + number
            bucket.by_status[status] = bucket.by_status.get(status, 0) + number
    return result


def owners(session: Session, plan: PreventPlan, principal: Principal) -> list[str]:
    """The owners of the plan's items the principal may see, A to Z."""
    stmt = (
        prevent_items.visible_statement(principal)
        .where(_I.plan_id == plan.id)
        .with_only_columns(_I.owner)
        .distinct()
        .order_by(_I.owner)
    )
    return list(session.execute(stmt).scalars())


def coverage(session: Session, plan: PreventPlan, principal: Principal) -> Coverage:
    """Each priority of the plan's threat assessment with the visible items answering it."""
    assessment = session.get(ThreatAssessment, plan.threat_assessment_id) if plan.threat_assessment_id else None
    if assessment is not None and not principal.may_see(assessment.classification):
        assessment = None
    today = today_london()
    items = (
        session.execute(prevent_items.visible_statement(principal).where(_I.plan_id == plan.id).order_by(_I.ref, _I.id))
        .scalars()
        .all()
    )
    priorities = []
    for priority in threat_assessments.priorities_of(assessment) if assessment else []:
        answering = [
            CoverageItem(
                id=i.id,
                ref=i.ref,
                title=i.title,
                status=i.status,
                rag=i.rag,
                overdue=prevent_items.is_overdue(i, today),
            )
            for i in items
            if priority.ref.lower() in {r.lower() for r in i.priority_refs}
        ]
        priorities.append(CoveragePriority(**priority.model_dump(), items=answering))
    return Coverage(
        plan_id=plan.id,
        threat_assessment_id=assessment.id if assessment else None,
        threat_assessment_title=assessment.title if assessment else None,
        threat_assessment_classification=assessment.classification if assessment else None,
        priorities=priorities,
        unanswered=sum(1 for p in priorities if not p.items),
    )
