"""The public warning form: posted fields to the API's JSON (the area's circle, outline and end time included),
the API's field errors to plain English (`ALERT_WORDS`), and an alert back to form values. No routes here."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from app.core.clock import LONDON
from app.web import options
from app.web.dates import DateError, date_problem, posted_date
from app.web.deps import Web
from app.web.forms import Words, number, text

ALERT_TEXT = ("status", "event", "urgency", "severity", "certainty", "headline", "description", "instruction", "web")
ALERT_DATES = {"expires_date": "Date the warning ends"}
TIME = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9]")
AREA_TEXT = ("area_description", "lat", "lon", "radius_km", "polygon", "expires_date", "expires_time")
ALERT_FIELDS = {
    "status": "Kind of message",
    "category": "Category",
    "event": "What is happening",
    "headline": "Headline",
    "description": "What people need to know",
    "instruction": "What people should do",
    "urgency": "How soon people should act",
    "severity": "How serious it is",
    "certainty": "How certain it is",
    "web": "Web page for more information",
    "expires_date": "Ends on",
    "expires_time": "Ends at",
    "area_description": "Area, in words",
    "wards": "Wards",
    "lat": "Centre latitude",
    "lon": "Centre longitude",
    "radius_km": "Radius",
    "polygon": "Area outline",
}
ALERT_CHOICES = {
    "status": options.ALERT_STATUSES,
    "category": options.ALERT_CATEGORIES,
    "urgency": options.URGENCIES,
    "severity": options.SEVERITIES,
    "certainty": options.CERTAINTIES,
}
_CONTROL = "must not contain control characters: retype it rather than pasting it"
ALERT_WORDS: Words = {
    "status": {"other": "Select whether this is a real warning, an exercise or a test"},
    "category": {"missing": "Select at least one category", "other": "Select at least one category"},
    "event": {
        "missing": "Enter what is happening",
        "too_long": "What is happening must be {n} characters or fewer",
        "other": f"What is happening {_CONTROL}",
    },
    "headline": {
        "missing": "Enter a headline",
        "too_long": "Headline must be {n} characters or fewer",
        "other": f"Headline {_CONTROL}",
    },
    "description": {
        "missing": "Enter what people need to know",
        "too_long": "What people need to know must be {n} characters or fewer",
        "other": f"What people need to know {_CONTROL}",
    },
    "instruction": {
        "too_long": "What people should do must be {n} characters or fewer",
        "other": f"What people should do {_CONTROL}",
    },
    "urgency": {"other": "Select how soon people should act"},
    "severity": {"other": "Select how serious it is"},
    "certainty": {"other": "Select how certain it is"},
    "web": {
        "too_long": "Web address must be {n} characters or fewer",
        "other": "Enter a web address starting with https:// or http://",
    },
    "expires_date": {"other": "Enter a real date and time for when the warning ends"},
    "area_description": {
        "missing": "Describe the area in words, for people who cannot see the map",
        "too_long": "Area, in words, must be {n} characters or fewer",
        "other": f"Area, in words, {_CONTROL}",
    },
    "wards": {"other": "Select wards from the list"},
    "lat": {"other": "Centre latitude must be a number between -90 and 90"},
    "lon": {"other": "Centre longitude must be a number between -180 and 180"},
    "radius_km": {"other": "Radius must be a number of kilometres, more than 0 and up to 500"},
    "polygon": {"other": "Enter at least three corners, one a line, each as latitude, longitude"},
}
_RENAME = {
    "area.description": "area_description",
    "area.wards": "wards",
    "area.polygon": "polygon",
    "area": "polygon",
    "area.circle.lat": "lat",
    "area.circle.lon": "lon",
    "area.circle.radius_km": "radius_km",
    "area.circle": "radius_km",
    "expires": "expires_date",
}


def rename(name: str) -> str:
    if name in _RENAME:
        return _RENAME[name]
    if name.startswith("area.polygon"):
        return "polygon"
    return name.split(".")[0] if name.startswith("category") else name


def wards(web: Web) -> list[str]:
    """The council's wards (CONTEST_WARDS), for the area's checkboxes."""
    return [w.strip() for w in web.settings.wards.split(",") if w.strip()]


def alert_values(alert: dict[str, Any]) -> dict[str, Any]:
    """An alert from the API as form values."""
    values: dict[str, Any] = {k: alert.get(k) or "" for k in ALERT_TEXT}
    area, circle = alert["area"], alert["area"].get("circle") or {}
    expires = (
        datetime.fromisoformat(alert["expires"].replace("Z", "+00:00")).astimezone(LONDON) if alert["expires"] else None
    )
    return values | {
        "category": list(alert["category"]),
        "area_description": area["description"],
        "wards": list(area.get("wards") or []),
        "lat": circle.get("lat", ""),
        "lon": circle.get("lon", ""),
        "radius_km": circle.get("radius_km", ""),
        "polygon": "\n".join(f"{lat}, {lon}" for lat, lon in (area.get("polygon") or [])[:-1]),
        "expires_date": expires.strftime("%Y-%m-%d") if expires else "",
        "expires_time": expires.strftime("%H:%M") if expires else "",
    }


def alert_payload(form: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The form's values (to show again), the API body they make, and errors found before asking the API."""
    values: dict[str, Any] = {k: text(form, k) for k in (*ALERT_TEXT, *AREA_TEXT)}
    values["expires_date"] = posted_date(form, "expires_date")
    values |= {"category": [str(v) for v in form.getlist("category")], "wards": [str(v) for v in form.getlist("wards")]}
    errors: dict[str, str] = {}
    body: dict[str, Any] = {k: values[k] for k in ALERT_TEXT} | {"category": values["category"]}
    area: dict[str, Any] = {"description": values["area_description"], "wards": values["wards"]}
    if values["lat"] or values["lon"] or values["radius_km"]:
        area["circle"] = {k: number(values[k], float) for k in ("lat", "lon", "radius_km")}
        for name in ("lat", "lon", "radius_km"):
            if not values[name]:
                errors[name] = f"Enter the {ALERT_FIELDS[name].lower()}, or leave the circle blank"
    if values["polygon"]:
        area["polygon"] = _polygon(values["polygon"], errors)
    body["area"] = area
    body["expires"] = _expires(values["expires_date"], values["expires_time"], errors)
    return values, body, errors


def _polygon(raw: str, errors: dict[str, str]) -> list[list[float]]:
    try:
        return [[float(part) for part in line.split(",")] for line in raw.splitlines() if line.strip()]
    except ValueError:
        errors["polygon"] = ALERT_WORDS["polygon"]["other"]
        return []


def _expires(day: str | dict[str, str], time: str, errors: dict[str, str]) -> str | None:
    """A date and time typed in UK time, as RFC 3339 UTC for the API (none: the warning has no set end)."""
    if not day and not time:
        return None
    problem = date_problem(day, "Date the warning ends")
    if problem or not day:
        errors["expires_date"] = problem or DateError("Enter the date the warning ends, or leave the time blank too")
    if time and not TIME.fullmatch(time):
        errors["expires_time"] = "Enter the time on the 24-hour clock, for example 18:00"
    if "expires_date" in errors or "expires_time" in errors:
        return None
    moment = datetime.fromisoformat(f"{day}T{time or '23:59'}").replace(tzinfo=LONDON)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


NEW_VALUES = {
    "status": "Actual",
    "category": ["Security"],
    "urgency": "Expected",
    "severity": "Moderate",
    "certainty": "Likely",
    "wards": [],
}
