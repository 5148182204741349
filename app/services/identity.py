"""Users, tokens and API keys: who may sign in, and what each bearer token stands for."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import case, event, inspect, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from app.core.clock import as_utc, utcnow
from app.core.errors import Forbidden, NotFound, TooManyRequests, Unauthorized
from app.core.security import (
    API_KEY_PREFIX,
    DUMMY_PASSWORD_HASH,
    ROLE_CLEARANCE,
    ROLE_SCOPES,
    USER_TOKEN_PREFIX,
    Classification,
    Principal,
    Role,
    hash_password,
    hash_secret,
    new_secret,
    verify_password,
    well_formed,
)
from app.core.settings import Settings
from app.models.identity import (
    AccessToken,
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    LoginThrottle,
    User,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.services import audit, records

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


TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class _Known:
    principal: Principal
    expires_at: datetime | None
    stored: float  # time.monotonic() when read from the database


class PrincipalCache:
    """Who each bearer token stands for, kept for `ttl` seconds so a request need not query to authenticate.

    Keyed by the token's hash (the secret itself is never kept). Bounds: any commit in this process that changes a
    user, an access token or an API key (a sign-out, a revocation, a deactivation, a role change) clears the whole
    cache when it commits, so revocation in this process takes effect at once; another process (the command line,
    a second server on PostgreSQL) is believed within `ttl` seconds. An entry read from the database while such a
    change was committing is not stored (the generation check), so a stale principal cannot outlive the clear.
    Expiry is checked on every hit. `ttl = 0` turns the cache off.

    Renewal ahead: in the last fifth of an entry's life one caller (`claim=True`: one that reads from the database
    when told to) is told to renew it, while every other caller goes on using it. A busy token is so renewed before
    it lapses, and never lapses for hundreds of requests at once (each would then authenticate from the database:
    the tail of the latency under load). A claim not followed by a renewal (the request failed) lapses after
    `RENEW_CLAIM_SECONDS`, and another caller is told. The bound above is unchanged: an entry is never used past
    `ttl` seconds from its reading.
    """

    RENEW_AHEAD = 0.2  # the part of `ttl` at the end of an entry's life in which it is renewed
    RENEW_CLAIM_SECONDS = 0.25

    def __init__(self, ttl: float = 5.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self.generation = 0
        self._entries: dict[str, _Known] = {}
        self._renewing: dict[str, float] = {}  # token hash -> when a caller was told to renew it (monotonic)
        self._touched: dict[str, float] = {}  # API key id -> when its last use was last recorded (monotonic)
        self._lock = threading.Lock()

    def get(self, digest: str, now: datetime, *, claim: bool = False) -> tuple[Principal, bool] | None:
        """The principal for a token hash, if known, fresh and not expired; and whether this caller is to renew it."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        age = time.monotonic() - entry.stored
        if age >= self.ttl or (entry.expires_at is not None and entry.expires_at <= now):
            return None
        renew = claim and age >= self.ttl * (1 - self.RENEW_AHEAD) and self._claim(digest)
        return entry.principal, renew

    def _claim(self, digest: str) -> bool:
        """Whether this caller is the one to renew an entry (no other claim on it is under way)."""
        mono = time.monotonic()
        with self._lock:
            claimed = self._renewing.get(digest)
            if claimed is not None and mono - claimed < self.RENEW_CLAIM_SECONDS:
                return False
            self._renewing[digest] = mono
            return True

    def put(self, digest: str, known: _Known, generation: int) -> None:
        """Keep what was read, unless the cache was cleared since the read began."""
        if self.ttl <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= self.size:
                self._entries.clear()
                self._renewing.clear()
            self._entries[digest] = known
            self._renewing.pop(digest, None)

    def touch_due(self, key_id: str, last_used_at: datetime | None, now: datetime) -> bool:
        """Whether a key's last use is due to be recorded (at most once a minute per key and process)."""
        mono = time.monotonic()
        with self._lock:
            touched = self._touched.get(key_id)
            if touched is not None and mono - touched < TOUCH_EVERY.total_seconds():
                return False
            if touched is None and last_used_at is not None and now - as_utc(last_used_at) <= TOUCH_EVERY:
                self._touched[key_id] = mono - (now - as_utc(last_used_at)).total_seconds()
                return False
            self._touched[key_id] = mono
            return True

    def clear(self) -> None:
        """Forget every principal (after a change to users, tokens or keys)."""
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self._renewing.clear()


