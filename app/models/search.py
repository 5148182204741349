"""Search across the areas: the kinds of record it finds and the shape of a result."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.security import Classification

Span = Annotated[list[int], Field(min_length=2, max_length=2, description="[start, end) character offsets.")]


class SearchType(StrEnum):
    """The kinds of record search finds."""

    SITE = "site"
    PREVENT_ITEM = "prevent_item"
    PREVENT_PLAN = "prevent_plan"
    THREAT_ASSESSMENT = "threat_assessment"
    CONTINGENCY_PLAN = "contingency_plan"
    RISK = "risk"
    EXERCISE = "exercise"


class SearchResult(BaseModel):
    """One record that matched, with where to read it (API) and where to show it (the staff page)."""

    type: SearchType
    id: str
    title: str
    snippet: str = Field(description="Plain text around the best match (may be empty); never HTML.")
    highlights: list[Span] = Field(
        default_factory=list,
        description="The matched words in `snippet`, as [start, end) character offsets, in order.",
    )
    href: str = Field(description="The record's path in this API, e.g. `/sites/{id}`.")
    page: str = Field(description="The record's page for staff, e.g. `/protect/sites/{id}`.")
    classification: Classification
