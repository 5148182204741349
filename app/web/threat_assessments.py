"""Threat assessment pages: list, read, record and edit the police's ranked priorities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.web import prevent_forms as f
from app.web.deps import CsrfChecked, SignedInWeb

router = APIRouter(prefix="/prevent/threat-assessments")
RATINGS = ["high", "medium", "low"]
SPARE_ROWS = 3


def _body(form: FormData) -> dict[str, Any]:
    priorities = []
    for n in range(int(f.text(form, "rows", 3) or 0) if f.text(form, "rows", 3).isdigit() else 0):
        row = {k: f.text(form, f"priorities-{n}-{k}", 2000) for k in ("ref", "area", "theme", "rating", "notes")}
        if row["area"] or row["theme"]:
            priorities.append({k: v for k, v in row.items() if v or k not in {"ref", "rating"}})
    return {
        "title": f.text(form, "title", 300),
        "issued_by": f.text(form, "issued_by", 300),
        "period_start": f.text(form, "period_start", 20) or None,
        "period_end": f.text(form, "period_end", 20) or None,
        "summary": f.text(form, "summary"),
        "priorities": priorities,
        "classification": f.text(form, "classification", 30) or "OFFICIAL-SENSITIVE",
    }


def _form(web: SignedInWeb, status: int = 200, **context: Any) -> Response:
    values = context["values"]
    rows = [*values.get("priorities", []), *({} for _ in range(SPARE_ROWS))]
    context.setdefault("errors", {})
    return web.render(
        "prevent/assessment_form.html",
        status=status,
        rows=rows,
        ratings=RATINGS,
        classifications=f.CLASSIFICATIONS,
        **context,
    )


@router.get("")
async def assessments(web: SignedInWeb) -> Response:
    """The threat assessments the user may see, newest first."""
    page = await web.fetch("/threat-assessments", params={"limit": 200})
    return web.render("prevent/assessments.html", page=page, marking=f.marking_of(*page["items"]))


@router.get("/new")
async def new_assessment(web: SignedInWeb) -> Response:
    """The form to record an assessment."""
    return _form(web, assessment=None, values={"classification": "OFFICIAL-SENSITIVE", "priorities": []})


@router.post("", dependencies=[CsrfChecked])
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
        errors=result.field_errors() or {"title": result.detail},
    )


@router.get("/{assessment_id}")
async def assessment_page(web: SignedInWeb, assessment_id: str) -> Response:
    """One assessment and its ranked priorities."""
    found = await web.fetch(f"/threat-assessments/{assessment_id}")
    return web.render("prevent/assessment.html", assessment=found, marking=found["classification"])


@router.get("/{assessment_id}/edit")
async def edit_assessment(web: SignedInWeb, assessment_id: str) -> Response:
    """The form to change an assessment."""
    found = await web.fetch(f"/threat-assessments/{assessment_id}")
    return _form(web, assessment=found, values=found, marking=found["classification"])


@router.post("/{assessment_id}/edit", dependencies=[CsrfChecked])
async def update_assessment(web: SignedInWeb, request: Request, assessment_id: str) -> Response:
    """Save an assessment; a conflicting change by someone else is shown, never overwritten."""
    form = await request.form()
    body = _body(form)
    result = await web.call(
        "PATCH",
        f"/threat-assessments/{assessment_id}",
        json=body,
        headers={"If-Match": f.etag(f.text(form, "version", 10))},
    )
    if result.ok:
        web.session.add_flash("The threat assessment was saved.")
        return web.redirect(f"/prevent/threat-assessments/{assessment_id}")
    found = await web.fetch(f"/threat-assessments/{assessment_id}")
    if result.status == 412:
        return _form(
            web,
            status=409,
            assessment=found,
            values=found,
            conflict=f.differences(body, found),
            marking=found["classification"],
        )
    values = body | {"version": f.text(form, "version", 10)}
    return _form(
        web,
        status=400,
        assessment=found,
        values=values,
        errors=result.field_errors() or {"title": result.detail},
    )
