"""Signed pushes from partner systems (police), verified with the Standard Webhooks scheme.

Headers `webhook-id`, `webhook-timestamp`, `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`);
timestamps more than 5 minutes off are refused. A repeated `webhook-id` is acknowledged and applied once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from standardwebhooks import Webhook

from app.core.clock import utcnow
from app.core.errors import NotFound, Unauthorized, Unprocessable
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


def push_feed(session: Session, feed_id: str) -> Feed:
    """The push feed of that id, or 404 (unknown feeds and polled feeds take no pushes)."""
    feed = session.get(Feed, feed_id)
    if feed is None or feed.kind != FeedKind.PUSH or not feed.enabled:
        raise NotFound(f"There is no push feed with id {feed_id!r}.")
    return feed


def verify(feed: Feed, body: bytes, headers: Mapping[str, str], secret_key: str) -> None:
    """Check the Standard Webhooks signature and timestamp (5 minutes' tolerance); raise 401 if wrong."""
    secret = feeds.unseal(feed.secret_sealed, secret_key) if feed.secret_sealed else None
    if secret is None:
        raise BadSignature("This feed has no usable secret; rotate it and configure the sender.")
    wanted = {k: headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    try:
        Webhook(secret).verify(body, wanted, json_parse=False)
    except Exception as exc:  # any malformed header is simply a bad signature
        reason = str(exc) if type(exc).__name__ == "WebhookVerificationError" else "Malformed signature headers"
        raise BadSignature(f"Signature not accepted: {reason}.") from None


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


def _claim(session: Session, feed: Feed, webhook_id: str, event_type: str) -> FeedEvent | None:
    """Remember the webhook-id; None when it was seen before (a replay)."""
    seen = select(FeedEvent.id).where(FeedEvent.feed_id == feed.id, FeedEvent.webhook_id == webhook_id)
    if session.execute(seen).first():
        return None
    event = FeedEvent(feed_id=feed.id, webhook_id=webhook_id, event_type=event_type, received_at=utcnow())
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        return None  # the same id arrived concurrently
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
    assessment = threat_assessments.create(session, ThreatAssessmentCreate.model_validate(fields), actor=actor)
    session.add(FeedAssessmentLink(feed_id=feed.id, external_id=pushed.external_id, threat_assessment_id=assessment.id))
    session.flush()
    return "created", assessment.id


def receive(session: Session, feed_id: str, body: bytes, headers: Mapping[str, str], *, secret_key: str) -> PushAck:
    """Verify, de-duplicate and apply one pushed event."""
    feed = push_feed(session, feed_id)
    verify(feed, body, headers, secret_key)
    envelope = parse(body)
    webhook_id = headers["webhook-id"]
    event = _claim(session, feed, webhook_id, envelope.type)
    if event is None:
        return PushAck(webhook_id=webhook_id, outcome="duplicate")
    handler = _level if envelope.type == "threat_level.changed" else _assessment
    outcome, entity_id = handler(session, feed, envelope.data)
    event.outcome = f"{outcome} {entity_id or ''}".strip()
    feeds.record_success(session, feed)
    return PushAck(webhook_id=webhook_id, outcome=outcome, entity_id=entity_id)
