"""The threat level page: current UK and Northern Ireland levels, the history, and recording a change."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.core.clock import LONDON
from app.web import options
from app.web.charts import threat_step_chart
from app.web.confirm import Confirmation, confirm_page
from app.web.dates import DateError, date_parts, date_problem, long_date, posted_date
from app.web.deps import NavItem, SignedInWeb, Web, require
from app.web.forms import CsrfChecked, Words, api_errors, text

router = APIRouter()
NAVIGATION = [NavItem(10, "Threat level", "/threat-level")]
SCOPES = options.THREAT_SCOPES
TIME = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9]")


async def _render(
    web: Web, *, status: int = 200, errors: dict[str, str] | None = None, values: dict[str, Any] | None = None
) -> Response:
    current = {}
    for scope in SCOPES:
        result = await web.call("GET", "/threat-level", params={"scope": scope})
        current[scope] = result.body if result.ok else None
    uk = (await web.fetch("/threat-level/history", params={"scope": "UK", "limit": 200}))["items"]
    history = (await web.fetch("/threat-level/history", params={"limit": 200}))["items"]
    return web.render(
        "threat_level/index.html",
        status=status,
        current=current,
        scopes=SCOPES,
        history=history,
        chart=threat_step_chart(uk),
        levels=options.THREAT_LEVELS,
        errors=errors or {},
        values=values or {"scope": "UK"},
    )


@router.get("/threat-level")
async def threat_level_page(web: SignedInWeb) -> Response:
    """Current levels, history table and chart, and the form for those who may record a change."""
    return await _render(web)


WORDS: Words = {
    "level": {"other": "Select the threat level"},
    "scope": {"other": "Select which level"},
    "effective_date": {"other": "The date and time it takes effect cannot be in the future"},
    "note": {"too_long": "Enter a note of {n} characters or fewer"},
}
NOTE_LIMIT = 2000
DATE_LABEL = {"effective_date": "Date it takes effect"}


def _values(form: FormData) -> dict[str, Any]:
    return {
        "level": text(form, "level", 100),
        "scope": text(form, "scope", 100) or "UK",
        "effective_date": posted_date(form, "effective_date"),
        "effective_time": text(form, "effective_time", 100),
        "note": text(form, "note"),
    }


def _checked(values: dict[str, Any]) -> dict[str, str]:
    """The form's own checks, before anything is asked or sent."""
    errors: dict[str, str] = {}
    if values["level"] not in options.THREAT_LEVELS:
        errors["level"] = WORDS["level"]["other"]
    if values["scope"] not in SCOPES:
        errors["scope"] = WORDS["scope"]["other"]
    problem = date_problem(values["effective_date"], DATE_LABEL["effective_date"])
    if problem:
        errors["effective_date"] = problem
    if values["effective_time"] and not TIME.fullmatch(values["effective_time"]):
        errors["effective_time"] = "Enter the time on the 24-hour clock, for example 09:30 or 14:15"
    elif values["effective_time"] and not values["effective_date"]:
        errors["effective_date"] = DateError("Enter the date it takes effect, or leave the time blank too")
    if len(values["note"]) > NOTE_LIMIT:
        errors["note"] = WORDS["note"]["too_long"].replace("{n}", str(NOTE_LIMIT))
    return errors


@router.post("/threat-level", dependencies=[require("threat:write", "record the threat level"), CsrfChecked])
async def record_threat_level(web: SignedInWeb, request: Request) -> Response:
    """Check the change, ask "are you sure?" (the form's values carried), then record it through the API; errors
    come back on the form."""
    form = await request.form()
    values = _values(form)
    errors = _checked(values)
    if not errors and text(form, "confirmed", 3) != "yes":
        return _confirm(web, values)
    if not errors:
        payload = {"level": values["level"], "scope": values["scope"], "note": values["note"]}
        if values["effective_date"]:
            payload["effective_from"] = _london_to_utc(values["effective_date"], values["effective_time"] or "00:00")
        result = await web.call("POST", "/threat-level", json=payload)
        if result.ok:
            change = result.body
            web.session.add_flash(
                f"Recorded: {SCOPES[change['scope']]} threat level {change['level']}"
                + ("" if change["changed"] else " (no change from the level in force)")
                + "."
            )
            return web.redirect("/threat-level")
        rename = {"effective_from": "effective_date"}
        errors = api_errors(result, "level", lambda name: rename.get(name, name), words=WORDS, values=values)
    return await _render(web, status=400, errors=errors, values=values)


def _confirm(web: Web, values: dict[str, Any]) -> Response:
    """Are you sure? A recorded level is in the history for good and shown everywhere at once."""
    when = "Now"
    if values["effective_date"]:
        when = f"{long_date(values['effective_date'])} {values['effective_time'] or '00:00'} (UK time)"
    day = date_parts(values["effective_date"])
    hidden = {k: v for k, v in values.items() if k != "effective_date"} | {
        f"effective_date-{part}": typed for part, typed in day.items()
    }
    confirmation = Confirmation(
        question=f"Are you sure you want to record the {SCOPES[values['scope']]} threat level as {values['level']}?",
        button="Record threat level",
        action="/threat-level",
        cancel="/threat-level#record",
        warning="The level is shown at once on every page, on the dashboard and to partners through the API. "
        "A recorded level stays in the history: a mistake is corrected by recording another change.",
        details=[
            ("Threat level", values["level"]),
            ("Which level", SCOPES[values["scope"]]),
            ("Effective from", when),
            ("Note", values["note"] or "None"),
        ],
        hidden=hidden | {"confirmed": "yes"},
        destructive=False,
    )
    return confirm_page(web, confirmation)


def _london_to_utc(day: str, time: str) -> str:
    """A date and time typed in UK local time, as RFC 3339 UTC for the API."""
    moment = datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LONDON)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
