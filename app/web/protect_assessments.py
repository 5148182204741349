"""Protect: security assessments of a site, with their recommendations (record and change)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web import options
from app.web.client import ApiResult
from app.web.dates import date_body, posted_date
from app.web.deps import SignedInWeb, Web, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, save_edit

router = APIRouter(prefix="/protect/sites/{site_id}/assessments")

BLANK_RECOMMENDATIONS = 3
DATES = {"assessed_on": "Date of the assessment"}
WORDS: Words = {
    "assessor": {
        "missing": "Enter the assessor's name or role",
        "too_long": "Enter an assessor of {n} characters or fewer",
    },
    "summary": {"too_long": "Enter a summary of {n} characters or fewer"},
    "recommendations": {"too_long": "Enter {n} recommendations or fewer", "other": "Check the recommendations"},
    "rec_text_*": {"too_long": "Enter a recommendation of {n} characters or fewer"},
    "rec_status_*": {"other": "Select the recommendation's status"},
}
FIELDS = {
    "assessed_on": "Date of the assessment",
    "assessor": "Assessor",
    "summary": "Summary",
    "recommendations": "Recommendations",
}


def assessment_values(assessment: dict[str, Any]) -> dict[str, Any]:
    """An assessment from the API as form values, with blank rows for new recommendations."""
    recs = [dict(r) for r in assessment.get("recommendations", [])]
    recs += [{"text": "", "status": "open"} for _ in range(BLANK_RECOMMENDATIONS)]
    return {
        "assessed_on": assessment.get("assessed_on", ""),
        "assessor": assessment.get("assessor", ""),
        "summary": assessment.get("summary", ""),
        "recommendations": recs,
    }


def assessment_payload(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form's values and the API body they make (rows without text are dropped)."""
    count = int(str(form.get("rows", "0")) or 0) if str(form.get("rows", "0")).isdigit() else 0
    recs = [
        {
            "text": str(form.get(f"rec_text_{i}", "")).strip(),
            "status": str(form.get(f"rec_status_{i}", "open")),
        }
        for i in range(min(count, 100))
    ]
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in ("assessor", "summary")}
    values["assessed_on"] = posted_date(form, "assessed_on")
    body = {
        **values,
        "assessed_on": date_body(values["assessed_on"]),
        "recommendations": [r for r in recs if r["text"]],
    }
    return values | {"recommendations": recs}, body


def _errors(result: ApiResult, values: dict[str, Any]) -> dict[str, str]:
    """A refused assessment's errors in the form's words, each recommendation's on its own row of the form."""
    kept = [i for i, r in enumerate(values["recommendations"]) if r["text"]]  # the API numbers only these

    def rec_field(name: str) -> str:  # `recommendations.0.text` → `rec_text_<its row>`
        found = re.fullmatch(r"recommendations\.(\d+)\.(text|status)", name)
        if not found or int(found[1]) >= len(kept):
            return name
        return f"rec_{found[2]}_{kept[int(found[1])]}"

    return api_errors(result, "assessor", rec_field, words=WORDS, labels=FIELDS, values=values, dates=DATES)


def _render_assessment_form(
    web: Web,
    *,
    site: dict[str, Any],
    assessment: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    etag: str = "",
    conflict: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    return web.render(
        "protect/assessment_form.html",
        status=status,
        site=site,
        assessment=assessment,
        values=values,
        errors=errors,
        etag=etag,
        conflict=conflict,
        statuses=options.RECOMMENDATION_STATUSES,
        marking=site["classification"],
    )


@router.get("/new", dependencies=[require("protect:write", "record site assessments")])
async def new_assessment(web: SignedInWeb, site_id: str) -> Response:
    """The form to record an assessment."""
    site = await web.fetch(f"/sites/{site_id}")
    return _render_assessment_form(web, site=site, assessment=None, values=assessment_values({}), errors={})


@router.post("/new", dependencies=[require("protect:write", "record site assessments"), CsrfChecked])
async def create_assessment(web: SignedInWeb, site_id: str, request: Request) -> Response:
    """Record an assessment."""
    values, body = assessment_payload(await request.form())
    result = await web.call("POST", f"/sites/{site_id}/assessments", json=body)
    if result.ok:
        web.session.add_flash("The assessment was recorded.")
        return web.redirect(f"/protect/sites/{site_id}")
    site = await web.fetch(f"/sites/{site_id}")
    return _render_assessment_form(
        web,
        site=site,
        assessment=None,
        values=values,
        errors=_errors(result, values),
        status=400,
    )


@router.get("/{assessment_id}/edit", dependencies=[require("protect:write", "change site assessments")])
async def edit_assessment(web: SignedInWeb, site_id: str, assessment_id: str) -> Response:
    """The form to change an assessment (e.g. mark recommendations done)."""
    site = await web.fetch(f"/sites/{site_id}")
    found = await web.fetch_result(f"/sites/{site_id}/assessments/{assessment_id}")
    return _render_assessment_form(
        web, site=site, assessment=found.body, values=assessment_values(found.body), errors={}, etag=found.etag or ""
    )


@router.post("/{assessment_id}/edit", dependencies=[require("protect:write", "change site assessments"), CsrfChecked])
async def update_assessment(web: SignedInWeb, site_id: str, assessment_id: str, request: Request) -> Response:
    """Save an assessment's changes if nobody else changed it meanwhile."""
    form = await request.form()
    values, body = assessment_payload(form)
    etag = str(form.get("etag", ""))
    edit = await save_edit(web, f"/sites/{site_id}/assessments/{assessment_id}", body, etag)
    if edit.saved:
        web.session.add_flash("The assessment was saved.")
        return web.redirect(f"/protect/sites/{site_id}")
    site = await web.fetch(f"/sites/{site_id}")
    assessment = edit.record
    if edit.conflict:
        return _render_assessment_form(
            web,
            site=site,
            assessment=assessment,
            values=assessment_values(assessment),
            errors={"conflict": CONFLICT},
            etag=edit.etag,
            conflict=conflict_rows(_comparable(values), _comparable(assessment), FIELDS),
            status=409,
        )
    return _render_assessment_form(
        web,
        site=site,
        assessment=assessment,
        values=values,
        errors=_errors(edit.result, values),
        etag=etag,
        status=400,
    )


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    """An assessment's form values with each recommendation as words, for the conflict table."""
    recs = [
        f"{r['text']} ({options.RECOMMENDATION_STATUSES.label(r.get('status'))})"
        for r in values.get("recommendations") or []
        if r.get("text")
    ]
    return values | {"recommendations": recs}
