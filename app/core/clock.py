"""Time: UTC everywhere inside, Europe/London for 'today' and for pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

# The times the API accepts: Python's whole range less a day at each end, so that every time zone conversion
# (Europe/London on pages, a client's offset of up to ±23:59) and a day of arithmetic stay in range.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
OUT_OF_RANGE = "is out of range: times must be between 0001-01-02 and 9999-12-30 (UTC)"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, to the microsecond."""
    return datetime.now(UTC)


def today_london() -> date:
    """Today's date in the UK, which decides what is overdue."""
    return datetime.now(LONDON).date()


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC; a ValueError if UTC cannot hold the time."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError(OUT_OF_RANGE) from None


def checked_utc(value: datetime) -> datetime:
    """A time from outside (request or query) as UTC; a ValueError (so a 422 on its field) if out of range."""
    utc = as_utc(value)
    if not EARLIEST <= utc <= LATEST:
        raise ValueError(OUT_OF_RANGE)
    return utc


def rfc3339(value: datetime | None) -> str | None:
    """Format a time as RFC 3339 UTC with a Z."""
    if value is None:
        return None
    if value.tzinfo is None:  # UTC as SQLite returns it (as_utc's reading, without a copy)
        return value.isoformat() + "Z"
    if value.tzinfo is UTC:  # as PostgreSQL's connections give it (database.server_options)
        return value.isoformat().replace("+00:00", "Z")
    return as_utc(value).isoformat().replace("+00:00", "Z")


def cap_datetime(value: datetime) -> str:
    """A time as CAP 1.2 writes it: whole seconds with a numeric offset, never Z (`2026-11-30T12:00:00+00:00`)."""
    return as_utc(value).replace(microsecond=0).isoformat()


def financial_quarter(day: date) -> tuple[date, date]:
    """The first and last day of the UK financial quarter holding `day` (Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar)."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return start, end - timedelta(days=1)


def financial_year(day: date) -> tuple[date, date]:
    """The first and last day of the UK financial year (April to March) holding `day`."""
    start_year = day.year if day.month >= 4 else day.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)
