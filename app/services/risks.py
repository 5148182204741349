"""The local risk register: likelihood x impact on the National Risk Register's 1-5 scales, rated by a matrix.

The rating matrix is configurable with CONTEST_RISK_MATRIX: five rows (likelihood 1 to 5), each of five
letters (impact 1 to 5), L low, M medium, H high, V very high, rows separated by "/" (or spaces or new
lines). The default is shaded like the National Risk Register's matrix (impact weighs a little more than
likelihood, so a catastrophic risk is never low however unlikely):

    impact →        1 2 3 4 5
    likelihood 1    L L M M H
    likelihood 2    L M M H H
    likelihood 3    M M H H V
    likelihood 4    M H H V V
    likelihood 5    M H V V V
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, delete, false, func, not_, or_, select
from sqlmodel import Session, col

from app.core.clock import today_london, utcnow
from app.core.errors import NotFound
from app.core.security import Principal
from app.models.prepare import (
    ContingencyPlan,
    ContingencyPlanRisk,
    MatrixCell,
    Risk,
    RiskCreate,
    RiskMatrix,
    RiskRating,
    RiskRead,
    RiskUpdate,
)
from app.services import audit
from app.services.contingency_plans import check_clearance, require_links, visible_links

DEFAULT_MATRIX = "LLMMH/LMMHH/MMHHV/MHHVV/MHVVV"
_LETTERS = {"L": RiskRating.LOW, "M": RiskRating.MEDIUM, "H": RiskRating.HIGH, "V": RiskRating.VERY_HIGH}
Matrix = tuple[tuple[RiskRating, ...], ...]


class RiskMatrixError(ValueError):
    """CONTEST_RISK_MATRIX is not a 5 x 5 matrix of L/M/H/V."""


@lru_cache(maxsize=8)
def parse_matrix(text: str) -> Matrix:
    """Each cell's rating, as matrix[likelihood - 1][impact - 1]; empty text gives the default."""
    source = text.strip() or DEFAULT_MATRIX
    rows = [r for r in re.split(r"[/;,\s]+", source.upper()) if r]
    if len(rows) != 5 or any(len(r) != 5 or set(r) - set(_LETTERS) for r in rows):
        raise RiskMatrixError(
            f"CONTEST_RISK_MATRIX must be 5 rows (likelihood 1-5) of 5 letters L, M, H or V (impact 1-5), "
            f"separated by '/', e.g. {DEFAULT_MATRIX!r}; got {text!r}"
        )
    return tuple(tuple(_LETTERS[ch] for ch in row) for row in rows)


def rating(matrix: Matrix, likelihood: int, impact: int) -> RiskRating:
    """A cell's rating."""
    return matrix[likelihood - 1][impact - 1]


def cells_rated(matrix: Matrix, wanted: RiskRating) -> list[tuple[int, int]]:
    """Every (likelihood, impact) the matrix gives a rating."""
    return [(li + 1, im + 1) for li, row in enumerate(matrix) for im, r in enumerate(row) if r == wanted]


def list_statement(
    principal: Principal,
    matrix: Matrix,
    *,
    category: str | None = None,
    rating: RiskRating | None = None,
    likelihood: int | None = None,
    impact: int | None = None,
    plan_id: str | None = None,
    review_overdue: bool | None = None,
    q: str | None = None,
) -> Select[Any]:
    """The risks the caller may see, matching every filter given; rating becomes the cells that give it."""
    stmt = select(Risk).where(col(Risk.classification).in_(principal.clearance.visible()))
    if category:
        stmt = stmt.where(func.lower(col(Risk.category)) == category.strip().lower())
    if rating:
        cells = cells_rated(matrix, rating)
        stmt = stmt.where(
            or_(*(and_(col(Risk.likelihood) == li, col(Risk.impact) == im) for li, im in cells)) if cells else false()
        )
    if likelihood:
        stmt = stmt.where(col(Risk.likelihood) == likelihood)
    if impact:
        stmt = stmt.where(col(Risk.impact) == impact)
    if plan_id:
        stmt = stmt.where(
            col(Risk.id).in_(
                select(col(ContingencyPlanRisk.risk_id)).where(col(ContingencyPlanRisk.plan_id) == plan_id)
            )
        )
    if review_overdue is not None:
        overdue = and_(col(Risk.review_due).is_not(None), col(Risk.review_due) < today_london())
        stmt = stmt.where(overdue if review_overdue else not_(overdue))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(
            or_(
                col(Risk.title).ilike(like),
                col(Risk.description).ilike(like),
                col(Risk.mitigations).ilike(like),
            )
        )
    return stmt


