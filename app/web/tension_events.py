"""The community events calendar: events by day with the reports about each, the iCalendar download, and the forms
to add, change and remove an event."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.core.clock import LONDON, today_london
from app.web import options
from app.web.confirm import Confirmation, confirm_page
from app.web.dates import DateError, date_problem, posted_date, posted_moment
from app.web.deps import SignedInWeb, Web, WebError, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, number, save_edit, text
from app.web.tensions import london_field, utc_of_field

router = APIRouter(prefix="/tensions/events")
READ = require("tensions:read", "see the community events calendar")
WRITE = require("tensions:write", "change the community events calendar")

EVENT_TEXT = ("title", "kind", "place", "ward", "organiser", "notes", "classification")
EVENT_FIELDS = {
    "title": "Title",
    "kind": "Kind",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "place": "Place",
    "ward": "Ward",
    "expected_attendance": "Expected attendance",
    "organiser": "Organiser",
    "notes": "Notes",
    "classification": "Classification",
}
EVENT_WORDS: Words = {
    "title": {"missing": "Enter the event's title", "too_long": "Title must be {n} characters or fewer"},
    "kind": {"other": "Select the kind of event"},
    "starts_at": {"other": "Enter when the event starts, for example 12/12/2026 11:00"},
    "ends_at": {"other": "Enter when the event ends, after it starts"},
    "place": {"too_long": "Place must be {n} characters or fewer"},
    "ward": {"too_long": "Ward must be {n} characters or fewer"},
    "expected_attendance": {"other": "Expected attendance must be a whole number, 0 or more"},
    "organiser": {"too_long": "Organiser must be {n} characters or fewer"},
    "notes": {"too_long": "Notes must be {n} characters or fewer"},
    "classification": {"other": "Select a classification"},
}
FILTER_WORDS = {
    "from": "Enter a real date for the start of the period",
    "to": "Enter a real date, on or after the start of the period",
    "kind": "Select a kind of event from the list",
    "ward": "Ward must be 100 characters or fewer",
}
ENDS_BEFORE_START = "must not be before starts_at"


EVENT_DATES = {"starts_at": "Date and time the event starts", "ends_at": "Date and time the event ends"}


def event_values(event: dict[str, Any]) -> dict[str, Any]:
    """An event from the API as form values."""
    values = {k: event.get(k) or "" for k in EVENT_TEXT}
    values["starts_at"], values["ends_at"] = london_field(event.get("starts_at")), london_field(event.get("ends_at"))
    attendance = event.get("expected_attendance")
    values["expected_attendance"] = "" if attendance is None else str(attendance)
    return values


def event_payload(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The posted event: the values to show again and the API's body."""
    values: dict[str, Any] = {k: text(form, k) for k in EVENT_FIELDS}
    values |= {k: posted_moment(form, k) for k in EVENT_DATES}
    body: dict[str, Any] = {k: values[k] for k in ("title", "place", "organiser", "notes")}
    body |= {k: values[k] or None for k in ("kind", "ward")}
    body |= {k: utc_of_field(values[k]) for k in ("starts_at", "ends_at")}
    body["expected_attendance"] = number(values["expected_attendance"], int) if values["expected_attendance"] else None
    if values["classification"]:
        body["classification"] = values["classification"]
    return values, body


def _errors(result: Any, values: dict[str, Any]) -> dict[str, str]:
    errors = api_errors(result, "title", words=EVENT_WORDS, values=values, dates=EVENT_DATES)
    if ENDS_BEFORE_START in str(result.body):  # the rule across two fields comes back on the body or on ends_at
        errors.pop("body", None)
        errors["ends_at"] = DateError("The event must end after it starts")
    return errors


