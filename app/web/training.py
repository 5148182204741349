"""Protect: the awareness training log, with a chart of attendees per financial quarter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.web import options
from app.web.dates import date_body, long_date, posted_date
from app.web.deps import SignedInWeb, Web, require
from app.web.forms import CsrfChecked, Words, api_errors, number, text

router = APIRouter(prefix="/protect/training")

FIELDS = ("course", "delivered_on", "audience", "organisation", "attendees", "delivered_by")
LABELS = {
    "course": "Course",
    "audience": "Audience",
    "organisation": "Organisation",
    "attendees": "Attendees",
    "delivered_by": "Delivered by",
}
DATES = {"delivered_on": "Date the session was delivered"}
WORDS: Words = {
    "course": {"other": "Select a course"},
    "audience": {"other": "Select an audience"},
    "organisation": {"too_long": "Enter an organisation of {n} characters or fewer"},
    "attendees": {
        "missing": "Enter the number of attendees",
        "other": "Attendees must be a whole number from 0 to 100,000",
    },
    "delivered_by": {"too_long": "Enter who delivered it in {n} characters or fewer"},
    "delivered_on": {"missing": "Enter the date the session was delivered"},
}
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 640, 260, 24, 40


def chart(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars for an inline SVG: each group's attendees scaled to the tallest, with label positions."""
    tallest = max((g["attendees"] for g in groups), default=0) or 1
    slot = CHART_WIDTH / max(len(groups), 1)
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bars = []
    for i, g in enumerate(groups):
        height = round(plot * g["attendees"] / tallest, 1)
        x = round(i * slot + slot * 0.15, 1)
        bars.append(
            {
                "key": g["key"],
                "value": g["attendees"],
                "x": x,
                "width": round(slot * 0.7, 1),
                "y": round(CHART_TOP + plot - height, 1),
                "height": height,
                "centre": round(x + slot * 0.35, 1),
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
    }


async def _page(
    web: Web, *, values: dict[str, Any], errors: dict[str, str], cursor: str | None = None, status: int = 200
) -> Response:
    log = await web.fetch("/training-sessions", params={"limit": 50, **({"cursor": cursor} if cursor else {})})
    stats = await web.fetch("/training-sessions/stats", params={"group_by": "quarter"})
    return web.render(
        "protect/training.html",
        status=status,
        log=log,
        stats=stats["groups"],
        chart=chart(stats["groups"]),
        courses=options.TRAINING_COURSES,
        audiences=options.TRAINING_AUDIENCES,
        values=values,
        errors=errors,
    )


@router.get("")
async def training_log(web: SignedInWeb, cursor: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    """Sessions delivered, attendees per quarter, and a form to log one."""
    return await _page(web, values={}, errors={}, cursor=cursor)


@router.post("", dependencies=[require("protect:write", "log training sessions"), CsrfChecked])
async def log_session(web: SignedInWeb, request: Request) -> Response:
    """Log a delivered session."""
    form = await request.form()
    values: dict[str, Any] = {k: text(form, k) for k in FIELDS}
    values["delivered_on"] = posted_date(form, "delivered_on")
    body: dict[str, Any] = {k: v for k, v in values.items() if v or k in ("organisation", "delivered_by")}
    body["delivered_on"] = date_body(values["delivered_on"])
    if values["attendees"]:
        body["attendees"] = number(values["attendees"], int)
    result = await web.call("POST", "/training-sessions", json=body)
    if result.ok:
        web.session.add_flash(f"The session on {long_date(result.body['delivered_on'])} was logged.")
        return web.redirect("/protect/training")
    errors = api_errors(result, "course", words=WORDS, labels=LABELS, values=values, dates=DATES)
    return await _page(web, values=values, errors=errors, status=400)
