"""Prevent: police threat assessments, the local Prevent delivery plan, its items and progress updates."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field as SQLField

from app.core.security import Classification
from app.models.common import (
    ClassifiedRead,
    IsoDate,
    LongText,
    OptionalShortText,
    Record,
    RecordRead,
    ShortText,
    UtcDateTime,
    enum_field,
)

Ref = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,19}$")
]


class Rating(StrEnum):
    """How strongly a threat assessment priority calls for work."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class PreventPlanStatus(StrEnum):
    """A plan's life: drafted, submitted to EMT, approved (or returned with comments, redrafted and resubmitted),
    then superseded when the next approved plan comes into force on its period start."""

    DRAFT = "draft"
    APPROVED = "approved"
    SUPERSEDED = "superseded"
    SUBMITTED = "submitted"
    RETURNED = "returned"


class DecisionOutcome(StrEnum):
    """What EMT decided about a submitted plan."""

    APPROVED = "approved"
    RETURNED = "returned"


class KeyArea(StrEnum):
    """The three key areas of Prevent delivery."""

    IDEOLOGY = "ideology"
    INSTITUTIONS = "institutions"
    SAFEGUARDING = "safeguarding"


class ItemStatus(StrEnum):
    """Where an action stands."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    CANCELLED = "cancelled"


class Rag(StrEnum):
    """Red, amber or green: how confident the owner is that the action will deliver on time."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


CLOSED_STATUSES = (ItemStatus.COMPLETE.value, ItemStatus.CANCELLED.value)
_APPROVED = text(f"status = '{PreventPlanStatus.APPROVED.value}'")


# --- tables ---------------------------------------------------------------------------------------


class ThreatAssessment(Record, table=True):
    """A police threat assessment (like a Counter Terrorism Local Profile) with its ranked priorities."""

    __tablename__ = "threat_assessment"
    __table_args__ = (Index("ix_threat_assessment_period", "period_end", "created_at"),)

    title: str = SQLField(max_length=200)
    issued_by: str = SQLField(max_length=200)
    period_start: date
    period_end: date
    summary: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    priorities: list[dict[str, Any]] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    classification: Classification = enum_field(20, index=True)  # type: ignore[assignment]
    external_id: str | None = SQLField(default=None, max_length=200)  # the push feed's own id, if one brought it


class PreventPlan(Record, table=True):
    """A Prevent delivery plan for one period, approved by EMT."""

    __tablename__ = "prevent_plan"
    __table_args__ = (
        Index("ix_prevent_plan_period", "period_start", "id"),
        # At most one approved plan per period start (the one that comes into force that day): the database's
        # rule, so concurrent approvals for the same period cannot both win.
        Index(
            "ix_prevent_plan_one_approved_per_start",
            "period_start",
            unique=True,
            sqlite_where=_APPROVED,
            postgresql_where=_APPROVED,
        ),
    )

    title: str = SQLField(max_length=200)
    period_start: date
    period_end: date
    status: str = enum_field(20, default=PreventPlanStatus.DRAFT.value, index=True)  # type: ignore[assignment]
    approved_by: str | None = SQLField(default=None, max_length=200)
    approved_on: date | None = None
    threat_assessment_id: str | None = SQLField(
        default=None, foreign_key="threat_assessment.id", max_length=36, index=True, ondelete="SET NULL"
    )
    previous_plan_id: str | None = SQLField(
        default=None, foreign_key="prevent_plan.id", max_length=36, index=True, ondelete="SET NULL"
    )
    classification: Classification = enum_field(20, index=True)  # type: ignore[assignment]
    # EMT's decisions, oldest first: {outcome, by, at (RFC 3339), meeting, comments}
    decisions: list[dict[str, Any]] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))


class PreventItem(Record, table=True):
    """One action of a plan."""

    __tablename__ = "prevent_item"
    __table_args__ = (
        Index("ix_prevent_item_plan_ref", "plan_id", "ref", "id"),
        # A ref is unique within its plan, in any case: the database's rule, so concurrent creates cannot both win.
        Index("ix_prevent_item_plan_ref_unique", "plan_id", text("lower(ref)"), unique=True),
        Index("ix_prevent_item_plan_due", "plan_id", "due_date"),
        Index("ix_prevent_item_plan_area_status", "plan_id", "key_area", "status"),
    )

    plan_id: str = SQLField(foreign_key="prevent_plan.id", max_length=36, ondelete="CASCADE")
    ref: str = SQLField(max_length=20)
    title: str = SQLField(max_length=200)
    description: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    key_area: str = enum_field(20)  # type: ignore[assignment]
    owner: str = SQLField(max_length=200, index=True)
    partners: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = enum_field(20, default=ItemStatus.NOT_STARTED.value, index=True)  # type: ignore[assignment]
    rag: str | None = enum_field(10, default=None, nullable=True, index=True)  # type: ignore[assignment]
    start_date: date | None = None
    due_date: date | None = SQLField(default=None, index=True)
    measure: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    priority_refs: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    classification: Classification = enum_field(20, index=True)  # type: ignore[assignment]
    continues_item_id: str | None = SQLField(
        default=None, foreign_key="prevent_item.id", max_length=36, index=True, ondelete="SET NULL"
    )