PRINCIPALS = PrincipalCache()
_IDENTITY_TABLES = (User, AccessToken, ApiKey)


@event.listens_for(OrmSession, "after_flush")
def _note_identity_changes(session: OrmSession, _context: Any) -> None:
    """A flush that changed a user, a token or a key: clear the principal cache now and again after the commit."""
    changed = (*session.new, *session.deleted, *(o for o in session.dirty if not _only_bookkeeping(o)))
    if any(isinstance(obj, _IDENTITY_TABLES) for obj in changed):
        _identity_changed(session)


def _only_bookkeeping(obj: object) -> bool:
    """Whether a changed record changed only its last use (an API key's `last_used_at`): not who it stands for."""
    if not isinstance(obj, ApiKey):
        return False
    return {a.key for a in inspect(obj).attrs if a.history.has_changes()} <= {"last_used_at"}


@event.listens_for(OrmSession, "do_orm_execute")
def _note_bulk_identity_changes(state: Any) -> None:
    """A bulk UPDATE or DELETE of users, tokens or keys counts as a change too."""
    if (state.is_update or state.is_delete) and any(
        m.class_ in _IDENTITY_TABLES for m in state.all_mappers if m is not None
    ):
        _identity_changed(state.session)


def _identity_changed(session: OrmSession) -> None:
    PRINCIPALS.clear()
    if not session.info.get("identity_changed"):
        session.info["identity_changed"] = True
        event.listen(session, "after_commit", _after_identity_commit, once=True)


def _after_identity_commit(session: OrmSession) -> None:
    session.info.pop("identity_changed", None)
    PRINCIPALS.clear()


def authenticate(session: Session, token: str) -> tuple[Principal, bool]:
    """The principal behind a bearer token, and whether its key's last use is due to be recorded.

    401 if the token is unknown, expired, revoked or its user inactive. From the principal cache when it knows the
    token (`cached_principal`), else from the database.
    """
    if not well_formed(token):
        raise Unauthorized("The bearer token is not one this service issued.")
    generation = PRINCIPALS.generation
    principal, expires_at, last_used = _load_principal(session, token)
    now = utcnow()
    PRINCIPALS.put(hash_secret(token), _Known(principal, expires_at, time.monotonic()), generation)
    due = principal.kind == "api_key" and PRINCIPALS.touch_due(principal.id, last_used, now)
    return principal, due


class Cached(NamedTuple):
    """What the principal cache knows of a token: who, whether its key's last use is due, whether to renew it."""

    principal: Principal
    touch_due: bool
    renew: bool  # this caller is to `authenticate` from the database now (PrincipalCache: renewal ahead)


def cached_principal(token: str) -> Cached | None:
    """The principal behind a bearer token if the cache knows it (no database); None to ask `authenticate`.

    `renew` in the answer tells the one caller to renew an entry near the end of its life: it should `authenticate`
    as on a miss (as `app.api.deps.known_principal` does), before passing the request on.
    """
    if PRINCIPALS.ttl <= 0:
        return None
    now = utcnow()
    known = PRINCIPALS.get(hash_secret(token), now, claim=True)
    if known is None:
        return None
    principal, renew = known
    touch_due = not renew and principal.kind == "api_key" and PRINCIPALS.touch_due(principal.id, None, now)
    return Cached(principal, touch_due, renew)


