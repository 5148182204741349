"""Prevent item pages: details and timeline, the inline progress update, create and edit with conflicts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.web import options
from app.web.client import ApiResult
from app.web.confirm import Confirmation, confirm_page
from app.web.dates import date_body, posted_date
from app.web.deps import SignedInWeb, Web, marking_of, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, lines, save_edit, text

router = APIRouter(prefix="/prevent")

ITEM_FIELDS = {
    "ref": "Reference",
    "title": "Action",
    "description": "Description",
    "key_area": "Key area",
    "owner": "Owner",
    "partners": "Partners",
    "status": "Status",
    "rag": "RAG",
    "start_date": "Starts",
    "due_date": "Due",
    "measure": "Success measure",
    "priority_refs": "Threat assessment priorities it answers",
    "classification": "Classification",
}
ITEM_CHOICES = {"key_area": options.KEY_AREAS, "status": options.ITEM_STATUSES, "rag": options.RAGS}
UPDATE_CONFLICT = (
    "Someone else changed this item since you opened it. Your update was not added. The page now shows the item "
    "as it is; check the status and RAG, then add your update again. Your note is still in the form."
)


ITEM_DATES = {"start_date": "Date the item starts", "due_date": "Date the item is due"}
ITEM_WORDS: Words = {
    "ref": {
        "too_long": "Enter a reference of {n} characters or fewer",
        "other": "Enter a reference of letters, numbers, dots, dashes or slashes, for example SAF-04",
    },
    "title": {"missing": "Enter the action", "too_long": "Enter an action of {n} characters or fewer"},
    "description": {"too_long": "Enter a description of {n} characters or fewer"},
    "key_area": {"other": "Select a key area"},
    "owner": {
        "missing": "Enter the owner: a team or job title",
        "too_long": "Enter an owner of {n} characters or fewer",
    },
    "partners": {
        "too_long": "Enter each partner in {n} characters or fewer, one per line",
        "other": "Enter each partner on its own line, 50 at most",
    },
    "status": {"other": "Select a status"},
    "rag": {"other": "Select a RAG status, or No RAG for a complete item"},
    "start_date": {"other": "Date the item starts must be a real date"},
    "due_date": {"other": "The item must be due on or after the date it starts"},
    "measure": {"too_long": "Enter a success measure of {n} characters or fewer"},
    "priority_refs": {"other": "Select the priorities from the list, or enter references like P1, P3"},
    "classification": {"other": "Select a classification"},
}
UPDATE_WORDS: Words = {
    "note": {"missing": "Enter what has happened", "too_long": "Enter an update of {n} characters or fewer"},
    "status": {"other": "Select a status"},
    "rag": {"other": "Select a RAG status"},
}


def item_errors(result: ApiResult, values: dict[str, Any]) -> dict[str, str]:
    """A refused item's errors in the form's words."""
    return api_errors(
        result,
        "title",
        lambda name: name.split(".")[0],
        words=ITEM_WORDS,
        labels=ITEM_FIELDS,
        values=values,
        dates=ITEM_DATES,
    )


def item_body(form: FormData) -> dict[str, Any]:
    """An item form as the API's fields (empty dates and RAG as null)."""
    body: dict[str, Any] = {
        name: text(form, name)
        for name in ("title", "description", "key_area", "owner", "status", "measure", "classification")
    }
    if text(form, "ref"):
        body["ref"] = text(form, "ref")
    body["partners"] = lines(text(form, "partners"))
    body["priority_refs"] = [str(v) for v in form.getlist("priority_refs") if str(v).strip()]
    body["priority_refs"] += lines(text(form, "priority_refs_text"))
    body["rag"] = text(form, "rag") or None
    for name in ITEM_DATES:
        body[name] = date_body(posted_date(form, name))
    return body


