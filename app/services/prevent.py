"""Prevent delivery plans: drafting, EMT approval, the annual review, counts and threat coverage."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, not_, select
from sqlmodel import Session

from app.core.clock import today_london, utcnow
from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.core.security import Classification, Principal
from app.models.prevent import (
    CLOSED_STATUSES,
    Counts,
    Coverage,
    CoverageItem,
    CoveragePriority,
    Decision,
    DecisionOutcome,
    DecisionRequest,
    PlanCounts,
    PlanCreate,
    PlanDetail,
    PlanRead,
    PlanUpdate,
    PreventItem,
    PreventPlan,
    PreventPlanStatus,
    ReturnRequest,
    ReviewRequest,
    ThreatAssessment,
)
from app.services import prevent_items, records, threat_assessments

_P: Any = PreventPlan
_I: Any = PreventItem
_T: Any = ThreatAssessment
TOP_CLEARANCE = max(Classification, key=lambda c: c.rank)
ONE_APPROVED = (
    "Another plan for a period starting on the same day is already approved (at most one approved plan comes into "
    "force on each date); reload the plans and check."
)
_DERIVED = {"in_force", "decision", "decisions"}


def present(
    plan: PreventPlan,
    *,
    hidden_assessments: frozenset[str] = frozenset(),
    superseded: frozenset[str] = frozenset(),
    in_force: str | None = None,
) -> PlanRead:
    """The API view of a plan; the link to an assessment the reader may not see is left out.

    `superseded` (the ids of superseded plans) and `in_force` (the id of the plan in force) are derived from the
    dates once per request (`plan_context`): a plan is superseded when a later approved plan has come into force.
    """
    fields = {name: getattr(plan, name) for name in PlanRead.model_fields if name not in _DERIVED}
    if plan.threat_assessment_id in hidden_assessments:
        fields["threat_assessment_id"] = None
    if plan.id in superseded:
        fields["status"] = PreventPlanStatus.SUPERSEDED.value
    decisions = list(plan.decisions or [])
    return PlanRead.model_validate(
        fields
        | {"in_force": plan.id == in_force, "decisions": decisions, "decision": decisions[-1] if decisions else None}
    )


def plan_context(session: Session, principal: Principal) -> dict[str, Any]:
    """What `present` needs for this request: hidden assessments, superseded plans and the plan in force."""
    today = today_london()
    superseded = frozenset(session.execute(select(_P.id).where(prevent_items.superseded_clause(today))).scalars())
    return {
        "hidden_assessments": hidden_assessments(session, principal),
        "superseded": superseded,
        "in_force": prevent_items.in_force_id(session, today),
    }


def hidden_assessments(session: Session, principal: Principal) -> frozenset[str]:
    """The ids of the assessments the principal may not see (the context `present` needs)."""
    stmt = select(_T.id).where(_T.classification.not_in(principal.clearance.visible()))
    return frozenset(session.execute(stmt).scalars())


def present_detail(session: Session, plan: PreventPlan, principal: Principal) -> PlanDetail:
    """One plan with the counts and owners of the items the principal may see."""
    read = present(plan, **plan_context(session, principal))
    return PlanDetail(
        **read.model_dump(), counts=counts(session, plan, principal), owners=owners(session, plan, principal)
    )


@dataclass(frozen=True)
class PlanFilters:
    """The filters of the plan list."""

    status: PreventPlanStatus | None = None


def list_statement(principal: Principal, filters: PlanFilters) -> Any:
    """The plans the principal may see that match the filters."""
    stmt = select(PreventPlan).where(_P.classification.in_(principal.clearance.visible()))
    superseded = prevent_items.superseded_clause(today_london())
    if filters.status == PreventPlanStatus.SUPERSEDED:
        stmt = stmt.where(superseded)
    elif filters.status == PreventPlanStatus.APPROVED:
        stmt = stmt.where(_P.status == filters.status.value, not_(superseded))
    elif filters.status:
        stmt = stmt.where(_P.status == filters.status.value)
    return stmt


def get(session: Session, plan_id: str, principal: Principal) -> PreventPlan:
    """A plan the principal may see, or 404."""
    plan = session.get(PreventPlan, plan_id)
    if plan is None or not principal.may_see(plan.classification):
        raise NotFound(f"There is no Prevent plan with id {plan_id!r}.")
    return plan


def get_marking(session: Session, plan_id: str) -> Classification:
    """A plan's marking (to decide whether a principal may learn of it)."""
    return Classification(session.execute(select(_P.classification).where(_P.id == plan_id)).scalar_one())


def _check_assessment(session: Session, assessment_id: str | None, principal: Principal) -> None:
    if assessment_id is None:
        return
    assessment = session.get(ThreatAssessment, assessment_id)
    if assessment is None or not principal.may_see(assessment.classification):
        raise Unprocessable.field("threat_assessment_id", "is not a threat assessment you can see")


def _check_period(plan: PreventPlan) -> None:
    if plan.period_end < plan.period_start:
        raise Unprocessable.field("period_end", "must be on or after the start of the period")


def create(session: Session, data: PlanCreate, *, actor: Principal) -> PreventPlan:
    """Draft a plan."""
    _check_assessment(session, data.threat_assessment_id, actor)
    plan = PreventPlan(**data.model_dump(), status=PreventPlanStatus.DRAFT.value)
    _check_period(plan)
    return records.create(session, plan, actor=actor)


