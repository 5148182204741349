"""Prepare (Civil Contingencies Act 2004): contingency plans, exercises and the local risk register."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.core.security import Classification
from app.models.common import ClassifiedRead, IsoDate, LongText, Record, ShortText, enum_field
from app.models.lessons import LessonCreate, LessonRead
from app.models.threat_level import ResponseLevel

Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^(https?://\S+)?$")]
Ids = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=36)]], Field(max_length=200)]

LIKELIHOOD_HELP = (
    "National Risk Register likelihood band, 1-5, the chance of the risk happening in the next year: "
    "1 less than 0.2%; 2 0.2-1%; 3 1-5%; 4 5-25%; 5 more than 25%."
)
IMPACT_HELP = "National Risk Register impact, 1-5: 1 minor, 2 limited, 3 moderate, 4 significant, 5 catastrophic."
RATING_HELP = "Derived from likelihood x impact through the rating matrix (CONTEST_RISK_MATRIX; see GET /risks/matrix)."


class PlanType(StrEnum):
    """What a contingency plan is for."""

    EMERGENCY_RESPONSE = "emergency_response"
    BUSINESS_CONTINUITY = "business_continuity"
    WARNING_AND_INFORMING = "warning_and_informing"
    RECOVERY = "recovery"
    SITE_SPECIFIC = "site_specific"
    OTHER = "other"


class ContingencyPlanStatus(StrEnum):
    """Where a plan is in its life."""

    DRAFT = "draft"
    APPROVED = "approved"
    UNDER_REVIEW = "under_review"
    RETIRED = "retired"


class ExerciseType(StrEnum):
    """How a plan was exercised, lightest first."""

    DISCUSSION = "discussion"
    TABLETOP = "tabletop"
    COMMAND_POST = "command_post"
    LIVE = "live"


class RiskRating(StrEnum):
    """A risk's rating, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class ContingencyPlan(Record, table=True):
    """An emergency, business continuity, warning and informing, recovery or site-specific plan."""

    __tablename__ = "contingency_plan"

    title: str = SQLField(max_length=200)
    plan_type: str = enum_field(40, index=True)  # type: ignore[assignment]
    owner: str = SQLField(max_length=200)
    status: str = enum_field(20, index=True)  # type: ignore[assignment]
    version_label: str = SQLField(default="", max_length=50)
    approved_on: date | None = SQLField(default=None)
    review_due: date | None = SQLField(default=None, index=True)
    activation_level: str | None = enum_field(20, default=None, nullable=True)  # type: ignore[assignment]
    summary: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    document_url: str = SQLField(default="", max_length=500)
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


class ContingencyPlanSite(SQLModel, table=True):
    """A plan covers a site in the Protect register; deleting either ends the link."""

    __tablename__ = "contingency_plan_site"

    plan_id: str = SQLField(foreign_key="contingency_plan.id", primary_key=True, max_length=36, ondelete="CASCADE")
    site_id: str = SQLField(foreign_key="site.id", primary_key=True, max_length=36, index=True, ondelete="CASCADE")


class Risk(Record, table=True):
    """A risk in the local risk register, scored on the National Risk Register's scales."""

    __tablename__ = "risk"
    __table_args__ = (Index("ix_risk_likelihood_impact", "likelihood", "impact"),)

    title: str = SQLField(max_length=200)
    category: str = SQLField(max_length=100, index=True)
    description: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    likelihood: int
    impact: int
    owner: str = SQLField(max_length=200)
    mitigations: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    review_due: date | None = SQLField(default=None, index=True)
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


class ContingencyPlanRisk(SQLModel, table=True):
    """A plan answers a risk."""

    __tablename__ = "contingency_plan_risk"

    plan_id: str = SQLField(foreign_key="contingency_plan.id", primary_key=True, max_length=36, ondelete="CASCADE")
    risk_id: str = SQLField(foreign_key="risk.id", primary_key=True, max_length=36, index=True, ondelete="CASCADE")


class Exercise(Record, table=True):
    """An exercise of one or more plans, with who took part and the lessons learned."""

    __tablename__ = "exercise"

    title: str = SQLField(max_length=200)
    held_on: date = SQLField(index=True)
    exercise_type: str = enum_field(20)  # type: ignore[assignment]
    participants: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


class ExercisePlan(SQLModel, table=True):
    """An exercise tested a plan."""

    __tablename__ = "exercise_plan"

    exercise_id: str = SQLField(foreign_key="exercise.id", primary_key=True, max_length=36, ondelete="CASCADE")
    plan_id: str = SQLField(
        foreign_key="contingency_plan.id", primary_key=True, max_length=36, index=True, ondelete="CASCADE"
    )


# ---- API schemas: contingency plans ----


