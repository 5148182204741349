"""Signing in for an access token, and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import CurrentPrincipal, SessionDep, SettingsDep
from app.api.idempotency import SecretBearing
from app.api.kept import Kept
from app.api.problems import problem_response
from app.core.errors import problem_body
from app.core.settings import Settings
from app.models.identity import Me, TokenResponse
from app.services import identity

router = APIRouter(tags=["identity"])


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses={401: {"description": "Bad credentials"}, 429: {"description": "Too many failed attempts"}},
    dependencies=[SecretBearing],
)
async def issue_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    """Exchange a username and password for a bearer token."""
    address = _client_address(request, settings)
    issued = await run_in_threadpool(identity.login, session, settings, username, password, address=address)
    if issued is None:
        # Returned rather than raised, so the failed attempt's audit event is committed.
        body = problem_body(
            401,
            "Not authenticated",
            "The username or password is not right.",
            slug="unauthorized",
            instance=request.url.path,
        )
        return problem_response(body, {"WWW-Authenticate": 'Bearer realm="contest-hub"'})
    token, lifetime = issued
    return Response(
        TokenResponse(access_token=token, expires_in=lifetime).model_dump_json(),
        media_type="application/json",
    )


def _client_address(request: Request, settings: Settings) -> str | None:
    """The caller's address for the per-address throttle: the peer's, or, when the peer is a trusted proxy (the
    pages, in process), the last address it put in X-Forwarded-For — the one it saw, not one a client claimed."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for", "")
    trusted = {p.strip() for p in settings.trusted_proxies.split(",") if p.strip()}
    if peer in trusted and forwarded.strip():
        return forwarded.split(",")[-1].strip()[:100] or peer
    return peer


@router.delete("/auth/token", status_code=204, response_class=Response)
def revoke_token(session: SessionDep, principal: CurrentPrincipal) -> None:
    """Sign out: the token used for this request stops working at once."""
    identity.logout(session, principal)


@router.get("/me", response_model=Me, dependencies=[Kept])
def read_me(principal: CurrentPrincipal) -> Me:
    """Who the caller is: name, kind, role, organisation, scopes and clearance."""
    return Me(
        name=principal.name if principal.kind == "api_key" else principal.display_name,
        kind=principal.kind,  # type: ignore[arg-type]
        role=principal.role,
        organisation=principal.organisation,
        scopes=sorted(principal.scopes),
        clearance=principal.clearance,
        username=principal.name if principal.kind == "user" else None,
    )