def update(session: Session, plan: PreventPlan, data: PlanUpdate, *, actor: Principal) -> PreventPlan:
    """Change a plan's title, period, marking or assessment; a superseded plan stays as it was."""
    if prevent_items.is_superseded(session, plan.id, today_london()):
        raise Conflict(prevent_items.READ_ONLY)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name != "threat_assessment_id":
            raise Unprocessable.field(name, "cannot be empty")
    if "threat_assessment_id" in changes:
        _check_assessment(session, changes["threat_assessment_id"], actor)
    with records.unique(session, ONE_APPROVED), records.changing(session, plan, actor=actor):
        for name, value in changes.items():
            setattr(plan, name, value)
        _check_period(plan)
    return plan


def submit(session: Session, plan: PreventPlan, *, actor: Principal) -> PreventPlan:
    """Submit a draft (or a returned plan, redrafted) to EMT for approval."""
    if plan.status not in (PreventPlanStatus.DRAFT.value, PreventPlanStatus.RETURNED.value):
        raise Conflict(f"Only a draft or returned plan can be submitted for approval; this one is {plan.status}.")
    with records.changing(session, plan, actor=actor, action="prevent_plan.submit"):
        plan.status = PreventPlanStatus.SUBMITTED.value
    return plan


def _decide(plan: PreventPlan, outcome: DecisionOutcome, data: DecisionRequest, actor: Principal) -> None:
    decision = Decision(
        outcome=outcome,
        by=actor.display_name or actor.name,
        at=utcnow(),
        meeting=data.meeting or None,
        comments=data.comments or None,
    )
    plan.decisions = [*(plan.decisions or []), decision.model_dump(mode="json")]


def _require_submitted(plan: PreventPlan, verb: str) -> None:
    if plan.status != PreventPlanStatus.SUBMITTED.value:
        raise Conflict(f"Only a plan submitted for approval can be {verb}; this one is {plan.status}.")


def approve(session: Session, plan: PreventPlan, data: DecisionRequest, *, actor: Principal) -> PreventPlan:
    """EMT approves a submitted plan: the decision is recorded (who, when, the meeting, any comments).

    The plan comes into force on its period start, and the plan in force before it is superseded then (derived
    from the dates). Approving decides which plan will be in force, whatever the marking of the one it replaces, so
    it needs the highest clearance: an approver who could not see every plan would learn from a refusal that a
    hidden plan exists. The refusal depends on the approver alone, never on the plans. At most one plan is approved
    per period start (a unique index): of concurrent approvals for one period one wins, the rest get 409.
    """
    if not actor.may_see(TOP_CLEARANCE):
        raise Forbidden(
            f"Approving a plan decides which plan is in force, whatever its marking: it needs {TOP_CLEARANCE} "
            "clearance."
        )
    _require_submitted(plan, "approved")
    with (
        records.unique(session, ONE_APPROVED),
        records.changing(session, plan, actor=actor, action="prevent_plan.approve"),
    ):
        plan.status = PreventPlanStatus.APPROVED.value
        plan.approved_by, plan.approved_on = actor.display_name or actor.name, today_london()
        _decide(plan, DecisionOutcome.APPROVED, data, actor)
    return plan


def return_plan(session: Session, plan: PreventPlan, data: ReturnRequest, *, actor: Principal) -> PreventPlan:
    """EMT returns a submitted plan with comments; it can be changed and submitted again."""
    _require_submitted(plan, "returned")
    with records.changing(session, plan, actor=actor, action="prevent_plan.return"):
        plan.status = PreventPlanStatus.RETURNED.value
        _decide(plan, DecisionOutcome.RETURNED, data, actor)
    return plan


def review(session: Session, plan: PreventPlan, data: ReviewRequest, *, actor: Principal) -> PreventPlan:
    """Start next period's draft: same length, open items carried forward, the newest assessment linked."""
    records.lock(session, plan)  # two reviews at once: the second waits, then finds the first's successor
    successor = session.execute(select(_P.id).where(_P.previous_plan_id == plan.id)).first()
    if successor:
        raise Conflict(f"This plan has already been reviewed: its successor is {successor[0]}.")
    start, end = next_period(plan.period_start, plan.period_end)
    assessment = threat_assessments.newest_visible(session, actor)
    new_plan = PreventPlan(
        title=data.title or plan_title(start, end),
        period_start=start,
        period_end=end,
        status=PreventPlanStatus.DRAFT.value,
        threat_assessment_id=assessment.id if assessment else None,
        previous_plan_id=plan.id,
        classification=plan.classification,
    )
    # Every open item goes forward, including ones above the reviewer's clearance: they keep their marking. They
    # are copies made by the review, not records the reviewer marks, so the clearance check of `records.create`
    # (which would refuse, and so reveal, a hidden item) does not apply; the review's event counts them.
    carried = [
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
        for item in session.execute(
            select(PreventItem).where(_I.plan_id == plan.id, _I.status.not_in(CLOSED_STATUSES)).order_by(_I.ref)
        ).scalars()
    ]

    def snapshot(record: PreventPlan) -> dict[str, Any]:
        return (records.stored(record) or {}) | {"items_carried_forward": len(carried)}

    records.create(session, new_plan, actor=actor, action="prevent_plan.review", snapshot=snapshot)
    session.add_all(carried)
    session.flush()
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


def sensitive_item_ids(session: Session, plan: PreventPlan, principal: Principal) -> list[str]:
    """The OFFICIAL-SENSITIVE items of the plan the principal may see (what its counts and owners reveal)."""
    stmt = (
        prevent_items.visible_statement(principal)
        .where(_I.plan_id == plan.id, _I.classification == Classification.OFFICIAL_SENSITIVE.value)
        .with_only_columns(_I.id)
    )
    return list(session.execute(stmt).scalars())


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
                classification=i.classification,
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
