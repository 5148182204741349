"""The threat level: public to read (cheap, cacheable), `threat:write` to record."""

from __future__ import annotations

from email.utils import format_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import SessionDep, get_database, requires
from app.api.http import CSV_RESPONSE, PageParams, collection, created, page_params
from app.api.negotiation import JSON, accepts
from app.core.database import Database
from app.core.errors import NotFound
from app.core.once import Once
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import Page
from app.models.threat_level import (
    ThreatLevelChange,
    ThreatLevelChangeRead,
    ThreatLevelCreate,
    ThreatLevelRead,
    ThreatScope,
)
from app.services import threat_level

router = APIRouter(prefix="/threat-level", tags=["threat level"])

PUBLIC_CACHE = "public, max-age=15, stale-while-revalidate=15"
ORDER = [
    SortKey(ThreatLevelChange.effective_from, descending=True),  # type: ignore[arg-type]
    SortKey(ThreatLevelChange.id, descending=True),
]  # type: ignore[arg-type]


@router.get(
    "",
    response_model=ThreatLevelRead,
    responses={
        304: {"description": "Not modified (If-None-Match matched the ETag)."},
        404: {"description": "No level has been recorded for this scope yet."},
    },
)
async def read_threat_level(request: Request, scope: ThreatScope = ThreatScope.UK) -> Response:
    """The level in force now. Public; answers If-None-Match with 304; may be cached for 15 seconds."""
    current = await _current(get_database(request), scope)
    if current.read is None:
        raise NotFound(f"No {scope.value} threat level has been recorded yet.")
    return _answer(current, request.headers.get("if-none-match"))


def _answer(current: threat_level.Current, if_none_match: str | None) -> Response:
    """The level's JSON, or 304 when the client has it already."""
    headers = {"ETag": current.etag, "Cache-Control": PUBLIC_CACHE, "Vary": "Accept"}
    if current.last_modified:
        headers["Last-Modified"] = format_datetime(current.last_modified, usegmt=True)
    if current.etag in {t.strip() for t in (if_none_match or "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(current.body, media_type="application/json", headers=headers)


class FreshLevel:
    """Answers the plainest `GET /threat-level` (the UK level, no query) from the cache, before routing.

    It is the hottest read there is, public, and the same for everyone: with the level cached, FastAPI's routing,
    dependencies and the API's other middleware add nothing but time. The answer is `read_threat_level`'s own
    (`_answer`), under the same conditions it would give it: no query parameters to check, an `Accept` that allows
    JSON, a level recorded and fresh in the cache. Anything else goes on to the route as usual.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plain = scope["type"] == "http" and scope["method"] == "GET" and not scope.get("query_string")
        if plain and get_route_path(scope) == "/threat-level":
            database: Database = scope["app"].state.database
            current = threat_level.CACHE.peek(database.url_key, ThreatScope.UK)  # loading is the route's (errors)
            headers = Headers(scope=scope)
            if current is not None and current.read is not None and accepts(headers.get("accept"), [JSON]):
                await _answer(current, headers.get("if-none-match"))(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _load_current(database: Database, scope: ThreatScope) -> threat_level.Current:
    with database.session(write=False) as session:
        return threat_level.current(session, scope)


async def _current(database: Database, scope: ThreatScope) -> threat_level.Current:
    """The level in force, from the cache; when the cache has expired, one load for all who ask meanwhile.

    Without that, every request arriving while the level is being reloaded (every two seconds, a few milliseconds on
    PostgreSQL) would query for it too."""
    current = threat_level.CACHE.peek(database.url_key, scope)
    if current is not None:
        return current
    return await _LOADING((database.url_key, scope), lambda: _load(database, scope))


async def _load(database: Database, scope: ThreatScope) -> threat_level.Current:
    await database.admit()
    try:
        return await run_in_threadpool(_load_current, database, scope)
    finally:
        database.gate.release()


_LOADING: Once[tuple[str, ThreatScope], threat_level.Current] = Once()


async def history_filters(
    scope: Annotated[ThreatScope | None, Query(description="One scope; both when absent.")] = None,
) -> threat_level.ThreatLevelFilters:
    """The history's filters from its query parameters."""
    return threat_level.ThreatLevelFilters(scope=scope)


@router.get("/history", response_model=Page[ThreatLevelChangeRead], responses=CSV_RESPONSE)
def list_threat_level_history(
    request: Request,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[threat_level.ThreatLevelFilters, Depends(history_filters)],
) -> Response:
    """Every recorded level, newest first. Public."""
    stmt = threat_level.list_statement(None, filters)
    response = collection(request, session, stmt, ORDER, params, threat_level.present)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@router.post("", response_model=ThreatLevelChangeRead, status_code=201)
def record_threat_level(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, requires("threat:write")],
    data: ThreatLevelCreate,
) -> Response:
    """Record a level. Recording the level already in force is kept in the history with `changed: false`."""
    change = threat_level.create(session, data, actor=principal)
    return created(request, threat_level.present(change), location="/threat-level/history", version=change.version)