def _load_principal(session: Session, token: str) -> tuple[Principal, datetime | None, datetime | None]:
    """The principal from the database, when its token expires, and (for a key) when it was last used."""
    digest, now = hash_secret(token), utcnow()
    if token.startswith(API_KEY_PREFIX):
        key = session.execute(select(ApiKey).where(ApiKey.key_hash == digest)).scalar_one_or_none()
        if key is None or key.revoked_at is not None or (key.expires_at and as_utc(key.expires_at) <= now):
            raise Unauthorized("The API key is unknown, revoked or expired.")
        expires = as_utc(key.expires_at) if key.expires_at else None
        return key_principal(key), expires, key.last_used_at
    if token.startswith(USER_TOKEN_PREFIX):
        row = session.execute(
            select(AccessToken, User).join(User, User.id == AccessToken.user_id).where(AccessToken.token_hash == digest)  # type: ignore[arg-type]
        ).one_or_none()
        if row is not None:
            access, user = row
            if access.revoked_at is None and as_utc(access.expires_at) > now and user.active:
                return user_principal(user, token_id=access.id), as_utc(access.expires_at), None
    raise Unauthorized("The token is unknown, expired or revoked; sign in again.")


def touch_api_key(session: Session, key_id: str) -> None:
    """Record that a key was used (at most once a minute, so a busy partner does not write on every read)."""
    key = session.get(ApiKey, key_id)
    if key is not None:
        key.last_used_at = utcnow()


def login(
    session: Session, settings: Settings, username: str, password: str, *, address: str | None = None
) -> tuple[str, int] | None:
    """Issue a token for good credentials; None (and an audit event) for bad ones; 429 when throttled.

    Throttled per username and per client address. Each attempt first takes a slot in both counters atomically
    (so thirty at once cannot all slip under the limit); a success gives its slots back, a failure keeps them.
    Every attempt that gets this far pays for one Argon2 check, whether the account exists, is active or not,
    and pays it outside any write transaction.
    """
    username = username.strip().lower()[:64]
    if address:
        _take_attempt(session, settings, f"addr:{address}"[:300], settings.login_max_failures_per_address, ADDRESS)
    _take_attempt(session, settings, f"user:{username}", settings.login_max_failures, USERNAME)
    # Commit the slots before the Argon2 check: taking them holds a write lock (on SQLite, the whole file's) that
    # would otherwise be held for the whole hash, so a burst of sign-ins would queue every writer behind it. A
    # crash between here and the end counts as a failed attempt, which errs on the safe side.
    session.commit()
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    good = verify_password(user.password_hash if user is not None else DUMMY_PASSWORD_HASH, password)
    if user is None or not user.active or not good:
        audit.record(
            session,
            actor=None,
            anonymous_name=username,
            action=LOGIN_FAILED,
            entity_type="user",
            entity_id=username,
        )
        return None
    _give_back_attempt(session, f"user:{username}")
    if address:
        _give_back_attempt(session, f"addr:{address}"[:300])
    lifetime = settings.token_lifetime_minutes * 60
    token = issue_token(session, user, lifetime_seconds=lifetime)
    user.last_login_at = utcnow()
    audit.record(session, actor=user_principal(user), action="auth.login", entity_type="user", entity_id=user.id)
    return token, lifetime


USERNAME = "Too many failed sign-in attempts for this username; try again later."
ADDRESS = "Too many failed sign-in attempts from your network address; try again later."


def _take_attempt(session: Session, settings: Settings, key: str, limit: int, message: str) -> None:
    """Count one more attempt against a throttle key, atomically in the database; 429 past the limit.

    `UPDATE … SET failures = failures + 1 … RETURNING` holds the row until the transaction ends, so concurrent
    attempts (other processes included) queue on it and each sees the count the one before left. A refused attempt
    rolls back, so it does not count; a failed one commits with its 401.
    """
    now = utcnow()
    window = timedelta(seconds=settings.login_window_seconds)
    since = now - window
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(LoginThrottle)
        .values(key=key, window_start=now, failures=0)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    expired = col(LoginThrottle.window_start) < since
    failures, started = session.execute(
        update(LoginThrottle)
        .where(col(LoginThrottle.key) == key)
        .values(
            failures=case((expired, 1), else_=col(LoginThrottle.failures) + 1),
            window_start=case((expired, now), else_=col(LoginThrottle.window_start)),
        )
        .returning(col(LoginThrottle.failures), col(LoginThrottle.window_start))
        .execution_options(synchronize_session=False)
    ).one()
    if failures > limit:
        retry = int((as_utc(started) + window - now).total_seconds()) + 1
        raise TooManyRequests(message, retry_after=max(1, retry))


