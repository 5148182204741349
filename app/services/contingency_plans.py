"""Contingency plans: derived review and activation state, links to sites and risks, classification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col

from app.core.clock import today_london
from app.core.errors import NotFound
from app.core.security import Classification, Principal
from app.models.prepare import (
    ContingencyPlan,
    ContingencyPlanCreate,
    ContingencyPlanRead,
    ContingencyPlanRisk,
    ContingencyPlanSite,
    ContingencyPlanStatus,
    ContingencyPlanUpdate,
    Exercise,
    ExercisePlan,
    PlanType,
    Risk,
)
from app.models.protect import Site
from app.models.threat_level import ResponseLevel
from app.services import audit, links, records, threat_level

EXERCISE_INTERVAL = timedelta(days=365)  # plans should be exercised at least once a year


@dataclass(frozen=True)
class ContingencyPlanFilters:
    """The filters of the plan list, combined with AND."""

    plan_type: PlanType | None = None
    status: ContingencyPlanStatus | None = None
    review_overdue: bool | None = None
    active_now: bool | None = None
    exercise_overdue: bool | None = None
    risk_id: str | None = None
    site_id: str | None = None
    q: str | None = None


def response_level(session: Session) -> ResponseLevel:
    """The current UK response level, which activates plans; with no level ever recorded, NORMAL is assumed."""
    return threat_level.uk_response_level(session) or ResponseLevel.NORMAL


def _active_levels(level: ResponseLevel) -> list[str]:
    """Activation levels that the response level reaches."""
    return [lvl.value for lvl in ResponseLevel if lvl.rank <= level.rank]


def _last_exercised(visible: list[Classification]) -> Any:
    return (
        select(func.max(col(Exercise.held_on)))
        .join(ExercisePlan, col(ExercisePlan.exercise_id) == col(Exercise.id))
        .where(col(ExercisePlan.plan_id) == col(ContingencyPlan.id), col(Exercise.classification).in_(visible))
        .correlate(ContingencyPlan)
        .scalar_subquery()
    )


def active_condition(level: ResponseLevel) -> ColumnElement[bool]:
    """SQL for active_now: approved and activated at or below the response level."""
    return and_(
        col(ContingencyPlan.status) == ContingencyPlanStatus.APPROVED,
        col(ContingencyPlan.activation_level).in_(_active_levels(level)),
    )


def list_statement(
    principal: Principal, filters: ContingencyPlanFilters, *, level: ResponseLevel, today: date | None = None
) -> Select[Any]:
    """The plans the caller may see, matching every filter given (all in SQL).

    A site or risk the caller may not see matches no plan, exactly as an unknown id does.
    """
    visible, today = principal.clearance.visible(), today or today_london()
    stmt = select(ContingencyPlan).where(col(ContingencyPlan.classification).in_(visible))
    if filters.plan_type:
        stmt = stmt.where(col(ContingencyPlan.plan_type) == filters.plan_type)
    if filters.status:
        stmt = stmt.where(col(ContingencyPlan.status) == filters.status)
    if filters.review_overdue is not None:
        overdue = and_(col(ContingencyPlan.review_due).is_not(None), col(ContingencyPlan.review_due) < today)
        stmt = stmt.where(overdue if filters.review_overdue else not_(overdue))
    if filters.active_now is not None:
        active = and_(col(ContingencyPlan.activation_level).is_not(None), active_condition(level))
        stmt = stmt.where(active if filters.active_now else not_(active))
    if filters.exercise_overdue is not None:
        last = _last_exercised(visible)
        overdue = or_(last.is_(None), last < today - EXERCISE_INTERVAL)
        stmt = stmt.where(overdue if filters.exercise_overdue else not_(overdue))
    if filters.risk_id:
        stmt = stmt.where(
            col(ContingencyPlan.id).in_(
                select(col(ContingencyPlanRisk.plan_id)).where(
                    col(ContingencyPlanRisk.risk_id) == filters.risk_id,
                    col(ContingencyPlanRisk.risk_id).in_(links.visible_ids(Risk, principal)),
                )
            )
        )
    if filters.site_id:
        stmt = stmt.where(
            col(ContingencyPlan.id).in_(
                select(col(ContingencyPlanSite.plan_id)).where(
                    col(ContingencyPlanSite.site_id) == filters.site_id,
                    col(ContingencyPlanSite.site_id).in_(links.visible_ids(Site, principal)),
                )
            )
        )
    if filters.q:
        like = f"%{filters.q.strip()}%"
        stmt = stmt.where(
            or_(
                col(ContingencyPlan.title).ilike(like),
                col(ContingencyPlan.summary).ilike(like),
                col(ContingencyPlan.owner).ilike(like),
            )
        )
    return stmt


def get(session: Session, plan_id: str, principal: Principal) -> ContingencyPlan:
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


def present(
    plan: ContingencyPlan,
    *,
    session: Session,
    principal: Principal,
    level: ResponseLevel,
    today: date | None = None,
) -> ContingencyPlanRead:
    """A plan with its derived fields (against the response level) and only the links the caller may see."""
    return present_many([plan], session=session, principal=principal, level=level, today=today)[0]


def _visible_links(
    session: Session, link: Any, column: str, model: Any, plan_ids: list[str], principal: Principal
) -> dict[str, list[str]]:
    """For each plan, the ids it links to that exist and that the caller may see, in id order (one query)."""
    target = getattr(link, column)
    rows = session.execute(
        select(link.plan_id, target)
        .join(model, model.id == target)
        .where(link.plan_id.in_(plan_ids), model.classification.in_(principal.clearance.visible()))
        .order_by(link.plan_id, target)
    ).all()
    found: dict[str, list[str]] = {}
    for plan_id, target_id in rows:
        found.setdefault(plan_id, []).append(target_id)
    return found


def present_many(
    plans: Sequence[ContingencyPlan],
    *,
    session: Session,
    principal: Principal,
    level: ResponseLevel,
    today: date | None = None,
) -> list[ContingencyPlanRead]:
    """Plans as `present` shows them, their links and last exercises looked up in three queries for all of them."""
    if not plans:
        return []
    visible, today = principal.clearance.visible(), today or today_london()
    ids = list({plan.id: None for plan in plans})
    last_held: dict[str, date] = dict(
        session.execute(  # type: ignore[arg-type]
            select(col(ExercisePlan.plan_id), func.max(col(Exercise.held_on)))
            .join(Exercise, col(ExercisePlan.exercise_id) == col(Exercise.id))
            .where(col(ExercisePlan.plan_id).in_(ids), col(Exercise.classification).in_(visible))
            .group_by(col(ExercisePlan.plan_id))
        ).all()
    )
    sites = _visible_links(session, ContingencyPlanSite, "site_id", Site, ids, principal)
    risks = _visible_links(session, ContingencyPlanRisk, "risk_id", Risk, ids, principal)
    out = []
    for plan in plans:
        last = last_held.get(plan.id)
        activation = ResponseLevel(plan.activation_level) if plan.activation_level else None
        out.append(
            ContingencyPlanRead(
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
                review_overdue=bool(plan.review_due and plan.review_due < today),
                activation_level=activation,
                active_now=bool(
                    activation and plan.status == ContingencyPlanStatus.APPROVED and activation.rank <= level.rank
                ),
                summary=plan.summary,
                document_url=plan.document_url,
                site_ids=sites.get(plan.id, []),
                risk_ids=risks.get(plan.id, []),
                last_exercised_on=last,
                exercise_overdue=last is None or last < today - EXERCISE_INTERVAL,
            )
        )
    return out


# ---- changing ----


def _snapshot(session: Session, principal: Principal) -> records.Snapshot:
    """A plan's stored fields and the links the actor sees, for its audit events."""

    def snapshot(plan: ContingencyPlan) -> dict[str, Any] | None:
        fields = plan.model_dump(exclude={"created_at", "updated_at", "version"})
        site_ids = links.visible(session, Site, _site_ids(session, plan.id), principal)
        risk_ids = links.visible(session, Risk, _risk_ids(session, plan.id), principal)
        return audit.snapshot({**fields, "site_ids": site_ids, "risk_ids": risk_ids})

    return snapshot


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
        wanted = links.require(session, Risk, risk_ids, principal, field="risk_ids", noun="risk")
        kept = links.hidden(session, Risk, _risk_ids(session, plan.id), principal)
        session.execute(sa_delete(ContingencyPlanRisk).where(col(ContingencyPlanRisk.plan_id) == plan.id))
        session.add_all(ContingencyPlanRisk(plan_id=plan.id, risk_id=i) for i in dict.fromkeys([*wanted, *kept]))
    if site_ids is not None:
        wanted = links.require(session, Site, site_ids, principal, field="site_ids", noun="site")
        kept = links.hidden(session, Site, _site_ids(session, plan.id), principal)
        session.execute(sa_delete(ContingencyPlanSite).where(col(ContingencyPlanSite.plan_id) == plan.id))
        session.add_all(ContingencyPlanSite(plan_id=plan.id, site_id=i) for i in dict.fromkeys([*wanted, *kept]))
    session.flush()


