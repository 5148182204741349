"""Protect: the protective security site register, security assessments, awareness training."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field as SQLField

from app.core.security import Classification
from app.models.common import (
    ClassifiedRead,
    IsoDate,
    LongText,
    OptionalShortText,
    Record,
    ShortText,
    enum_field,
)
from app.models.threat_level import ResponseLevel


class SiteCategory(StrEnum):
    """What kind of place a site is."""

    CROWDED_PLACE = "crowded_place"
    ICONIC_SITE = "iconic_site"
    COMMERCIAL_CENTRE = "commercial_centre"
    NIGHT_TIME_ECONOMY = "night_time_economy"
    TRANSPORT_HUB = "transport_hub"
    PLACE_OF_WORSHIP = "place_of_worship"
    GOVERNMENT_BUILDING = "government_building"
    EMBASSY = "embassy"
    EDUCATION = "education"
    HEALTH = "health"
    OTHER = "other"


class Tier(StrEnum):
    """The Martyn's Law tier (Terrorism (Protection of Premises) Act 2025), derived from capacity."""

    ENHANCED = "enhanced"
    STANDARD = "standard"
    OUT_OF_SCOPE = "out_of_scope"
    UNKNOWN = "unknown"


# The Act's thresholds: standard duty from 200 people, enhanced duty from 800.
STANDARD_FROM = 200
ENHANCED_FROM = 800


def tier_of(capacity: int | None) -> Tier:
    """The tier a capacity puts a site in."""
    if capacity is None:
        return Tier.UNKNOWN
    if capacity >= ENHANCED_FROM:
        return Tier.ENHANCED
    return Tier.STANDARD if capacity >= STANDARD_FROM else Tier.OUT_OF_SCOPE


class RecommendationStatus(StrEnum):
    """Where a recommendation stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DONE = "done"
    REJECTED = "rejected"


class Course(StrEnum):
    """Awareness courses."""

    ACT_AWARENESS = "act_awareness"
    ACT_OPERATIONAL = "act_operational"
    ACT_STRATEGIC = "act_strategic"
    PREVENT_AWARENESS = "prevent_awareness"
    OTHER = "other"


class Audience(StrEnum):
    """Who a session was for."""

    STAFF = "staff"
    BUSINESS = "business"
    COMMUNITY = "community"
    PARTNER = "partner"


class Site(Record, table=True):
    """A place in the register: where it is, how many it holds, what protects it."""

    __tablename__ = "site"
    # (lat, lon) serves the bounding-box prefilter of `near` and `bbox`; the rest serve filters and sorts.
    __table_args__ = (
        Index("ix_site_lat_lon", "lat", "lon"),
        Index("ix_site_name_id", "name", "id"),
    )

    name: str = SQLField(max_length=200)
    category: str = enum_field(40, index=True)  # type: ignore[assignment]
    address: str = SQLField(default="", max_length=500)
    postcode: str | None = SQLField(default=None, max_length=8, index=True)
    ward: str | None = SQLField(default=None, max_length=100, index=True)
    uprn: str | None = SQLField(default=None, max_length=12)
    lat: float = SQLField()
    lon: float = SQLField()
    capacity: int | None = SQLField(default=None, index=True)
    response_level: str | None = enum_field(20, default=None, nullable=True)  # type: ignore[assignment]
    protective_measures: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    operator: str | None = SQLField(default=None, max_length=200)
    last_assessed_on: date | None = SQLField(default=None)
    next_review_due: date | None = SQLField(default=None, index=True)
    # Not indexed: two values, and an index on it would lure SQLite away from the (lat, lon) index.
    classification: str = enum_field(20)  # type: ignore[assignment]


class SecurityAssessment(Record, table=True):
    """A security assessment of a site, with its recommendations (a JSON list: they live and die with it)."""

    __tablename__ = "security_assessment"
    __table_args__ = (Index("ix_security_assessment_site_assessed", "site_id", "assessed_on", "id"),)

    site_id: str = SQLField(foreign_key="site.id", max_length=36, ondelete="CASCADE")
    assessed_on: date = SQLField()
    assessor: str = SQLField(max_length=200)
    summary: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    recommendations: list[dict[str, Any]] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))


class TrainingSession(Record, table=True):
    """One delivered training session: a course, an audience, how many attended."""

    __tablename__ = "training_session"
    __table_args__ = (Index("ix_training_session_delivered_id", "delivered_on", "id"),)

    course: str = enum_field(40, index=True)  # type: ignore[assignment]
    delivered_on: date = SQLField()
    audience: str = enum_field(20, index=True)  # type: ignore[assignment]
    organisation: str = SQLField(default="", max_length=200)
    attendees: int = SQLField()
    delivered_by: str = SQLField(default="", max_length=200)
    classification: str = enum_field(20, index=True)  # type: ignore[assignment]


Ward = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Measure = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Uprn = Annotated[str, StringConstraints(strip_whitespace=True, max_length=12, pattern=r"^[0-9]{1,12}$")]

# Outward code, a space, inward code (BS 7666), plus the one special case of Girobank.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$|^(GIR) ?(0AA)$")


def normalise_postcode(value: str) -> str:
    """`sw1a2aa` → `SW1A 2AA`; anything not in UK format is a ValueError."""
    squeezed = re.sub(r"\s+", "", value.upper())
    match = _POSTCODE.match(squeezed)
    if not match:
        raise ValueError("is not a UK postcode (for example SW1A 2AA)")
    outward, inward = [g for g in match.groups() if g]
    return f"{outward} {inward}"


class Location(BaseModel):
    """A WGS84 point."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(strict=True, ge=-90, le=90, description="Latitude, degrees north (-90 to 90).")
    lon: float = Field(strict=True, ge=-180, le=180, description="Longitude, degrees east (-180 to 180).")


