"""Governance: EMT and the working groups that deliver the strategy — groups, meetings, actions, escalations to
EMT, EMT's priorities for the year.

Members of groups are council and partner officers in their work roles (name, organisation, department, role):
never residents, and never anyone at risk. Actions, escalations and priorities carry `links`: typed references to
records of other areas (a site, a risk, a Prevent item …), shown only to readers who may see the record linked.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field as SQLField

from app.core.security import Classification
from app.models.common import ClassifiedRead, IsoDate, LongText, OptionalShortText, Record, ShortText, enum_field


class Strand(StrEnum):
    """The strand a group or priority serves (EMT's own group is `governance`)."""

    PREVENT = "prevent"
    PROTECT = "protect"
    PREPARE = "prepare"
    GOVERNANCE = "governance"


class ActionStatus(StrEnum):
    """Where an action is."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class Ask(StrEnum):
    """What a group asks of EMT."""

    DECISION = "decision"
    RESOURCES = "resources"
    UNBLOCK = "unblock"
    INFORMATION = "information"


class EscalationStatus(StrEnum):
    """Where an escalation is: raised, then decided by EMT."""

    RAISED = "raised"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RESOLVED = "resolved"


class Outcome(StrEnum):
    """EMT's decision on an escalation."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    RESOLVED = "resolved"


class PriorityStatus(StrEnum):
    """Where one of EMT's priorities is."""

    ACTIVE = "active"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class LinkType(StrEnum):
    """The kinds of record an action, escalation or priority may point at."""

    PREVENT_ITEM = "prevent_item"
    PREVENT_PLAN = "prevent_plan"
    SITE = "site"
    CONTINGENCY_PLAN = "contingency_plan"
    RISK = "risk"
    EXERCISE = "exercise"
    TENSION_REPORT = "tension_report"


# ---- tables ----


class WorkingGroup(Record, table=True):
    """EMT or one of the working groups that deliver a strand, with its members (officers in work roles)."""

    __tablename__ = "working_group"
    __table_args__ = (Index("ix_working_group_name", "name", unique=True),)

    name: str = SQLField(max_length=200)
    strand: str = enum_field(20, index=True)  # type: ignore[assignment]
    chair: str = SQLField(default="", max_length=200)
    purpose: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    meets: str = SQLField(default="", max_length=200)
    members: list[dict[str, str]] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


class Meeting(Record, table=True):
    """A meeting of a group: who came, the agenda, the minutes and what was decided."""

    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_group_held", "group_id", "held_on", "id"),)

    group_id: str = SQLField(foreign_key="working_group.id", max_length=36, ondelete="CASCADE")
    held_on: date = SQLField(index=True)
    attendees: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    apologies: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    agenda: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    minutes: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    decisions: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


class GovernanceAction(Record, table=True):
    """An action a group agreed: who owns it and when it is due."""

    __tablename__ = "governance_action"
    __table_args__ = (
        Index("ix_governance_action_status_due", "status", "due_on"),
        Index("ix_governance_action_group_due", "group_id", "due_on", "id"),
    )

    group_id: str = SQLField(foreign_key="working_group.id", max_length=36, ondelete="CASCADE")
    meeting_id: str | None = SQLField(
        default=None, foreign_key="meeting.id", max_length=36, index=True, ondelete="SET NULL"
    )
    text: str = SQLField(max_length=2000)
    owner: str = SQLField(max_length=200, index=True)
    due_on: date | None = SQLField(default=None)
    status: str = enum_field(20)  # type: ignore[assignment]
    links: list[dict[str, str]] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


class Escalation(Record, table=True):
    """A blockage or a request for resources a group puts to EMT, and EMT's decision."""

    __tablename__ = "escalation"
    __table_args__ = (Index("ix_escalation_status_created", "status", "created_at", "id"),)

    group_id: str = SQLField(foreign_key="working_group.id", max_length=36, index=True, ondelete="CASCADE")
    title: str = SQLField(max_length=200)
    description: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    impact: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    ask: str = enum_field(20)  # type: ignore[assignment]
    resources_needed: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    links: list[dict[str, str]] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = enum_field(20)  # type: ignore[assignment]
    decision: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    decided_by: str | None = SQLField(default=None, max_length=250)
    decided_on: date | None = SQLField(default=None)
    raised_by: str = SQLField(default="", max_length=250)
    raised_by_id: str = SQLField(default="", max_length=36)
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


class EmtPriority(Record, table=True):
    """One of EMT's operational priorities for a financial year."""

    __tablename__ = "emt_priority"
    __table_args__ = (Index("ix_emt_priority_year_strand", "year", "strand", "id"),)

    year: str = SQLField(max_length=7)
    strand: str = enum_field(20)  # type: ignore[assignment]
    title: str = SQLField(max_length=200)
    rationale: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    status: str = enum_field(20, index=True)  # type: ignore[assignment]
    links: list[dict[str, str]] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


# ---- API schemas: shared ----

Text2000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Names = Annotated[list[ShortText], Field(max_length=100)]
Points = Annotated[list[Text2000], Field(max_length=100)]


class Link(BaseModel):
    """A typed reference to a record of another area."""

    model_config = ConfigDict(extra="forbid")

    type: LinkType
    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]


