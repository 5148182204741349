"""Partner API keys (admin only): the secret is shown once, on creation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import AdminPrincipal, SessionDep
from app.api.http import CSV_RESPONSE, PageParams, collection, created, page_params
from app.api.idempotency import SecretBearing
from app.core.pagination import SortKey
from app.models.common import Page
from app.models.identity import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.services import identity

router = APIRouter(prefix="/api-keys", tags=["identity"])

ORDER = [SortKey(ApiKey.id, descending=True)]  # type: ignore[arg-type]


@router.get("", response_model=Page[ApiKeyRead], responses=CSV_RESPONSE)
def list_api_keys(
    request: Request,
    session: SessionDep,
    principal: AdminPrincipal,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    """Every key, newest first, revoked ones included."""
    return collection(request, session, identity.list_keys_statement(), ORDER, params, ApiKeyRead)


@router.post("", response_model=ApiKeyCreated, status_code=201, dependencies=[SecretBearing])
def create_api_key(request: Request, session: SessionDep, principal: AdminPrincipal, data: ApiKeyCreate) -> Response:
    """Mint a key; copy `key` now, it is never shown again."""
    key = identity.create_api_key(session, data, actor=principal)
    return created(request, key, location=f"/api-keys/{key.id}", version=key.version)


@router.delete("/{key_id}", status_code=204, response_class=Response)
def revoke_api_key(session: SessionDep, principal: AdminPrincipal, key_id: str) -> None:
    """Revoke a key at once; final and idempotent, so no If-Match is needed."""
    identity.revoke_api_key(session, key_id, actor=principal)