Capacity = Annotated[int, Field(strict=True, ge=0, le=10_000_000)]


class _SiteFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("postcode", check_fields=False)
    @classmethod
    def _postcode(cls, value: str | None) -> str | None:
        return normalise_postcode(value) if value else None


class SiteCreate(_SiteFields):
    """A new site. `last_assessed_on` is not set here: it follows the site's newest assessment."""

    name: ShortText
    category: SiteCategory
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    postcode: str | None = Field(default=None, max_length=10, description="UK format; stored as `SW1A 2AA`.")
    ward: Ward | None = None
    uprn: Uprn | None = None
    location: Location
    capacity: Capacity | None = Field(default=None, description="People the site holds; decides the tier.")
    response_level: ResponseLevel | None = Field(
        default=None, description="Set only to override the level implied by the UK threat level."
    )
    protective_measures: list[Measure] = Field(default_factory=list, max_length=100)
    operator: OptionalShortText | None = None
    next_review_due: IsoDate | None = None
    classification: Classification = Classification.OFFICIAL_SENSITIVE


_REQUIRED_ON_PATCH = ("name", "category", "location", "classification", "protective_measures", "address")


class SiteUpdate(_SiteFields):
    """Changes to a site; send `null` to clear an optional field (capacity, ward, response_level, ...)."""

    name: ShortText | None = None
    category: SiteCategory | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    postcode: str | None = Field(default=None, max_length=10)
    ward: Ward | None = None
    uprn: Uprn | None = None
    location: Location | None = None
    capacity: Capacity | None = None
    response_level: ResponseLevel | None = None
    protective_measures: list[Measure] | None = Field(default=None, max_length=100)
    operator: OptionalShortText | None = None
    next_review_due: IsoDate | None = None
    classification: Classification | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> SiteUpdate:
        for name in _REQUIRED_ON_PATCH:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class SiteRead(ClassifiedRead):
    """A site as the API shows it, with its derived fields."""

    name: str
    category: SiteCategory
    address: str
    postcode: str | None
    ward: str | None
    uprn: str | None
    location: Location
    capacity: int | None
    martyns_law_tier: Tier
    response_level: ResponseLevel | None = Field(
        description="The site's own level if set, else the one the current UK threat level implies."
    )
    site_response_level: ResponseLevel | None = Field(description="The site's own override, if any.")
    protective_measures: list[str] | None = Field(
        description="Null for callers cleared below OFFICIAL-SENSITIVE: the measures are sensitive."
    )
    operator: str | None
    last_assessed_on: date | None
    next_review_due: date | None
    review_overdue: bool
    distance_m: float | None = Field(default=None, description="Metres from the `near` point (near queries).")
    warnings: list[str] = Field(default_factory=list, description="Sanity warnings, e.g. a point outside the UK.")


class Recommendation(BaseModel):
    """One recommendation of an assessment."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    status: RecommendationStatus = RecommendationStatus.OPEN


class AssessmentCreate(BaseModel):
    """A new security assessment of a site."""

    model_config = ConfigDict(extra="forbid")

    assessed_on: IsoDate
    assessor: ShortText
    summary: LongText = ""
    recommendations: list[Recommendation] = Field(default_factory=list, max_length=100)


class AssessmentUpdate(BaseModel):
    """Changes to an assessment; `recommendations` replaces the whole list."""

    model_config = ConfigDict(extra="forbid")

    assessed_on: IsoDate | None = None
    assessor: ShortText | None = None
    summary: LongText | None = None
    recommendations: list[Recommendation] | None = Field(default=None, max_length=100)


class AssessmentRead(ClassifiedRead):
    """An assessment; its classification is its site's."""

    site_id: str
    assessed_on: date
    assessor: str
    summary: str
    recommendations: list[Recommendation]


Attendees = Annotated[int, Field(strict=True, ge=0, le=100_000)]


class TrainingCreate(BaseModel):
    """A delivered training session."""

    model_config = ConfigDict(extra="forbid")

    course: Course
    delivered_on: IsoDate
    audience: Audience
    organisation: OptionalShortText = ""
    attendees: Attendees
    delivered_by: OptionalShortText = ""
    classification: Classification = Classification.OFFICIAL


class TrainingUpdate(BaseModel):
    """Changes to a training session."""

    model_config = ConfigDict(extra="forbid")

    course: Course | None = None
    delivered_on: IsoDate | None = None
    audience: Audience | None = None
    organisation: OptionalShortText | None = None
    attendees: Attendees | None = None
    delivered_by: OptionalShortText | None = None
    classification: Classification | None = None


class TrainingRead(ClassifiedRead):
    """A training session as the API shows it."""

    course: Course
    delivered_on: date
    audience: Audience
    organisation: str
    attendees: int
    delivered_by: str


class TrainingGroup(BaseModel):
    """Sessions and attendees of one group."""

    key: str
    sessions: int
    attendees: int


class TrainingStats(BaseModel):
    """Training statistics, grouped."""

    groups: list[TrainingGroup]


# --- GeoJSON (RFC 7946): the site list with `Accept: application/geo+json` ---------------------------------------


class PointGeometry(BaseModel):
    """A GeoJSON Point."""

    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2, description="`[lon, lat]`, WGS84.")


class SiteFeature(BaseModel):
    """One site as a GeoJSON Feature: the record in `properties`."""

    type: Literal["Feature"]
    id: str
    geometry: PointGeometry
    properties: SiteRead


class SiteFeatureCollection(BaseModel):
    """Every matching site as an RFC 7946 FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[SiteFeature]
