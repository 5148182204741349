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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, false, func, not_, or_, select
from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col

from app.core.clock import today_london
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
from app.services import audit, links, records

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


@dataclass(frozen=True)
class RiskFilters:
    """The filters of the risk list and the matrix, combined with AND."""

    category: str | None = None
    rating: RiskRating | None = None
    likelihood: int | None = None
    impact: int | None = None
    plan_id: str | None = None
    review_overdue: bool | None = None
    q: str | None = None


def list_statement(principal: Principal, filters: RiskFilters, *, matrix: Matrix) -> Select[Any]:
    """The risks the caller may see, matching every filter given; rating becomes the cells that give it.

    A plan the caller may not see matches no risk, exactly as an unknown id does.
    """
    stmt = select(Risk).where(col(Risk.classification).in_(principal.clearance.visible()))
    if filters.category:
        stmt = stmt.where(func.lower(col(Risk.category)) == filters.category.strip().lower())
    if filters.rating:
        cells = cells_rated(matrix, filters.rating)
        stmt = stmt.where(
            or_(*(and_(col(Risk.likelihood) == li, col(Risk.impact) == im) for li, im in cells)) if cells else false()
        )
    if filters.likelihood:
        stmt = stmt.where(col(Risk.likelihood) == filters.likelihood)
    if filters.impact:
        stmt = stmt.where(col(Risk.impact) == filters.impact)
    if filters.plan_id:
        stmt = stmt.where(
            col(Risk.id).in_(
                select(col(ContingencyPlanRisk.risk_id)).where(
                    col(ContingencyPlanRisk.plan_id) == filters.plan_id,
                    col(ContingencyPlanRisk.plan_id).in_(links.visible_ids(ContingencyPlan, principal)),
                )
            )
        )
    if filters.review_overdue is not None:
        overdue = and_(col(Risk.review_due).is_not(None), col(Risk.review_due) < today_london())
        stmt = stmt.where(overdue if filters.review_overdue else not_(overdue))
    if filters.q:
        like = f"%{filters.q.strip()}%"
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


def get(session: Session, risk_id: str, principal: Principal) -> Risk:
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


def present(risk: Risk, *, session: Session, principal: Principal, matrix: Matrix) -> RiskRead:
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
        plan_ids=links.visible(session, ContingencyPlan, _plan_ids(session, risk.id), principal),
        review_due=risk.review_due,
        review_overdue=bool(risk.review_due and risk.review_due < today_london()),
    )


def _snapshot(session: Session, principal: Principal) -> records.Snapshot:
    """A risk's stored fields and the plans the actor sees, for its audit events."""

    def snapshot(risk: Risk) -> dict[str, Any] | None:
        fields = risk.model_dump(exclude={"created_at", "updated_at", "version"})
        plan_ids = links.visible(session, ContingencyPlan, _plan_ids(session, risk.id), principal)
        return audit.snapshot({**fields, "plan_ids": plan_ids})

    return snapshot


def create(session: Session, data: RiskCreate, *, actor: Principal) -> Risk:
    """Add a risk to the register; the plans that answer it must be ones the actor sees."""
    records.require_marking(actor, data.classification)
    plan_ids = links.require(session, ContingencyPlan, data.plan_ids, actor, field="plan_ids", noun="contingency plan")
    risk = Risk(**data.model_dump(exclude={"plan_ids"}))

    def snapshot(record: Risk) -> dict[str, Any] | None:
        stored = record.model_dump(exclude={"created_at", "updated_at", "version"})
        return audit.snapshot({**stored, "plan_ids": sorted(plan_ids)})

    records.create(session, risk, actor=actor, snapshot=snapshot)
    session.add_all(ContingencyPlanRisk(plan_id=i, risk_id=risk.id) for i in plan_ids)
    session.flush()
    return risk


def _set_plans(session: Session, risk: Risk, plan_ids: list[str], principal: Principal) -> None:
    """Replace the plan links the caller can see; links they cannot see are kept."""
    wanted = links.require(session, ContingencyPlan, plan_ids, principal, field="plan_ids", noun="contingency plan")
    kept = links.hidden(session, ContingencyPlan, _plan_ids(session, risk.id), principal)
    session.execute(sa_delete(ContingencyPlanRisk).where(col(ContingencyPlanRisk.risk_id) == risk.id))
    session.add_all(ContingencyPlanRisk(plan_id=i, risk_id=risk.id) for i in dict.fromkeys([*wanted, *kept]))
    session.flush()


def update(session: Session, risk: Risk, data: RiskUpdate, *, actor: Principal) -> Risk:
    """Change a risk; raising its marking above the caller's clearance is 403.

    The risk row is held first and checked unchanged: of two edits from one version, the second
    waits for the first, then gets 412 (or 404 after a delete) before it touches any link.
    """
    records.hold(session, risk)
    changes = data.model_dump(exclude_unset=True, exclude={"plan_ids"})
    with records.changing(session, risk, actor=actor, snapshot=_snapshot(session, actor)):
        for name, value in changes.items():
            if value is not None or name == "review_due":
                setattr(risk, name, value)
        if data.plan_ids is not None:
            _set_plans(session, risk, data.plan_ids, actor)
    return risk


def delete(session: Session, risk: Risk, *, actor: Principal) -> None:
    """Remove a risk from the register, and from the plans that answered it."""
    records.delete(session, risk, actor=actor, snapshot=_snapshot(session, actor))
