"""Police threat assessments (docs/api.md 'Police threat assessments')."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import SessionDep, requires
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
from app.models.prevent import (
    ThreatAssessment,
    ThreatAssessmentCreate,
    ThreatAssessmentRead,
    ThreatAssessmentUpdate,
)
from app.services import threat_assessments

router = APIRouter(prefix="/threat-assessments", tags=["prevent"])

Reader = Annotated[Principal, requires("prevent:read")]
Writer = Annotated[Principal, requires("prevent:write")]
ORDER = [SortKey(ThreatAssessment.period_end, True), SortKey(ThreatAssessment.id, True)]  # type: ignore[arg-type]


async def threat_assessment_filters(
    q: Annotated[str | None, Query(max_length=200, description="Text in the title, issuer or summary.")] = None,
) -> threat_assessments.ThreatAssessmentFilters:
    """The assessment list's filters from its query parameters."""
    return threat_assessments.ThreatAssessmentFilters(q=q)


@router.get("", response_model=Page[ThreatAssessmentRead], responses=CSV_RESPONSE)
def list_threat_assessments(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[threat_assessments.ThreatAssessmentFilters, Depends(threat_assessment_filters)],
) -> Response:
    """The assessments you may see, newest period first."""
    stmt = threat_assessments.list_statement(principal, filters)
    return collection(request, session, stmt, ORDER, params, threat_assessments.present)


@router.post("", response_model=ThreatAssessmentRead, status_code=201)
def create_threat_assessment(
    request: Request, session: SessionDep, principal: Writer, data: ThreatAssessmentCreate
) -> Response:
    """Record a threat assessment (OFFICIAL-SENSITIVE unless marked otherwise)."""
    assessment = threat_assessments.create(session, data, actor=principal)
    return created(
        request,
        threat_assessments.present(assessment),
        location=f"/threat-assessments/{assessment.id}",
        version=assessment.version,
    )


@router.get("/{assessment_id}", response_model=ThreatAssessmentRead)
def read_threat_assessment(
    session: SessionDep, principal: Reader, assessment_id: str, response: Response
) -> ThreatAssessmentRead:
    """One assessment with its ranked priorities."""
    assessment = threat_assessments.get(session, assessment_id, principal)
    with_etag(response, assessment.version)
    return threat_assessments.present(assessment)


@router.patch("/{assessment_id}", response_model=ThreatAssessmentRead, responses=IF_MATCH_RESPONSES)
def update_threat_assessment(
    session: SessionDep,
    principal: Writer,
    assessment_id: str,
    data: ThreatAssessmentUpdate,
    if_match: IfMatch,
    response: Response,
) -> ThreatAssessmentRead:
    """Change an assessment; `priorities` replaces the whole ranked list."""
    assessment = threat_assessments.get(session, assessment_id, principal)
    check_if_match(if_match, assessment.version)
    assessment = threat_assessments.update(session, assessment, data, actor=principal)
    with_etag(response, assessment.version)
    return threat_assessments.present(assessment)
