"""Prevent item pages: details and timeline, the inline progress update, create and edit with conflicts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web import prevent_forms as f
from app.web.deps import CsrfChecked, SignedInWeb, Web

router = APIRouter(prefix="/prevent")


async def _priorities(web: Web, plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The priorities of the plan's threat assessment, if the user may see it."""
    if not plan.get("threat_assessment_id"):
        return []
    result = await web.call("GET", f"/threat-assessments/{plan['threat_assessment_id']}")
    return result.body["priorities"] if result.ok else []


async def _form(web: Web, plan: dict[str, Any], status: int = 200, **context: Any) -> Response:
    context.setdefault("errors", {})
    return web.render(
        "prevent/item_form.html",
        status=status,
        plan=plan,
        priorities=await _priorities(web, plan),
        key_areas=f.KEY_AREAS,
        statuses=f.STATUSES,
        rags=f.RAGS,
        classifications=f.CLASSIFICATIONS,
        **context,
    )


async def _item_page(web: Web, item_id: str, status: int = 200, **context: Any) -> Response:
    item = await web.fetch(f"/prevent/items/{item_id}")
    plan = await web.fetch(f"/prevent/plans/{item['plan_id']}")
    timeline = await web.fetch(f"/prevent/items/{item_id}/updates", params={"limit": 200})
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return web.render(
        "prevent/item.html",
        status=status,
        item=item,
        plan=plan,
        timeline=timeline["items"],
        statuses=f.STATUSES,
        rags=f.RAGS,
        marking=f.marking_of(plan, item),
        **context,
    )


@router.get("/plans/{plan_id}/items/new")
async def new_item(web: SignedInWeb, plan_id: str) -> Response:
    """The form to add an item to a plan."""
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    area = web.request.query_params.get("key_area", "")
    values = {"status": "not_started", "classification": "OFFICIAL", "key_area": area, "priority_refs": []}
    return await _form(web, plan, item=None, values=values)


@router.post("/plans/{plan_id}/items", dependencies=[CsrfChecked])
async def create_item(web: SignedInWeb, request: Request, plan_id: str) -> Response:
    """Add an item."""
    body = f.item_body(await request.form()) | {"plan_id": plan_id}
    result = await web.call("POST", "/prevent/items", json={k: v for k, v in body.items() if v is not None})
    if result.ok:
        web.session.add_flash(f"Item {result.body['ref']} was added.")
        return web.redirect(f"/prevent/items/{result.body['id']}")
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    return await _form(
        web,
        plan,
        status=400,
        item=None,
        values=f.item_values(body),
        errors=result.field_errors() or {"title": result.detail},
    )


@router.get("/items/{item_id}")
async def item_page(web: SignedInWeb, item_id: str) -> Response:
    """An item: its details, its timeline, and a form to add a progress update."""
    return await _item_page(web, item_id)


@router.post("/items/{item_id}/updates", dependencies=[CsrfChecked])
async def add_update(web: SignedInWeb, request: Request, item_id: str) -> Response:
    """Add a progress update; a status or RAG change is only applied to the item as the user last saw it."""
    form = await request.form()
    body: dict[str, Any] = {"note": f.text(form, "note")}
    for name in ("status", "rag"):
        if f.text(form, name):
            body[name] = f.text(form, name)
    headers = {"If-Match": f.etag(f.text(form, "version", 10))} if len(body) > 1 else {}
    result = await web.call("POST", f"/prevent/items/{item_id}/updates", json=body, headers=headers)
    if result.ok:
        web.session.add_flash("Your update was added to the timeline.")
        return web.redirect(f"/prevent/items/{item_id}")
    if result.status == 412:
        return await _item_page(web, item_id, status=409, values=body, conflict=True)
    return await _item_page(
        web, item_id, status=400, values=body, errors=result.field_errors() or {"note": result.detail}
    )


@router.get("/items/{item_id}/edit")
async def edit_item(web: SignedInWeb, item_id: str) -> Response:
    """The form to change an item."""
    item = await web.fetch(f"/prevent/items/{item_id}")
    plan = await web.fetch(f"/prevent/plans/{item['plan_id']}")
    return await _form(web, plan, item=item, values=f.item_values(item), marking=f.marking_of(plan, item))


@router.post("/items/{item_id}/edit", dependencies=[CsrfChecked])
async def update_item(web: SignedInWeb, request: Request, item_id: str) -> Response:
    """Save an item; if someone else changed it meanwhile, show the current values and save nothing."""
    form = await request.form()
    body = f.item_body(form)
    if not body.get("ref"):
        body.pop("ref", None)
    result = await web.call(
        "PATCH",
        f"/prevent/items/{item_id}",
        json=body,
        headers={"If-Match": f.etag(f.text(form, "version", 10))},
    )
    if result.ok:
        web.session.add_flash("The item was saved.")
        return web.redirect(f"/prevent/items/{item_id}")
    item = await web.fetch(f"/prevent/items/{item_id}")
    plan = await web.fetch(f"/prevent/plans/{item['plan_id']}")
    if result.status == 412:
        return await _form(
            web,
            plan,
            status=409,
            item=item,
            values=f.item_values(item),
            conflict=f.differences(body, item),
            marking=f.marking_of(plan, item),
        )
    values = f.item_values(item | body) | {"version": f.text(form, "version", 10)}  # keep the version they saw
    return await _form(
        web,
        plan,
        status=400,
        item=item,
        values=values,
        errors=result.field_errors() or {"title": result.detail},
    )


@router.post("/items/{item_id}/delete", dependencies=[CsrfChecked])
async def delete_item(web: SignedInWeb, request: Request, item_id: str) -> Response:
    """Remove an item (as the user last saw it)."""
    form = await request.form()
    item = await web.fetch(f"/prevent/items/{item_id}")
    result = await web.call(
        "DELETE", f"/prevent/items/{item_id}", headers={"If-Match": f.etag(f.text(form, "version", 10))}
    )
    if result.ok:
        web.session.add_flash(f"Item {item['ref']} was removed.")
        return web.redirect(f"/prevent/plans/{item['plan_id']}")
    web.session.add_flash(f"Not removed: {result.detail}")
    return web.redirect(f"/prevent/items/{item_id}")
