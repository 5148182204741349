"""The local risk register (`prepare:read` / `prepare:write`)."""

from __future__ import annotations

from typing import Annotated, Any

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
from app.api.routing import ApiRoute
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

router = APIRouter(prefix="/risks", tags=["prepare"], route_class=ApiRoute)

Reader = Annotated[Principal, requires("prepare:read")]
Writer = Annotated[Principal, requires("prepare:write")]
ORDER = [
    SortKey(col(Risk.likelihood) * col(Risk.impact), descending=True),
    SortKey(Risk.title),
    SortKey(Risk.id),
]


def rating_matrix(settings: SettingsDep) -> Matrix:
    """The configured rating matrix (CONTEST_RISK_MATRIX, or the default)."""
    return risks.parse_matrix(settings.risk_matrix)


MatrixDep = Annotated[Matrix, Depends(rating_matrix)]


class RiskFilters:
    """The filters of the risk list and the matrix."""

    def __init__(
        self,
        category: Annotated[str | None, Query(max_length=100, description="Exact category (any case).")] = None,
        rating: Annotated[RiskRating | None, Query(description="Rating, as the matrix gives it.")] = None,
        likelihood: Annotated[int | None, Query(ge=1, le=5, description=LIKELIHOOD_HELP)] = None,
        impact: Annotated[int | None, Query(ge=1, le=5, description=IMPACT_HELP)] = None,
        plan_id: Annotated[str | None, Query(max_length=36, description="Risks this plan answers.")] = None,
        review_overdue: Annotated[bool | None, Query(description="review_due is before today.")] = None,
        q: Annotated[str | None, Query(max_length=200, description="Text in title, description, mitigations.")] = None,
    ) -> None:
        self.values: dict[str, Any] = {
            "category": category,
            "rating": rating,
            "likelihood": likelihood,
            "impact": impact,
            "plan_id": plan_id,
            "review_overdue": review_overdue,
            "q": q,
        }


@router.get("", response_model=Page[RiskRead], responses=CSV_RESPONSE)
def list_risks(
    request: Request,
    session: SessionDep,
    principal: Reader,
    matrix: MatrixDep,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[RiskFilters, Depends()],
) -> Response:
    """The risks you may see, highest score first."""
    stmt = risks.list_statement(principal, matrix, **filters.values)
    return collection(
        request, session, stmt, ORDER, params, lambda risk: risks.present(session, risk, principal, matrix)
    )


@router.get("/matrix", response_model=RiskMatrix)
def read_risk_matrix(
    session: SessionDep,
    principal: Reader,
    matrix: MatrixDep,
    filters: Annotated[RiskFilters, Depends()],
) -> RiskMatrix:
    """The 5 x 5 likelihood x impact matrix: each cell's rating and count of the risks you may see."""
    return risks.matrix_counts(session, risks.list_statement(principal, matrix, **filters.values), matrix)


@router.post("", response_model=RiskRead, status_code=201)
def create_risk(
    request: Request,
    session: SessionDep,
    principal: Writer,
    matrix: MatrixDep,
    data: RiskCreate,
) -> Response:
    """Add a risk; linked plans must exist and be visible to you (else 422)."""
    risk = risks.create_risk(session, data, actor=principal, matrix=matrix)
    body = risks.present(session, risk, principal, matrix)
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
    risk = risks.get_risk(session, risk_id, principal)
    with_etag(response, risk.version)
    return risks.present(session, risk, principal, matrix)


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
    risk = risks.get_risk(session, risk_id, principal)
    check_if_match(if_match, risk.version)
    risk = risks.update_risk(session, risk, data, actor=principal, matrix=matrix)
    with_etag(response, risk.version)
    return risks.present(session, risk, principal, matrix)


@router.delete("/{risk_id}", status_code=204, responses=IF_MATCH_RESPONSES)
def delete_risk(
    session: SessionDep,
    principal: Writer,
    matrix: MatrixDep,
    risk_id: str,
    if_match: IfMatch,
) -> Response:
    """Remove a risk (If-Match required)."""
    risk = risks.get_risk(session, risk_id, principal)
    check_if_match(if_match, risk.version)
    risks.delete_risk(session, risk, actor=principal, matrix=matrix)
    return Response(status_code=204)
