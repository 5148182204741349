"""What every stored record and every API schema shares."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from sqlalchemy import DateTime, String
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.core.clock import checked_utc, rfc3339, utcnow
from app.core.database import configure_metadata
from app.core.ids import new_id
from app.core.security import Classification

configure_metadata(SQLModel.metadata)

_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_text(value: Any) -> Any:
    """Dates and times come as ISO 8601 text (or are already dates); never numbers read as Unix times."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_START.match(value):
        raise ValueError("must be an ISO 8601 date or time as text, for example 2026-03-31 or 2026-03-31T09:30:00Z")
    return value


UtcDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(checked_utc),
    PlainSerializer(rfc3339, return_type=str, when_used="json"),
    # The serializer's `str` would hide the format from the document: say it, for requests and responses alike.
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-03-31T09:30:00Z"]}),
]


def _iso_date(value: Any) -> Any:
    """Dates come as YYYY-MM-DD text (or are already dates); never numbers read as Unix times, nor times."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be a date written YYYY-MM-DD, for example 2027-03-31")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A calendar date, in request bodies and query parameters alike."""

# The text types of every area's request schemas (the columns behind them are at least this long).
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A required name, title or owner."""
OptionalShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
"""An optional short text (an organisation, an operator); empty is allowed."""
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
"""Notes, summaries, descriptions."""


def timestamp_field(**kwargs: object) -> object:
    """A timezone-aware timestamp column."""
    return SQLField(sa_type=DateTime(timezone=True), **kwargs)  # type: ignore[call-overload]


def enum_field(max_length: int = 40, **kwargs: object) -> object:
    """An enum stored as its plain string value (no database enum types, so migrations stay simple)."""
    return SQLField(sa_type=String(max_length), **kwargs)  # type: ignore[call-overload]


class Record(SQLModel):
    """Columns every stored record has: an opaque id, creation and change times, a version for ETags."""

    id: str = SQLField(default_factory=new_id, primary_key=True, max_length=36)
    created_at: datetime = timestamp_field(default_factory=utcnow, nullable=False)  # type: ignore[assignment]
    updated_at: datetime = timestamp_field(default_factory=utcnow, nullable=False)  # type: ignore[assignment]
    version: int = SQLField(default=1, nullable=False)


class RecordRead(BaseModel):
    """The common fields as the API shows them."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    created_at: UtcDateTime
    updated_at: UtcDateTime
    version: int


class ClassifiedRead(RecordRead):
    """A record that carries a security marking."""

    classification: Classification


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a collection; follow next_cursor (or the Link header) for the next."""

    items: list[T]
    next_cursor: str | None = None


class FieldError(BaseModel):
    """One field (or parameter, or header) that failed validation, and why."""

    field: str = Field(
        description="The field's name: a body field (`due_date`, `location.lat`), a query parameter "
        "or a header (`Idempotency-Key`)."
    )
    message: str = Field(description="What is wrong with it, in words a person can act on.")


class Problem(BaseModel):
    """An RFC 9457 problem document: the body of every 4xx and 5xx response."""

    type: str = Field(description="A URI reference naming the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request.")
    instance: str | None = Field(default=None, description="The path of the request.")
    errors: list[FieldError] | None = Field(default=None, description="Validation failures (422), field by field.")
