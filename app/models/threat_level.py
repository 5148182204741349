"""The UK national threat level and the Northern Ireland-related threat level, kept as history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Index
from sqlmodel import Field as SQLField

from app.models.common import Record, UtcDateTime, enum_field, timestamp_field


class ThreatScope(StrEnum):
    """Which threat level: the UK national one, or the Northern Ireland-related one in Northern Ireland."""

    UK = "UK"
    NORTHERN_IRELAND = "NORTHERN_IRELAND"


class ThreatLevel(StrEnum):
    """The five threat levels, lowest first."""

    LOW = "LOW"
    MODERATE = "MODERATE"
    SUBSTANTIAL = "SUBSTANTIAL"
    SEVERE = "SEVERE"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        """1 (LOW) to 5 (CRITICAL)."""
        return list(ThreatLevel).index(self) + 1


class ResponseLevel(StrEnum):
    """The response level a threat level implies, lowest first."""

    NORMAL = "NORMAL"
    HEIGHTENED = "HEIGHTENED"
    EXCEPTIONAL = "EXCEPTIONAL"

    @property
    def rank(self) -> int:
        """1 (NORMAL) to 3 (EXCEPTIONAL)."""
        return list(ResponseLevel).index(self) + 1


# The definitions changed when the single national level was introduced on 23 July 2019.
NEW_WORDING_FROM = date(2019, 7, 23)
DESCRIPTIONS = {
    ThreatLevel.LOW: "an attack is highly unlikely",
    ThreatLevel.MODERATE: "an attack is possible but not likely",
    ThreatLevel.SUBSTANTIAL: "an attack is likely",
    ThreatLevel.SEVERE: "an attack is highly likely",
    ThreatLevel.CRITICAL: "an attack is highly likely in the near future",
}
DESCRIPTIONS_BEFORE_2019 = {
    ThreatLevel.LOW: "an attack is unlikely",
    ThreatLevel.MODERATE: "an attack is possible but not likely",
    ThreatLevel.SUBSTANTIAL: "an attack is a strong possibility",
    ThreatLevel.SEVERE: "an attack is highly likely",
    ThreatLevel.CRITICAL: "an attack is expected imminently",
}
RESPONSE_LEVELS = {
    ThreatLevel.LOW: ResponseLevel.NORMAL,
    ThreatLevel.MODERATE: ResponseLevel.NORMAL,
    ThreatLevel.SUBSTANTIAL: ResponseLevel.HEIGHTENED,
    ThreatLevel.SEVERE: ResponseLevel.HEIGHTENED,
    ThreatLevel.CRITICAL: ResponseLevel.EXCEPTIONAL,
}


class ThreatLevelChange(Record, table=True):
    """One recorded level: never updated or deleted, so the history is the record."""

    __tablename__ = "threat_level_change"
    __table_args__ = (Index("ix_threat_level_change_scope_effective", "scope", "effective_from", "id"),)

    scope: ThreatScope = enum_field(20)  # type: ignore[assignment]
    level: ThreatLevel = enum_field(20)  # type: ignore[assignment]
    effective_from: datetime = timestamp_field(nullable=False)  # type: ignore[assignment]
    source: str = SQLField(max_length=200)
    feed_id: str | None = SQLField(default=None, max_length=36, index=True)
    recorded_by: str = SQLField(max_length=250)
    note: str = SQLField(default="", max_length=2000)
    changed: bool = SQLField(default=True)


Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class ThreatLevelCreate(BaseModel):
    """Record a level (the current one again is allowed, and kept with `changed: false`)."""

    model_config = ConfigDict(extra="forbid")

    level: ThreatLevel
    scope: ThreatScope = ThreatScope.UK
    effective_from: UtcDateTime | None = Field(default=None, description="Defaults to now.")
    note: Note


class ThreatLevelRead(BaseModel):
    """The level in force for a scope."""

    scope: ThreatScope
    level: ThreatLevel
    description: str
    response_level: ResponseLevel
    effective_from: UtcDateTime
    source: str
    recorded_at: UtcDateTime
    stale: bool


class ThreatLevelChangeRead(ThreatLevelRead):
    """A change in the history."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    note: str
    recorded_by: str
    changed: bool