def _render_form(
    web: Web,
    *,
    event: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    etag: str = "",
    conflict: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    return web.render(
        "tensions/event_form.html",
        status=status,
        event=event,
        values=values,
        errors=errors,
        etag=etag,
        conflict=conflict,
        kinds=options.EVENT_KINDS,
        classifications=options.CLASSIFICATIONS,
    )


def _day(value: str) -> str:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(LONDON).date().isoformat()


@router.get("", dependencies=[READ])
async def calendar(
    web: SignedInWeb,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    ward: Annotated[str | None, Query(max_length=100)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Events from today (or the dates chosen), day by day, each with the number of reports about it.

    The From and To boxes post `from-day`, `from-month`, `from-year` (and `to-…`); links carry `from` and `to` as
    dates."""
    query = web.request.query_params
    dates = {name: posted_date(query, name) or given for name, given in (("from", start), ("to", end))}
    errors: dict[str, str] = {}
    for name, label in (("from", "From date"), ("to", "To date")):
        problem = date_problem(dates[name], label)
        if problem:
            errors[name] = problem
    chosen = {k: v if isinstance(v, str) else "" for k, v in dates.items()}
    filters = {"from": chosen["from"] or today_london().isoformat(), "to": chosen["to"], "ward": ward, "kind": kind}
    params = {k: v for k, v in filters.items() if v}
    result = await web.call("GET", "/community-events", params={**params, "limit": 200})
    errors |= {k: FILTER_WORDS.get(k, "Check this filter") for k in result.field_errors()}
    if not result.ok:
        result = await web.call("GET", "/community-events", params={"from": today_london().isoformat(), "limit": 200})
    days: dict[str, list[dict[str, Any]]] = {}
    for event in result.body["items"]:
        days.setdefault(_day(event["starts_at"]), []).append(event)
    return web.render(
        "tensions/events.html",
        days=days,
        dates={"from": dates["from"] or filters["from"], "to": dates["to"]},
        filters={k: v or "" for k, v in filters.items()},
        errors=errors,
        kinds=options.EVENT_KINDS,
        query=urlencode(params),
        more=bool(result.body["next_cursor"]),
    )


@router.get(".ics", dependencies=[READ])
async def calendar_file(
    web: SignedInWeb,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    ward: Annotated[str | None, Query(max_length=100)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The same events as an iCalendar file, for Outlook."""
    params = {k: v for k, v in {"from": start, "to": end, "ward": ward, "kind": kind}.items() if v}
    result = await web.call("GET", "/community-events", params=params, headers={"Accept": "text/calendar"})
    if not result.ok:
        raise WebError(400, "The calendar could not be downloaded", result.detail or "Check the dates and try again.")
    return Response(
        result.body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="community-events.ics"'},
    )


@router.get("/new", dependencies=[WRITE])
async def new_event(web: SignedInWeb) -> Response:
    """The form to add an event."""
    return _render_form(web, event=None, values={"classification": "OFFICIAL"}, errors={})


@router.post("/new", dependencies=[WRITE, CsrfChecked])
async def create_event(web: SignedInWeb, request: Request) -> Response:
    """Add an event."""
    values, body = event_payload(await request.form())
    result = await web.call("POST", "/community-events", json=body)
    if result.ok:
        web.session.add_flash(f"{result.body['title']} was added to the calendar.")
        return web.redirect(f"/tensions/events/{result.body['id']}")
    return _render_form(web, event=None, values=values, errors=_errors(result, values), status=400)


@router.get("/{event_id}", dependencies=[READ])
async def event_page(web: SignedInWeb, event_id: str) -> Response:
    """An event and the reports about it that the reader may see."""
    found, reports, levels = await asyncio.gather(
        web.fetch_result(f"/community-events/{event_id}"),
        web.fetch("/tension-reports", params={"community_event_id": event_id, "limit": 200}),
        web.fetch("/tension-levels"),
    )
    return web.render(
        "tensions/event.html",
        event=found.body,
        etag=found.etag or "",
        reports=reports["items"],
        levels={lv["level"]: lv["name"] for lv in levels},
        statuses=options.REPORT_STATUSES,
        kinds=options.EVENT_KINDS,
        marking=found.body["classification"],
    )


@router.get("/{event_id}/edit", dependencies=[WRITE])
async def edit_event(web: SignedInWeb, event_id: str) -> Response:
    """The form to change an event, carrying the ETag it was read at."""
    found = await web.fetch_result(f"/community-events/{event_id}")
    return _render_form(web, event=found.body, values=event_values(found.body), errors={}, etag=found.etag or "")


@router.post("/{event_id}/edit", dependencies=[WRITE, CsrfChecked])
async def update_event(web: SignedInWeb, event_id: str, request: Request) -> Response:
    """Save an event's changes if nobody else changed it since the form was read."""
    form = await request.form()
    values, body = event_payload(form)
    edit = await save_edit(web, f"/community-events/{event_id}", body, text(form, "etag"))
    if edit.saved:
        web.session.add_flash("Your changes were saved.")
        return web.redirect(f"/tensions/events/{event_id}")
    if edit.conflict:
        current = event_values(edit.record)
        rows = conflict_rows(values, current, EVENT_FIELDS, {"kind": dict(options.EVENT_KINDS)})
        return _render_form(
            web,
            event=edit.record,
            values=current,
            errors={"conflict": CONFLICT},
            etag=edit.etag,
            conflict=rows,
            status=409,
        )
    return _render_form(
        web, event=edit.record, values=values, errors=_errors(edit.result, values), etag=text(form, "etag"), status=400
    )


@router.get("/{event_id}/delete", dependencies=[WRITE])
async def confirm_delete(web: SignedInWeb, event_id: str, etag: Annotated[str, Query(max_length=40)] = "") -> Response:
    """Are you sure? The reports about the event stay."""
    event = await web.fetch(f"/community-events/{event_id}")
    return confirm_page(
        web,
        Confirmation(
            question="Are you sure you want to remove this event from the calendar?",
            button="Remove this event",
            action=f"/tensions/events/{event_id}/delete",
            cancel=f"/tensions/events/{event_id}",
            warning="The event will be removed. Reports about it stay, no longer linked to it. This cannot be undone.",
            details=[("Event", event["title"]), ("Starts", london_field(event["starts_at"]).replace("T", " at "))],
            hidden={"etag": etag},
        ),
        marking=event["classification"],
    )


@router.post("/{event_id}/delete", dependencies=[WRITE, CsrfChecked])
async def delete_event(web: SignedInWeb, event_id: str, request: Request) -> Response:
    """Remove the event if it is still as the user saw it."""
    form = await request.form()
    result = await web.call("DELETE", f"/community-events/{event_id}", headers={"If-Match": text(form, "etag")})
    if result.ok:
        web.session.add_flash("The event was removed from the calendar.")
        return web.redirect("/tensions/events")
    if result.status in (412, 428):
        web.session.add_flash("Someone changed the event after you opened it, so it was not removed. Check it again.")
        return web.redirect(f"/tensions/events/{event_id}")
    await web.fetch(f"/community-events/{event_id}")  # 404/403 as their pages
    raise WebError(400, "The event could not be removed", result.detail)