def create(session: Session, data: ContingencyPlanCreate, *, actor: Principal) -> ContingencyPlan:
    """Add a plan; approving without a date stamps today. Linked sites and risks must be ones the actor sees."""
    records.require_marking(actor, data.classification)
    site_ids = links.require(session, Site, data.site_ids, actor, field="site_ids", noun="site")
    risk_ids = links.require(session, Risk, data.risk_ids, actor, field="risk_ids", noun="risk")
    fields = data.model_dump(exclude={"site_ids", "risk_ids"})
    if data.status == ContingencyPlanStatus.APPROVED and data.approved_on is None:
        fields["approved_on"] = today_london()

    def snapshot(plan: ContingencyPlan) -> dict[str, Any] | None:
        stored = plan.model_dump(exclude={"created_at", "updated_at", "version"})
        return audit.snapshot({**stored, "site_ids": sorted(site_ids), "risk_ids": sorted(risk_ids)})

    plan = records.create(session, ContingencyPlan(**fields), actor=actor, snapshot=snapshot)
    session.add_all(ContingencyPlanSite(plan_id=plan.id, site_id=i) for i in site_ids)
    session.add_all(ContingencyPlanRisk(plan_id=plan.id, risk_id=i) for i in risk_ids)
    session.flush()
    return plan


def update(
    session: Session, plan: ContingencyPlan, data: ContingencyPlanUpdate, *, actor: Principal
) -> ContingencyPlan:
    """Change a plan; raising its marking above the caller's clearance is 403.

    The plan row is held first and checked unchanged: of two edits from one version, the second
    waits for the first, then gets 412 (or 404 after a delete) before it touches any link.
    """
    records.hold(session, plan)
    changes = data.model_dump(exclude_unset=True, exclude={"site_ids", "risk_ids"})
    nullable = {"approved_on", "review_due", "activation_level"}
    with records.changing(session, plan, actor=actor, snapshot=_snapshot(session, actor)):
        for name, value in changes.items():
            if value is not None or name in nullable:
                setattr(plan, name, value)
        if changes.get("status") == ContingencyPlanStatus.APPROVED and plan.approved_on is None:
            plan.approved_on = today_london()
        _set_links(session, plan, actor, site_ids=data.site_ids, risk_ids=data.risk_ids)
    return plan


def delete(session: Session, plan: ContingencyPlan, *, actor: Principal) -> None:
    """Remove a plan; its links to sites, risks and exercises go with it (the exercises stay)."""
    records.delete(session, plan, actor=actor, snapshot=_snapshot(session, actor))
