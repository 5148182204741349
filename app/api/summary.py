"""GET /summary: the counts the EMT dashboard shows, filtered by the caller's clearance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from app.api.deps import CurrentPrincipal, SessionDep, SettingsDep, get_database
from app.api.kept import Kept
from app.models.summary import Summary
from app.services import summary

router = APIRouter(tags=["dashboard"])


@router.get("/summary", response_model=Summary, dependencies=[Kept])
async def read_summary(
    request: Request, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal
) -> Summary:
    """What needs attention: overdue, red and unapproved Prevent work, sites due review, active and out-of-date
    plans, the highest risks. Each area is null unless the caller holds its read scope; counts include only
    records the caller is cleared to see."""
    key = summary.CACHE.key(principal, settings.risk_matrix, (id(get_database(request)), get_database(request).changes))
    cached = summary.cached_summary(key)  # a few seconds old at most; a change in this process ends it at once
    if cached is not None:
        return cached
    return await run_in_threadpool(
        summary.summarise_into_cache, session, principal, risk_matrix=settings.risk_matrix, key=key
    )
