"""Signed pushes from partner systems (police), verified with the Standard Webhooks scheme.

Headers `webhook-id`, `webhook-timestamp`, `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`);
timestamps more than 5 minutes off are refused. A repeated `webhook-id` is acknowledged and applied once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from standardwebhooks import Webhook

from app.core.clock import utcnow
from app.core.errors import Conflict, NotFound, Unauthorized, Unprocessable
from app.models.feeds import (
    Feed,
    FeedAssessmentLink,
    FeedEvent,
    FeedKind,
    PushAck,
    PushedAssessment,
    PushedThreatLevel,
    PushEnvelope,
)
from app.models.prevent import ThreatAssessment, ThreatAssessmentCreate, ThreatAssessmentUpdate
from app.models.threat_level import ThreatLevelCreate
from app.services import feeds, threat_assessments, threat_level

EVENT_TYPES = ("threat_level.changed", "threat_assessment.published")


class BadSignature(Unauthorized):
    """The push is not signed with this feed's secret (or is too old, or too new)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {}


def _in_data(error: Unprocessable) -> Unprocessable:
    """A rule of the services on the event's data, its fields named by their place in the payload (`data.…`)."""
    errors = [{**e, "field": f"data.{e['field']}"} for e in error.errors or []]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or error.detail
    return Unprocessable(detail, errors=errors)


def push_feed(session: Session, feed_id: str) -> Feed:
    """The push feed of that id, or 404 (unknown feeds and polled feeds take no pushes)."""
    feed = session.get(Feed, feed_id)
    if feed is None or feed.kind != FeedKind.PUSH or not feed.enabled:
        raise NotFound(f"There is no push feed with id {feed_id!r}.")
    return feed


def verify(feed: Feed, body: bytes, headers: Mapping[str, str], secret_key: str) -> None:
    """Check the Standard Webhooks signature and timestamp (5 minutes' tolerance); raise 401 if wrong.

    The current secret verifies, and so does the one the last rotation replaced, until its grace window ends.
    """
    sealed = [feed.secret_sealed]
    if feeds.previous_secret_until(feed) is not None:
        sealed.append(feed.previous_secret_sealed)
    secrets = [s for s in (feeds.unseal(x, secret_key) for x in sealed if x) if s is not None]
    if not secrets:
        raise BadSignature("This feed has no usable secret; rotate it and configure the sender.")
    wanted = {k: headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    reason = ""
    for secret in secrets:
        try:
            Webhook(secret).verify(body, wanted, json_parse=False)
            return
        except Exception as exc:  # any malformed header is simply a bad signature
            named = type(exc).__name__ == "WebhookVerificationError"
            reason = reason or (str(exc) if named else "Malformed signature headers")
    raise BadSignature(f"Signature not accepted: {reason}.")


def _validate(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{"field": "data." + ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        raise Unprocessable("The event's data is not valid.", errors=errors) from None


def parse(body: bytes) -> PushEnvelope:
    """The event envelope; 422 when it is not JSON of the expected shape or its type is unknown."""
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Unprocessable.field("body", "must be a JSON object") from None
    try:
        envelope = PushEnvelope.model_validate(raw)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        raise Unprocessable("The event is not valid.", errors=errors) from None
    if envelope.type not in EVENT_TYPES:
        raise Unprocessable.field("type", f"unknown event type; expected one of {', '.join(EVENT_TYPES)}")
    return envelope


SAME_ID_OTHER_BODY = (
    "This webhook-id was already used for a different event body. A retry must resend the same body; "
    "a new event needs a new webhook-id."
)


def _seen(session: Session, feed: Feed, webhook_id: str, digest: str) -> bool:
    """Whether the webhook-id was applied before; 409 when it came then with another body."""
    seen = select(FeedEvent.body_sha256).where(FeedEvent.feed_id == feed.id, FeedEvent.webhook_id == webhook_id)
    row = session.execute(seen).first()
    if row is None:
        return False
    if row[0] is not None and row[0] != digest:  # events kept before bodies were hashed are simply duplicates
        raise Conflict(SAME_ID_OTHER_BODY)
    return True


def _claim(session: Session, feed: Feed, webhook_id: str, event_type: str, body: bytes) -> FeedEvent | None:
    """Remember the webhook-id and its body's hash; None when it was applied before (a replay of the same body)."""
    digest = hashlib.sha256(body).hexdigest()
    if _seen(session, feed, webhook_id, digest):
        return None
    event = FeedEvent(
        feed_id=feed.id, webhook_id=webhook_id, event_type=event_type, received_at=utcnow(), body_sha256=digest
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:  # the same id arrived concurrently: a duplicate, or a 409 if its body differs
        _seen(session, feed, webhook_id, digest)
        return None
    return event


def _level(session: Session, feed: Feed, data: dict[str, Any]) -> tuple[str, str | None]:
    pushed: PushedThreatLevel = _validate(PushedThreatLevel, data)
    current = threat_level.latest(session, pushed.scope)
    if current is not None and current.level == pushed.level:
        return "unchanged", current.id  # a level already in force is acknowledged, not recorded again
    change = threat_level.create(
        session,
        ThreatLevelCreate(**pushed.model_dump()),
        actor=feeds.feed_principal(feed),
        source=feed.name,
        feed_id=feed.id,
    )
    return "recorded", change.id


def _assessment(session: Session, feed: Feed, data: dict[str, Any]) -> tuple[str, str | None]:
    pushed: PushedAssessment = _validate(PushedAssessment, data)
    actor = feeds.feed_principal(feed)
    fields = pushed.model_dump(exclude={"external_id"})
    link = session.get(FeedAssessmentLink, (feed.id, pushed.external_id))
    existing = session.get(ThreatAssessment, link.threat_assessment_id) if link else None
    if existing is not None:
        threat_assessments.update(session, existing, ThreatAssessmentUpdate.model_validate(fields), actor=actor)
        return "updated", existing.id
    assessment = threat_assessments.create(
        session, ThreatAssessmentCreate.model_validate(fields), actor=actor, external_id=pushed.external_id
    )
    session.add(FeedAssessmentLink(feed_id=feed.id, external_id=pushed.external_id, threat_assessment_id=assessment.id))
    session.flush()
    return "created", assessment.id


def receive(session: Session, feed_id: str, body: bytes, headers: Mapping[str, str], *, secret_key: str) -> PushAck:
    """Verify, de-duplicate and apply one pushed event."""
    feed = push_feed(session, feed_id)
    try:
        verify(feed, body, headers, secret_key)
    except BadSignature as refused:
        feeds.record_refusal(session, feed, refused.detail)  # committed: the route answers rather than raises
        raise
    envelope = parse(body)
    webhook_id = headers["webhook-id"]
    event = _claim(session, feed, webhook_id, envelope.type, body)
    if event is None:
        return PushAck(webhook_id=webhook_id, outcome="duplicate")
    handler = _level if envelope.type == "threat_level.changed" else _assessment
    try:
        outcome, entity_id = handler(session, feed, envelope.data)
    except Unprocessable as error:
        if any(e["field"].startswith("data.") for e in error.errors or []):
            raise
        raise _in_data(error) from None
    event.outcome = f"{outcome} {entity_id or ''}".strip()
    feeds.record_success(session, feed)
    return PushAck(webhook_id=webhook_id, outcome=outcome, entity_id=entity_id)
