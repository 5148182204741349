"""Warn and inform: public warnings drafted by one person, approved by another, published as CAP 1.2.

Field names and enum values are CAP 1.2's (OASIS, 2010) where CAP has them, so a warning maps onto its CAP
document one to one: `status` Actual|Exercise|Test, `msg_type` Alert|Update|Cancel, CAP's categories, urgency,
severity and certainty. They are written as CAP writes them (capitalised), as threat levels are written as the UK
government writes them.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field as SQLField

from app.models.common import ClassifiedRead, Record, UtcDateTime, enum_field, timestamp_field


class AlertStatus(StrEnum):
    """CAP `status`: who the message is for (System and Draft are CAP's too, but never published here)."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    TEST = "Test"


class MsgType(StrEnum):
    """CAP `msgType`: a first warning, an update of one, or its cancellation."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


class AlertCategory(StrEnum):
    """CAP `category` values."""

    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class Urgency(StrEnum):
    """CAP `urgency`: how soon people should act."""

    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Severity(StrEnum):
    """CAP `severity`: how much harm is threatened."""

    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    """CAP `certainty`: how sure the sender is."""

    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


class AlertState(StrEnum):
    """Where a warning is in its life. `expired` is derived on reading: a published warning past `expires`."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# XML 1.0 allows only these characters (§2.2): anything else (NUL, most C0 controls, lone surrogates, U+FFFE/FFFF)
# could never be written into a CAP document or an Atom feed, so such text is refused when it arrives (422).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value: str) -> str:
    """Refuse text holding a character XML 1.0 cannot carry."""
    found = _NOT_XML.search(value)
    if found:
        raise ValueError(f"contains a control character (U+{ord(found.group()):04X}) that cannot be published")
    return value


def _strip(max_length: int, min_length: int = 0) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Headline = Annotated[str, _strip(160, 1), AfterValidator(xml_safe)]
EventText = Annotated[str, _strip(200, 1), AfterValidator(xml_safe)]
Description = Annotated[str, _strip(5_000, 1), AfterValidator(xml_safe)]
Instruction = Annotated[str, _strip(5_000), AfterValidator(xml_safe)]
AreaText = Annotated[str, _strip(1_000, 1), AfterValidator(xml_safe)]
WardName = Annotated[str, _strip(100, 1), AfterValidator(xml_safe)]
WebUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^(https?://[^\s<>\"]+)?$"),
    AfterValidator(xml_safe),
]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180)]


class Circle(BaseModel):
    """A circle: its centre (WGS84) and radius in kilometres (CAP `circle`)."""

    model_config = ConfigDict(extra="forbid")

    lat: Latitude
    lon: Longitude
    radius_km: float = Field(strict=True, gt=0, le=500)


class Area(BaseModel):
    """Where the warning applies: always a description in words (the text alternative to any map), and
    optionally the wards it names, a polygon of [lat, lon] points and a circle."""

    model_config = ConfigDict(extra="forbid")

    description: AreaText
    wards: list[WardName] = Field(default_factory=list, max_length=100)
    polygon: list[Annotated[list[float], Field(min_length=2, max_length=2)]] | None = Field(
        default=None,
        min_length=3,
        max_length=500,
        description="[lat, lon] points (WGS84); closed on saving (the first point repeated at the end, as CAP needs).",
    )
    circle: Circle | None = None

    @model_validator(mode="after")
    def _closed_polygon(self) -> Area:
        if self.polygon is None:
            return self
        for lat, lon in self.polygon:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError("polygon points must be [lat, lon] with lat in -90..90 and lon in -180..180")
        if self.polygon[0] != self.polygon[-1]:
            self.polygon = [*self.polygon, self.polygon[0]]
        if len({tuple(p) for p in self.polygon}) < 3:
            raise ValueError("polygon needs at least three different points")
        return self


class Alert(Record, table=True):
    """A public warning, one CAP message: drafted, approved by someone else, then superseded or cancelled."""

    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_created_id", "created_at", "id"),
        Index("ix_alert_sent_id", "sent", "id"),
    )

    identifier: str = SQLField(max_length=200, unique=True)
    sender: str = SQLField(max_length=200)
    sent: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]
    status: str = enum_field(20)  # type: ignore[assignment]
    msg_type: str = enum_field(20)  # type: ignore[assignment]
    scope: str = enum_field(20, default="Public")  # type: ignore[assignment]
    category: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    event: str = SQLField(max_length=200)
    urgency: str = enum_field(20)  # type: ignore[assignment]
    severity: str = enum_field(20)  # type: ignore[assignment]
    certainty: str = enum_field(20)  # type: ignore[assignment]
    headline: str = SQLField(max_length=160)
    description: str = SQLField(sa_column=Column(Text, nullable=False))
    instruction: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    web: str = SQLField(default="", max_length=500)
    expires: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]
    area: dict[str, Any] = SQLField(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = enum_field(20, default=AlertState.DRAFT.value)  # type: ignore[assignment]
    references: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    previous_id: str | None = SQLField(default=None, foreign_key="alert.id", max_length=36, index=True)
    author_id: str = SQLField(max_length=36)
    author: str = SQLField(max_length=200)
    approved_by: str | None = SQLField(default=None, max_length=200)
    classification: str = enum_field(20, default="OFFICIAL")  # type: ignore[assignment]


class AlertCreate(BaseModel):
    """A new warning, saved as a draft. Identifier, sender and `sent` are the service's to set."""

    model_config = ConfigDict(extra="forbid")

    status: AlertStatus = AlertStatus.ACTUAL
    category: list[AlertCategory] = Field(min_length=1, max_length=12)
    event: EventText
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    headline: Headline
    description: Description
    instruction: Instruction = ""
    web: WebUrl = Field(default="", description="A page with more information (http or https).")
    expires: UtcDateTime | None = None
    area: Area


class AlertUpdate(BaseModel):
    """Changes to a draft; `null` clears `expires`."""

    model_config = ConfigDict(extra="forbid")

    status: AlertStatus | None = None
    category: list[AlertCategory] | None = Field(default=None, min_length=1, max_length=12)
    event: EventText | None = None
    urgency: Urgency | None = None
    severity: Severity | None = None
    certainty: Certainty | None = None
    headline: Headline | None = None
    description: Description | None = None
    instruction: Instruction | None = None
    web: WebUrl | None = None
    expires: UtcDateTime | None = None
    area: Area | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> AlertUpdate:
        for name in self.model_fields_set - {"expires"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class PublicAlertRead(ClassifiedRead):
    """A warning as anyone may read it once published: its CAP fields and where it is in its life."""

    identifier: str = Field(description="CAP identifier: unique, stable, no spaces or commas.")
    sender: str
    sent: UtcDateTime | None = Field(description="When it was approved and published (whole seconds).")
    status: AlertStatus
    msg_type: MsgType
    scope: str
    category: list[AlertCategory]
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    headline: str
    description: str
    instruction: str
    web: str
    expires: UtcDateTime | None
    area: Area
    state: AlertState = Field(description="`expired` is derived: published, and `expires` has passed.")
    references: str = Field(description="The earlier messages this one updates or cancels: `sender,identifier,sent`.")
    previous_id: str | None = Field(description="The id of the warning this one updates or cancels.")


class AlertRead(PublicAlertRead):
    """A warning as staff read it: with who drafted and who approved it."""

    author: str
    author_id: str
    approved_by: str | None