Links = Annotated[
    list[Link],
    Field(
        max_length=50,
        description="Records this is about. Each must exist and be one you may see (else 422, the same for both); "
        "on read, links to records you may not see are left out. Replacing the list keeps links you cannot see.",
    ),
]


# ---- working groups ----


class Member(BaseModel):
    """A member of a group: an officer in their work role (never a resident or anyone at risk)."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText
    organisation: ShortText
    department: OptionalShortText = ""
    role: OptionalShortText = ""


Members = Annotated[list[Member], Field(max_length=100)]


class WorkingGroupCreate(BaseModel):
    """A new group."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText
    strand: Strand
    chair: OptionalShortText = ""
    purpose: LongText = ""
    meets: OptionalShortText = Field(default="", description='How often it meets, e.g. "every 6 weeks".')
    members: Members = Field(default_factory=list)
    classification: Classification = Classification.OFFICIAL


class WorkingGroupUpdate(BaseModel):
    """Changes to a group; `members` replaces the whole list."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText | None = None
    strand: Strand | None = None
    chair: OptionalShortText | None = None
    purpose: LongText | None = None
    meets: OptionalShortText | None = None
    members: Members | None = None
    classification: Classification | None = None


class WorkingGroupRead(ClassifiedRead):
    """A group and its members."""

    name: str
    strand: Strand
    chair: str
    purpose: str
    meets: str
    members: list[Member]


# ---- meetings ----


class MeetingCreate(BaseModel):
    """A meeting of a group."""

    model_config = ConfigDict(extra="forbid")

    group_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    held_on: IsoDate
    attendees: Names = Field(default_factory=list, description="Who came, by name and role or organisation.")
    apologies: Names = Field(default_factory=list)
    agenda: Points = Field(default_factory=list)
    minutes: LongText = ""
    decisions: Points = Field(default_factory=list)
    classification: Classification = Classification.OFFICIAL


class MeetingUpdate(BaseModel):
    """Changes to a meeting; lists given replace the whole list. A meeting stays with its group."""

    model_config = ConfigDict(extra="forbid")

    held_on: IsoDate | None = None
    attendees: Names | None = None
    apologies: Names | None = None
    agenda: Points | None = None
    minutes: LongText | None = None
    decisions: Points | None = None
    classification: Classification | None = None


class MeetingRead(ClassifiedRead):
    """A meeting."""

    group_id: str
    held_on: date
    attendees: list[str]
    apologies: list[str]
    agenda: list[str]
    minutes: str
    decisions: list[str]


# ---- actions ----


class ActionCreate(BaseModel):
    """A new action."""

    model_config = ConfigDict(extra="forbid")

    group_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    meeting_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None = None
    text: Text2000
    owner: ShortText
    due_on: IsoDate | None = None
    status: ActionStatus = ActionStatus.OPEN
    links: Links = Field(default_factory=list)
    classification: Classification = Classification.OFFICIAL


class ActionUpdate(BaseModel):
    """Changes to an action; `due_on: null` clears it. An action stays with its group."""

    model_config = ConfigDict(extra="forbid")

    meeting_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None = None
    text: Text2000 | None = None
    owner: ShortText | None = None
    due_on: IsoDate | None = None
    status: ActionStatus | None = None
    links: Links | None = None
    classification: Classification | None = None


class ActionRead(ClassifiedRead):
    """An action with `overdue` derived."""

    group_id: str
    meeting_id: str | None
    text: str
    owner: str
    due_on: date | None
    status: ActionStatus
    links: list[Link]
    overdue: bool = Field(description="Open and due before today (Europe/London).")


# ---- escalations ----


class EscalationCreate(BaseModel):
    """A blockage or request put to EMT; it starts `raised`."""

    model_config = ConfigDict(extra="forbid")

    group_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    title: ShortText
    description: LongText = ""
    impact: LongText = Field(default="", description="What happens if EMT does nothing.")
    ask: Ask
    resources_needed: LongText = ""
    links: Links = Field(default_factory=list)
    classification: Classification = Classification.OFFICIAL


class EscalationUpdate(BaseModel):
    """Changes to what an escalation says. Its status and decision change only through
    `POST /escalations/{id}/decide`: a PATCH that names `status`, `decision`, `decided_by` or `decided_on` is 422."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    description: LongText | None = None
    impact: LongText | None = None
    ask: Ask | None = None
    resources_needed: LongText | None = None
    links: Links | None = None
    classification: Classification | None = None
    status: Any = Field(default=None, description="Refused (422): decided only through POST /escalations/{id}/decide.")
    decision: Any = Field(default=None, description="Refused (422): recorded only by the decide endpoint.")
    decided_by: Any = Field(default=None, description="Refused (422): set by the decide endpoint.")
    decided_on: Any = Field(default=None, description="Refused (422): set by the decide endpoint.")


