"""Protect: one site's page (details, review state, assessments) and the forms to add and change a site."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web import options
from app.web.dates import date_body, posted_date
from app.web.deps import SignedInWeb, Web, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, number, save_edit

router = APIRouter(prefix="/protect/sites")

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
SITE_FIELDS = {
    "name": "Name",
    "category": "Category",
    "address": "Address",
    "postcode": "Postcode",
    "ward": "Ward",
    "uprn": "UPRN",
    "lat": "Latitude",
    "lon": "Longitude",
    "capacity": "Capacity",
    "response_level": "Site response level",
    "operator": "Operator",
    "next_review_due": "Next review due",
    "protective_measures": "Protective measures",
    "classification": "Classification",
}
SITE_CHOICES = {"category": options.SITE_CATEGORIES, "response_level": options.RESPONSE_LEVELS}


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
    values: dict[str, Any] = {
        k: str(form.get(k, "")).strip() for k in (*SITE_TEXT, "lat", "lon", "capacity", "protective_measures")
    }
    values["next_review_due"] = posted_date(form, "next_review_due")
    body: dict[str, Any] = {k: values[k] or None for k in SITE_TEXT}
    body["next_review_due"] = date_body(values["next_review_due"])
    body["name"], body["address"] = values["name"], values["address"]
    body["location"] = {"lat": number(values["lat"], float), "lon": number(values["lon"], float)}
    body["capacity"] = number(values["capacity"], int) if values["capacity"] else None
    body["protective_measures"] = [m.strip() for m in values["protective_measures"].splitlines() if m.strip()]
    if "protective_measures" not in form:
        del body["protective_measures"]  # not shown to this user: leave them as they are
        del values["protective_measures"]
    return values, body


SITE_WORDS: Words = {
    "name": {"missing": "Enter the site's name", "too_long": "Site name must be {n} characters or fewer"},
    "category": {"missing": "Select a category", "other": "Select a category"},
    "address": {"missing": "Enter the site's address", "too_long": "Address must be {n} characters or fewer"},
    "postcode": {"too_long": "Postcode must be {n} characters or fewer", "other": "Enter a real postcode"},
    "ward": {"too_long": "Ward must be {n} characters or fewer"},
    "uprn": {"too_long": "UPRN must be {n} characters or fewer", "other": "Enter a real UPRN"},
    "operator": {"too_long": "Operator must be {n} characters or fewer"},
    "lat": {"missing": "Enter the latitude", "other": "Latitude must be a number between -90 and 90"},
    "lon": {"missing": "Enter the longitude", "other": "Longitude must be a number between -180 and 180"},
    "capacity": {"other": "Capacity must be a whole number, 0 or more"},
    "response_level": {"other": "Select the site response level"},
    "next_review_due": {"other": "Date of the next review must be a real date"},
    "classification": {"other": "Select a classification"},
    "protective_measures": {"too_long": "Each protective measure must be {n} characters or fewer"},
}


def _errors(result: Any, values: dict[str, Any]) -> dict[str, str]:
    """A refused site's errors in the form's words (a latitude left blank is missing, not "not a number")."""
    return api_errors(
        result,
        "name",
        lambda name: name.removeprefix("location.").split(".")[0],
        words=SITE_WORDS,
        labels=SITE_FIELDS,
        values=values,
        dates={"next_review_due": "Date of the next review"},
    )


def _render_site_form(
    web: Web,
    *,
    site: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    etag: str = "",
    conflict: list[dict[str, str]] | None = None,
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
        categories=options.SITE_CATEGORIES,
        levels=options.RESPONSE_LEVELS,
        classifications=options.CLASSIFICATIONS,
        sensitive=(web.user or {}).get("clearance") != "OFFICIAL",
        point=_map_point(values),
    )


def _map_point(values: dict[str, Any]) -> tuple[float, float] | None:
    """The point the form's map starts at: the latitude and longitude typed so far, if they are numbers."""
    try:
        return float(values.get("lat", "")), float(values.get("lon", ""))
    except (TypeError, ValueError):
        return None


@router.get("/new", dependencies=[require("protect:write", "add sites")])
async def new_site(web: SignedInWeb) -> Response:
    """The form to add a site."""
    return _render_site_form(web, site=None, values={"classification": "OFFICIAL-SENSITIVE"}, errors={})


@router.post("/new", dependencies=[require("protect:write", "add sites"), CsrfChecked])
async def create_site(web: SignedInWeb, request: Request) -> Response:
    """Add a site."""
    values, body = site_payload(await request.form())
    result = await web.call("POST", "/sites", json=body)
    if result.ok:
        web.session.add_flash(f"{result.body['name']} was added to the register.")
        return web.redirect(f"/protect/sites/{result.body['id']}")
    return _render_site_form(web, site=None, values=values, errors=_errors(result, values), status=400)


@router.get("/{site_id}")
async def site_page(web: SignedInWeb, site_id: str) -> Response:
    """A site with its derived fields, and every assessment, newest first."""
    site = await web.fetch(f"/sites/{site_id}")
    assessments = await web.fetch(f"/sites/{site_id}/assessments", params={"limit": 200})
    return web.render("protect/site.html", site=site, assessments=assessments["items"], marking=site["classification"])


@router.get("/{site_id}/edit", dependencies=[require("protect:write", "change sites")])
async def edit_site(web: SignedInWeb, site_id: str) -> Response:
    """The form to change a site, carrying the ETag it was read at."""
    found = await web.fetch_result(f"/sites/{site_id}")
    return _render_site_form(web, site=found.body, values=site_values(found.body), errors={}, etag=found.etag or "")


@router.post("/{site_id}/edit", dependencies=[require("protect:write", "change sites"), CsrfChecked])
async def update_site(web: SignedInWeb, site_id: str, request: Request) -> Response:
    """Save a site's changes if nobody else changed it since the form was read."""
    form = await request.form()
    values, body = site_payload(form)
    edit = await save_edit(web, f"/sites/{site_id}", body, str(form.get("etag", "")))
    if edit.saved:
        web.session.add_flash("Your changes were saved.")
        return web.redirect(f"/protect/sites/{site_id}")
    site = edit.record
    if edit.conflict:
        current = site_values(site)
        return _render_site_form(
            web,
            site=site,
            values=current,
            errors={"conflict": CONFLICT},
            etag=edit.etag,
            conflict=conflict_rows(values, current, SITE_FIELDS, SITE_CHOICES),
            status=409,
        )
    return _render_site_form(
        web, site=site, values=values, errors=_errors(edit.result, values), etag=str(form.get("etag", "")), status=400
    )
