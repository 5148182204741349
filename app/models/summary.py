"""The counts the EMT dashboard shows (GET /summary); each area only for callers who may read it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.models.threat_level import ThreatLevelRead


class PreventSummary(BaseModel):
    """Prevent delivery plan items of the plan in force (the approved plan whose period contains today), as far as
    the caller can see them; none when no plan is in force."""

    items: int
    open_items: int = Field(description="Not complete or cancelled.")
    overdue: int
    red: int
    amber: int
    plans_awaiting_approval: int = Field(description="Plans submitted to EMT and not yet decided.")
    plan_in_force_id: str | None = Field(default=None, description="The plan these counts are of, if you may see it.")


class ProtectSummary(BaseModel):
    """The protective security site register."""

    sites: int
    enhanced_tier: int
    standard_tier: int
    review_overdue: int


class PrepareSummary(BaseModel):
    """Contingency plans and the risk register."""

    plans: int
    active_now: int
    review_overdue: int
    exercise_overdue: int
    risks: int
    risks_very_high: int
    risks_high: int
    lessons_overdue: int = Field(description="Lessons of exercises whose action is open and past its due date.")


class Summary(BaseModel):
    """What needs attention, counted over the records the caller is cleared to see."""

    threat_level: ThreatLevelRead | None
    prevent: PreventSummary | None = Field(description="Null without prevent:read.")
    protect: ProtectSummary | None = Field(description="Null without protect:read.")
    prepare: PrepareSummary | None = Field(description="Null without prepare:read.")
