"""Governance forms: an action added to a group (from its page or a meeting's), and one of EMT's priorities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.clock import financial_year, today_london
from app.web import options
from app.web.deps import SignedInWeb, require
from app.web.forms import CsrfChecked, Words, api_errors, form_payload

router = APIRouter(prefix="/governance")

ACTION_TEXT = ("text", "owner", "classification")
ACTION_DATES = {"due_on": "Date the action is due"}
ACTION_WORDS: Words = {
    "text": {"missing": "Enter what is to be done", "too_long": "The action must be {n} characters or fewer"},
    "owner": {"missing": "Enter who owns the action", "too_long": "Owner must be {n} characters or fewer"},
    "due_on": {"other": "Enter the date it is due, or leave it blank"},
    "meeting_id": {"other": "Select a meeting of this group"},
    "classification": {"other": "Select a classification"},
}
PRIORITY_TEXT = ("year", "strand", "title", "rationale", "classification")
PRIORITY_WORDS: Words = {
    "year": {"other": "Enter a financial year such as 2026/27"},
    "strand": {"missing": "Select the strand", "other": "Select the strand"},
    "title": {"missing": "Enter the priority", "too_long": "The priority must be {n} characters or fewer"},
    "rationale": {"too_long": "Why must be {n} characters or fewer"},
    "classification": {"other": "Select a classification"},
}
ADD_ACTIONS = require("governance:write", "add actions")
SET_PRIORITIES = require("approve", "set EMT's priorities")


def _sensitive(web: SignedInWeb) -> bool:
    return (web.user or {}).get("clearance") != "OFFICIAL"


async def _action_form(
    web: SignedInWeb, group: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    meetings = await web.fetch("/meetings", params={"group_id": group["id"], "limit": 200})
    return web.render(
        "governance/action_form.html",
        status=status,
        group=group,
        values=values,
        errors=errors,
        meetings={m["id"]: m["held_on"] for m in meetings["items"]},
        classifications=options.CLASSIFICATIONS,
        sensitive=_sensitive(web),
        marking=group["classification"],
    )


@router.get("/groups/{group_id}/actions/new", dependencies=[ADD_ACTIONS])
async def new_action(web: SignedInWeb, group_id: str, meeting_id: str = "") -> Response:
    """The form to add an action to a group (from a meeting's page, agreed at that meeting)."""
    group = await web.fetch(f"/working-groups/{group_id}")
    return await _action_form(web, group, {"meeting_id": meeting_id[:36], "classification": "OFFICIAL"}, {})


@router.post("/groups/{group_id}/actions/new", dependencies=[ADD_ACTIONS, CsrfChecked])
async def add_action(web: SignedInWeb, group_id: str, request: Request) -> Response:
    """Add the action; back to the meeting it was agreed at, or to the group."""
    group = await web.fetch(f"/working-groups/{group_id}")
    form = await request.form()
    body, values = form_payload(form, ACTION_TEXT, ("meeting_id",), (), creating=True, dates=ACTION_DATES)
    body = {**body, "group_id": group_id, "classification": body.get("classification") or "OFFICIAL"}
    result = await web.call("POST", "/actions", json=body)
    if result.ok:
        web.session.add_flash("The action was added.")
        meeting = result.body.get("meeting_id")
        return web.redirect(f"/governance/meetings/{meeting}" if meeting else f"/governance/groups/{group_id}")
    errors = api_errors(result, "text", words=ACTION_WORDS, values=values, dates=ACTION_DATES)
    return await _action_form(web, group, values, errors, status=400)


def _priority_form(web: SignedInWeb, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    return web.render(
        "governance/priority_form.html",
        status=status,
        values=values,
        errors=errors,
        strand_items=[
            {"value": s, "text": options.STRANDS[s], "checked": values.get("strand") == s} for s in options.STRANDS
        ],
        classifications=options.CLASSIFICATIONS,
        sensitive=_sensitive(web),
    )


@router.get("/priorities/new", dependencies=[SET_PRIORITIES])
async def new_priority(web: SignedInWeb) -> Response:
    """The form to set one of EMT's priorities, for this financial year unless changed."""
    start = financial_year(today_london())[0].year
    return _priority_form(web, {"year": f"{start}/{(start + 1) % 100:02d}", "classification": "OFFICIAL"}, {})


@router.post("/priorities/new", dependencies=[SET_PRIORITIES, CsrfChecked])
async def set_priority(web: SignedInWeb, request: Request) -> Response:
    """Set the priority; back to the year's priorities."""
    body, values = form_payload(await request.form(), PRIORITY_TEXT, (), (), creating=True)
    body["classification"] = body.get("classification") or "OFFICIAL"
    result = await web.call("POST", "/priorities", json=body)
    if result.ok:
        web.session.add_flash("The priority was set.")
        return web.redirect(f"/governance/priorities?year={result.body['year'][:4]}")
    return _priority_form(web, values, api_errors(result, "title", words=PRIORITY_WORDS), status=400)