def posted_item_values(form: FormData, body: dict[str, Any], item: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the form shows again after a refusal: what was sent, dates as typed."""
    return item_values((item or {}) | body) | {name: posted_date(form, name) for name in ITEM_DATES}


def item_values(item: dict[str, Any]) -> dict[str, Any]:
    """An item from the API as form values."""
    return item | {
        "partners": "\n".join(item.get("partners") or []),
        "rag": item.get("rag") or "",
        "start_date": item.get("start_date") or "",
        "due_date": item.get("due_date") or "",
    }


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
        key_areas=options.KEY_AREA_ROWS,
        statuses=options.ITEM_STATUSES,
        rags=options.RAGS,
        classifications=options.CLASSIFICATIONS,
        **context,
    )


async def _item_page(web: Web, item_id: str, status: int = 200, **context: Any) -> Response:
    found = await web.fetch_result(f"/prevent/items/{item_id}")
    item = found.body
    plan = await web.fetch(f"/prevent/plans/{item['plan_id']}")
    timeline = await web.fetch(f"/prevent/items/{item_id}/updates", params={"limit": 200})
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return web.render(
        "prevent/item.html",
        status=status,
        item=item,
        etag=found.etag or "",
        plan=plan,
        timeline=timeline["items"],
        statuses=options.ITEM_STATUSES,
        rags=options.RAGS,
        marking=marking_of(plan, item),
        **context,
    )


@router.get("/plans/{plan_id}/items/new", dependencies=[require("prevent:write", "add plan items")])
async def new_item(web: SignedInWeb, plan_id: str) -> Response:
    """The form to add an item to a plan."""
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    area = web.request.query_params.get("key_area", "")
    values = {"status": "not_started", "classification": "OFFICIAL", "key_area": area, "priority_refs": []}
    return await _form(web, plan, item=None, values=values)


@router.post("/plans/{plan_id}/items", dependencies=[require("prevent:write", "add plan items"), CsrfChecked])
async def create_item(web: SignedInWeb, request: Request, plan_id: str) -> Response:
    """Add an item."""
    form = await request.form()
    body = item_body(form) | {"plan_id": plan_id}
    result = await web.call("POST", "/prevent/items", json={k: v for k, v in body.items() if v is not None})
    if result.ok:
        web.session.add_flash(f"Item {result.body['ref']} was added.")
        return web.redirect(f"/prevent/items/{result.body['id']}")
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    values = posted_item_values(form, body)
    return await _form(web, plan, status=400, item=None, values=values, errors=item_errors(result, values))


@router.get("/items/{item_id}")
async def item_page(web: SignedInWeb, item_id: str) -> Response:
    """An item: its details, its timeline, and a form to add a progress update."""
    return await _item_page(web, item_id)


@router.post("/items/{item_id}/updates", dependencies=[require("prevent:write", "add progress updates"), CsrfChecked])
async def add_update(web: SignedInWeb, request: Request, item_id: str) -> Response:
    """Add a progress update; a status or RAG change is only applied to the item as the user last saw it."""
    form = await request.form()
    body: dict[str, Any] = {"note": text(form, "note")}
    for name in ("status", "rag"):
        if text(form, name):
            body[name] = text(form, name)
    headers = {"If-Match": text(form, "etag", 100)} if len(body) > 1 else {}
    result = await web.call("POST", f"/prevent/items/{item_id}/updates", json=body, headers=headers)
    if result.ok:
        web.session.add_flash("Your update was added to the timeline.")
        return web.redirect(f"/prevent/items/{item_id}")
    if result.status in (412, 428):
        current = await web.fetch(f"/prevent/items/{item_id}")
        rows = conflict_rows(body, current, {"status": "Status", "rag": "RAG"}, ITEM_CHOICES)
        return await _item_page(
            web, item_id, status=409, values=body, errors={"conflict": UPDATE_CONFLICT}, conflict=rows
        )
    errors = api_errors(result, "note", words=UPDATE_WORDS, values=body)
    return await _item_page(web, item_id, status=400, values=body, errors=errors)


@router.get("/items/{item_id}/edit", dependencies=[require("prevent:write", "change plan items")])
async def edit_item(web: SignedInWeb, item_id: str) -> Response:
    """The form to change an item."""
    found = await web.fetch_result(f"/prevent/items/{item_id}")
    item = found.body
    plan = await web.fetch(f"/prevent/plans/{item['plan_id']}")
    return await _form(web, plan, item=item, values=item_values(item), etag=found.etag, marking=marking_of(plan, item))


@router.post("/items/{item_id}/edit", dependencies=[require("prevent:write", "change plan items"), CsrfChecked])
async def update_item(web: SignedInWeb, request: Request, item_id: str) -> Response:
    """Save an item; if someone else changed it meanwhile, show the current values and save nothing."""
    form = await request.form()
    body = item_body(form)
    if not body.get("ref"):
        body.pop("ref", None)
    etag = text(form, "etag", 100)
    edit = await save_edit(web, f"/prevent/items/{item_id}", body, etag)
    if edit.saved:
        web.session.add_flash("The item was saved.")
        return web.redirect(f"/prevent/items/{item_id}")
    item = edit.record
    plan = await web.fetch(f"/prevent/plans/{item['plan_id']}")
    if edit.conflict:
        return await _form(
            web,
            plan,
            status=409,
            item=item,
            values=item_values(item),
            etag=edit.etag,
            errors={"conflict": CONFLICT},
            conflict=conflict_rows(item_values(body), item_values(item), ITEM_FIELDS, ITEM_CHOICES),
            marking=marking_of(plan, item),
        )
    values = posted_item_values(form, body, item)
    return await _form(
        web,
        plan,
        status=400,
        item=item,
        values=values,
        etag=etag,  # keep the version they saw
        errors=item_errors(edit.result, values),
    )


@router.get("/items/{item_id}/delete", dependencies=[require("prevent:write", "remove plan items")])
async def confirm_delete_item(
    web: SignedInWeb, item_id: str, etag: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """Are you sure? The item as the user saw it (its ETag) is what the button removes."""
    item = await web.fetch(f"/prevent/items/{item_id}")
    confirmation = Confirmation(
        question="Are you sure you want to remove this item?",
        button="Remove this item",
        action=f"/prevent/items/{item_id}/delete",
        cancel=f"/prevent/items/{item_id}",
        warning="The item and its timeline of progress updates will be removed from the plan. This cannot be undone.",
        details=[("Item", f"{item['ref']} {item['title']}")],
        hidden={"etag": etag},
    )
    return confirm_page(web, confirmation, marking=item["classification"])


@router.post("/items/{item_id}/delete", dependencies=[require("prevent:write", "remove plan items"), CsrfChecked])
async def delete_item(web: SignedInWeb, request: Request, item_id: str) -> Response:
    """Remove an item (as the user last saw it)."""
    form = await request.form()
    item = await web.fetch(f"/prevent/items/{item_id}")
    result = await web.call("DELETE", f"/prevent/items/{item_id}", headers={"If-Match": text(form, "etag", 100)})
    if result.ok:
        web.session.add_flash(f"Item {item['ref']} was removed.")
        return web.redirect(f"/prevent/plans/{item['plan_id']}")
    web.session.add_flash(f"Not removed: {result.detail}")
    return web.redirect(f"/prevent/items/{item_id}")
