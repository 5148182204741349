"""Threat assessment pages: list, read, record and edit the police's ranked priorities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.web import options
from app.web.deps import SignedInWeb, marking_of, require
from app.web.forms import CONFLICT, CsrfChecked, api_errors, conflict_rows, save_edit, text

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


def _body(form: FormData) -> dict[str, Any]:
    priorities = []
    for n in range(int(text(form, "rows", 3) or 0) if text(form, "rows", 3).isdigit() else 0):
        row = {k: text(form, f"priorities-{n}-{k}", 2000) for k in ("ref", "area", "theme", "rating", "notes")}
        if row["area"] or row["theme"]:
            priorities.append({k: v for k, v in row.items() if v or k not in {"ref", "rating"}})
    return {
        "title": text(form, "title", 300),
        "issued_by": text(form, "issued_by", 300),
        "period_start": text(form, "period_start", 20) or None,
        "period_end": text(form, "period_end", 20) or None,
        "summary": text(form, "summary"),
        "priorities": priorities,
        "classification": text(form, "classification", 30) or "OFFICIAL-SENSITIVE",
    }


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
    body = _body(await request.form())
    result = await web.call("POST", "/threat-assessments", json=body)
    if result.ok:
        web.session.add_flash(f"The threat assessment {result.body['title']} was recorded.")
        return web.redirect(f"/prevent/threat-assessments/{result.body['id']}")
    return _form(
        web,
        status=400,
        assessment=None,
        values=body,
        errors=api_errors(result, "title"),
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
    body = _body(form)
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
    return _form(web, status=400, assessment=found, values=body, etag=etag, errors=api_errors(edit.result, "title"))
