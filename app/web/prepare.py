"""Prepare pages: contingency plans (list, CSV, page, forms)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.web import options
from app.web.client import ApiResult
from app.web.deps import NavItem, SignedInWeb, Web, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, form_payload, list_field, save_edit

router = APIRouter(prefix="/prepare")
NAVIGATION = [
    NavItem(40, "Prepare", "/prepare/plans", "prepare:read", own="Contingency plans"),
    NavItem(41, "Risk register", "/prepare/risks", "prepare:read", parent="/prepare/plans"),
    NavItem(42, "Exercises", "/prepare/exercises", "prepare:read", parent="/prepare/plans"),
]

PLAN_TEXT = [
    "title",
    "plan_type",
    "owner",
    "status",
    "version_label",
    "summary",
    "document_url",
    "classification",
]
PLAN_NULLABLE = ["activation_level"]
PLAN_DATES = {"approved_on": "Date the plan was approved", "review_due": "Date the plan's review is due"}
PLAN_WORDS: Words = {
    "title": {"missing": "Enter the plan's title", "too_long": "Enter a title of {n} characters or fewer"},
    "plan_type": {"other": "Select a type of plan"},
    "owner": {"missing": "Enter the owner: a team or role", "too_long": "Enter an owner of {n} characters or fewer"},
    "status": {"other": "Select a status"},
    "version_label": {"too_long": "Enter a version of {n} characters or fewer"},
    "activation_level": {"other": "Select a response level, or Not activated by the response level"},
    "summary": {"too_long": "Enter a summary of {n} characters or fewer"},
    "document_url": {
        "too_long": "Enter a link of {n} characters or fewer",
        "other": "Enter a link that starts with https:// or http://",
    },
    "risk_ids": {"other": "Select risks from the list"},
    "classification": {"other": "Select a classification"},
}
PLAN_FIELDS = {
    "title": "Title",
    "plan_type": "Type",
    "owner": "Owner",
    "status": "Status",
    "version_label": "Version",
    "approved_on": "Approved on",
    "review_due": "Review due",
    "activation_level": "Activated at response level",
    "summary": "Summary",
    "document_url": "Link to the plan document",
    "risk_ids": "Risks this plan answers",
    "classification": "Classification",
}
FILTERS = ["plan_type", "status", "review_overdue", "active_now", "q"]


def _filters(**given: str | None) -> dict[str, str]:
    return {k: v for k, v in given.items() if v}


@router.get("/plans")
async def plans(
    web: SignedInWeb,
    plan_type: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    review_overdue: Annotated[str | None, Query(pattern="^(true|false)?$")] = None,
    active_now: Annotated[str | None, Query(pattern="^(true|false)?$")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The plans, filtered by a plain GET form (htmx swaps only the results)."""
    filters = _filters(plan_type=plan_type, status=status, review_overdue=review_overdue, active_now=active_now, q=q)
    result = await web.call(
        "GET", "/contingency-plans", params={**filters, "limit": 50, **({"cursor": cursor} if cursor else {})}
    )
    if result.status == 422:
        filters = {}
    page = await web.fetch("/contingency-plans", params={**filters, "limit": 50}) if not result.ok else result.body
    level = await web.call("GET", "/threat-level")
    context = {
        "page": page,
        "filters": filters,
        "plan_types": options.PLAN_TYPES,
        "statuses": options.PLAN_STATUSES,
        "level": level.body if level.ok else None,
        "query": urlencode(filters),
    }
    if web.is_htmx:
        return web.render("prepare/plans.html", block="results", **context)
    return web.render("prepare/plans.html", **context)


@router.get("/plans.csv")
async def plans_csv(web: SignedInWeb, request: Request) -> Response:
    """Exactly the filtered list, as the API's CSV (the browser's cookie cannot call the API itself)."""
    params = {k: v for k, v in request.query_params.items() if k in FILTERS and v}
    return await web.csv_download("/contingency-plans", params, "contingency-plans.csv")


@router.get("/plans/new", dependencies=[require("prepare:write", "add contingency plans")])
async def new_plan(web: SignedInWeb) -> Response:
    """The form for a new plan."""
    return await _plan_form(web, values={"status": "draft", "classification": "OFFICIAL", "risk_ids": []})


