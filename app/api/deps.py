"""Dependencies every router shares: the session, the principal, and one dependency per scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, get_args, get_origin

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from app.api import rate_limit
from app.api.problems import is_database_outage
from app.core.database import Database
from app.core.errors import AppError, Forbidden, Unauthorized, Unprocessable
from app.core.once import Once
from app.core.security import Principal, hash_secret
from app.core.settings import Settings
from app.services import identity

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
AUTHENTICATED = "authenticated"
"""Request state key: (token, principal, whether the key's last use is due to be recorded), left by a middleware that
read the principal (the idempotency middleware, `hand_on`) for `get_principal`."""


def get_database(request: Request) -> Database:
    """The process's database."""
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    """The process's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed before the response is sent (or rolled back on error)."""
    database = get_database(request)
    async with database.unit_of_work(write=request.method not in _SAFE_METHODS) as session:
        yield session  # an error raised by the route comes back here, and the transaction ends with it


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="A user access token or a partner API key.")


async def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller; 401 without a valid bearer token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    # The idempotency middleware may have authenticated this very request already (app/api/idempotency.py); reuse
    # that, for the same token only. It is the same moment of the same request, so revocation holds as before.
    earlier = getattr(request.state, AUTHENTICATED, None)
    if earlier is not None and earlier[0] == credentials.credentials:
        principal, touch_due = earlier[1], earlier[2]
    elif (known := identity.cached_principal(credentials.credentials)) is not None and not known.renew:
        principal, touch_due = known.principal, known.touch_due  # no database: revocation here clears it at once
    else:
        principal, touch_due = await run_in_threadpool(identity.authenticate, session, credentials.credentials)
    if touch_due and request.method not in _SAFE_METHODS:
        await run_in_threadpool(identity.touch_api_key, session, principal.id)  # already a write transaction
    elif touch_due:
        await run_in_threadpool(_touch_key, get_database(request), principal.id)
    request.state.principal = principal  # for the disclosure log (app/api/disclosure.py)
    await rate_limit.enforce(request, principal, session)  # partner keys only: app/api/rate_limit.py
    return principal


async def known_principal(database: Database, token: str) -> identity.Cached | None:
    """Who a bearer token stands for, for the middleware that answer reads before routing (app/api/fast.py,
    app/api/kept.py): from the principal cache, or read from the database when the cache does not know the token or
    tells this caller to renew it (`identity.Cached.renew`). None when that read fails (the token is unknown or was
    revoked, the database is unavailable): the request then goes on to its route, which answers as for any request
    (401, 503).

    On SQLite the read runs here, on the event loop (a local file: app/api/fast.py), on the reader engine that only
    the loop uses, so it needs no slot of the gate; the first caller's read fills the cache before the next asks. On
    PostgreSQL it waits for the server in a worker thread, admitted by the gate like a route's session, and callers
    asking for the same token meanwhile share that one read: when a busy token's entry has lapsed (after a pause in
    its use), hundreds of requests in flight would otherwise each read it, each holding a session."""
    known = identity.cached_principal(token)
    if known is not None and not known.renew:
        return known
    if database.settings.is_sqlite:
        return _read_principal(database, token)
    return await _READING((database.url_key, hash_secret(token)), lambda: _read_principal_in_thread(database, token))


def hand_on(scope: Scope, token: str, known: identity.Cached) -> None:
    """Leave what a middleware learnt of a request's token for the route's `get_principal`, when the middleware
    passes the request on: the route then neither reads the principal again nor misses a key's last use that fell
    due in the middleware (the principal cache says it is due once a minute, to the first to ask)."""
    scope.setdefault("state", {})[AUTHENTICATED] = (token, known.principal, known.touch_due)


_READING: Once[tuple[str, str], identity.Cached | None] = Once()


async def _read_principal_in_thread(database: Database, token: str) -> identity.Cached | None:
    await database.admit()
    try:
        return await run_in_threadpool(_read_principal, database, token)
    finally:
        database.gate.release()


def _read_principal(database: Database, token: str) -> identity.Cached | None:
    try:
        principal, touch_due = _authenticate(database, token)
    except AppError:
        return None
    except Exception as error:
        if not is_database_outage(error):
            raise
        return None
    return identity.Cached(principal, touch_due, renew=False)


def _authenticate(database: Database, token: str) -> tuple[Principal, bool]:
    with database.reader() as session:
        return identity.authenticate(session, token)


def _touch_key(database: Database, key_id: str) -> None:
    """Record a key's use in a short transaction of its own, so reads never need to write."""
    with database.session(write=True) as session:
        identity.touch_api_key(session, key_id)
        session.commit()


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


class Requires:
    """A route's permission, in its signature: `principal: Annotated[Principal, Requires("prevent:write")]`."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if not principal.has(self.scope):
            raise Forbidden(f"This needs the {self.scope!r} scope, which your token does not carry.")
        return principal

    def __repr__(self) -> str:
        return f"Requires({self.scope!r})"


class RequiresAnyOf:
    """A route's permission when any one of several scopes will do (search: each area's read scope lets you search
    that area, and the service decides which areas): `Annotated[Principal, Depends(RequiresAnyOf("a", "b"))]`."""

    def __init__(self, *scopes: str) -> None:
        self.scopes = scopes

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if not any(principal.has(scope) for scope in self.scopes):
            wanted = ", ".join(repr(s) for s in self.scopes)
            raise Forbidden(f"This needs one of the scopes {wanted}; your token carries none of them.")
        return principal

    def __repr__(self) -> str:
        return f"RequiresAnyOf{self.scopes!r}"


def requires(scope: str) -> object:
    """The dependency for one scope, for use in Annotated."""
    return Depends(Requires(scope))


AdminPrincipal = Annotated[Principal, requires("admin")]
AuditReader = Annotated[Principal, requires("audit:read")]


def _multi_valued(annotation: Any) -> bool:
    """Whether a parameter's type takes several values (a list), allowing for Optional and Annotated."""
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_multi_valued(arg) for arg in get_args(annotation)) if origin is not None else False


def _query_params(dependant: Any) -> list[Any]:
    """The query parameters of a route and all its dependencies."""
    found = list(dependant.query_params)
    for sub in dependant.dependencies:
        found += _query_params(sub)
    return found


async def strict_query_parameters(request: Request) -> None:
    """Refuse query parameters the route does not take (a typo like `?stauts=` must not silently widen a filter)
    and single-valued ones given twice (FastAPI would keep the last without a word)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    fields = {field.alias: field for field in _query_params(dependant)}
    for name in request.query_params:
        field = fields.get(name)
        if field is None:
            raise Unprocessable.field(name, "is not a parameter of this endpoint")
        if len(request.query_params.getlist(name)) > 1 and not _multi_valued(field.field_info.annotation):
            raise Unprocessable.field(name, "was given more than once; give it once")
