"""Feed records: create, change, delete, health, staleness, and the push feeds' signing secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from app.core.clock import as_utc, utcnow
from app.core.errors import Conflict, NotFound, Unprocessable
from app.core.safe_urls import UrlPolicy, check_feed_url
from app.core.security import Classification, Principal
from app.models.feeds import Feed, FeedCreate, FeedKind, FeedRead, FeedStatus, FeedUpdate
from app.models.threat_level import ThreatLevelChange
from app.services import audit, records, threat_level

SECRET_PREFIX = "whsec_"
_SEAL_VERSION = "v1:"


def list_statement() -> Any:
    """Every feed."""
    return select(Feed)


def get(session: Session, feed_id: str) -> Feed:
    """A feed by id, or 404."""
    feed = session.get(Feed, feed_id)
    if feed is None:
        raise NotFound(f"There is no feed with id {feed_id!r}.")
    return feed


# --- health ---------------------------------------------------------------------------------------


def is_stale(feed: Feed, now: datetime | None = None) -> bool:
    """Whether the feed has gone longer than its max_age without a successful poll or push."""
    now = now or utcnow()
    since = feed.last_success_at or (feed.created_at if feed.last_polled_at else None)
    return since is not None and now - as_utc(since) > timedelta(seconds=feed.max_age_seconds)


def status_of(feed: Feed, now: datetime | None = None) -> FeedStatus:
    """never_polled, then stale (no success within max_age) before failing (the last attempt failed), else ok."""
    if feed.last_polled_at is None and feed.last_success_at is None:
        return FeedStatus.NEVER_POLLED
    if is_stale(feed, now):
        return FeedStatus.STALE
    if feed.consecutive_failures > 0:
        return FeedStatus.FAILING
    return FeedStatus.OK


def present(feed: Feed) -> FeedRead:
    """The API view of a feed, its status derived now (so it is right even when no worker runs)."""
    read = FeedRead.model_validate(feed)
    read.status = status_of(feed)
    read.previous_secret_valid_until = previous_secret_until(feed)
    return read


def previous_secret_until(feed: Feed, now: datetime | None = None) -> datetime | None:
    """Until when the secret replaced by the last rotation still verifies; None when it no longer does."""
    if feed.previous_secret_sealed is None or feed.previous_secret_until is None:
        return None
    until = as_utc(feed.previous_secret_until)
    return until if until > (now or utcnow()) else None


def record_refusal(session: Session, feed: Feed, reason: str) -> None:
    """A push was refused for its signature: counted in the feed's health (not an edit: no version, no event)."""
    feed.refused_pushes = (feed.refused_pushes or 0) + 1
    feed.last_refused_at = utcnow()
    feed.last_refused_reason = reason[:500]
    session.add(feed)
    session.flush()


def record_success(session: Session, feed: Feed) -> None:
    """A poll or push worked."""
    now = utcnow()
    feed.last_polled_at = feed.last_success_at = now
    feed.last_error, feed.consecutive_failures = None, 0
    feed.status = FeedStatus.OK
    session.add(feed)
    session.flush()
    session.info.setdefault("after_commit", []).append(threat_level.CACHE.clear)


def record_failure(session: Session, feed: Feed, error: str) -> None:
    """A poll failed: only the feed's health changes."""
    feed.last_polled_at = utcnow()
    feed.last_error = error[:2000]
    feed.consecutive_failures += 1
    feed.status = status_of(feed)
    session.add(feed)
    session.flush()


def mark_stale(session: Session, now: datetime | None = None) -> list[Feed]:
    """Store `stale` on every enabled feed that has gone past its max_age; returns the feeds newly marked."""
    marked = []
    for feed in session.execute(select(Feed).where(Feed.enabled)).scalars():
        if feed.status != FeedStatus.STALE and is_stale(feed, now):
            feed.status = FeedStatus.STALE
            session.add(feed)
            marked.append(feed)
    session.flush()
    return marked


def level_is_stale(session: Session, change: ThreatLevelChange) -> bool:
    """The staleness hook of the threat level: a level from a feed that has not succeeded within max_age."""
    feed = session.get(Feed, change.feed_id) if change.feed_id else None
    return feed is not None and is_stale(feed)


