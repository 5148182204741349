"""Prepare pages: contingency plans (list, CSV, page, forms) and the dashboard's "active now" panel."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.web.deps import CsrfChecked, NavItem, SignedInWeb, Web, WebError

router = APIRouter(prefix="/prepare")
NAVIGATION = [
    NavItem(40, "Prepare", "/prepare/plans", "prepare:read"),
    NavItem(41, "Risk register", "/prepare/risks", "prepare:read"),
    NavItem(42, "Exercises", "/prepare/exercises", "prepare:read"),
]

PLAN_TYPES = [
    "emergency_response",
    "business_continuity",
    "warning_and_informing",
    "recovery",
    "site_specific",
    "other",
]
PLAN_STATUSES = ["draft", "approved", "under_review", "retired"]
RESPONSE_LEVELS = ["NORMAL", "HEIGHTENED", "EXCEPTIONAL"]
CLASSIFICATIONS = ["OFFICIAL", "OFFICIAL-SENSITIVE"]
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
PLAN_NULLABLE = ["approved_on", "review_due", "activation_level"]
FILTERS = ["plan_type", "status", "review_overdue", "active_now", "q"]
CONFLICT = (
    "Someone else changed this record after you opened it. Your changes were not saved. "
    "The form now shows the current values; make your changes again."
)


def form_payload(
    form: Any, text: list[str], nullable: list[str], lists: list[str], *, creating: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API payload of a submitted form, and the values to show again if it is refused."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in [*text, *nullable]}
    values |= {name: [str(v) for v in form.getlist(name)] for name in lists}
    payload = {k: v for k, v in values.items() if k in text or k in lists}
    for name in nullable:
        if values[name] or not creating:
            payload[name] = values[name] or None
    return payload, values


def changed_fields(mine: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields where what the user sent differs from the record as it is now (for a 412)."""
    return [
        {"field": k, "mine": v, "current": current.get(k)}
        for k, v in mine.items()
        if k != "csrf_token" and (current.get(k) or "") != (v or "")
    ]


def select_items(
    items: list[str], selected: Any, blank: str | None = None, labels: bool = True
) -> list[dict[str, Any]]:
    """A GOV.UK select's items, with an optional blank first choice."""
    out = [{"value": "", "text": blank, "selected": not selected}] if blank is not None else []
    return out + [
        {"value": i, "text": i.replace("_", " ").capitalize() if labels else i, "selected": selected == i}
        for i in items
    ]


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
        filters, result = {}, await web.call("GET", "/contingency-plans", params={"limit": 50})
    page = ok_body(result)
    level = await web.call("GET", "/threat-level")
    context = {
        "page": page,
        "filters": filters,
        "plan_types": PLAN_TYPES,
        "statuses": PLAN_STATUSES,
        "level": level.body if level.ok else None,
        "query": urlencode(filters),
    }
    if web.is_htmx:
        return web.render("prepare/plans.html", block="results", **context)
    return web.render("prepare/plans.html", **context)


def ok_body(result: Any) -> Any:
    if result.status == 403:
        raise WebError(403, "You do not have access", result.detail or "Your role does not allow this.")
    if not result.ok:
        raise WebError(400, "Something went wrong", result.detail or "The service could not answer.")
    return result.body


@router.get("/plans.csv")
async def plans_csv(web: SignedInWeb, request: Request) -> Response:
    """Exactly the filtered list, as the API's CSV (the browser's cookie cannot call the API itself)."""
    params = {k: v for k, v in request.query_params.items() if k in FILTERS and v}
    return await web.csv_download("/contingency-plans", params, "contingency-plans.csv")


@router.get("/plans/new")
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
) -> Response:
    risks = await web.call("GET", "/risks", params={"limit": 200})
    return web.render(
        "prepare/plan_form.html",
        status=status,
        values=values,
        errors=errors or {},
        plan=plan,
        etag=etag,
        plan_types=PLAN_TYPES,
        statuses=PLAN_STATUSES,
        levels=RESPONSE_LEVELS,
        classifications=CLASSIFICATIONS,
        risks=risks.body["items"] if risks.ok else [],
        conflict=conflict,
        select_items=select_items,
    )


@router.post("/plans/new", dependencies=[CsrfChecked])
async def create_plan(web: SignedInWeb, request: Request) -> Response:
    """Add a plan."""
    payload, values = form_payload(await request.form(), PLAN_TEXT, PLAN_NULLABLE, ["risk_ids"], creating=True)
    result = await web.call("POST", "/contingency-plans", json=payload)
    if result.ok:
        web.session.add_flash(f"The plan {result.body['title']!r} was added.")
        return web.redirect(f"/prepare/plans/{result.body['id']}")
    errors = result.field_errors() or {"title": result.detail}
    return await _plan_form(web, values=values, errors=errors, status=400)


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


@router.get("/plans/{plan_id}/edit")
async def edit_plan(web: SignedInWeb, plan_id: str) -> Response:
    """The form to change a plan, carrying the ETag it was read at."""
    result = await web.call("GET", f"/contingency-plans/{plan_id}")
    body = found(result)
    return await _plan_form(web, values=body, plan=body, etag=result.etag)


def found(result: Any) -> Any:
    if result.status == 404:
        raise WebError(404, "Page not found", "There is nothing here, or you are not cleared to see it.")
    return ok_body(result)


@router.post("/plans/{plan_id}/edit", dependencies=[CsrfChecked])
async def update_plan(web: SignedInWeb, plan_id: str, request: Request) -> Response:
    """Save a plan, only if nobody changed it meanwhile (If-Match); otherwise show the current values."""
    form = await request.form()
    payload, values = form_payload(form, PLAN_TEXT, PLAN_NULLABLE, ["risk_ids"], creating=False)
    etag = str(form.get("etag", ""))
    result = await web.call("PATCH", f"/contingency-plans/{plan_id}", json=payload, headers={"If-Match": etag})
    if result.ok:
        web.session.add_flash("The plan was saved.")
        return web.redirect(f"/prepare/plans/{plan_id}")
    current = await web.call("GET", f"/contingency-plans/{plan_id}")
    body = found(current)
    if result.status in (412, 428):
        return await _plan_form(
            web,
            values=body,
            plan=body,
            etag=current.etag,
            status=409,
            errors={"conflict": CONFLICT},
            conflict=changed_fields(values, body),
        )
    errors = result.field_errors() or {"title": result.detail}
    return await _plan_form(web, values=values, plan=body, etag=etag, errors=errors, status=400)


async def active_now_panel(web: Web) -> dict[str, Any]:
    """The context of prepare/_active_now_panel.html: plans the current response level activates."""
    if not web.can("prepare:read"):
        return {"active_plans": None}
    result = await web.call("GET", "/contingency-plans", params={"active_now": "true", "limit": 50})
    level = await web.call("GET", "/threat-level")
    return {
        "active_plans": result.body["items"] if result.ok else [],
        "response_level": level.body.get("response_level") if level.ok else None,
    }
