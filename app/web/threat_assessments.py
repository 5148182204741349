"""Threat assessment pages: list, read, record and edit the police's ranked priorities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.web import options
from app.web.client import ApiResult
from app.web.dates import date_body, posted_date
from app.web.deps import SignedInWeb, marking_of, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, save_edit, text

router = APIRouter(prefix="/prevent/threat-assessments")
SPARE_ROWS = 3
FIELDS = {
    "title": "Title",
    "issued_by": "Issued by",
    "period_start": "Period starts",
    "period_end": "Period ends",
    "summary": "Summary",
    "priorities": "Priorities",
    "classification": "Classification",
}


DATES = {"period_start": "Date the assessment's period starts", "period_end": "Date the assessment's period ends"}
WORDS: Words = {
    "title": {"missing": "Enter the assessment's title", "too_long": "Enter a title of {n} characters or fewer"},
    "issued_by": {
        "missing": "Enter who issued it: the police force or unit",
        "too_long": "Enter who issued it in {n} characters or fewer",
    },
    "period_start": {"missing": "Enter the date the assessment's period starts"},
    "period_end": {
        "missing": "Enter the date the assessment's period ends",
        "other": "The period must end on or after the day it starts",
    },
    "summary": {"too_long": "Enter a summary of {n} characters or fewer"},
    "priorities": {"too_long": "Enter {n} priorities or fewer", "other": "Check the priorities"},
    "priorities.*.ref": {
        "too_long": "Enter a priority reference of {n} characters or fewer",
        "other": "Enter a priority reference of letters and numbers used once, for example P1",
    },
    "priorities.*.area": {
        "missing": "Enter the priority's area, sector or institution",
        "too_long": "Enter a priority area of {n} characters or fewer",
    },
    "priorities.*.theme": {
        "missing": "Enter the priority's theme or ideology",
        "too_long": "Enter a priority theme of {n} characters or fewer",
    },
    "priorities.*.rating": {"other": "Select the priority's rating"},
    "priorities.*.notes": {"too_long": "Enter priority notes of {n} characters or fewer"},
    "classification": {"other": "Select a classification"},
}


def _body(form: FormData) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API body of the form, and the values to show again (dates as typed)."""
    priorities = []
    for n in range(int(text(form, "rows", 3) or 0) if text(form, "rows", 3).isdigit() else 0):
        row = {k: text(form, f"priorities-{n}-{k}") for k in ("ref", "area", "theme", "rating", "notes")}
        if row["area"] or row["theme"]:
            priorities.append({k: v for k, v in row.items() if v or k not in {"ref", "rating"}})
    values: dict[str, Any] = {
        "title": text(form, "title"),
        "issued_by": text(form, "issued_by"),
        "period_start": posted_date(form, "period_start"),
        "period_end": posted_date(form, "period_end"),
        "summary": text(form, "summary"),
        "priorities": priorities,
        "classification": text(form, "classification", 100) or "OFFICIAL-SENSITIVE",
    }
    dates = {name: date_body(values[name]) for name in DATES}
    return values | dates, values


def _errors(result: ApiResult, values: dict[str, Any]) -> dict[str, str]:
    return api_errors(result, "title", words=WORDS, labels=FIELDS, values=values, dates=DATES)


def _form(web: SignedInWeb, status: int = 200, **context: Any) -> Response:
    values = context["values"]
    rows = [*values.get("priorities", []), *({} for _ in range(SPARE_ROWS))]
    context.setdefault("errors", {})
    return web.render(
        "prevent/assessment_form.html",
        status=status,
        rows=rows,
        ratings=options.PRIORITY_RATINGS,
        classifications=options.CLASSIFICATIONS,
        **context,
    )


@router.get("")
async def assessments(web: SignedInWeb) -> Response:
    """The threat assessments the user may see, newest first."""
    page = await web.fetch("/threat-assessments", params={"limit": 200})
    return web.render("prevent/assessments.html", page=page, marking=marking_of(*page["items"]))


@router.get("/new", dependencies=[require("prevent:write", "record threat assessments")])
async def new_assessment(web: SignedInWeb) -> Response:
    """The form to record an assessment."""
    return _form(web, assessment=None, values={"classification": "OFFICIAL-SENSITIVE", "priorities": []})


@router.post("", dependencies=[require("prevent:write", "record threat assessments"), CsrfChecked])
async def create_assessment(web: SignedInWeb, request: Request) -> Response:
    """Record an assessment."""
    body, values = _body(await request.form())
    result = await web.call("POST", "/threat-assessments", json=body)
    if result.ok:
        web.session.add_flash(f"The threat assessment {result.body['title']} was recorded.")
        return web.redirect(f"/prevent/threat-assessments/{result.body['id']}")
    return _form(
        web,
        status=400,
        assessment=None,
        values=values,
        errors=_errors(result, values),
    )


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    """Form values with each priority as one line of words, for the conflict table."""
    priorities = [
        ", ".join(p for p in (row.get("ref"), row.get("area"), row.get("theme"), options.label(row.get("rating"))) if p)
        for row in values.get("priorities") or []
    ]
    return values | {"priorities": priorities}


@router.get("/{assessment_id}")
async def assessment_page(web: SignedInWeb, assessment_id: str) -> Response:
    """One assessment and its ranked priorities."""
    found = await web.fetch(f"/threat-assessments/{assessment_id}")
    return web.render("prevent/assessment.html", assessment=found, marking=found["classification"])


@router.get("/{assessment_id}/edit", dependencies=[require("prevent:write", "change threat assessments")])
async def edit_assessment(web: SignedInWeb, assessment_id: str) -> Response:
    """The form to change an assessment."""
    found = await web.fetch_result(f"/threat-assessments/{assessment_id}")
    body = found.body
    return _form(web, assessment=body, values=body, etag=found.etag, marking=body["classification"])


@router.post("/{assessment_id}/edit", dependencies=[require("prevent:write", "change threat assessments"), CsrfChecked])
async def update_assessment(web: SignedInWeb, request: Request, assessment_id: str) -> Response:
    """Save an assessment; a conflicting change by someone else is shown, never overwritten."""
    form = await request.form()
    body, values = _body(form)
    etag = text(form, "etag", 100)
    edit = await save_edit(web, f"/threat-assessments/{assessment_id}", body, etag)
    if edit.saved:
        web.session.add_flash("The threat assessment was saved.")
        return web.redirect(f"/prevent/threat-assessments/{assessment_id}")
    found = edit.record
    if edit.conflict:
        return _form(
            web,
            status=409,
            assessment=found,
            values=found,
            etag=edit.etag,
            errors={"conflict": CONFLICT},
            conflict=conflict_rows(_comparable(body), _comparable(found), FIELDS),
            marking=found["classification"],
        )
    errors = _errors(edit.result, values)
    return _form(web, status=400, assessment=found, values=values, etag=etag, errors=errors)