class PreventItemUpdate(Record, table=True):
    """A progress update: the item's timeline. Append-only."""

    __tablename__ = "prevent_item_update"
    __table_args__ = (Index("ix_prevent_item_update_item_created", "item_id", "created_at", "id"),)

    item_id: str = SQLField(foreign_key="prevent_item.id", max_length=36, ondelete="CASCADE")
    note: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    status_from: str | None = enum_field(20, default=None, nullable=True)  # type: ignore[assignment]
    status_to: str | None = enum_field(20, default=None, nullable=True)  # type: ignore[assignment]
    rag_from: str | None = enum_field(10, default=None, nullable=True)  # type: ignore[assignment]
    rag_to: str | None = enum_field(10, default=None, nullable=True)  # type: ignore[assignment]
    author: str = SQLField(max_length=250)
    author_organisation: str = SQLField(default="", max_length=200)


# --- threat assessment schemas --------------------------------------------------------------------


class Priority(BaseModel):
    """One ranked priority of a threat assessment: where, what, how strongly."""

    model_config = ConfigDict(extra="forbid")

    ref: Ref | None = Field(default=None, description="Short reference items cite (default P1, P2, ... by rank).")
    area: ShortText = Field(description="A ward, sector or institution type.")
    theme: ShortText = Field(description="A theme or ideology.")
    rating: Rating
    notes: LongText = ""


class PriorityRead(Priority):
    """A priority as the API shows it: its rank is its position, 1 first."""

    model_config = ConfigDict(extra="ignore")

    rank: int
    ref: str


class ThreatAssessmentCreate(BaseModel):
    """A new threat assessment."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    issued_by: ShortText
    period_start: IsoDate
    period_end: IsoDate
    summary: LongText = ""
    priorities: list[Priority] = Field(default_factory=list, max_length=100)
    classification: Classification = Classification.OFFICIAL_SENSITIVE


class ThreatAssessmentUpdate(BaseModel):
    """Changes to a threat assessment; `priorities` replaces the whole list."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    issued_by: ShortText | None = None
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    summary: LongText | None = None
    priorities: list[Priority] | None = Field(default=None, max_length=100)
    classification: Classification | None = None


class ThreatAssessmentRead(ClassifiedRead):
    """A threat assessment as the API shows it."""

    title: str
    issued_by: str
    period_start: date
    period_end: date
    summary: str
    priorities: list[PriorityRead]
    external_id: str | None = Field(
        default=None, description="The sender's own id, when a signed push feed brought it (docs/feeds.md)."
    )


# --- plan schemas ---------------------------------------------------------------------------------


class PlanCreate(BaseModel):
    """A new plan; it starts as a draft."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    period_start: IsoDate
    period_end: IsoDate
    threat_assessment_id: str | None = Field(default=None, max_length=36)
    classification: Classification = Classification.OFFICIAL


class PlanUpdate(BaseModel):
    """Changes to a plan (its status changes only by approval and review)."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    threat_assessment_id: str | None = Field(default=None, max_length=36)
    classification: Classification | None = None


class ReviewRequest(BaseModel):
    """Optional choices for the annual review."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None


class DecisionRequest(BaseModel):
    """EMT's approval: an optional note of the meeting and comments."""

    model_config = ConfigDict(extra="forbid")

    meeting: OptionalShortText | None = Field(
        default=None, description='Where it was decided, e.g. "EMT 12 November 2026".'
    )
    comments: LongText | None = None


class ReturnRequest(DecisionRequest):
    """EMT's return of a plan: the comments (what to change) are required."""

    comments: LongText = Field(min_length=1)


class Decision(BaseModel):
    """One EMT decision about a submitted plan."""

    outcome: DecisionOutcome
    by: str
    at: UtcDateTime
    meeting: str | None = None
    comments: str | None = None


