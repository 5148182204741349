"""Contingency plans: derived review and activation state, links to sites and risks, classification."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, not_, or_, select
from sqlmodel import Session, SQLModel, col

from app.core.clock import today_london, utcnow
from app.core.errors import Forbidden, NotFound, Unprocessable
from app.core.security import Classification, Principal
from app.models.prepare import (
    ContingencyPlan,
    ContingencyPlanCreate,
    ContingencyPlanRead,
    ContingencyPlanRisk,
    ContingencyPlanSite,
    ContingencyPlanUpdate,
    Exercise,
    ExercisePlan,
    PlanStatus,
    PlanType,
    Risk,
)
from app.models.threat_level import ResponseLevel
from app.services import audit, threat_level

EXERCISE_INTERVAL = timedelta(days=365)  # plans should be exercised at least once a year
DERIVED = {"review_overdue", "active_now", "last_exercised_on", "exercise_overdue"}


@dataclass(frozen=True)
class PlanView:
    """What presenting plans to one caller in one request needs: computed once per request."""

    principal: Principal
    level: ResponseLevel
    today: date

    @property
    def visible(self) -> list[Classification]:
        """The markings the caller may see."""
        return self.principal.clearance.visible()

    @property
    def active_levels(self) -> list[str]:
        """Activation levels that the current response level reaches."""
        return [lvl.value for lvl in ResponseLevel if lvl.rank <= self.level.rank]


def view(session: Session, principal: Principal) -> PlanView:
    """The caller and the current UK response level; with no level ever recorded, NORMAL is assumed."""
    level = threat_level.uk_response_level(session) or ResponseLevel.NORMAL
    return PlanView(principal=principal, level=level, today=today_london())


def check_clearance(principal: Principal, marking: Classification | str) -> None:
    """403 when a record would be marked above the caller's clearance."""
    if not principal.may_see(marking):
        raise Forbidden("You cannot mark a record above your own clearance.")