def _give_back_attempt(session: Session, key: str) -> None:
    """A successful sign-in does not count as a failure."""
    session.execute(
        update(LoginThrottle)
        .where(col(LoginThrottle.key) == key, col(LoginThrottle.failures) > 0)
        .values(failures=col(LoginThrottle.failures) - 1)
        .execution_options(synchronize_session=False)
    )


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


def require_grantable(actor: Principal | None, clearance: Classification | str, scopes: Iterable[str]) -> None:
    """403 unless the actor holds the clearance and every scope it would give a user or key.

    Nobody raises anyone above themselves: an admin key cleared OFFICIAL cannot make an OFFICIAL-SENSITIVE user
    (roles imply a clearance) or key, and a key without `approve` cannot mint one with it. The command line
    (actor None) is the server's operator and may do anything.
    """
    if actor is None:
        return
    clearance = Classification(clearance)
    if not actor.clearance.allows(clearance):
        raise Forbidden(
            f"You cannot give a user or key {clearance.value} clearance: it is above your own "
            f"({actor.clearance.value})."
        )
    missing = sorted(set(scopes) - actor.scopes)
    if missing:
        raise Forbidden(f"You cannot grant scopes you do not hold yourself: {', '.join(missing)}.")


def _user_reach(user: User) -> tuple[Classification, frozenset[str]]:
    return Classification(user.clearance), ROLE_SCOPES[Role(user.role)]


def create_user(session: Session, data: UserCreate, *, actor: Principal | None) -> User:
    """Add a user; the username must be new (the unique index decides, so two at once give one 201, one 409)."""
    clearance = data.clearance or ROLE_CLEARANCE[data.role]
    require_grantable(actor, clearance, ROLE_SCOPES[data.role])
    user = User(
        username=data.username,
        name=data.name,
        role=data.role,
        organisation=data.organisation,
        clearance=clearance,
        password_hash=hash_password(data.password),
    )
    with records.unique(session, f"The username {data.username!r} is already taken."):
        session.add(user)
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
    """Change a user; deactivating one revokes every token they hold.

    Nobody changes a user who holds more than they do (their password would be a way in), nor gives one more.
    """
    require_grantable(actor, *_user_reach(user))
    before = audit.snapshot(UserRead.model_validate(user))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("active") is False and user.id == actor.id:
        raise Forbidden("You cannot deactivate your own account.")
    password = changes.pop("password", None)
    for name, value in changes.items():
        if value is not None:
            setattr(user, name, value)
    require_grantable(actor, *_user_reach(user))
    if password:
        user.password_hash = hash_password(password)
    if user.active is False or password:
        _revoke_user_tokens(session, user)
    expected = user.version
    session.flush()
    records.claim_version(session, user, expected)  # atomic: of two PATCHes from one ETag, one gets 412
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
    """Mint a key; the secret is in the result and nowhere else, ever. Never above the creator's clearance or
    scopes (`require_grantable`)."""
    require_grantable(actor, data.clearance, data.scopes)
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


def _revocation(key: ApiKey) -> dict[str, Any]:
    return {"revoked_at": key.revoked_at}


def revoke_api_key(session: Session, key_id: str, *, actor: Principal) -> None:
    """Revoke a key at once; revoking it again changes nothing."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"There is no API key with id {key_id!r}.")
    records.lock(session, key)  # two revocations at once: the second finds it revoked, not a stale version
    session.refresh(key)
    if key.revoked_at is not None:
        return
    with records.changing(session, key, actor=actor, action="api_key.revoke", snapshot=_revocation):
        key.revoked_at = utcnow()
