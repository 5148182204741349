"""The council's community tension scale: five levels in plain words by default, replaceable by a setting.

The police's own scale is not public, so the default is the council's: words an elected member can use with
residents. CONTEST_TENSION_LEVELS replaces it with a JSON list, lowest level first, each `{"name", "description"}`
(2 to 10 levels); level numbers are the positions, from 1.
"""

from __future__ import annotations

import json
from functools import lru_cache

from app.models.tensions import TensionLevel

DEFAULT_LEVELS: tuple[tuple[str, str], ...] = (
    ("Normal", "Everyday community life. No particular tension is known beyond the usual."),
    (
        "Some concern",
        "People are talking about something that worries them, in person or online, but daily life is not affected.",
    ),
    (
        "Raised",
        "Tension is visible: rumours, heated arguments online, small incidents or a planned protest. Officers keep "
        "watch and share reassurance.",
    ),
    (
        "High",
        "Tension is affecting community life: incidents, protests or fear in the community. The council and police "
        "work together and meet community leaders.",
    ),
    (
        "Very high",
        "Serious incidents or disorder, or a real risk of them. A joint response with the police is under way.",
    ),
)
MIN_LEVELS, MAX_LEVELS = 2, 10


class TensionLevelsError(ValueError):
    """CONTEST_TENSION_LEVELS is not a list of 2 to 10 levels with a name and a description each."""


@lru_cache(maxsize=8)
def parse_levels(text: str) -> tuple[TensionLevel, ...]:
    """The scale, lowest first; empty text gives the default."""
    if not text.strip():
        return tuple(TensionLevel(level=i, name=n, description=d) for i, (n, d) in enumerate(DEFAULT_LEVELS, 1))
    try:
        given = json.loads(text)
    except ValueError as exc:
        raise TensionLevelsError(f"CONTEST_TENSION_LEVELS is not JSON: {exc}") from exc
    if (
        not isinstance(given, list)
        or not MIN_LEVELS <= len(given) <= MAX_LEVELS
        or not all(_is_level(g) for g in given)
    ):
        raise TensionLevelsError(
            f"CONTEST_TENSION_LEVELS must be a JSON list of {MIN_LEVELS} to {MAX_LEVELS} objects, lowest first, each "
            f'{{"name": "...", "description": "..."}} with a name of at most 60 characters'
        )
    return tuple(
        TensionLevel(level=i, name=g["name"].strip(), description=g["description"].strip())
        for i, g in enumerate(given, 1)
    )


def _is_level(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and 0 < len(value["name"].strip()) <= 60
        and isinstance(value.get("description"), str)
    )


def name_of(levels: tuple[TensionLevel, ...], level: int | None) -> str:
    """A level's name on the scale ('' for none)."""
    return next((t.name for t in levels if t.level == level), "")
