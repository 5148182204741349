"""Outside feeds of threat levels and assessments: the MI5 RSS feed (polled) and signed police pushes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AnyUrl, BaseModel, ConfigDict, Field, RootModel, StringConstraints, field_validator
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.core.ids import new_id
from app.models.common import Record, RecordRead, UtcDateTime, enum_field, timestamp_field
from app.models.prevent import ThreatAssessmentCreate
from app.models.threat_level import ThreatLevel, ThreatScope


class FeedKind(StrEnum):
    """How a feed reaches us: polled RSS, or signed pushes."""

    MI5_RSS = "mi5_rss"
    PUSH = "push"


class FeedStatus(StrEnum):
    """A feed's health at a glance."""

    NEVER_POLLED = "never_polled"
    OK = "ok"
    STALE = "stale"
    FAILING = "failing"


class Feed(Record, table=True):
    """A source of threat levels (and, for pushes, threat assessments), with its health."""

    __tablename__ = "feed"

    name: str = SQLField(max_length=200, unique=True)
    kind: FeedKind = enum_field(20)  # type: ignore[assignment]
    url: str | None = SQLField(default=None, max_length=2000)
    poll_interval_seconds: int = SQLField(default=1200)
    max_age_seconds: int = SQLField(default=3600)
    enabled: bool = SQLField(default=True)
    status: FeedStatus = enum_field(20, default=FeedStatus.NEVER_POLLED.value)  # type: ignore[assignment]
    last_polled_at: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]
    last_success_at: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]
    last_error: str | None = SQLField(default=None, max_length=2000)
    consecutive_failures: int = SQLField(default=0)
    http_etag: str | None = SQLField(default=None, max_length=500)
    http_last_modified: str | None = SQLField(default=None, max_length=100)
    secret_sealed: str | None = SQLField(default=None, max_length=500)
    # After a rotation the previous secret keeps verifying until `previous_secret_until` (sealed like the current).
    previous_secret_sealed: str | None = SQLField(default=None, max_length=500)
    previous_secret_until: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]
    # Pushes refused for their signature: how many, when last, and why (never a secret or a signature).
    refused_pushes: int = SQLField(default=0)
    last_refused_at: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]
    last_refused_reason: str | None = SQLField(default=None, max_length=500)


class FeedEvent(SQLModel, table=True):
    """A pushed event we accepted, by its `webhook-id`, so a replay is acknowledged but not applied twice."""

    __tablename__ = "feed_event"
    __table_args__ = (UniqueConstraint("feed_id", "webhook_id", name="uq_feed_event_feed_id_webhook_id"),)

    id: str = SQLField(default_factory=new_id, primary_key=True, max_length=36)
    feed_id: str = SQLField(foreign_key="feed.id", max_length=36, ondelete="CASCADE")
    webhook_id: str = SQLField(max_length=200)
    event_type: str = SQLField(max_length=100)
    received_at: datetime = timestamp_field(nullable=False)  # type: ignore[assignment]
    outcome: str = SQLField(default="", max_length=500)
    body_sha256: str | None = SQLField(default=None, max_length=64)  # the same id with another body is a 409


class FeedAssessmentLink(SQLModel, table=True):
    """Which threat assessment a push feed's own `external_id` names."""

    __tablename__ = "feed_assessment_link"
    __table_args__ = (PrimaryKeyConstraint("feed_id", "external_id", name="pk_feed_assessment_link"),)

    feed_id: str = SQLField(foreign_key="feed.id", max_length=36, ondelete="CASCADE")
    external_id: str = SQLField(max_length=200)
    threat_assessment_id: str = SQLField(
        foreign_key="threat_assessment.id", max_length=36, ondelete="CASCADE", index=True
    )


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Interval = Annotated[int, Field(strict=True, ge=60, le=7 * 24 * 3600)]


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    url = AnyUrl(value)
    if url.scheme not in {"http", "https"} or not url.host:
        raise ValueError("must be an http or https URL")
    return value


