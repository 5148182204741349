"""The threat level page: current UK and Northern Ireland levels, the history, and recording a change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from app.core.clock import LONDON
from app.web import options
from app.web.charts import threat_step_chart
from app.web.confirm import Confirmation, confirm_page
from app.web.deps import NavItem, SignedInWeb, Web, require
from app.web.forms import CsrfChecked
from app.web.templating import long_date

router = APIRouter()
NAVIGATION = [NavItem(10, "Threat level", "/threat-level")]
SCOPES = options.THREAT_SCOPES


async def _render(
    web: Web, *, status: int = 200, errors: dict[str, str] | None = None, values: dict[str, str] | None = None
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


@router.post("/threat-level", dependencies=[require("threat:write", "record the threat level"), CsrfChecked])
async def record_threat_level(
    web: SignedInWeb,
    level: Annotated[str, Form(max_length=20)] = "",
    scope: Annotated[str, Form(max_length=20)] = "UK",
    effective_date: Annotated[str, Form(max_length=10)] = "",
    effective_time: Annotated[str, Form(max_length=5)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Check the change, ask "are you sure?" (the form's values carried), then record it through the API; errors
    come back on the form."""
    values = {
        "level": level,
        "scope": scope,
        "effective_date": effective_date,
        "effective_time": effective_time,
        "note": note,
    }
    errors: dict[str, str] = {}
    if level not in options.THREAT_LEVELS:
        errors["level"] = "Select the threat level"
    if scope not in SCOPES:
        errors["scope"] = "Select which level"
    payload: dict[str, str] = {"level": level, "scope": scope, "note": note}
    if effective_date:
        payload["effective_from"] = _london_to_utc(effective_date, effective_time or "00:00", errors)
    if not errors and confirmed != "yes":
        return _confirm(web, values)
    if not errors:
        result = await web.call("POST", "/threat-level", json=payload)
        if result.ok:
            change = result.body
            web.session.add_flash(
                f"Recorded: {SCOPES[change['scope']]} threat level {change['level']}"
                + ("" if change["changed"] else " (no change from the level in force)")
                + "."
            )
            return web.redirect("/threat-level")
        if result.status == 403:
            errors["level"] = "You are not allowed to record the threat level"
        else:
            errors = {("effective_date" if k == "effective_from" else k): v for k, v in result.field_errors().items()}
            errors = errors or {"level": result.detail}
    return await _render(web, status=400, errors=errors, values=values)


def _confirm(web: Web, values: dict[str, str]) -> Response:
    """Are you sure? A recorded level is in the history for good and shown everywhere at once."""
    when = "Now"
    if values["effective_date"]:
        when = f"{long_date(values['effective_date'])} {values['effective_time'] or '00:00'} (UK time)"
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
        hidden=values | {"confirmed": "yes"},
        destructive=False,
    )
    return confirm_page(web, confirmation)


def _london_to_utc(day: str, time: str, errors: dict[str, str]) -> str:
    """A date and time typed in UK local time, as RFC 3339 UTC for the API."""
    try:
        moment = datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LONDON)
    except ValueError:
        errors["effective_date"] = "Enter a real date, for example 2024-03-05, and a time like 09:30"
        return ""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
