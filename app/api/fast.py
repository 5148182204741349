"""Hot reads answered without FastAPI's routing and dependency solving (README "Performance").

Most of what partners and pages ask for is the plainest read of a few resources: one site, the first pages of a
list. Solving a route's dependencies and matching it among a hundred routes costs several times what the read
itself does. A read route opts in by naming its work as a plain function of a `Call` — the same function its
FastAPI route runs — with `@hot(path, scope)`. `FastReads`, the innermost middleware of the API, answers a GET to such
a path itself when the request is the common case:

- a bearer token that stands for a caller: from the principal cache (app/services/identity.py), or read from the
  database when the cache has let it go or is to renew it (`deps.known_principal`: on PostgreSQL one read for all
  the requests asking meanwhile); a token that no longer stands for anyone goes on to the route (401);
- a principal with the route's scope;
- no query parameters but a list's `limit` and `cursor`, each given once and well-formed;
- an `Accept` that the route would answer with JSON (not CSV, not GeoJSON).

Anything else goes on to the route, so 401, 403, 406 and 422, filters and exports come from one place. The fast
path does what the route's dependencies do, in their order: the API key's last use, the principal on the request's
state (for the disclosure log, app/api/disclosure.py), the partner rate limit, then the work with a read session
(`Database.reader`). On SQLite, where a read is a lookup in a local file that never waits for a writer (WAL), the
work runs on the event loop, start to end: under load the hop to a thread and back costs more than the read, and,
one at a time on an engine only the loop uses, it needs no slot of the database's gate (queued behind routes'
sessions, every hot read would wait a turn of the loop for each slot freed). On PostgreSQL, admitted by the gate
like any request's session, it runs on the event loop too, in a greenlet, and its
statements wait for the server through psycopg's asyncio connection (`Database.fast_reader`, app/core/rows.py): the
loop serves other requests meanwhile, and a hung server is given up after the watchdog's limit (a 503). An error
the work raises (404 for a record the caller may not see) is answered by the same problem handler as the route's.
tests/api/test_fast_reads.py asks both paths the same questions and compares every answer.

The principal cache's entry for a busy token is renewed here too, by the one request the cache tells to
(`identity.Cached.renew`), so that it never lapses for every request in flight at once; and when it has lapsed (the
token was not used for a while), the requests that find it gone read it once, here, rather than each going to its
route and its own session (README "Performance": 256 connections after a pause).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request, Response
from sqlalchemy.util import greenlet_spawn
from sqlmodel import Session
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api import rate_limit
from app.api.deps import _touch_key, hand_on, known_principal
from app.api.http import PageParams
from app.api.negotiation import JSON, accepts
from app.api.problems import is_database_outage, problem_response, unavailable_response
from app.core.database import Database
from app.core.errors import AppError
from app.core.pagination import MAX_LIMIT
from app.core.security import Principal
from app.services import identity

_MAX_CURSOR = 2000  # page_params' max_length
_LIMIT = re.compile(r"[1-9][0-9]{0,2}")
_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Call:
    """What a read's work is given: the request, a read session, the caller, the path's parameters and the page."""

    request: Request
    session: Session
    principal: Principal
    path: Mapping[str, str] = field(default_factory=dict)
    page: PageParams = field(default_factory=PageParams)


Work = Callable[[Call], Response]


@dataclass(frozen=True)
class HotRead:
    """A read route's path under /api/v1, the scope it needs, its work, and whether it is a list (takes a page)."""

    path: str
    scope: str
    work: Work
    paging: bool
    pattern: re.Pattern[str]


HOT: list[HotRead] = []


def hot(path: str, scope: str, *, paging: bool = False) -> Callable[[Work], Work]:
    """Register a read's work for the fast path; its FastAPI route (GET `path`, needing `scope`) calls it too."""

    def register(work: Work) -> Work:
        HOT.append(HotRead(path, scope, work, paging, path_pattern(path)))
        return work

    return register


def path_pattern(path: str) -> re.Pattern[str]:
    """`/sites/{site_id}` → `^/sites/(?P<site_id>[^/]+)$` (a path parameter is one segment, as in FastAPI)."""
    parts = _PARAMETER.split(path)  # literal, name, literal, name, ...
    return re.compile(
        "^" + "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts)) + "$"
    )