class FeedCreate(BaseModel):
    """A new feed; `url` is required for `mi5_rss` and absent for `push`."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: FeedKind
    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    poll_interval_seconds: Interval = Field(default=1200, description="How often the worker polls (mi5_rss).")
    max_age_seconds: Interval = Field(default=3600, description="After this long without success: stale.")
    enabled: bool = Field(default=True, strict=True)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _http_url(value)


class FeedUpdate(BaseModel):
    """Changes to a feed (its kind is fixed)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    poll_interval_seconds: Interval | None = None
    max_age_seconds: Interval | None = None
    enabled: bool | None = Field(default=None, strict=True)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _http_url(value)


class FeedRead(RecordRead):
    """A feed and its health. A push feed's secret is never shown here."""

    name: str
    kind: FeedKind
    url: str | None
    poll_interval_seconds: int
    max_age_seconds: int
    enabled: bool
    status: FeedStatus
    last_polled_at: UtcDateTime | None
    last_success_at: UtcDateTime | None
    last_error: str | None
    consecutive_failures: int
    refused_pushes: int = Field(default=0, description="Pushes refused (401) for their signature or timestamp.")
    last_refused_at: UtcDateTime | None = Field(default=None, description="When a push was last refused (401).")
    last_refused_reason: str | None = Field(default=None, description="Why the last refused push was refused.")
    previous_secret_valid_until: UtcDateTime | None = Field(
        default=None, description="After a rotation, the previous signing secret is accepted until this time."
    )


class FeedCreated(FeedRead):
    """A new feed; a push feed's signing secret is shown this once."""

    secret: str | None = Field(default=None, description="Standard Webhooks secret (`whsec_...`); shown once.")


class FeedSecret(BaseModel):
    """A push feed's new signing secret, shown once; the old one keeps verifying for a grace window."""

    feed_id: str
    secret: str
    previous_secret_valid_until: UtcDateTime | None = Field(
        default=None, description="The secret it replaces keeps verifying until then (none: it stopped at once)."
    )


class LevelRead(BaseModel):
    """A level a poll read from a feed."""

    scope: ThreatScope
    level: ThreatLevel
    changed: bool


class PollResult(BaseModel):
    """What one poll did."""

    feed_id: str
    outcome: str = Field(
        description="`changed`, `unchanged`, `not_modified` or `failed`.",
        json_schema_extra={"enum": ["changed", "unchanged", "not_modified", "failed"]},
    )
    levels: list[LevelRead] = Field(default_factory=list)
    changes_recorded: int = 0
    published_at: UtcDateTime | None = None
    error: str | None = None
    status: FeedStatus


# --- pushed events --------------------------------------------------------------------------------


class PushedThreatLevel(BaseModel):
    """`data` of a `threat_level.changed` event."""

    model_config = ConfigDict(extra="forbid")

    scope: ThreatScope = ThreatScope.UK
    level: ThreatLevel
    effective_from: UtcDateTime | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class PushedAssessment(ThreatAssessmentCreate):
    """`data` of a `threat_assessment.published` event: the threat assessment fields plus the sender's id."""

    external_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class PushEnvelope(BaseModel):
    """A pushed event: its type, when it was made, and its data."""

    model_config = ConfigDict(extra="ignore")

    type: Annotated[str, StringConstraints(max_length=100)]
    timestamp: UtcDateTime | None = None
    data: dict[str, Any]


class ThreatLevelChangedEvent(BaseModel):
    """A police system tells us the threat level changed."""

    type: Literal["threat_level.changed"]
    timestamp: UtcDateTime | None = None
    data: PushedThreatLevel


class ThreatAssessmentPublishedEvent(BaseModel):
    """A police system publishes (or republishes, by `external_id`) a threat assessment."""

    type: Literal["threat_assessment.published"]
    timestamp: UtcDateTime | None = None
    data: PushedAssessment


class PushEvent(RootModel[ThreatLevelChangedEvent | ThreatAssessmentPublishedEvent]):
    """The body of a signed push, by its `type` (the document's description of what `PushEnvelope` accepts)."""

    root: ThreatLevelChangedEvent | ThreatAssessmentPublishedEvent = Field(discriminator="type")


class PushAck(BaseModel):
    """The answer to a pushed event."""

    webhook_id: str
    outcome: str = Field(
        description="`recorded` or `unchanged` (a threat level), `created` or `updated` (a threat assessment), "
        "`duplicate` (this `webhook-id` was received before and applied once).",
        json_schema_extra={"enum": ["recorded", "unchanged", "created", "updated", "duplicate"]},
    )
    entity_id: str | None = None
