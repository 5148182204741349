"""Users, tokens and API keys: who may sign in, and what each bearer token stands for."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from app.core.clock import as_utc, utcnow
from app.core.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized
from app.core.security import (
    API_KEY_PREFIX,
    ROLE_CLEARANCE,
    ROLE_SCOPES,
    USER_TOKEN_PREFIX,
    Classification,
    Principal,
    burn_password_check,
    hash_password,
    hash_secret,
    new_secret,
    verify_password,
    well_formed,
)
from app.core.settings import Settings
from app.models.audit import AuditEvent
from app.models.identity import (
    AccessToken,
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    User,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.services import audit

LOGIN_FAILED = "auth.login_failed"


def user_principal(user: User, token_id: str | None = None) -> Principal:
    """The principal a signed-in user acts as."""
    return Principal(
        id=user.id,
        kind="user",
        name=user.username,
        organisation=user.organisation,
        scopes=ROLE_SCOPES[user.role],
        clearance=Classification(user.clearance),
        role=user.role,
        token_id=token_id,
        display_name=user.name,
    )


def key_principal(key: ApiKey) -> Principal:
    """The principal a partner system acts as."""
    return Principal(
        id=key.id,
        kind="api_key",
        name=key.name,
        organisation=key.organisation,
        scopes=frozenset(key.scopes),
        clearance=Classification(key.clearance),
    )


def authenticate(session: Session, token: str) -> tuple[Principal, bool]:
    """The principal behind a bearer token, and whether its key's last use is due to be recorded.

    401 if the token is unknown, expired, revoked or its user inactive.
    """
    if not well_formed(token):
        raise Unauthorized("The bearer token is not one this service issued.")
    digest, now = hash_secret(token), utcnow()
    if token.startswith(API_KEY_PREFIX):
        key = session.execute(select(ApiKey).where(ApiKey.key_hash == digest)).scalar_one_or_none()
        if key is None or key.revoked_at is not None or (key.expires_at and as_utc(key.expires_at) <= now):
            raise Unauthorized("The API key is unknown, revoked or expired.")
        due = key.last_used_at is None or now - as_utc(key.last_used_at) > timedelta(minutes=1)
        return key_principal(key), due
    if token.startswith(USER_TOKEN_PREFIX):
        row = session.execute(
            select(AccessToken, User).join(User, User.id == AccessToken.user_id).where(AccessToken.token_hash == digest)  # type: ignore[arg-type]
        ).one_or_none()
        if row is not None:
            access, user = row
            if access.revoked_at is None and as_utc(access.expires_at) > now and user.active:
                return user_principal(user, token_id=access.id), False
    raise Unauthorized("The token is unknown, expired or revoked; sign in again.")


def touch_api_key(session: Session, key_id: str) -> None:
    """Record that a key was used (at most once a minute, so a busy partner does not write on every read)."""
    key = session.get(ApiKey, key_id)
    if key is not None:
        key.last_used_at = utcnow()


def login(session: Session, settings: Settings, username: str, password: str) -> tuple[str, int] | None:
    """Issue a token for good credentials; None (and an audit event) for bad ones; 429 when throttled."""
    username = username.strip().lower()[:64]
    _throttle(session, settings, username)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        burn_password_check(password)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        audit.record(
            session,
            actor=None,
            anonymous_name=username,
            action=LOGIN_FAILED,
            entity_type="user",
            entity_id=username,
        )
        return None
    lifetime = settings.token_lifetime_minutes * 60
    token = issue_token(session, user, lifetime_seconds=lifetime)
    user.last_login_at = utcnow()
    audit.record(session, actor=user_principal(user), action="auth.login", entity_type="user", entity_id=user.id)
    return token, lifetime


def issue_token(session: Session, user: User, *, lifetime_seconds: int) -> str:
    """A new bearer token for a user; only its hash is stored."""
    token, now = new_secret(USER_TOKEN_PREFIX), utcnow()
    session.add(
        AccessToken(
            user_id=user.id,
            token_hash=hash_secret(token),
            created_at=now,
            expires_at=now + timedelta(seconds=lifetime_seconds),
        )
    )
    return token


def _throttle(session: Session, settings: Settings, username: str) -> None:
    """Refuse another try while a username has had too many failures in the window."""
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    failures = session.execute(
        select(func.count(), func.min(AuditEvent.at)).where(
            AuditEvent.action == LOGIN_FAILED, AuditEvent.entity_id == username, AuditEvent.at >= since
        )
    ).one()
    if failures[0] >= settings.login_max_failures:
        retry = int((as_utc(failures[1]) - since).total_seconds()) + 1
        raise TooManyRequests("Too many failed sign-in attempts for this username; try again later.", retry_after=retry)


def logout(session: Session, principal: Principal) -> None:
    """Revoke the token the principal is using (a user's sign-out)."""
    if principal.token_id is None:
        return
    access = session.get(AccessToken, principal.token_id)
    if access is not None and access.revoked_at is None:
        access.revoked_at = utcnow()
        audit.record(session, actor=principal, action="auth.logout", entity_type="user", entity_id=principal.id)


def list_users_statement() -> Any:
    """Every user."""
    return select(User)


def get_user(session: Session, user_id: str) -> User:
    """A user by id, or 404."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user with id {user_id!r}.")
    return user


def create_user(session: Session, data: UserCreate, *, actor: Principal | None) -> User:
    """Add a user; the username must be new."""
    if session.execute(select(User.id).where(User.username == data.username)).first():
        raise Conflict(f"The username {data.username!r} is already taken.")
    user = User(
        username=data.username,
        name=data.name,
        role=data.role,
        organisation=data.organisation,
        clearance=data.clearance or ROLE_CLEARANCE[data.role],
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        after=audit.snapshot(UserRead.model_validate(user)),
    )
    return user


def update_user(session: Session, user: User, data: UserUpdate, *, actor: Principal) -> User:
    """Change a user; deactivating one revokes every token they hold."""
    before = audit.snapshot(UserRead.model_validate(user))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("active") is False and user.id == actor.id:
        raise Forbidden("You cannot deactivate your own account.")
    password = changes.pop("password", None)
    for name, value in changes.items():
        if value is not None:
            setattr(user, name, value)
    if password:
        user.password_hash = hash_password(password)
    if user.active is False or password:
        _revoke_user_tokens(session, user)
    user.updated_at, user.version = utcnow(), user.version + 1
    session.flush()
    old, new = audit.changed(before, audit.snapshot(UserRead.model_validate(user)))
    if password:
        new["password"] = "(changed)"
    audit.record(
        session,
        actor=actor,
        action="user.update",
        entity_type="user",
        entity_id=user.id,
        before=old,
        after=new,
    )
    return user


def _revoke_user_tokens(session: Session, user: User) -> None:
    now = utcnow()
    for access in session.execute(
        select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))  # type: ignore[union-attr]
    ).scalars():
        access.revoked_at = now


def list_keys_statement() -> Any:
    """Every API key, revoked ones included."""
    return select(ApiKey)


def create_api_key(
    session: Session, data: ApiKeyCreate, *, actor: Principal | None, created_by: str | None = None
) -> ApiKeyCreated:
    """Mint a key; the secret is in the result and nowhere else, ever."""
    if actor is not None and not actor.clearance.allows(data.clearance):
        raise Forbidden("You cannot give a key a clearance above your own.")
    secret = new_secret(API_KEY_PREFIX)
    key = ApiKey(
        name=data.name,
        organisation=data.organisation,
        scopes=list(data.scopes),
        clearance=data.clearance,
        expires_at=data.expires_at,
        prefix=secret[:12],
        key_hash=hash_secret(secret),
        created_by=created_by or (actor.actor if actor else "cli"),
    )
    session.add(key)
    session.flush()
    read = ApiKeyRead.model_validate(key)
    audit.record(
        session,
        actor=actor,
        action="api_key.create",
        entity_type="api_key",
        entity_id=key.id,
        after=audit.snapshot(read),
        anonymous_name="cli",
    )
    return ApiKeyCreated(**read.model_dump(), key=secret)


def revoke_api_key(session: Session, key_id: str, *, actor: Principal) -> None:
    """Revoke a key at once; revoking it again changes nothing."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"There is no API key with id {key_id!r}.")
    if key.revoked_at is not None:
        return
    key.revoked_at, key.updated_at, key.version = utcnow(), utcnow(), key.version + 1
    audit.record(
        session,
        actor=actor,
        action="api_key.revoke",
        entity_type="api_key",
        entity_id=key.id,
        before={"revoked_at": None},
        after={"revoked_at": key.revoked_at},
    )
