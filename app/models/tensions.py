"""Community tensions: reports from members and officers, their assessment, and the calendar of community events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.core.security import Classification
from app.models.common import (
    ClassifiedRead,
    LongText,
    OptionalShortText,
    Page,
    Record,
    ShortText,
    UtcDateTime,
    enum_field,
    timestamp_field,
)
from app.models.protect import Location


class TensionCategory(StrEnum):
    """What kind of tension a report is about."""

    PROTEST = "protest"
    HATE_INCIDENT = "hate_incident"
    ONLINE = "online"
    EVENT = "event"
    RUMOUR = "rumour"
    OTHER = "other"


class Trigger(StrEnum):
    """Where what set the tension off happened."""

    LOCAL = "local"
    NATIONAL = "national"
    INTERNATIONAL = "international"


class ReportSource(StrEnum):
    """How the reporter came to know."""

    WITNESSED = "witnessed"
    TOLD = "told"
    ONLINE = "online"
    MEDIA = "media"


class ReportStatus(StrEnum):
    """Where a report stands with the officers."""

    NEW = "new"
    ASSESSED = "assessed"
    MONITORING = "monitoring"
    CLOSED = "closed"


class Trend(StrEnum):
    """Which way the tension is going."""

    RISING = "rising"
    STABLE = "stable"
    FALLING = "falling"


class EventKind(StrEnum):
    """What kind of community event."""

    PROTEST = "protest"
    MARCH = "march"
    VIGIL = "vigil"
    EMBASSY = "embassy"
    COMMEMORATION = "commemoration"
    SPORTING = "sporting"
    CULTURAL = "cultural"
    OTHER = "other"


class CommunityEvent(Record, table=True):
    """A public event that may raise or reflect tension: a protest, a march, a vigil, an embassy event."""

    __tablename__ = "community_event"
    __table_args__ = (Index("ix_community_event_starts_id", "starts_at", "id"),)

    title: str = SQLField(max_length=200)
    kind: str = enum_field(20, index=True)  # type: ignore[assignment]
    starts_at: datetime = timestamp_field(nullable=False)  # type: ignore[assignment]
    ends_at: datetime = timestamp_field(nullable=False, index=True)  # type: ignore[assignment]
    place: str = SQLField(default="", max_length=200)
    ward: str | None = SQLField(default=None, max_length=100, index=True)
    lat: float | None = SQLField(default=None)
    lon: float | None = SQLField(default=None)
    expected_attendance: int | None = SQLField(default=None)
    organiser: str = SQLField(default="", max_length=200)
    notes: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


class CommunityEventSite(SQLModel, table=True):
    """An event happens at or near a site in the Protect register; deleting either ends the link."""

    __tablename__ = "community_event_site"

    event_id: str = SQLField(foreign_key="community_event.id", primary_key=True, max_length=36, ondelete="CASCADE")
    site_id: str = SQLField(foreign_key="site.id", primary_key=True, max_length=36, index=True, ondelete="CASCADE")


class TensionReport(Record, table=True):
    """A report of community tension: what the reporter saw or heard, and the officers' assessment of it.

    The reporter is kept by id and kind (a user, or a partner's API key) so they can always find their own reports,
    and by name and organisation as they were when they reported.
    """

    __tablename__ = "tension_report"
    __table_args__ = (
        Index("ix_tension_report_reported_id", "reported_at", "id"),
        Index("ix_tension_report_reporter", "reporter_kind", "reporter_id", "reported_at"),
    )

    ward: str = SQLField(max_length=100, index=True)
    lat: float | None = SQLField(default=None)
    lon: float | None = SQLField(default=None)
    communities: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    category: str = enum_field(20, index=True)  # type: ignore[assignment]
    trigger: str = enum_field(20)  # type: ignore[assignment]
    trigger_detail: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    summary: str = SQLField(sa_column=Column(Text, nullable=False))
    source: str = enum_field(20)  # type: ignore[assignment]
    community_event_id: str | None = SQLField(
        default=None, foreign_key="community_event.id", max_length=36, index=True, ondelete="SET NULL"
    )
    reported_at: datetime = timestamp_field(nullable=False)  # type: ignore[assignment]
    reporter_id: str = SQLField(max_length=36)
    reporter_kind: str = enum_field(10)  # type: ignore[assignment]
    reporter_name: str = SQLField(max_length=200)
    reporter_organisation: str = SQLField(default="", max_length=200)
    status: str = enum_field(20, index=True)  # type: ignore[assignment]
    level: int | None = SQLField(default=None, index=True)
    trend: str | None = enum_field(20, default=None, nullable=True)  # type: ignore[assignment]
    actions: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    assessment_notes: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    police_informed_at: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]
    reassurance_message: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


# --- Schemas ------------------------------------------------------------------------------------------------------

Ward = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Community = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Communities = Annotated[list[Community], Field(max_length=20)]
SiteIds = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=36)]], Field(max_length=200)]
EventId = Annotated[str, StringConstraints(min_length=1, max_length=36)]
Level = Annotated[
    int, Field(strict=True, ge=1, le=10, description="A level of the council's scale (GET /tension-levels).")
]
Attendance = Annotated[int, Field(strict=True, ge=0, le=10_000_000)]


class Reporter(BaseModel):
    """Who made a report, as they were when they made it."""

    name: str
    organisation: str


class TensionReportCreate(BaseModel):
    """A new report, as a member or officer sends it; the service sets who, when, and the status."""

    model_config = ConfigDict(extra="forbid")

    ward: Ward
    location: Location | None = None
    communities: Communities = Field(default_factory=list, description="The communities affected, in your words.")
    category: TensionCategory
    trigger: Trigger
    trigger_detail: LongText = Field(default="", description="What set it off (an event abroad, a local incident).")
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    source: ReportSource
    community_event_id: EventId | None = Field(default=None, description="A community event it relates to.")
    classification: Classification = Field(
        default=Classification.OFFICIAL, description="OFFICIAL unless you mark it higher (not above your clearance)."
    )


class TensionReportUpdate(BaseModel):
    """An officer's assessment; `null` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    level: Level | None = None
    trend: Trend | None = None
    status: ReportStatus | None = None
    actions: LongText | None = None
    assessment_notes: LongText | None = None
    police_informed_at: UtcDateTime | None = None
    reassurance_message: LongText | None = None
    community_event_id: EventId | None = None
    classification: Classification | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> TensionReportUpdate:
        for name in ("status", "classification"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TensionReportReporterView(ClassifiedRead):
    """A report as its reporter sees it: what they wrote, and what became of it (never the officers' notes)."""

    ward: str
    location: Location | None
    communities: list[str]
    category: TensionCategory
    trigger: Trigger
    trigger_detail: str
    summary: str
    source: ReportSource
    community_event_id: str | None
    reported_at: UtcDateTime
    reporter: Reporter
    status: ReportStatus
    level: int | None
    trend: Trend | None
    reassurance_message: str


class TensionReportRead(TensionReportReporterView):
    """A report in full, for those who read tensions (`tensions:read`)."""

    actions: str
    assessment_notes: str
    police_informed_at: UtcDateTime | None


class TensionReportPage(Page[TensionReportRead | TensionReportReporterView]):
    """One page of reports: each in full, or in the reporter's view (see `TensionReportReporterView`)."""


class TensionLevel(BaseModel):
    """One level of the council's tension scale."""

    level: int
    name: str
    description: str


class TensionGroup(BaseModel):
    """Reports of one ward or one ISO week."""

    key: str = Field(description="The ward, or the ISO week (`2026-W48`).")
    reports: int
    new: int = Field(description="Reports still `new` (not yet assessed).")
    highest_level: int | None = Field(description="The highest level assessed; null when none is assessed yet.")


class TensionSummary(BaseModel):
    """Reports counted by ward or by week, within the caller's clearance."""

    groups: list[TensionGroup]
    reports: int = Field(description="All the reports counted.")
    new: int = Field(description="Of them, those still `new`.")
    highest_level: int | None = Field(description="The highest level among them.")


class ReassuranceMessage(BaseModel):
    """A reassurance message for members to carry back to their communities."""

    ward: str
    message: str
    level: int | None
    trend: Trend | None
    category: TensionCategory
    updated_at: UtcDateTime


class _EventFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Any:
        starts, ends = getattr(self, "starts_at", None), getattr(self, "ends_at", None)
        if starts is not None and ends is not None and ends < starts:
            raise ValueError("ends_at must not be before starts_at")
        return self


class CommunityEventCreate(_EventFields):
    """A new community event. The organiser is as publicly announced: never a private person's details."""

    title: ShortText
    kind: EventKind
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    place: OptionalShortText = ""
    ward: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    location: Location | None = None
    expected_attendance: Attendance | None = None
    organiser: OptionalShortText = Field(default="", description="As publicly announced (an organisation).")
    notes: LongText = ""
    site_ids: SiteIds = Field(default_factory=list, description="Sites in the Protect register it affects.")
    classification: Classification = Classification.OFFICIAL


class CommunityEventUpdate(_EventFields):
    """Changes to an event; `null` clears an optional field; `site_ids` replaces the links you can see."""

    title: ShortText | None = None
    kind: EventKind | None = None
    starts_at: UtcDateTime | None = None
    ends_at: UtcDateTime | None = None
    place: OptionalShortText | None = None
    ward: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    location: Location | None = None
    expected_attendance: Attendance | None = None
    organiser: OptionalShortText | None = None
    notes: LongText | None = None
    site_ids: SiteIds | None = None
    classification: Classification | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> CommunityEventUpdate:
        for name in ("title", "kind", "starts_at", "ends_at", "classification", "site_ids"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class CommunityEventRead(ClassifiedRead):
    """A community event as the API shows it."""

    title: str
    kind: EventKind
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    place: str
    ward: str | None
    location: Location | None
    expected_attendance: int | None
    organiser: str
    notes: str
    site_ids: list[str] = Field(description="Linked sites you are cleared to see.")
    reports: int = Field(description="Tension reports linked to the event that you may see.")
