"""Security assessments of sites: each takes its site's marking, and the site's `last_assessed_on` follows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import InvalidRequestError
from sqlmodel import Session, col

from app.core.errors import NotFound
from app.core.security import Principal
from app.models.protect import AssessmentCreate, AssessmentRead, AssessmentUpdate, SecurityAssessment, Site
from app.services import records


@dataclass(frozen=True)
class AssessmentFilters:
    """The filters of an assessment list: the site they assess."""

    site_id: str


def present(assessment: SecurityAssessment, *, site: Site) -> AssessmentRead:
    """An assessment with its site's classification."""
    return AssessmentRead.model_validate({**assessment.model_dump(), "classification": site.classification})


def list_statement(principal: Principal, filters: AssessmentFilters) -> Select[Any]:
    """The assessments of a site the principal may see (none of a site they may not)."""
    visible_site = select(col(Site.id)).where(
        col(Site.id) == filters.site_id, col(Site.classification).in_(principal.clearance.visible())
    )
    return select(SecurityAssessment).where(col(SecurityAssessment.site_id).in_(visible_site))


def get(session: Session, assessment_id: str, principal: Principal, *, site: Site) -> SecurityAssessment:
    """One assessment of a site the principal may see, or 404."""
    assessment = session.get(SecurityAssessment, assessment_id)
    if assessment is None or assessment.site_id != site.id or not principal.may_see(site.classification):
        raise NotFound(f"Site {site.id!r} has no assessment with id {assessment_id!r}.")
    return assessment


def _hold(session: Session, site: Site) -> None:
    """Hold the site row and reread it: its assessments change one transaction at a time, against its latest
    version (so `last_assessed_on` is worked out from every committed assessment)."""
    records.lock(session, site)
    try:
        session.refresh(site)
    except InvalidRequestError as exc:  # deleted meanwhile
        raise NotFound(f"There is no site with id {site.id!r}.") from exc


def _follow_newest(session: Session, site: Site) -> None:
    """Keep the site's last_assessed_on equal to its newest assessment's date (a change is a new site version)."""
    newest = session.execute(
        select(func.max(col(SecurityAssessment.assessed_on))).where(col(SecurityAssessment.site_id) == site.id)
    ).scalar()
    if newest != site.last_assessed_on:
        records.claim_version(session, site)
        site.last_assessed_on = newest
        session.flush()


def create(session: Session, data: AssessmentCreate, *, actor: Principal, site: Site) -> SecurityAssessment:
    """Record an assessment of a site."""
    _hold(session, site)
    assessment = SecurityAssessment(site_id=site.id, **data.model_dump(mode="json"))
    assessment.assessed_on = data.assessed_on
    records.create(session, assessment, actor=actor, marking=site.classification)
    _follow_newest(session, site)
    return assessment


def update(
    session: Session, assessment: SecurityAssessment, data: AssessmentUpdate, *, actor: Principal, site: Site
) -> SecurityAssessment:
    """Change an assessment (a new list of recommendations replaces the old one)."""
    _hold(session, site)
    with records.changing(session, assessment, actor=actor, marking=site.classification):
        for name, value in data.model_dump(exclude_unset=True, mode="json").items():
            if value is not None:
                setattr(assessment, name, value)
        if data.assessed_on is not None:
            assessment.assessed_on = data.assessed_on
    _follow_newest(session, site)
    return assessment