class PlanRead(ClassifiedRead):
    """A plan as the API shows it; `threat_assessment_id` is null when you may not see the assessment.

    `status` is `superseded` once a later approved plan has come into force (on its period start); `in_force` is
    true for the approved plan whose period contains today (the latest to start, if periods overlap).
    """

    title: str
    period_start: date
    period_end: date
    status: PreventPlanStatus
    approved_by: str | None
    approved_on: date | None
    threat_assessment_id: str | None
    previous_plan_id: str | None
    in_force: bool = False
    decision: Decision | None = Field(default=None, description="EMT's latest decision, if any.")
    decisions: list[Decision] = Field(default_factory=list, description="Every EMT decision, oldest first.")


class Counts(BaseModel):
    """How many items, by RAG (`none` for no rating) and by status, and how many are overdue."""

    total: int = 0
    overdue: int = 0
    by_rag: dict[str, int] = Field(default_factory=lambda: {r.value: 0 for r in Rag} | {"none": 0})
    by_status: dict[str, int] = Field(default_factory=lambda: {s.value: 0 for s in ItemStatus})


class PlanCounts(Counts):
    """The plan's counts, overall and per key area (only items you may see)."""

    by_key_area: dict[str, Counts] = Field(default_factory=lambda: {a.value: Counts() for a in KeyArea})


class PlanDetail(PlanRead):
    """One plan with the counts of its items and their owners (only items you may see)."""

    counts: PlanCounts
    owners: list[str]


class CoverageItem(BaseModel):
    """An item as the coverage view lists it."""

    id: str
    ref: str
    title: str
    status: ItemStatus
    rag: Rag | None
    overdue: bool
    classification: Classification


class CoveragePriority(PriorityRead):
    """A priority of the plan's threat assessment and the items that answer it."""

    items: list[CoverageItem]


class Coverage(BaseModel):
    """Which threat assessment priorities the plan answers, and which it does not."""

    plan_id: str
    threat_assessment_id: str | None
    threat_assessment_title: str | None
    threat_assessment_classification: Classification | None
    priorities: list[CoveragePriority]
    unanswered: int


# --- item schemas ---------------------------------------------------------------------------------


class ItemFields(BaseModel):
    """Fields an item's creator or editor may set."""

    model_config = ConfigDict(extra="forbid")

    ref: Ref | None = None
    title: ShortText | None = None
    description: LongText | None = None
    key_area: KeyArea | None = None
    owner: ShortText | None = Field(default=None, description="A team or job title, never a person at risk.")
    partners: list[ShortText] | None = Field(default=None, max_length=50)
    status: ItemStatus | None = None
    rag: Rag | None = None
    start_date: IsoDate | None = None
    due_date: IsoDate | None = None
    measure: LongText | None = None
    priority_refs: list[Ref] | None = Field(default=None, max_length=50)
    classification: Classification | None = None


class ItemCreate(ItemFields):
    """A new item of a plan (`ref` is made up when not given)."""

    plan_id: str = Field(max_length=36)
    title: ShortText
    key_area: KeyArea
    owner: ShortText = Field(description="A team or job title, never a person at risk.")
    status: ItemStatus = ItemStatus.NOT_STARTED
    classification: Classification = Classification.OFFICIAL


class ItemUpdate(ItemFields):
    """Changes to an item."""


class ItemRead(ClassifiedRead):
    """An item as the API shows it; `overdue` is derived (Europe/London)."""

    plan_id: str
    ref: str
    title: str
    description: str
    key_area: KeyArea
    owner: str
    partners: list[str]
    status: ItemStatus
    rag: Rag | None
    start_date: date | None
    due_date: date | None
    measure: str
    priority_refs: list[str]
    overdue: bool
    continues_item_id: str | None


class ProgressUpdateCreate(BaseModel):
    """A progress update; a status or RAG given here is applied to the item at once."""

    model_config = ConfigDict(extra="forbid")

    note: LongText = Field(min_length=1)
    status: ItemStatus | None = None
    rag: Rag | None = None


class ProgressUpdateRead(RecordRead):
    """One entry of an item's timeline: who, when, the note and any change from → to."""

    item_id: str
    note: str
    status_from: ItemStatus | None
    status_to: ItemStatus | None
    rag_from: Rag | None
    rag_to: Rag | None
    author: str
    author_organisation: str
    item_version: int | None = Field(default=None, description="The item's version after this update.")
