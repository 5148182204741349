"""Dates on pages: the GOV.UK date input (day, month, year boxes) — what was posted to the ISO date the API takes,
an ISO date back to the boxes, and the GOV.UK date error messages ("Date the plan starts must include a month").

The macro is `macros/date_input.html`; `forms.form_payload(dates=)` and `forms.api_errors(dates=)` use these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

DATE_PARTS = ("day", "month", "year")
DATE_HINT = "For example, 31 3 2027"
_DIGITS = re.compile(r"[0-9]+")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class DateError(str):
    """A date field's error message that knows which of its parts (day, month, year) the user must correct, so the
    field highlights those and the error summary links to the first of them."""

    parts: tuple[str, ...]

    def __new__(cls, message: str, parts: Iterable[str] = DATE_PARTS) -> DateError:
        made = super().__new__(cls, message)
        made.parts = tuple(parts) or DATE_PARTS
        return made


def date_parts(value: Any) -> dict[str, str]:
    """A date as the three boxes show it: from the API's ISO date, or the parts as typed (kept after an error)."""
    if isinstance(value, Mapping):
        return {part: str(value.get(part) or "") for part in DATE_PARTS}
    found = ISO_DATE.fullmatch(str(value or "")[:10])
    if not found:
        return dict.fromkeys(DATE_PARTS, "")
    year, month, day = found.groups()
    return {"day": str(int(day)), "month": str(int(month)), "year": year}


def posted_date(form: Any, name: str) -> str | dict[str, str]:
    """A posted date (`name-day`, `name-month`, `name-year`) as the API takes it: the ISO date, "" if left blank,
    or, if it is not a real date, the parts as typed (to show again; `date_body` sends the API something it refuses).
    """
    parts = {part: str(form.get(f"{name}-{part}") or "").strip()[:20] for part in DATE_PARTS}
    if not any(parts.values()):
        return ""
    return _iso(parts) or parts


def date_body(value: str | Mapping[str, str]) -> str | None:
    """What the API is sent for a posted date: the ISO date, None when blank, or for a date that is not real, text
    the API refuses for that field (so the save is refused as a whole and every other field is checked too)."""
    if isinstance(value, Mapping):
        return "-".join(value.get(part) or "?" for part in reversed(DATE_PARTS)) + " (not a date)"
    return value or None


def _iso(parts: Mapping[str, str]) -> str | None:
    if not all(_DIGITS.fullmatch(parts[part]) for part in DATE_PARTS) or len(parts["year"]) != 4:
        return None
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])).isoformat()
    except ValueError:
        return None


def date_problem(value: Any, label: str) -> DateError | None:
    """The GOV.UK message for a date typed wrongly (incomplete, not numbers, not a real date), or None."""
    if not isinstance(value, Mapping):
        return None
    parts = date_parts(value)
    missing = [part for part in DATE_PARTS if not parts[part]]
    if missing:
        return DateError(f"{label} must include a {' and '.join(missing)}", missing)
    not_numbers = [part for part in DATE_PARTS if not _DIGITS.fullmatch(parts[part])]
    if not_numbers:
        return DateError(f"The {not_numbers[0]} of the {lower_first(label)} must be a number", not_numbers)
    if len(parts["year"]) != 4:
        return DateError(f"The year of the {lower_first(label)} must include 4 numbers", ["year"])
    wrong = ["month"] if not 1 <= int(parts["month"]) <= 12 else ["day"] if not _iso(parts) else []
    return DateError(f"{label} must be a real date", wrong) if wrong else None


# A date with a time (a GOV.UK date input and a time box, `name-time`, 24-hour clock, UK time) ---------------------

TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


def posted_moment(form: Any, name: str) -> str | dict[str, str]:
    """A posted date and time as "YYYY-MM-DDTHH:MM" (UK time), "" if all left blank, or the parts as typed."""
    day = posted_date(form, name)
    typed = str(form.get(f"{name}-time") or "").strip()[:20]
    found = TIME.fullmatch(typed)
    if not day and not typed:
        return ""
    if isinstance(day, str) and day and found:
        return f"{day}T{int(found[1]):02d}:{found[2]}"
    return date_parts(day) | {"time": typed}


def moment_parts(value: Any) -> dict[str, str]:
    """A date and time as its boxes show it: from "YYYY-MM-DDTHH:MM", or the parts as typed."""
    if isinstance(value, Mapping):
        return date_parts(value) | {"time": str(value.get("time") or "")}
    text = str(value or "")
    return date_parts(text[:10]) | {"time": text[11:16]}


def moment_problem(value: Any, label: str) -> DateError | None:
    """The GOV.UK message for a date and time typed wrongly, or None."""
    if not isinstance(value, Mapping):
        return None
    parts = moment_parts(value)
    if not any(parts[part] for part in DATE_PARTS):
        return DateError(f"Enter the {lower_first(label)}", DATE_PARTS)
    problem = date_problem(parts, label)
    if problem:
        return problem
    if not parts["time"]:
        return DateError(f"{label} must include a time", ["time"])
    return DateError(f"Enter the time of the {lower_first(label)} on the 24-hour clock, for example 14:30", ["time"])


def lower_first(label: str) -> str:
    """A label inside a sentence: "Date the plan starts" → "date the plan starts"."""
    return label[:1].lower() + label[1:]


def long_date(value: str | date | None) -> str:
    """2026-11-29 → 29 November 2026."""
    if not value:
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return day.strftime("%-d %B %Y")
