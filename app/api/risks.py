"""The local risk register (`prepare:read` / `prepare:write`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
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
    page_params,
    with_etag,
)
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import Page
from app.models.prepare import (
    IMPACT_HELP,
    LIKELIHOOD_HELP,
    Risk,
    RiskCreate,
    RiskMatrix,
    RiskRating,
    RiskRead,
    RiskUpdate,
)
from app.services import risks
from app.services.risks import Matrix

router = APIRouter(prefix="/risks", tags=["prepare"])

Reader = Annotated[Principal, requires("prepare:read")]
Writer = Annotated[Principal, requires("prepare:write")]
ORDER = [
    SortKey(col(Risk.likelihood) * col(Risk.impact), descending=True),
    SortKey(Risk.title),
    SortKey(Risk.id),
]


async def rating_matrix(settings: SettingsDep) -> Matrix:
    """The configured rating matrix (CONTEST_RISK_MATRIX, or the default)."""
    return risks.parse_matrix(settings.risk_matrix)


MatrixDep = Annotated[Matrix, Depends(rating_matrix)]


async def risk_filters(
    category: Annotated[str | None, Query(max_length=100, description="Exact category (any case).")] = None,
    rating: Annotated[RiskRating | None, Query(description="Rating, as the matrix gives it.")] = None,
    likelihood: Annotated[int | None, Query(ge=1, le=5, description=LIKELIHOOD_HELP)] = None,
    impact: Annotated[int | None, Query(ge=1, le=5, description=IMPACT_HELP)] = None,
    plan_id: Annotated[str | None, Query(max_length=36, description="Risks this plan answers.")] = None,
    review_overdue: Annotated[bool | None, Query(description="review_due is before today.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in title, description, mitigations.")] = None,
) -> risks.RiskFilters:
    """The risk list's (and matrix's) filters from its query parameters."""
    return risks.RiskFilters(
        category=category,
        rating=rating,
        likelihood=likelihood,
        impact=impact,
        plan_id=plan_id,
        review_overdue=review_overdue,
        q=q,
    )


Filters = Annotated[risks.RiskFilters, Depends(risk_filters)]


def _presenter(session: SessionDep, principal: Principal, matrix: Matrix) -> Callable[[Risk], RiskRead]:
    return partial(risks.present, session=session, principal=principal, matrix=matrix)


@router.get("", response_model=Page[RiskRead], responses=CSV_RESPONSE)
def list_risks(
    request: Request,
    session: SessionDep,
    principal: Reader,
    matrix: MatrixDep,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Filters,
) -> Response:
    """The risks you may see, highest score first."""
    stmt = risks.list_statement(principal, filters, matrix=matrix)
    return collection(request, session, stmt, ORDER, params, _presenter(session, principal, matrix))


@router.get("/matrix", response_model=RiskMatrix)
def read_risk_matrix(
    session: SessionDep,
    principal: Reader,
    matrix: MatrixDep,
    filters: Filters,
) -> RiskMatrix:
    """The 5 x 5 likelihood x impact matrix: each cell's rating and count of the risks you may see."""
    return risks.matrix_counts(session, risks.list_statement(principal, filters, matrix=matrix), matrix)


@router.post("", response_model=RiskRead, status_code=201)
def create_risk(
    request: Request,
    session: SessionDep,
    principal: Writer,
    matrix: MatrixDep,
    data: RiskCreate,
) -> Response:
    """Add a risk; linked plans must exist and be visible to you (else 422)."""
    risk = risks.create(session, data, actor=principal)
    body = _presenter(session, principal, matrix)(risk)
    return created(request, body, location=f"/risks/{risk.id}", version=risk.version)


@router.get("/{risk_id}", response_model=RiskRead)
def read_risk(
    session: SessionDep,
    principal: Reader,
    matrix: MatrixDep,
    risk_id: str,
    response: Response,
) -> RiskRead:
    """One risk, with its score and rating."""
    risk = risks.get(session, risk_id, principal)
    with_etag(response, risk.version)
    return _presenter(session, principal, matrix)(risk)


@router.patch("/{risk_id}", response_model=RiskRead, responses=IF_MATCH_RESPONSES)
def update_risk(
    session: SessionDep,
    principal: Writer,
    matrix: MatrixDep,
    risk_id: str,
    data: RiskUpdate,
    if_match: IfMatch,
    response: Response,
) -> RiskRead:
    """Change a risk (If-Match required)."""
    risk = risks.get(session, risk_id, principal)
    check_if_match(if_match, risk.version)
    risk = risks.update(session, risk, data, actor=principal)
    with_etag(response, risk.version)
    return _presenter(session, principal, matrix)(risk)


@router.delete("/{risk_id}", status_code=204, responses=IF_MATCH_RESPONSES)
def delete_risk(session: SessionDep, principal: Writer, risk_id: str, if_match: IfMatch) -> Response:
    """Remove a risk (If-Match required)."""
    risk = risks.get(session, risk_id, principal)
    check_if_match(if_match, risk.version)
    risks.delete(session, risk, actor=principal)
    return Response(status_code=204)