def run_work(work: Work, call: Call) -> Response:
    """The work (with a `Database.reader()` session: statements on their own, no transaction to end)."""
    return work(call)


def _page(read: HotRead, query: bytes) -> PageParams | None:
    """The page a plain request asks for; None when the query holds anything the route should judge."""
    if not query:
        return PageParams()
    if not read.paging:
        return None
    given = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    names = [name for name, _ in given]
    if len(set(names)) != len(names) or not set(names) <= {"limit", "cursor"}:
        return None
    values = dict(given)
    limit, cursor = values.get("limit"), values.get("cursor")
    if limit is not None and (not _LIMIT.fullmatch(limit) or int(limit) > MAX_LIMIT):
        return None
    if cursor is not None and not 0 < len(cursor) <= _MAX_CURSOR:
        return None
    return PageParams(limit=int(limit) if limit else PageParams().limit, cursor=cursor)


def _answers_json(accept: str | None) -> bool:
    """Whether the route would answer this `Accept` with JSON (CSV and GeoJSON are the route's to give)."""
    if accept is None or not accept.strip():
        return True
    lowered = accept.lower()
    return "csv" not in lowered and "geo+json" not in lowered and accepts(accept, [JSON])


def _bearer_token(headers: Headers) -> str | None:
    """The bearer token of a request (HTTPBearer's reading of the header)."""
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


class FastReads:
    """Answers the plain case of each hot read (see the module's docstring); passes everything else on."""

    def __init__(self, app: ASGIApp, *, reads: Sequence[HotRead], enabled: bool = True) -> None:
        self.app, self.reads, self.enabled = app, reads, enabled

    def _match(self, path: str) -> tuple[HotRead, dict[str, str]] | None:
        for read in self.reads:
            found = read.pattern.match(path)
            if found:
                return read, found.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        matched = self._match(get_route_path(scope))
        if matched is None:
            await self.app(scope, receive, send)
            return
        read, path = matched
        headers = Headers(scope=scope)
        page = _page(read, scope.get("query_string", b""))
        token = _bearer_token(headers) if page is not None and _answers_json(headers.get("accept")) else None
        known = None if token is None else await known_principal(scope["app"].state.database, token)
        if known is None or not known.principal.has(read.scope):
            if known is not None and token is not None:
                hand_on(scope, token, known)
            await self.app(scope, receive, send)
            return
        assert page is not None
        request = Request(scope, receive)
        try:
            response = await self._answer(request, read, known, path, page)
        except AppError as error:
            response = problem_response(error.problem(instance=request.url.path), error.headers)
        except Exception as error:
            if not is_database_outage(error):
                raise
            response = unavailable_response(request, error)
        await response(scope, receive, send)

    async def _answer(
        self,
        request: Request,
        read: HotRead,
        known: identity.Cached,
        path: dict[str, str],
        page: PageParams,
    ) -> Response:
        database: Database = request.app.state.database
        principal = known.principal
        if known.touch_due:  # what get_principal does, in its order
            await run_in_threadpool(_touch_key, database, principal.id)
        request.state.principal = principal
        await rate_limit.enforce(request, principal, None)  # a GET never writes its count in its own session
        if database.settings.is_sqlite:  # a read of a local file: cheaper here than a hop to a worker thread
            # Start to end on the event loop, one at a time, on the reader engine that only the loop uses: it needs no
            # slot of the gate (whose waiters would otherwise queue each hot read behind routes' sessions).
            return _run(database, read.work, request, principal, path, page)
        # PostgreSQL: the work's statements wait for the server on the event loop (app/core/rows.py), holding a session
        await database.admit()
        try:
            return await greenlet_spawn(_run_fast, database, read.work, request, principal, path, page)
        finally:
            database.gate.release()


def _run(
    database: Database, work: Work, request: Request, principal: Principal, path: dict[str, str], page: PageParams
) -> Response:
    with database.reader() as session:
        return run_work(work, Call(request, session, principal, path, page))


def _run_fast(
    database: Database, work: Work, request: Request, principal: Principal, path: dict[str, str], page: PageParams
) -> Response:
    with database.fast_reader() as session:
        return run_work(work, Call(request, session, principal, path, page))
