"""Prevent pages: the delivery plans, the plan page with its filters, approval, review and coverage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web import prevent_forms as f
from app.web.deps import CsrfChecked, NavItem, SignedInWeb, Web

router = APIRouter(prefix="/prevent")
NAVIGATION = [NavItem(20, "Prevent", "/prevent", "prevent:read")]


@router.get("")
async def plans(web: SignedInWeb) -> Response:
    """Every plan the user may see, newest first."""
    page = await web.fetch("/prevent/plans", params={"limit": 200})
    return web.render("prevent/plans.html", page=page, marking=f.marking_of(*page["items"]))


async def _assessments(web: Web) -> list[dict[str, Any]]:
    result = await web.call("GET", "/threat-assessments", params={"limit": 200})
    return result.body["items"] if result.ok else []


def _plan_body(form: Any) -> dict[str, Any]:
    return {
        "title": f.text(form, "title", 300),
        "period_start": f.text(form, "period_start", 20) or None,
        "period_end": f.text(form, "period_end", 20) or None,
        "threat_assessment_id": f.text(form, "threat_assessment_id", 40) or None,
        "classification": f.text(form, "classification", 30) or "OFFICIAL",
    }


@router.get("/plans/new")
async def new_plan(web: SignedInWeb) -> Response:
    """The form to draft a plan."""
    return web.render(
        "prevent/plan_form.html",
        plan=None,
        values={"classification": "OFFICIAL"},
        errors={},
        assessments=await _assessments(web),
        classifications=f.CLASSIFICATIONS,
    )


@router.get("/plans/{plan_id}")
async def plan_page(web: SignedInWeb, plan_id: str) -> Response:
    """A plan: counts, filters, and its items grouped by key area (htmx asks for the results block only)."""
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    filters = f.filters_from(web.request.query_params)
    cursor = web.request.query_params.get("cursor")
    params = {"plan_id": plan_id, "limit": 200, **filters, **({"cursor": cursor[:2000]} if cursor else {})}
    result = await web.call("GET", "/prevent/items", params=params)
    items = result.body["items"] if result.ok else []
    groups = [
        {
            "key": key,
            "label": label,
            "description": description,
            "items": [i for i in items if i["key_area"] == key],
        }
        for key, label, description in f.KEY_AREAS
    ]
    context = {
        "plan": plan,
        "groups": groups,
        "items": items,
        "filters": filters,
        "sorts": f.sort_links(filters),
        "query": f.query_string(filters),
        "next_cursor": result.body.get("next_cursor") if result.ok else None,
        "error": None if result.ok else result.detail,
        "key_areas": f.KEY_AREAS,
        "statuses": f.STATUSES,
        "rags": f.RAGS,
        "marking": f.marking_of(plan, *items),
    }
    if web.is_htmx:
        return web.render("prevent/plan.html", block="results", **context)
    return web.render("prevent/plan.html", **context)


@router.get("/plans/{plan_id}/items.csv")
async def plan_csv(web: SignedInWeb, plan_id: str) -> Response:
    """Exactly the filtered list, as the API's CSV (the API decides what the user may see)."""
    filters = f.filters_from(web.request.query_params)
    return await web.csv_download("/prevent/items", {"plan_id": plan_id, **filters}, "prevent-items.csv")


@router.post("/plans", dependencies=[CsrfChecked])
async def create_plan(web: SignedInWeb, request: Request) -> Response:
    """Draft a plan."""
    body = _plan_body(await request.form())
    result = await web.call("POST", "/prevent/plans", json=body)
    if result.ok:
        web.session.add_flash(f"The draft plan {result.body['title']} was created.")
        return web.redirect(f"/prevent/plans/{result.body['id']}")
    return web.render(
        "prevent/plan_form.html",
        status=400,
        plan=None,
        values=body,
        errors=result.field_errors() or {"title": result.detail},
        assessments=await _assessments(web),
        classifications=f.CLASSIFICATIONS,
    )


@router.get("/plans/{plan_id}/edit")
async def edit_plan(web: SignedInWeb, plan_id: str) -> Response:
    """The form to change a plan."""
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    values = plan | {"threat_assessment_id": plan.get("threat_assessment_id") or ""}
    return web.render(
        "prevent/plan_form.html",
        plan=plan,
        values=values,
        errors={},
        assessments=await _assessments(web),
        classifications=f.CLASSIFICATIONS,
        marking=plan["classification"],
    )


@router.post("/plans/{plan_id}/edit", dependencies=[CsrfChecked])
async def update_plan(web: SignedInWeb, request: Request, plan_id: str) -> Response:
    """Save a plan; if someone else changed it meanwhile, show theirs and keep nothing silently."""
    form = await request.form()
    body = _plan_body(form)
    result = await web.call(
        "PATCH",
        f"/prevent/plans/{plan_id}",
        json=body,
        headers={"If-Match": f.etag(f.text(form, "version", 10))},
    )
    if result.ok:
        web.session.add_flash("The plan was saved.")
        return web.redirect(f"/prevent/plans/{plan_id}")
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    conflict = result.status == 412
    values = (plan | {"threat_assessment_id": plan.get("threat_assessment_id") or ""}) if conflict else body
    errors = {} if conflict else result.field_errors() or {"title": result.detail}
    return web.render(
        "prevent/plan_form.html",
        status=409 if conflict else 400,
        plan=plan,
        values=values,
        errors=errors,
        conflict=f.differences(body, plan) if conflict else None,
        assessments=await _assessments(web),
        classifications=f.CLASSIFICATIONS,
    )


@router.post("/plans/{plan_id}/approve", dependencies=[CsrfChecked])
async def approve_plan(web: SignedInWeb, request: Request, plan_id: str) -> Response:
    """EMT approves the plan as they saw it."""
    form = await request.form()
    result = await web.call(
        "POST", f"/prevent/plans/{plan_id}/approve", headers={"If-Match": f.etag(f.text(form, "version", 10))}
    )
    if result.ok:
        web.session.add_flash("The plan was approved; the plan approved before it is now superseded.")
    elif result.status == 412:
        web.session.add_flash("Not approved: someone else changed this plan since you opened it. Check it again.")
    else:
        web.session.add_flash(f"Not approved: {result.detail}")
    return web.redirect(f"/prevent/plans/{plan_id}")


@router.post("/plans/{plan_id}/review", dependencies=[CsrfChecked])
async def review_plan(web: SignedInWeb, plan_id: str) -> Response:
    """The annual review: a new draft plan for the next period with the open items carried forward."""
    result = await web.call("POST", f"/prevent/plans/{plan_id}/review", json={})
    if not result.ok:
        web.session.add_flash(f"The review was not started: {result.detail}")
        return web.redirect(f"/prevent/plans/{plan_id}")
    web.session.add_flash(f"{result.body['title']} was drafted with every open item carried forward.")
    return web.redirect(f"/prevent/plans/{result.body['id']}")


@router.get("/plans/{plan_id}/coverage")
async def coverage(web: SignedInWeb, plan_id: str) -> Response:
    """Which threat assessment priorities the plan answers, and which it leaves unanswered."""
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    found = await web.fetch(f"/prevent/plans/{plan_id}/coverage")
    marking = f.marking_of(plan, {"classification": found.get("threat_assessment_classification")})
    return web.render("prevent/coverage.html", plan=plan, coverage=found, marking=marking)
