"""The calendar of community events (`tensions:read` / `tensions:write`), also as RFC 5545 iCalendar to subscribe to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import col

from app.api.deps import SessionDep, requires
from app.api.disclosure import disclose
from app.api.http import (
    CSV_MEDIA,
    IF_MATCH_RESPONSES,
    IfMatch,
    PageParams,
    check_if_match,
    collection,
    created,
    json_model,
    page_params,
    with_etag,
)
from app.core.clock import as_utc
from app.core.errors import Unprocessable
from app.core.pagination import SortKey, iterate_all
from app.core.security import Classification, Principal
from app.models.common import IsoDate, Page
from app.models.tensions import (
    CommunityEvent,
    CommunityEventCreate,
    CommunityEventRead,
    CommunityEventUpdate,
    EventKind,
)
from app.services import community_events

router = APIRouter(prefix="/community-events", tags=["tensions"])

Reader = Annotated[Principal, requires("tensions:read")]
Writer = Annotated[Principal, requires("tensions:write")]

CALENDAR = "text/calendar"
ORDER = [SortKey(col(CommunityEvent.starts_at)), SortKey(col(CommunityEvent.id))]
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {CSV_MEDIA: {"schema": {"type": "string"}}, CALENDAR: {"schema": {"type": "string"}}},
        "description": "A page as JSON; with `Accept: text/csv` every matching event as CSV; with "
        "`Accept: text/calendar` every matching event as an RFC 5545 iCalendar (UID the event's id, times in UTC).",
    }
}


async def event_filters(
    start: Annotated[
        IsoDate | None, Query(alias="from", description="Events still going on this day or later.")
    ] = None,
    end: Annotated[IsoDate | None, Query(alias="to", description="Events starting on this day or earlier.")] = None,
    ward: Annotated[str | None, Query(max_length=100, description="Exact ward name (any case).")] = None,
    kind: EventKind | None = None,
) -> community_events.CommunityEventFilters:
    """The event list's filters from its query parameters (days in Europe/London)."""
    if start is not None and end is not None and end < start:
        raise Unprocessable.field("to", "must not be before from")
    return community_events.CommunityEventFilters(start=start, end=end, ward=ward, kind=kind)


def _wants_calendar(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return CALENDAR in accept and "application/json" not in accept


@router.get("", response_model=Page[CommunityEventRead], responses=LIST_RESPONSES)
def list_community_events(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[community_events.CommunityEventFilters, Depends(event_filters)],
) -> Response:
    """Events you may see, soonest first; as iCalendar for Outlook and other calendars."""
    stmt = community_events.list_statement(principal, filters)
    if _wants_calendar(request):
        events = list(iterate_all(session, stmt, ORDER))
        # Not JSON or CSV, so the disclosure log cannot read it: name the sensitive events it gives a partner.
        disclose(request, [e.id for e in events if e.classification == Classification.OFFICIAL_SENSITIVE])
        return Response(
            calendar(events),
            media_type=f"{CALENDAR}; charset=utf-8",
            headers={"Content-Disposition": 'inline; filename="community-events.ics"'},
        )
    present = partial(community_events.present_many, session=session, principal=principal)
    return collection(request, session, stmt, ORDER, params, present_many=present)


@router.post("", response_model=CommunityEventRead, status_code=201)
def create_community_event(
    request: Request, session: SessionDep, principal: Writer, data: CommunityEventCreate
) -> Response:
    """Add an event (OFFICIAL unless marked otherwise); linked sites must exist and be visible to you."""
    event = community_events.create(session, data, actor=principal)
    read = community_events.present(event, session=session, principal=principal)
    return created(request, read, location=f"/community-events/{event.id}", version=event.version)


@router.get("/{event_id}", response_model=CommunityEventRead)
def read_community_event(session: SessionDep, principal: Reader, event_id: str) -> Response:
    """One event."""
    event = community_events.get(session, event_id, principal)
    response = json_model(community_events.present(event, session=session, principal=principal))
    with_etag(response, event.version)
    return response


@router.patch("/{event_id}", response_model=CommunityEventRead, responses=IF_MATCH_RESPONSES)
def update_community_event(
    session: SessionDep,
    principal: Writer,
    event_id: str,
    data: CommunityEventUpdate,
    if_match: IfMatch,
    response: Response,
) -> CommunityEventRead:
    """Change an event; `null` clears an optional field."""
    event = community_events.get(session, event_id, principal)
    check_if_match(if_match, event.version)
    event = community_events.update(session, event, data, actor=principal)
    with_etag(response, event.version)
    return community_events.present(event, session=session, principal=principal)


@router.delete("/{event_id}", status_code=204, responses=IF_MATCH_RESPONSES)
def delete_community_event(session: SessionDep, principal: Writer, event_id: str, if_match: IfMatch) -> Response:
    """Remove an event; reports about it stay, no longer linked to it."""
    event = community_events.get(session, event_id, principal)
    check_if_match(if_match, event.version)
    community_events.delete(session, event, actor=principal)
    return Response(status_code=204)


# --- RFC 5545 -----------------------------------------------------------------------------------------------------


def calendar(events: Iterable[CommunityEvent]) -> str:
    """The events as one VCALENDAR: CRLF line ends, text escaped, lines folded at 75 octets."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//CONTEST Hub//Community events//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Community events",
    ]
    for event in events:
        lines += _vevent(event)
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _vevent(event: CommunityEvent) -> list[str]:
    # The UID is the event's own UUID (RFC 7986 §5.3 recommends a UUID): the same event keeps it wherever and
    # however often the calendar is fetched, so a subscribed calendar updates it rather than adding another.
    where = ", ".join(p for p in (event.place, event.ward or "") if p)
    details = [f"Kind: {event.kind.replace('_', ' ')}"]
    if event.expected_attendance is not None:
        details.append(f"Expected attendance: {event.expected_attendance}")
    if event.organiser:
        details.append(f"Organiser: {event.organiser}")
    if event.notes:
        details.append(event.notes)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.id}",
        f"DTSTAMP:{_utc(event.updated_at)}",
        f"CREATED:{_utc(event.created_at)}",
        f"LAST-MODIFIED:{_utc(event.updated_at)}",
        f"SEQUENCE:{event.version - 1}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{_text(event.title)}",
        f"LOCATION:{_text(where)}",
        f"DESCRIPTION:{_text(chr(10).join(details))}",
        f"CLASS:{'CONFIDENTIAL' if event.classification == Classification.OFFICIAL_SENSITIVE else 'PUBLIC'}",
        f"X-CONTEST-CLASSIFICATION:{event.classification}",
    ]
    if event.lat is not None and event.lon is not None:
        lines.append(f"GEO:{event.lat:.6f};{event.lon:.6f}")
    return [*lines, "END:VEVENT"]


def _utc(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, line breaks as `\\n`."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    return "".join(c if c >= " " or c == "\t" else " " for c in value.replace("\x7f", " "))  # no other controls


def _fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    pieces, current, size, limit = [], "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)