# --- secrets --------------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _keys(secret_key: str) -> tuple[bytes, bytes]:
    root = hashlib.sha256(secret_key.encode()).digest()
    return hmac.digest(root, b"feed-secret-encrypt", "sha256"), hmac.digest(root, b"feed-secret-mac", "sha256")


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (hmac.digest(key, nonce + i.to_bytes(4, "big"), "sha256") for i in range((length + 31) // 32))
    return b"".join(blocks)[:length]


def seal(secret: str, secret_key: str) -> str:
    """Encrypt a push secret at rest (HMAC-SHA256 in counter mode, then an HMAC tag) under CONTEST_SECRET_KEY."""
    enc, mac = _keys(secret_key)
    nonce, plain = secrets.token_bytes(16), secret.encode()
    cipher = bytes(a ^ b for a, b in zip(plain, _stream(enc, nonce, len(plain)), strict=True))
    tag = hmac.digest(mac, nonce + cipher, "sha256")[:16]
    return _SEAL_VERSION + base64.b64encode(nonce + cipher + tag).decode()


def unseal(sealed: str, secret_key: str) -> str | None:
    """The push secret, or None if it was sealed under another key or tampered with."""
    if not sealed.startswith(_SEAL_VERSION):
        return None
    enc, mac = _keys(secret_key)
    raw = base64.b64decode(sealed.removeprefix(_SEAL_VERSION))
    nonce, cipher, tag = raw[:16], raw[16:-16], raw[-16:]
    if not hmac.compare_digest(tag, hmac.digest(mac, nonce + cipher, "sha256")[:16]):
        return None
    return bytes(a ^ b for a, b in zip(cipher, _stream(enc, nonce, len(cipher)), strict=True)).decode()


def feed_principal(feed: Feed) -> Principal:
    """Who a push feed acts as, in the audit log and for the services it calls."""
    return Principal(
        id=feed.id,
        kind="feed",
        name=feed.name,
        organisation=feed.name,
        scopes=frozenset({"threat:write", "prevent:write"}),
        clearance=max(Classification, key=lambda c: c.rank),
    )


# --- changes --------------------------------------------------------------------------------------


def _check(kind: FeedKind, url: str | None, policy: UrlPolicy | None = None) -> None:
    if kind == FeedKind.MI5_RSS and not url:
        raise Unprocessable.field("url", "is required for an mi5_rss feed")
    if kind == FeedKind.PUSH and url:
        raise Unprocessable.field("url", "must be empty for a push feed (it sends to us)")
    refused = check_feed_url(url, policy) if url and policy is not None else None
    if refused:
        raise Unprocessable.field("url", refused)


def _taken(name: str) -> str:
    return f"There is already a feed named {name!r}."


def _unique_name(session: Session, name: str, feed_id: str | None = None) -> None:
    existing = session.execute(select(Feed.id).where(Feed.name == name)).scalar_one_or_none()
    if existing is not None and existing != feed_id:
        raise Conflict(_taken(name))


def create(
    session: Session,
    data: FeedCreate,
    *,
    actor: Principal | None,
    secret_key: str,
    url_policy: UrlPolicy | None = None,
) -> tuple[Feed, str | None]:
    """Add a feed; a push feed gets a new signing secret, returned this once. `url_policy` refuses inside URLs."""
    _check(data.kind, data.url, url_policy)
    _unique_name(session, data.name)
    secret = new_secret() if data.kind == FeedKind.PUSH else None
    feed = Feed(**data.model_dump(), secret_sealed=seal(secret, secret_key) if secret else None)
    with records.unique(session, _taken(data.name)):  # the check above is for the usual case; this, for a race
        session.add(feed)
    audit.record(
        session,
        actor=actor,
        anonymous_name="demo",
        action="feed.create",
        entity_type="feed",
        entity_id=feed.id,
        after=audit.snapshot(present(feed)),
    )
    return feed, secret


def _audited(feed: Feed) -> dict[str, Any] | None:
    return audit.snapshot(present(feed), exclude={"status", "created_at", "updated_at", "version"})


def update(
    session: Session, feed: Feed, data: FeedUpdate, *, actor: Principal, url_policy: UrlPolicy | None = None
) -> Feed:
    """Change a feed's settings; `url_policy` refuses a URL that reaches inside."""
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    _check(feed.kind, changes.get("url", feed.url), url_policy if "url" in changes else None)
    if "name" in changes:
        _unique_name(session, changes["name"], feed.id)
    with (
        records.unique(session, _taken(changes.get("name", feed.name))),
        records.changing(session, feed, actor=actor, snapshot=_audited),
    ):
        if "url" in changes and changes["url"] != feed.url:
            feed.http_etag = feed.http_last_modified = None
        for name, value in changes.items():
            setattr(feed, name, value)
    return feed


def delete(session: Session, feed: Feed, *, actor: Principal) -> None:
    """Remove a feed; the levels and assessments it brought stay."""
    before = audit.snapshot(present(feed))
    session.delete(feed)
    session.flush()
    audit.record(session, actor=actor, action="feed.delete", entity_type="feed", entity_id=feed.id, before=before)
    session.info.setdefault("after_commit", []).append(threat_level.CACHE.clear)


def rotate_secret(session: Session, feed: Feed, *, actor: Principal, secret_key: str, grace_seconds: int = 0) -> str:
    """Give a push feed a new secret; the one it replaces keeps verifying for `grace_seconds` (0: it stops at
    once), so senders can switch without losing events. Only the secret just replaced is kept, never older ones.
    A rotation racing another follows it."""
    if feed.kind != FeedKind.PUSH:
        raise Conflict("Only push feeds have a signing secret.")
    records.lock(session, feed)
    session.refresh(feed)
    previous, secret = feed.secret_sealed, new_secret()

    def snapshot(record: Feed) -> dict[str, Any]:
        return {"secret": "(rotated)" if record.secret_sealed != previous else "(previous)"}

    with records.changing(session, feed, actor=actor, action="feed.rotate_secret", snapshot=snapshot):
        if grace_seconds > 0 and previous:
            feed.previous_secret_sealed = previous
            feed.previous_secret_until = utcnow() + timedelta(seconds=grace_seconds)
        else:
            feed.previous_secret_sealed = feed.previous_secret_until = None
        feed.secret_sealed = seal(secret, secret_key)
    return secret
