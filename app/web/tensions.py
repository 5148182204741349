"""Community tensions: a member's report (a short form that works on a phone and without JavaScript), its
confirmation, "My reports" and the messages for members; the officers' triage queue, a report, its assessment."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.core.clock import LONDON, today_london
from app.web import options
from app.web.dates import posted_moment
from app.web.deps import NavItem, SignedInWeb, Web, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, lines, number, save_edit, text

router = APIRouter(prefix="/tensions")
NAVIGATION = [
    NavItem(50, "Community tensions", "/tensions/queue", "tensions:read", own="Reports to triage"),
    NavItem(51, "Report a tension", "/tensions/report", "tensions:report", parent="/tensions/queue"),
    NavItem(52, "Your reports", "/tensions/mine", "tensions:report", parent="/tensions/queue"),
    NavItem(53, "Messages for members", "/tensions/messages", "tensions:report", parent="/tensions/queue"),
    NavItem(54, "Trends", "/tensions/trends", "tensions:read", parent="/tensions/queue"),
    NavItem(55, "Events", "/tensions/events", "tensions:read", parent="/tensions/queue"),
]

REPORT_WORDS: Words = {
    "ward": {"missing": "Enter the ward", "too_long": "Ward must be {n} characters or fewer"},
    "category": {"other": "Select what it is about"},
    "trigger": {"other": "Select what set it off"},
    "source": {"other": "Select how you know about it"},
    "summary": {"missing": "Describe what is happening", "too_long": "Description must be {n} characters or fewer"},
    "trigger_detail": {"too_long": "What set it off must be {n} characters or fewer"},
    "communities": {"too_long": "Each community must be {n} characters or fewer, and no more than 20"},
}
ASSESSMENT_WORDS: Words = {
    "level": {"other": "Select a level on the scale"},
    "trend": {"other": "Select whether the tension is rising, stable or falling"},
    "status": {"other": "Select a status"},
    "actions": {"too_long": "Actions must be {n} characters or fewer"},
    "assessment_notes": {"too_long": "Notes must be {n} characters or fewer"},
    "reassurance_message": {"too_long": "The reassurance message must be {n} characters or fewer"},
    "police_informed_at": {"other": "Enter the date and time the police were told, for example 30/11/2026 14:30"},
    "community_event_id": {"other": "Select an event from the list"},
    "classification": {"other": "Select a classification", "missing": "Select a classification"},
}
ASSESSMENT_FIELDS = {
    "level": "Level",
    "trend": "Trend",
    "status": "Status",
    "actions": "Actions",
    "assessment_notes": "Assessment notes",
    "police_informed_at": "Police informed",
    "reassurance_message": "Reassurance message",
    "community_event_id": "Community event",
    "classification": "Classification",
}
FILTER_WORDS = {  # a filter the API refused (only a hand-made address can do it): what to do, in words
    "status": "Select a status from the list",
    "category": "Select what the reports are about from the list",
    "level_min": "Select a level from the list",
    "ward": "Ward must be 100 characters or fewer",
    "q": "Search must be 200 characters or fewer",
    "community_event_id": "That event is not known",
    "cursor": "That page is no longer available: start again from the first page",
}
QUEUE_FILTERS = ("status", "ward", "category", "level_min", "q", "community_event_id")


# --- Members ------------------------------------------------------------------------------------------------------


def _render_report_form(web: Web, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    return web.render(
        "tensions/report_form.html",
        status=status,
        values=values,
        errors=errors,
        categories=options.TENSION_CATEGORIES,
        triggers=options.TENSION_TRIGGERS,
        sources=options.REPORT_SOURCES,
    )


@router.get("/report", dependencies=[require("tensions:report", "report community tensions")])
async def new_report(web: SignedInWeb) -> Response:
    """The short form a member fills in on their phone."""
    return _render_report_form(web, {}, {})


@router.post("/report", dependencies=[require("tensions:report", "report community tensions"), CsrfChecked])
async def send_report(web: SignedInWeb, request: Request) -> Response:
    """Send the report to the officers, then show its confirmation (post/redirect/get)."""
    form = await request.form()
    values = {k: text(form, k) for k in ("ward", "category", "trigger", "trigger_detail", "summary", "source")}
    values["communities"] = text(form, "communities")
    body: dict[str, Any] = {k: values[k] for k in ("ward", "trigger_detail", "summary")}
    body |= {k: values[k] or None for k in ("category", "trigger", "source")}
    body["communities"] = lines(values["communities"])
    result = await web.call("POST", "/tension-reports", json=body)
    if result.ok:
        return web.redirect(f"/tensions/report/sent/{result.body['id']}")
    errors = api_errors(result, "summary", lambda name: name.split(".")[0], words=REPORT_WORDS)
    return _render_report_form(web, values, errors, status=400)


@router.get("/report/sent/{report_id}")
async def report_sent(web: SignedInWeb, report_id: str) -> Response:
    """The confirmation: the report arrived, and what happens next."""
    report = await web.fetch(f"/tension-reports/{report_id}")
    return web.render("tensions/sent.html", report=report)


@router.get("/mine", dependencies=[require("tensions:report", "report community tensions")])
async def my_reports(web: SignedInWeb, cursor: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    """The reports the signed-in person made: status, level and the reassurance message for each."""
    params: dict[str, Any] = {"mine": "true", "limit": 50, **({"cursor": cursor} if cursor else {})}
    page, levels = await asyncio.gather(web.fetch("/tension-reports", params=params), web.fetch("/tension-levels"))
    return web.render("tensions/mine.html", page=page, levels=_level_names(levels), **_words())


@router.get("/messages")
async def messages(web: SignedInWeb) -> Response:
    """The current reassurance messages, by ward, for members to carry back to their communities."""
    found, levels = await asyncio.gather(web.fetch("/tension-messages"), web.fetch("/tension-levels"))
    by_ward: dict[str, list[dict[str, Any]]] = {}
    for message in found:
        by_ward.setdefault(message["ward"], []).append(message)
    return web.render("tensions/messages.html", wards=by_ward, levels=_level_names(levels), **_words())


# --- Officers -----------------------------------------------------------------------------------------------------


def _level_names(levels: list[dict[str, Any]]) -> dict[int, str]:
    return {lv["level"]: lv["name"] for lv in levels}


def _words() -> dict[str, Any]:
    return {
        "categories": options.TENSION_CATEGORIES,
        "statuses": options.REPORT_STATUSES,
        "trends": options.TRENDS,
        "triggers": options.TENSION_TRIGGERS,
        "sources": options.REPORT_SOURCES,
    }


@router.get("/queue", dependencies=[require("tensions:read", "read community tension reports")])
async def queue(
    web: SignedInWeb,
    status: Annotated[str | None, Query(max_length=20)] = None,
    ward: Annotated[str | None, Query(max_length=100)] = None,
    category: Annotated[str | None, Query(max_length=20)] = None,
    level_min: Annotated[str | None, Query(max_length=2)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    community_event_id: Annotated[str | None, Query(max_length=36)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The triage queue: new reports first, then the highest level, then the newest."""
    filters = dict(zip(QUEUE_FILTERS, (status, ward, category, level_min, q, community_event_id), strict=True))
    chosen = {k: v for k, v in filters.items() if v}
    params = {"sort": "triage", "limit": 50, **chosen, **({"cursor": cursor} if cursor else {})}
    result, levels = await asyncio.gather(
        web.call("GET", "/tension-reports", params=params), web.fetch("/tension-levels")
    )
    errors = {k: FILTER_WORDS.get(k, "Check this filter") for k in result.field_errors()}
    if not result.ok:
        result = await web.call("GET", "/tension-reports", params={"sort": "triage", "limit": 50})
    context = {"page": result.body, "filters": {k: v or "" for k, v in filters.items()}, "errors": errors}
    context |= {"levels": _level_names(levels), "scale": levels, "filtered": bool(chosen), **_words()}
    return web.render("tensions/queue.html", block="results" if web.is_htmx else None, **context)


