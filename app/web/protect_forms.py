"""Protect forms: create and edit sites and security assessments, with ETag conflict handling.

On a 412 the form is shown again with the record as it is now, and what the user had entered listed
beside it: nobody's change is ever overwritten silently.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web.deps import CsrfChecked, SignedInWeb, Web
from app.web.protect import CATEGORIES

router = APIRouter(prefix="/protect/sites")

RESPONSE_LEVELS = ["NORMAL", "HEIGHTENED", "EXCEPTIONAL"]
CLASSIFICATIONS = ["OFFICIAL", "OFFICIAL-SENSITIVE"]
REC_STATUSES = ["open", "accepted", "done", "rejected"]
BLANK_RECOMMENDATIONS = 3
SITE_TEXT = (
    "name",
    "category",
    "address",
    "postcode",
    "ward",
    "uprn",
    "operator",
    "next_review_due",
    "response_level",
    "classification",
)
CONFLICT = (
    "Someone else changed this record while you were editing it. Your changes were not saved: the form "
    "now shows the current version. Make your changes again if they are still needed."
)


def _number(text: str, kind: type) -> Any:
    """A number from a form field, or the text itself so the API names the field in its 422."""
    try:
        return kind(text)
    except ValueError:
        return text


def site_values(site: dict[str, Any]) -> dict[str, Any]:
    """A site from the API as form values."""
    values = {k: site.get(k) or "" for k in SITE_TEXT}
    values["response_level"] = site.get("site_response_level") or ""
    values.update(
        lat=site["location"]["lat"],
        lon=site["location"]["lon"],
        capacity="" if site.get("capacity") is None else site["capacity"],
        protective_measures="\n".join(site.get("protective_measures") or []),
    )
    return values


def site_payload(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form's values (to show again) and the API body they make."""
    values = {k: str(form.get(k, "")).strip() for k in (*SITE_TEXT, "lat", "lon", "capacity", "protective_measures")}
    body: dict[str, Any] = {k: values[k] or None for k in SITE_TEXT}
    body["name"], body["address"] = values["name"], values["address"]
    body["location"] = {"lat": _number(values["lat"], float), "lon": _number(values["lon"], float)}
    body["capacity"] = _number(values["capacity"], int) if values["capacity"] else None
    body["protective_measures"] = [m.strip() for m in values["protective_measures"].splitlines() if m.strip()]
    if "protective_measures" not in form:
        del body["protective_measures"]  # not shown to this user: leave them as they are
    return values, body


def _errors(result: Any) -> dict[str, str]:
    errors = result.field_errors() or {"name": result.detail or "The record could not be saved."}
    return {k.removeprefix("location."): v for k, v in errors.items()}


