"""GET /summary: the counts the EMT dashboard shows, filtered by the caller's clearance."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentPrincipal, SessionDep, SettingsDep
from app.models.summary import Summary
from app.services import summary

router = APIRouter(tags=["dashboard"])


@router.get("/summary", response_model=Summary)
def read_summary(session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal) -> Summary:
    """What needs attention: overdue, red and unapproved Prevent work, sites due review, active and out-of-date
    plans, the highest risks. Each area is null unless the caller holds its read scope; counts include only
    records the caller is cleared to see."""
    return summary.summarise(session, principal, risk_matrix=settings.risk_matrix)