class ContingencyPlanCreate(BaseModel):
    """A new plan."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    plan_type: PlanType
    owner: ShortText
    status: ContingencyPlanStatus = ContingencyPlanStatus.DRAFT
    version_label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    approved_on: IsoDate | None = Field(default=None, description="Defaults to today when approved without it.")
    review_due: IsoDate | None = None
    activation_level: ResponseLevel | None = Field(
        default=None,
        description="The UK response level at or above which an approved plan is active; "
        "null: never activated by the response level.",
    )
    summary: LongText = ""
    document_url: Url = Field(default="", description="Where the plan document is held (http or https).")
    site_ids: Ids = Field(default_factory=list, description="Sites the plan covers (the Protect site register).")
    risk_ids: Ids = Field(default_factory=list, description="Risks in the register the plan answers.")
    classification: Classification = Classification.OFFICIAL


class ContingencyPlanUpdate(BaseModel):
    """Changes to a plan; lists given replace the links you can see (links you cannot see are kept)."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    plan_type: PlanType | None = None
    owner: ShortText | None = None
    status: ContingencyPlanStatus | None = None
    version_label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    approved_on: IsoDate | None = None
    review_due: IsoDate | None = None
    activation_level: ResponseLevel | None = None
    summary: LongText | None = None
    document_url: Url | None = None
    site_ids: Ids | None = None
    risk_ids: Ids | None = None
    classification: Classification | None = None


class ContingencyPlanRead(ClassifiedRead):
    """A plan with its derived state."""

    title: str
    plan_type: PlanType
    owner: str
    status: ContingencyPlanStatus
    version_label: str
    approved_on: date | None
    review_due: date | None
    review_overdue: bool = Field(description="review_due is before today (Europe/London).")
    activation_level: ResponseLevel | None
    active_now: bool = Field(
        description="Approved, and the current UK response level (NORMAL when none has "
        "been recorded) is at or above activation_level."
    )
    summary: str
    document_url: str
    site_ids: list[str]
    risk_ids: list[str]
    last_exercised_on: date | None = Field(description="The date of the newest exercise of this plan.")
    exercise_overdue: bool = Field(description="Never exercised, or not within the last 365 days.")


# ---- API schemas: exercises ----


Participants = Annotated[list[ShortText], Field(max_length=100, description="Organisations that took part.")]
Lessons = Annotated[list[LessonCreate], Field(max_length=200)]


class ExerciseCreate(BaseModel):
    """A new exercise."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    held_on: IsoDate
    exercise_type: ExerciseType
    plan_ids: Ids = Field(default_factory=list)
    participants: Participants = Field(default_factory=list)
    lessons: Lessons = Field(default_factory=list)
    summary: LongText = ""
    classification: Classification = Classification.OFFICIAL


class ExerciseUpdate(BaseModel):
    """Changes to an exercise; lists given replace the whole list (plan links you cannot see are kept)."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    held_on: IsoDate | None = None
    exercise_type: ExerciseType | None = None
    plan_ids: Ids | None = None
    participants: Participants | None = None
    lessons: Lessons | None = None
    summary: LongText | None = None
    classification: Classification | None = None


class ExerciseRead(ClassifiedRead):
    """An exercise with its lessons."""

    title: str
    held_on: date
    exercise_type: ExerciseType
    plan_ids: list[str]
    participants: list[str]
    lessons: list[LessonRead] = Field(description="Oldest first; change one through its own endpoint and ETag.")
    open_actions: int = Field(description="Lessons whose status is open.")
    summary: str


# ---- API schemas: risks ----

Score = Annotated[int, Field(strict=True, ge=1, le=5)]


class RiskCreate(BaseModel):
    """A new risk."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="e.g. terrorism, flooding, severe weather, pandemic, utilities, industrial, public order."
    )
    description: LongText = ""
    likelihood: Score = Field(description=LIKELIHOOD_HELP)
    impact: Score = Field(description=IMPACT_HELP)
    owner: ShortText
    mitigations: LongText = ""
    plan_ids: Ids = Field(default_factory=list, description="Contingency plans that answer this risk.")
    review_due: IsoDate | None = None
    classification: Classification = Classification.OFFICIAL


class RiskUpdate(BaseModel):
    """Changes to a risk; plan_ids given replaces the links you can see."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    description: LongText | None = None
    likelihood: Score | None = Field(default=None, description=LIKELIHOOD_HELP)
    impact: Score | None = Field(default=None, description=IMPACT_HELP)
    owner: ShortText | None = None
    mitigations: LongText | None = None
    plan_ids: Ids | None = None
    review_due: IsoDate | None = None
    classification: Classification | None = None


class RiskRead(ClassifiedRead):
    """A risk with its score and rating."""

    title: str
    category: str
    description: str
    likelihood: int = Field(description=LIKELIHOOD_HELP)
    impact: int = Field(description=IMPACT_HELP)
    score: int = Field(description="likelihood x impact, 1-25.")
    rating: RiskRating = Field(description=RATING_HELP)
    owner: str
    mitigations: str
    plan_ids: list[str]
    review_due: date | None
    review_overdue: bool = Field(description="review_due is before today (Europe/London).")


class MatrixCell(BaseModel):
    """One cell of the likelihood x impact matrix."""

    likelihood: int
    impact: int
    rating: RiskRating
    count: int = Field(description="Risks you can see in this cell (after the filters).")


class RiskMatrix(BaseModel):
    """The 5 x 5 matrix: every cell's rating and how many risks fall in it."""

    cells: list[MatrixCell]