def visible_links(session: Session, model: type[SQLModel], ids: Iterable[str], principal: Principal) -> list[str]:
    """Those ids of a classified table that exist and that the caller may see."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        select(table.c.id).where(table.c.id.in_(wanted), table.c.classification.in_(principal.clearance.visible()))
    ).scalars()
    found = set(rows)
    return [i for i in wanted if i in found]


def visible_sites(session: Session, ids: Iterable[str], principal: Principal) -> list[str]:
    """Those site ids in the site register that the caller may see (none while the register is absent)."""
    site = SQLModel.metadata.tables.get("site")
    wanted = list(dict.fromkeys(ids))
    if site is None or not wanted:
        return []
    stmt = select(site.c.id).where(site.c.id.in_(wanted))
    if "classification" in site.c:
        stmt = stmt.where(site.c.classification.in_(principal.clearance.visible()))
    found = set(session.execute(stmt).scalars())
    return [i for i in wanted if i in found]


def require_links(field: str, noun: str, wanted: Sequence[str], found: Sequence[str]) -> list[str]:
    """422 naming the field when any id is unknown (or hidden from the caller, which looks the same)."""
    missing = [i for i in dict.fromkeys(wanted) if i not in set(found)]
    if missing:
        raise Unprocessable.field(field, f"unknown {noun}: {', '.join(missing[:10])}")
    return list(dict.fromkeys(wanted))


# ---- reading ----


def _last_exercised(visible: list[Classification]) -> Any:
    return (
        select(func.max(col(Exercise.held_on)))
        .join(ExercisePlan, col(ExercisePlan.exercise_id) == col(Exercise.id))
        .where(col(ExercisePlan.plan_id) == col(ContingencyPlan.id), col(Exercise.classification).in_(visible))
        .correlate(ContingencyPlan)
        .scalar_subquery()
    )


def active_condition(v: PlanView) -> ColumnElement[bool]:
    """SQL for active_now: approved and activated at or below the current response level."""
    return and_(
        col(ContingencyPlan.status) == PlanStatus.APPROVED,
        col(ContingencyPlan.activation_level).in_(v.active_levels),
    )


def list_statement(
    v: PlanView,
    *,
    plan_type: PlanType | None = None,
    status: PlanStatus | None = None,
    review_overdue: bool | None = None,
    active_now: bool | None = None,
    exercise_overdue: bool | None = None,
    risk_id: str | None = None,
    site_id: str | None = None,
    q: str | None = None,
) -> Select[Any]:
    """The plans the caller may see, matching every filter given (all in SQL)."""
    stmt = select(ContingencyPlan).where(col(ContingencyPlan.classification).in_(v.visible))
    if plan_type:
        stmt = stmt.where(col(ContingencyPlan.plan_type) == plan_type)
    if status:
        stmt = stmt.where(col(ContingencyPlan.status) == status)
    if review_overdue is not None:
        overdue = and_(col(ContingencyPlan.review_due).is_not(None), col(ContingencyPlan.review_due) < v.today)
        stmt = stmt.where(overdue if review_overdue else not_(overdue))
    if active_now is not None:
        active = and_(col(ContingencyPlan.activation_level).is_not(None), active_condition(v))
        stmt = stmt.where(active if active_now else not_(active))
    if exercise_overdue is not None:
        last = _last_exercised(v.visible)
        overdue = or_(last.is_(None), last < v.today - EXERCISE_INTERVAL)
        stmt = stmt.where(overdue if exercise_overdue else not_(overdue))
    if risk_id:
        stmt = stmt.where(
            col(ContingencyPlan.id).in_(
                select(col(ContingencyPlanRisk.plan_id)).where(col(ContingencyPlanRisk.risk_id) == risk_id)
            )
        )
    if site_id:
        stmt = stmt.where(
            col(ContingencyPlan.id).in_(
                select(col(ContingencyPlanSite.plan_id)).where(col(ContingencyPlanSite.site_id) == site_id)
            )
        )
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(
            or_(
                col(ContingencyPlan.title).ilike(like),
                col(ContingencyPlan.summary).ilike(like),
                col(ContingencyPlan.owner).ilike(like),
            )
        )
    return stmt


def get_plan(session: Session, plan_id: str, principal: Principal) -> ContingencyPlan:
    """A plan the caller may see, or 404 (a plan above their clearance does not exist for them)."""
    plan = session.get(ContingencyPlan, plan_id)
    if plan is None or not principal.may_see(plan.classification):
        raise NotFound(f"There is no contingency plan with id {plan_id!r}.")
    return plan


def _risk_ids(session: Session, plan_id: str) -> list[str]:
    return list(
        session.execute(
            select(col(ContingencyPlanRisk.risk_id))
            .where(col(ContingencyPlanRisk.plan_id) == plan_id)
            .order_by(col(ContingencyPlanRisk.risk_id))
        ).scalars()
    )


def _site_ids(session: Session, plan_id: str) -> list[str]:
    return list(
        session.execute(
            select(col(ContingencyPlanSite.site_id))
            .where(col(ContingencyPlanSite.plan_id) == plan_id)
            .order_by(col(ContingencyPlanSite.site_id))
        ).scalars()
    )


def present(session: Session, plan: ContingencyPlan, v: PlanView) -> ContingencyPlanRead:
    """A plan with its derived fields and only the links the caller may see."""
    last = session.execute(
        select(_last_exercised(v.visible)).select_from(ContingencyPlan).where(col(ContingencyPlan.id) == plan.id)
    ).scalar()
    level = ResponseLevel(plan.activation_level) if plan.activation_level else None
    return ContingencyPlanRead(
        id=plan.id,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        version=plan.version,
        classification=plan.classification,
        title=plan.title,
        plan_type=plan.plan_type,
        owner=plan.owner,
        status=plan.status,
        version_label=plan.version_label,
        approved_on=plan.approved_on,
        review_due=plan.review_due,
        review_overdue=bool(plan.review_due and plan.review_due < v.today),
        activation_level=level,
        active_now=bool(level and plan.status == PlanStatus.APPROVED and level.rank <= v.level.rank),
        summary=plan.summary,
        document_url=plan.document_url,
        site_ids=visible_sites(session, _site_ids(session, plan.id), v.principal),
        risk_ids=visible_links(session, Risk, _risk_ids(session, plan.id), v.principal),
        last_exercised_on=last,
        exercise_overdue=last is None or last < v.today - EXERCISE_INTERVAL,
    )


# ---- changing ----


def _set_links(
    session: Session,
    plan: ContingencyPlan,
    principal: Principal,
    *,
    site_ids: list[str] | None,
    risk_ids: list[str] | None,
) -> None:
    """Replace the links the caller can see; links they cannot see are kept untouched."""
    if risk_ids is not None:
        wanted = require_links("risk_ids", "risk", risk_ids, visible_links(session, Risk, risk_ids, principal))
        current = _risk_ids(session, plan.id)
        hidden = set(current) - set(visible_links(session, Risk, current, principal))
        session.execute(delete(ContingencyPlanRisk).where(col(ContingencyPlanRisk.plan_id) == plan.id))
        session.add_all(ContingencyPlanRisk(plan_id=plan.id, risk_id=i) for i in dict.fromkeys([*wanted, *hidden]))
    if site_ids is not None:
        wanted = require_links("site_ids", "site", site_ids, visible_sites(session, site_ids, principal))
        current = _site_ids(session, plan.id)
        hidden = set(current) - set(visible_sites(session, current, principal))
        session.execute(delete(ContingencyPlanSite).where(col(ContingencyPlanSite.plan_id) == plan.id))
        session.add_all(ContingencyPlanSite(plan_id=plan.id, site_id=i) for i in dict.fromkeys([*wanted, *hidden]))


def create_plan(session: Session, data: ContingencyPlanCreate, *, actor: Principal) -> ContingencyPlan:
    """Add a plan; approving without a date stamps today."""
    check_clearance(actor, data.classification)
    fields = data.model_dump(exclude={"site_ids", "risk_ids"})
    if data.status == PlanStatus.APPROVED and data.approved_on is None:
        fields["approved_on"] = today_london()
    plan = ContingencyPlan(**fields)
    session.add(plan)
    session.flush()
    _set_links(session, plan, actor, site_ids=data.site_ids, risk_ids=data.risk_ids)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="contingency_plan.create",
        entity_type="contingency_plan",
        entity_id=plan.id,
        after=audit.snapshot(present(session, plan, view(session, actor)), exclude=DERIVED),
    )
    return plan


def update_plan(
    session: Session, plan: ContingencyPlan, data: ContingencyPlanUpdate, *, actor: Principal
) -> ContingencyPlan:
    """Change a plan; raising its marking above the caller's clearance is 403."""
    v = view(session, actor)
    before = audit.snapshot(present(session, plan, v), exclude=DERIVED)
    changes = data.model_dump(exclude_unset=True, exclude={"site_ids", "risk_ids"})
    if changes.get("classification"):
        check_clearance(actor, changes["classification"])
    nullable = {"approved_on", "review_due", "activation_level"}
    for name, value in changes.items():
        if value is not None or name in nullable:
            setattr(plan, name, value)
    if changes.get("status") == PlanStatus.APPROVED and plan.approved_on is None:
        plan.approved_on = today_london()
    _set_links(session, plan, actor, site_ids=data.site_ids, risk_ids=data.risk_ids)
    plan.updated_at, plan.version = utcnow(), plan.version + 1
    session.flush()
    old, new = audit.changed(before, audit.snapshot(present(session, plan, v), exclude=DERIVED))
    audit.record(
        session,
        actor=actor,
        action="contingency_plan.update",
        entity_type="contingency_plan",
        entity_id=plan.id,
        before=old,
        after=new,
    )
    return plan


def delete_plan(session: Session, plan: ContingencyPlan, *, actor: Principal) -> None:
    """Remove a plan and its links (its exercises stay, without the link)."""
    before = audit.snapshot(present(session, plan, view(session, actor)), exclude=DERIVED)
    session.execute(delete(ContingencyPlanRisk).where(col(ContingencyPlanRisk.plan_id) == plan.id))
    session.execute(delete(ContingencyPlanSite).where(col(ContingencyPlanSite.plan_id) == plan.id))
    session.execute(delete(ExercisePlan).where(col(ExercisePlan.plan_id) == plan.id))
    session.delete(plan)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="contingency_plan.delete",
        entity_type="contingency_plan",
        entity_id=plan.id,
        before=before,
    )
