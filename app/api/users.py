"""User accounts (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import AdminPrincipal, SessionDep
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
from app.models.common import Page
from app.models.identity import User, UserCreate, UserRead, UserUpdate
from app.services import identity

router = APIRouter(prefix="/users", tags=["identity"])

ORDER = [SortKey(User.username), SortKey(User.id)]  # type: ignore[arg-type]


@router.get("", response_model=Page[UserRead], responses=CSV_RESPONSE)
def list_users(
    request: Request,
    session: SessionDep,
    principal: AdminPrincipal,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    """Every user, by username."""
    return collection(request, session, identity.list_users_statement(), ORDER, params, UserRead)


@router.post("", response_model=UserRead, status_code=201)
def create_user(request: Request, session: SessionDep, principal: AdminPrincipal, data: UserCreate) -> Response:
    """Add a user."""
    user = identity.create_user(session, data, actor=principal)
    return created(request, UserRead.model_validate(user), location=f"/users/{user.id}", version=user.version)


@router.get("/{user_id}", response_model=UserRead)
def read_user(session: SessionDep, principal: AdminPrincipal, user_id: str, response: Response) -> UserRead:
    """One user."""
    user = identity.get_user(session, user_id)
    with_etag(response, user.version)
    return UserRead.model_validate(user)


@router.patch("/{user_id}", response_model=UserRead, responses=IF_MATCH_RESPONSES)
def update_user(
    session: SessionDep,
    principal: AdminPrincipal,
    user_id: str,
    data: UserUpdate,
    if_match: IfMatch,
    response: Response,
) -> UserRead:
    """Change a user; `"active": false` deactivates them and ends their tokens at once."""
    user = identity.get_user(session, user_id)
    check_if_match(if_match, user.version)
    user = identity.update_user(session, user, data, actor=principal)
    with_etag(response, user.version)
    return UserRead.model_validate(user)
