"""The EMT report (GET /reports/emt): one read of the whole strategy for a period, each section only for the areas
the reader may read, everything counted within their clearance."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.core.security import Classification
from app.models.common import UtcDateTime
from app.models.threat_level import ThreatLevel, ThreatLevelRead, ThreatScope


class ThreatChange(BaseModel):
    """A change of a threat level recorded in the period."""

    scope: ThreatScope
    level: ThreatLevel
    effective_from: UtcDateTime
    source: str


class ThreatSection(BaseModel):
    """The UK threat level now and the changes recorded in the period (public information)."""

    current: ThreatLevelRead | None
    changes: list[ThreatChange]


class PreventSection(BaseModel):
    """The Prevent delivery plan in force today, as far as the reader may see it."""

    plan_in_force_id: str | None = Field(description="Null when no plan is in force, or you may not see it.")
    plan_title: str | None
    items: int
    by_rag: dict[str, int] = Field(description="Items by RAG rating: red, amber, green, none.")
    overdue: int
    completed_in_period: int = Field(
        description="Items now complete that were completed (or last changed) in the period."
    )
    priorities: int = Field(description="Priorities of the threat assessment the plan answers.")
    priorities_unanswered: int = Field(description="Of those, how many no item answers.")


class TrainingFigures(BaseModel):
    """Awareness training delivered in the period and in the period of the same length before it."""

    sessions: int
    attendees: int
    previous_sessions: int
    previous_attendees: int


class ProtectSection(BaseModel):
    """The site register and training."""

    sites: int
    sites_reviewed_in_period: int = Field(description="Sites with a security assessment dated in the period.")
    sites_review_overdue: int
    assessments_in_period: int
    open_recommendations: int = Field(description="Recommendations still open, in every assessment you may see.")
    training: TrainingFigures


class PrepareSection(BaseModel):
    """Contingency plans, exercises and the risk register."""

    plans_review_overdue: int
    exercises_in_period: int
    open_lessons: int = Field(description="Lessons whose action is still open, in every exercise you may see.")
    risks_high: int
    risks_very_high: int


class AwaitingDecision(BaseModel):
    """An escalation waiting for EMT."""

    id: str
    title: str
    group: str
    ask: str
    raised_on: date
    classification: Classification


class GroupOverdue(BaseModel):
    """How many actions of a group are overdue."""

    group_id: str
    group: str
    overdue: int


class GovernanceSection(BaseModel):
    """What is waiting for EMT, and the actions overdue by group."""

    escalations_awaiting_decision: int
    awaiting: list[AwaitingDecision]
    actions_overdue: int
    overdue_by_group: list[GroupOverdue]


class EmtReport(BaseModel):
    """The report. A section is null when the reader may not read its area."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    start: date = Field(alias="from", description="The first day of the period.")
    end: date = Field(alias="to", description="The last day of the period.")
    classification: Classification = Field(description="The highest marking of anything the report includes.")
    threat: ThreatSection
    prevent: PreventSection | None = Field(default=None, description="Null without prevent:read.")
    protect: ProtectSection | None = Field(default=None, description="Null without protect:read.")
    prepare: PrepareSection | None = Field(default=None, description="Null without prepare:read.")
    tensions: dict[str, Any] | None = Field(
        default=None,
        description='Null without tensions:read: {"reports", "by_level": [...], "by_ward": [{"ward", "reports", '
        '"highest_level", "trend"}]} (community tensions, where that area is installed).',
    )
    governance: GovernanceSection | None = Field(default=None, description="Null without governance:read.")