def matrix_counts(session: Session, stmt: Select[Any], matrix: Matrix) -> RiskMatrix:
    """Every cell of the matrix with the number of the statement's risks in it."""
    ids = stmt.with_only_columns(col(Risk.id)).subquery()
    rows = session.execute(
        select(col(Risk.likelihood), col(Risk.impact), func.count())
        .where(col(Risk.id).in_(select(ids.c.id)))
        .group_by(col(Risk.likelihood), col(Risk.impact))
    ).all()
    counts = {(li, im): n for li, im, n in rows}
    return RiskMatrix(
        cells=[
            MatrixCell(likelihood=li, impact=im, rating=rating(matrix, li, im), count=counts.get((li, im), 0))
            for li in range(5, 0, -1)
            for im in range(1, 6)
        ]
    )


def get_risk(session: Session, risk_id: str, principal: Principal) -> Risk:
    """A risk the caller may see, or 404."""
    risk = session.get(Risk, risk_id)
    if risk is None or not principal.may_see(risk.classification):
        raise NotFound(f"There is no risk with id {risk_id!r}.")
    return risk


def _plan_ids(session: Session, risk_id: str) -> list[str]:
    return list(
        session.execute(
            select(col(ContingencyPlanRisk.plan_id))
            .where(col(ContingencyPlanRisk.risk_id) == risk_id)
            .order_by(col(ContingencyPlanRisk.plan_id))
        ).scalars()
    )


def present(session: Session, risk: Risk, principal: Principal, matrix: Matrix) -> RiskRead:
    """A risk with its score, rating and the plans the caller may see."""
    return RiskRead(
        id=risk.id,
        created_at=risk.created_at,
        updated_at=risk.updated_at,
        version=risk.version,
        classification=risk.classification,
        title=risk.title,
        category=risk.category,
        description=risk.description,
        likelihood=risk.likelihood,
        impact=risk.impact,
        score=risk.likelihood * risk.impact,
        rating=rating(matrix, risk.likelihood, risk.impact),
        owner=risk.owner,
        mitigations=risk.mitigations,
        plan_ids=visible_links(session, ContingencyPlan, _plan_ids(session, risk.id), principal),
        review_due=risk.review_due,
        review_overdue=bool(risk.review_due and risk.review_due < today_london()),
    )


def _set_plans(session: Session, risk: Risk, plan_ids: list[str] | None, principal: Principal) -> None:
    if plan_ids is None:
        return
    wanted = require_links(
        "plan_ids", "contingency plan", plan_ids, visible_links(session, ContingencyPlan, plan_ids, principal)
    )
    current = _plan_ids(session, risk.id)
    hidden = set(current) - set(visible_links(session, ContingencyPlan, current, principal))
    session.execute(delete(ContingencyPlanRisk).where(col(ContingencyPlanRisk.risk_id) == risk.id))
    session.add_all(ContingencyPlanRisk(plan_id=i, risk_id=risk.id) for i in dict.fromkeys([*wanted, *hidden]))


def _snapshot(session: Session, risk: Risk, principal: Principal, matrix: Matrix) -> dict[str, Any] | None:
    return audit.snapshot(present(session, risk, principal, matrix), exclude={"review_overdue"})


def create_risk(session: Session, data: RiskCreate, *, actor: Principal, matrix: Matrix) -> Risk:
    """Add a risk to the register."""
    check_clearance(actor, data.classification)
    risk = Risk(**data.model_dump(exclude={"plan_ids"}))
    session.add(risk)
    session.flush()
    _set_plans(session, risk, data.plan_ids, actor)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="risk.create",
        entity_type="risk",
        entity_id=risk.id,
        after=_snapshot(session, risk, actor, matrix),
    )
    return risk


def update_risk(session: Session, risk: Risk, data: RiskUpdate, *, actor: Principal, matrix: Matrix) -> Risk:
    """Change a risk; raising its marking above the caller's clearance is 403."""
    before = _snapshot(session, risk, actor, matrix)
    changes = data.model_dump(exclude_unset=True, exclude={"plan_ids"})
    if changes.get("classification"):
        check_clearance(actor, changes["classification"])
    for name, value in changes.items():
        if value is not None or name == "review_due":
            setattr(risk, name, value)
    _set_plans(session, risk, data.plan_ids, actor)
    risk.updated_at, risk.version = utcnow(), risk.version + 1
    session.flush()
    old, new = audit.changed(before, _snapshot(session, risk, actor, matrix))
    audit.record(
        session,
        actor=actor,
        action="risk.update",
        entity_type="risk",
        entity_id=risk.id,
        before=old,
        after=new,
    )
    return risk


def delete_risk(session: Session, risk: Risk, *, actor: Principal, matrix: Matrix) -> None:
    """Remove a risk from the register, and from the plans that answered it."""
    before = _snapshot(session, risk, actor, matrix)
    session.execute(delete(ContingencyPlanRisk).where(col(ContingencyPlanRisk.risk_id) == risk.id))
    session.delete(risk)
    session.flush()
    audit.record(session, actor=actor, action="risk.delete", entity_type="risk", entity_id=risk.id, before=before)