@router.get("/reports/{report_id}")
async def report_page(web: SignedInWeb, report_id: str) -> Response:
    """One report: in full for officers, in the reporter's view for its reporter."""
    report, levels = await asyncio.gather(web.fetch(f"/tension-reports/{report_id}"), web.fetch("/tension-levels"))
    event = None
    if report.get("community_event_id") and web.can("tensions:read"):
        found = await web.call("GET", f"/community-events/{report['community_event_id']}")
        event = found.body if found.ok else None
    return web.render(
        "tensions/report.html",
        report=report,
        event=event,
        levels=_level_names(levels),
        marking=report["classification"],
        **_words(),
    )


def london_field(value: str | None) -> str:
    """An API time as the value of a datetime-local field (London)."""
    if not value:
        return ""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def utc_of_field(value: str | Mapping[str, str]) -> str | None:
    """A date and time field's London time ("YYYY-MM-DDTHH:MM", see `dates.posted_moment`) for the API; typed
    wrongly, text the API refuses for that field (the page says why in the date pattern's words)."""
    if isinstance(value, Mapping):
        return "not a date and time"
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value).replace(tzinfo=LONDON)
    except ValueError:
        return value
    return moment.isoformat()


ASSESSMENT_DATES = {"police_informed_at": "Date and time the police were told"}