def _render_site_form(
    web: Web,
    *,
    site: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    etag: str = "",
    conflict: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return web.render(
        "protect/site_form.html",
        status=status,
        site=site,
        values=values,
        errors=errors,
        etag=etag,
        conflict=conflict,
        categories=CATEGORIES,
        levels=RESPONSE_LEVELS,
        classifications=CLASSIFICATIONS,
        sensitive=(web.user or {}).get("clearance") != "OFFICIAL",
    )


@router.get("/new")
async def new_site(web: SignedInWeb) -> Response:
    """The form to add a site."""
    return _render_site_form(web, site=None, values={"classification": "OFFICIAL-SENSITIVE"}, errors={})


@router.post("/new", dependencies=[CsrfChecked])
async def create_site(web: SignedInWeb, request: Request) -> Response:
    """Add a site."""
    values, body = site_payload(await request.form())
    result = await web.call("POST", "/sites", json=body)
    if result.ok:
        web.session.add_flash(f"{result.body['name']} was added to the register.")
        return web.redirect(f"/protect/sites/{result.body['id']}")
    return _render_site_form(web, site=None, values=values, errors=_errors(result), status=400)


@router.get("/{site_id}/edit")
async def edit_site(web: SignedInWeb, site_id: str) -> Response:
    """The form to change a site, carrying the ETag it was read at."""
    result = await web.call("GET", f"/sites/{site_id}")
    site = await web.fetch(f"/sites/{site_id}") if not result.ok else result.body
    return _render_site_form(web, site=site, values=site_values(site), errors={}, etag=result.etag or "")


@router.post("/{site_id}/edit", dependencies=[CsrfChecked])
async def update_site(web: SignedInWeb, site_id: str, request: Request) -> Response:
    """Save a site's changes if nobody else changed it since the form was read."""
    form = await request.form()
    values, body = site_payload(form)
    result = await web.call("PATCH", f"/sites/{site_id}", json=body, headers={"If-Match": str(form.get("etag", ""))})
    if result.ok:
        web.session.add_flash("Your changes were saved.")
        return web.redirect(f"/protect/sites/{site_id}")
    current = await web.call("GET", f"/sites/{site_id}")
    site = current.body if current.ok else await web.fetch(f"/sites/{site_id}")
    if result.status == 412:
        return _render_site_form(
            web,
            site=site,
            values=site_values(site),
            errors={"name": CONFLICT},
            etag=current.etag or "",
            conflict=values,
            status=409,
        )
    return _render_site_form(
        web, site=site, values=values, errors=_errors(result), etag=str(form.get("etag", "")), status=400
    )


# Security assessments -------------------------------------------------------------------------------------


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
    values = {k: str(form.get(k, "")).strip() for k in ("assessed_on", "assessor", "summary")}
    body = {
        **values,
        "assessed_on": values["assessed_on"] or None,
        "recommendations": [r for r in recs if r["text"]],
    }
    return values | {"recommendations": recs}, body


def _rec_field(name: str) -> str:
    """`recommendations.0.text` (the API's name) → `rec_text_0` (the form's field id)."""
    return re.sub(r"^recommendations\.(\d+)\.(text|status)$", r"rec_\2_\1", name)


def _render_assessment_form(
    web: Web,
    *,
    site: dict[str, Any],
    assessment: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    etag: str = "",
    conflict: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return web.render(
        "protect/assessment_form.html",
        status=status,
        site=site,
        assessment=assessment,
        values=values,
        errors={_rec_field(k): v for k, v in errors.items()},
        etag=etag,
        conflict=conflict,
        statuses=REC_STATUSES,
        marking=site["classification"],
    )


@router.get("/{site_id}/assessments/new")
async def new_assessment(web: SignedInWeb, site_id: str) -> Response:
    """The form to record an assessment."""
    site = await web.fetch(f"/sites/{site_id}")
    return _render_assessment_form(web, site=site, assessment=None, values=assessment_values({}), errors={})


@router.post("/{site_id}/assessments/new", dependencies=[CsrfChecked])
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
        errors=result.field_errors() or {"assessor": result.detail},
        status=400,
    )


@router.get("/{site_id}/assessments/{assessment_id}/edit")
async def edit_assessment(web: SignedInWeb, site_id: str, assessment_id: str) -> Response:
    """The form to change an assessment (e.g. mark recommendations done)."""
    site = await web.fetch(f"/sites/{site_id}")
    result = await web.call("GET", f"/sites/{site_id}/assessments/{assessment_id}")
    assessment = result.body if result.ok else await web.fetch(f"/sites/{site_id}/assessments/{assessment_id}")
    return _render_assessment_form(
        web,
        site=site,
        assessment=assessment,
        values=assessment_values(assessment),
        errors={},
        etag=result.etag or "",
    )


@router.post("/{site_id}/assessments/{assessment_id}/edit", dependencies=[CsrfChecked])
async def update_assessment(web: SignedInWeb, site_id: str, assessment_id: str, request: Request) -> Response:
    """Save an assessment's changes if nobody else changed it meanwhile."""
    form = await request.form()
    values, body = assessment_payload(form)
    path = f"/sites/{site_id}/assessments/{assessment_id}"
    result = await web.call("PATCH", path, json=body, headers={"If-Match": str(form.get("etag", ""))})
    if result.ok:
        web.session.add_flash("The assessment was saved.")
        return web.redirect(f"/protect/sites/{site_id}")
    site = await web.fetch(f"/sites/{site_id}")
    current = await web.call("GET", path)
    assessment = current.body if current.ok else await web.fetch(path)
    if result.status == 412:
        return _render_assessment_form(
            web,
            site=site,
            assessment=assessment,
            values=assessment_values(assessment),
            errors={"assessor": CONFLICT},
            etag=current.etag or "",
            conflict=values,
            status=409,
        )
    return _render_assessment_form(
        web,
        site=site,
        assessment=assessment,
        values=values,
        errors=result.field_errors() or {"assessor": result.detail},
        etag=str(form.get("etag", "")),
        status=400,
    )