async def _plan_form(
    web: Web,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    plan: dict[str, Any] | None = None,
    etag: str | None = None,
    status: int = 200,
    conflict: list[dict[str, Any]] | None = None,
    risks: list[dict[str, Any]] | None = None,
) -> Response:
    if risks is None:
        risks = await _risks(web)
    return web.render(
        "prepare/plan_form.html",
        status=status,
        values=values,
        errors=errors or {},
        plan=plan,
        etag=etag,
        plan_types=options.PLAN_TYPES,
        statuses=options.PLAN_STATUSES,
        levels=options.RESPONSE_LEVELS,
        classifications=options.CLASSIFICATIONS,
        risks=risks,
        conflict=conflict,
    )


async def _risks(web: Web) -> list[dict[str, Any]]:
    result = await web.call("GET", "/risks", params={"limit": 200})
    return result.body["items"] if result.ok else []


@router.post("/plans/new", dependencies=[require("prepare:write", "add contingency plans"), CsrfChecked])
async def create_plan(web: SignedInWeb, request: Request) -> Response:
    """Add a plan."""
    form = await request.form()
    payload, values = form_payload(form, PLAN_TEXT, PLAN_NULLABLE, ["risk_ids"], creating=True, dates=PLAN_DATES)
    result = await web.call("POST", "/contingency-plans", json=payload)
    if result.ok:
        web.session.add_flash(f"The plan {result.body['title']} was added.")
        return web.redirect(f"/prepare/plans/{result.body['id']}")
    return await _plan_form(web, values=values, errors=_plan_errors(result, values), status=400)


def _plan_errors(result: ApiResult, values: dict[str, Any]) -> dict[str, str]:
    return api_errors(
        result, "title", list_field, words=PLAN_WORDS, labels=PLAN_FIELDS, values=values, dates=PLAN_DATES
    )


@router.get("/plans/{plan_id}")
async def plan(web: SignedInWeb, plan_id: str) -> Response:
    """One plan: review state, activation, its risks, sites and exercises."""
    body = await web.fetch(f"/contingency-plans/{plan_id}")
    risks = await web.call("GET", "/risks", params={"plan_id": plan_id, "limit": 200})
    exercises = await web.call("GET", "/exercises", params={"plan_id": plan_id, "limit": 200})
    sites = []
    for site_id in body["site_ids"]:
        site = await web.call("GET", f"/sites/{site_id}")
        sites.append(site.body if site.ok else {"id": site_id, "name": site_id})
    return web.render(
        "prepare/plan.html",
        plan=body,
        marking=body["classification"],
        sites=sites,
        risks=risks.body["items"] if risks.ok else [],
        exercises=exercises.body["items"] if exercises.ok else [],
    )


@router.get("/plans/{plan_id}/edit", dependencies=[require("prepare:write", "change contingency plans")])
async def edit_plan(web: SignedInWeb, plan_id: str) -> Response:
    """The form to change a plan, carrying the ETag it was read at."""
    result = await web.fetch_result(f"/contingency-plans/{plan_id}")
    return await _plan_form(web, values=result.body, plan=result.body, etag=result.etag)


@router.post("/plans/{plan_id}/edit", dependencies=[require("prepare:write", "change contingency plans"), CsrfChecked])
async def update_plan(web: SignedInWeb, plan_id: str, request: Request) -> Response:
    """Save a plan, only if nobody changed it meanwhile (If-Match); otherwise show the current values."""
    form = await request.form()
    payload, values = form_payload(form, PLAN_TEXT, PLAN_NULLABLE, ["risk_ids"], creating=False, dates=PLAN_DATES)
    edit = await save_edit(web, f"/contingency-plans/{plan_id}", payload, str(form.get("etag", "")))
    if edit.saved:
        web.session.add_flash("The plan was saved.")
        return web.redirect(f"/prepare/plans/{plan_id}")
    if edit.conflict:
        risks = await _risks(web)
        choices = {
            "plan_type": options.PLAN_TYPES,
            "status": options.PLAN_STATUSES,
            "activation_level": options.RESPONSE_LEVELS,
            "risk_ids": {r["id"]: r["title"] for r in risks},
        }
        return await _plan_form(
            web,
            values=edit.record,
            plan=edit.record,
            etag=edit.etag,
            status=409,
            errors={"conflict": CONFLICT},
            conflict=conflict_rows(values, edit.record, PLAN_FIELDS, choices),
            risks=risks,
        )
    return await _plan_form(
        web,
        values=values,
        plan=edit.record,
        etag=str(form.get("etag", "")),
        errors=_plan_errors(edit.result, values),
        status=400,
    )
