"""Time: UTC everywhere inside, Europe/London for 'today' and for pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, to the microsecond."""
    return datetime.now(UTC)


def today_london() -> date:
    """Today's date in the UK, which decides what is overdue."""
    return datetime.now(LONDON).date()


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rfc3339(value: datetime | None) -> str | None:
    """Format a time as RFC 3339 UTC with a Z."""
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")