def assessment_values(report: dict[str, Any]) -> dict[str, Any]:
    """A report's assessment as form values."""
    values = {k: report.get(k) or "" for k in ASSESSMENT_FIELDS}
    values["level"] = str(report.get("level") or "")
    values["police_informed_at"] = london_field(report.get("police_informed_at"))
    return values


def assessment_payload(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The posted assessment: the values to show again and the API's body (empty fields clear)."""
    values: dict[str, Any] = {k: text(form, k) for k in ASSESSMENT_FIELDS}
    values["police_informed_at"] = posted_moment(form, "police_informed_at")
    body: dict[str, Any] = {k: values[k] for k in ("actions", "assessment_notes", "reassurance_message")}
    body |= {k: values[k] or None for k in ("trend", "community_event_id")}
    body |= {k: values[k] for k in ("status", "classification") if values[k]}
    body["level"] = number(values["level"], int) if values["level"] else None
    body["police_informed_at"] = utc_of_field(values["police_informed_at"])
    return values, body


async def _render_assessment(
    web: Web,
    report: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    etag: str,
    conflict: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    levels, events = await asyncio.gather(web.fetch("/tension-levels"), _recent_events(web))
    return web.render(
        "tensions/assess.html",
        status=status,
        report=report,
        values=values,
        errors=errors,
        etag=etag,
        conflict=conflict,
        scale=levels,
        events=events["items"],
        classifications=options.CLASSIFICATIONS,
        marking=report["classification"],
        **_words(),
    )


async def _recent_events(web: Web) -> Any:
    """The events a report may be linked to: from 60 days ago on."""
    since = (today_london() - timedelta(days=60)).isoformat()
    return await web.fetch("/community-events", params={"from": since, "limit": 200})


def _choices(levels: list[dict[str, Any]], events: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        "level": {str(lv["level"]): f"{lv['level']}: {lv['name']}" for lv in levels},
        "trend": dict(options.TRENDS),
        "status": dict(options.REPORT_STATUSES),
        "community_event_id": {e["id"]: e["title"] for e in events},
    }


@router.get("/reports/{report_id}/assess", dependencies=[require("tensions:write", "assess tension reports")])
async def assess_form(web: SignedInWeb, report_id: str) -> Response:
    """The assessment form, carrying the ETag it was read at."""
    found = await web.fetch_result(f"/tension-reports/{report_id}")
    return await _render_assessment(web, found.body, assessment_values(found.body), {}, etag=found.etag or "")


@router.post(
    "/reports/{report_id}/assess", dependencies=[require("tensions:write", "assess tension reports"), CsrfChecked]
)
async def save_assessment(web: SignedInWeb, report_id: str, request: Request) -> Response:
    """Save the assessment if nobody changed the report since the form was read."""
    form = await request.form()
    values, body = assessment_payload(form)
    edit = await save_edit(web, f"/tension-reports/{report_id}", body, text(form, "etag"))
    if edit.saved:
        web.session.add_flash("The assessment was saved.")
        return web.redirect(f"/tensions/reports/{report_id}")
    if edit.conflict:
        current = assessment_values(edit.record)
        levels, events = await asyncio.gather(web.fetch("/tension-levels"), _recent_events(web))
        rows = conflict_rows(values, current, ASSESSMENT_FIELDS, _choices(levels, events["items"]))
        return await _render_assessment(
            web, edit.record, current, {"conflict": CONFLICT}, etag=edit.etag, conflict=rows, status=409
        )
    errors = api_errors(edit.result, "status", words=ASSESSMENT_WORDS, values=values, dates=ASSESSMENT_DATES)
    return await _render_assessment(web, edit.record, values, errors, etag=text(form, "etag"), status=400)