class DecideRequest(BaseModel):
    """EMT's decision on an escalation."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    decision: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)] = Field(
        description="What EMT decided, in words (the resources agreed, who will unblock it, why it was declined)."
    )


class EscalationRead(ClassifiedRead):
    """An escalation and EMT's decision, if made."""

    group_id: str
    title: str
    description: str
    impact: str
    ask: Ask
    resources_needed: str
    links: list[Link]
    status: EscalationStatus
    decision: str
    decided_by: str | None
    decided_on: date | None
    raised_by: str


# ---- priorities ----

Year = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=7, pattern=r"^\d{4}/\d{2}$"),
    Field(description='A financial year, April to March, written "2026/27".', examples=["2026/27"]),
]


class EmtPriorityCreate(BaseModel):
    """A new priority of EMT's (needs the approve scope)."""

    model_config = ConfigDict(extra="forbid")

    year: Year
    strand: Strand
    title: ShortText
    rationale: LongText = ""
    status: PriorityStatus = PriorityStatus.ACTIVE
    links: Links = Field(default_factory=list)
    classification: Classification = Classification.OFFICIAL


class EmtPriorityUpdate(BaseModel):
    """Changes to a priority (needs the approve scope)."""

    model_config = ConfigDict(extra="forbid")

    year: Year | None = None
    strand: Strand | None = None
    title: ShortText | None = None
    rationale: LongText | None = None
    status: PriorityStatus | None = None
    links: Links | None = None
    classification: Classification | None = None


class EmtPriorityRead(ClassifiedRead):
    """One of EMT's priorities."""

    year: str
    strand: Strand
    title: str
    rationale: str
    status: PriorityStatus
    links: list[Link]
