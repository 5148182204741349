"""Escalations for EMT: the list (awaiting a decision first), raising one, and EMT's decision with a confirmation
step before it is recorded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.web import options
from app.web.confirm import Confirmation, confirm_page
from app.web.deps import SignedInWeb, marking_of, require
from app.web.forms import CsrfChecked, Words, api_errors, form_payload, text
from app.web.governance import links_shown

router = APIRouter(prefix="/governance/escalations")

ESCALATION_TEXT = ("group_id", "title", "description", "impact", "ask", "resources_needed", "classification")
ESCALATION_WORDS: Words = {
    "group_id": {"missing": "Select the group raising it", "other": "Select the group raising it"},
    "title": {"missing": "Enter a short title", "too_long": "Title must be {n} characters or fewer"},
    "description": {"too_long": "Description must be {n} characters or fewer"},
    "impact": {"too_long": "Impact must be {n} characters or fewer"},
    "ask": {"missing": "Select what you are asking EMT for", "other": "Select what you are asking EMT for"},
    "resources_needed": {"too_long": "Resources needed must be {n} characters or fewer"},
    "classification": {"other": "Select a classification"},
}
DECISION_WORDS: Words = {
    "outcome": {"missing": "Select EMT's decision", "other": "Select EMT's decision"},
    "decision": {"missing": "Enter what EMT decided", "too_long": "The decision must be {n} characters or fewer"},
}
QUESTIONS = {
    "accepted": "Accept this escalation?",
    "declined": "Decline this escalation?",
    "resolved": "Mark this escalation resolved?",
}
DECISION_LIMIT = 10_000
DECIDE = require("approve", "record EMT's decisions")
RAISE = require("governance:write", "raise escalations")


@router.get("")
async def escalations(web: SignedInWeb) -> Response:
    """Those awaiting EMT's decision (the EMT queue), then those decided."""
    page = await web.fetch("/escalations", params={"limit": 200})
    groups = await web.fetch("/working-groups", params={"limit": 200})
    names = {g["id"]: g["name"] for g in groups["items"]}
    waiting = [e for e in page["items"] if e["status"] == "raised"]
    decided = [e for e in page["items"] if e["status"] != "raised"]
    return web.render(
        "governance/escalations.html",
        waiting=waiting,
        decided=decided,
        names=names,
        asks=options.ASKS,
        statuses=options.ESCALATION_STATUSES,
        marking=marking_of(*page["items"]),
    )


async def _form(web: SignedInWeb, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    groups = await web.fetch("/working-groups", params={"limit": 200})
    return web.render(
        "governance/escalation_form.html",
        status=status,
        values=values,
        errors=errors,
        groups={g["id"]: g["name"] for g in groups["items"]},
        ask_items=[{"value": v, "text": options.ASKS[v], "checked": values.get("ask") == v} for v in options.ASKS],
        classifications=options.CLASSIFICATIONS,
        sensitive=(web.user or {}).get("clearance") != "OFFICIAL",
    )


@router.get("/new", dependencies=[RAISE])
async def new_escalation(web: SignedInWeb) -> Response:
    """The form to raise an escalation to EMT."""
    return await _form(web, {"classification": "OFFICIAL"}, {})


@router.post("/new", dependencies=[RAISE, CsrfChecked])
async def raise_escalation(web: SignedInWeb, request: Request) -> Response:
    """Raise it: it goes to EMT's queue."""
    body, values = form_payload(await request.form(), ESCALATION_TEXT, (), (), creating=True)
    body = {k: v for k, v in body.items() if v or k in ("group_id", "title", "ask")}
    body.setdefault("classification", "OFFICIAL")
    result = await web.call("POST", "/escalations", json=body)
    if result.ok:
        web.session.add_flash("Your escalation was raised. EMT will decide it.")
        return web.redirect(f"/governance/escalations/{result.body['id']}")
    errors = api_errors(result, "title", words=ESCALATION_WORDS)
    return await _form(web, values, errors, status=400)


@router.get("/{escalation_id}")
async def escalation(web: SignedInWeb, escalation_id: str) -> Response:
    """An escalation and EMT's decision, if made."""
    found = await web.fetch(f"/escalations/{escalation_id}")
    group = await web.fetch(f"/working-groups/{found['group_id']}")
    links_shown([found])
    return web.render(
        "governance/escalation.html",
        escalation=found,
        group=group,
        asks=options.ASKS,
        statuses=options.ESCALATION_STATUSES,
        decidable=found["status"] in ("raised", "accepted"),
        marking=marking_of(found, group),
    )


def _outcomes(status: str) -> list[str]:
    return ["accepted", "declined", "resolved"] if status == "raised" else ["resolved"]


def _decision_values(form: FormData) -> dict[str, str]:
    return {
        "outcome": text(form, "outcome", 20),
        "decision": text(form, "decision", 10_100),
        "etag": text(form, "etag", 100),
    }


def _decision_errors(values: dict[str, str], allowed: list[str]) -> dict[str, str]:
    errors = {}
    if values["outcome"] not in allowed:
        errors["outcome"] = DECISION_WORDS["outcome"]["missing"]
    if not values["decision"]:
        errors["decision"] = DECISION_WORDS["decision"]["missing"]
    elif len(values["decision"]) > DECISION_LIMIT:  # the API's, checked before the confirmation step
        errors["decision"] = DECISION_WORDS["decision"]["too_long"].replace("{n}", f"{DECISION_LIMIT:,}")
    return errors


def _decision_page(web: SignedInWeb, found: dict[str, Any], values: dict[str, str], errors: dict[str, str]) -> Response:
    return web.render(
        "governance/decision.html",
        status=400 if errors else 200,
        escalation=found,
        values=values,
        errors=errors,
        outcomes=[(o, options.ESCALATION_OUTCOMES[o]) for o in _outcomes(found["status"])],
        marking=found["classification"],
    )


@router.get("/{escalation_id}/decide", dependencies=[DECIDE])
async def decision_form(web: SignedInWeb, escalation_id: str) -> Response:
    """EMT's decision: accept, decline or resolve, and what was decided."""
    result = await web.fetch_result(f"/escalations/{escalation_id}")
    values = {"outcome": "", "decision": "", "etag": result.etag or ""}
    return _decision_page(web, result.body, values, {})


@router.post("/{escalation_id}/decide", dependencies=[DECIDE, CsrfChecked])
async def check_decision(web: SignedInWeb, escalation_id: str, request: Request) -> Response:
    """Check the answers (the confirmation step); nothing is recorded yet."""
    found = await web.fetch(f"/escalations/{escalation_id}")
    values = _decision_values(await request.form())
    errors = _decision_errors(values, _outcomes(found["status"]))
    if errors:
        return _decision_page(web, found, values, errors)
    confirmation = Confirmation(
        question=QUESTIONS[values["outcome"]],
        button="Record the decision",
        action=f"/governance/escalations/{escalation_id}/decide/confirm",
        cancel=f"/governance/escalations/{escalation_id}",
        warning="The decision is recorded with your name and today's date, and the group sees it on the escalation. "
        "Only a further decision by EMT can change it.",
        details=[
            ("Escalation", found["title"]),
            ("Decision", options.ESCALATION_OUTCOMES[values["outcome"]]),
            ("What EMT decided", values["decision"]),
        ],
        hidden=values,
        destructive=False,
        caption=found["title"],
    )
    return confirm_page(web, confirmation, marking=found["classification"])


@router.post("/{escalation_id}/decide/confirm", dependencies=[DECIDE, CsrfChecked])
async def record_decision(web: SignedInWeb, escalation_id: str, request: Request) -> Response:
    """Record the checked decision through the API."""
    values = _decision_values(await request.form())
    headers = {"If-Match": values["etag"]} if values["etag"] else {}
    body = {"outcome": values["outcome"], "decision": values["decision"]}
    result = await web.call("POST", f"/escalations/{escalation_id}/decide", json=body, headers=headers)
    if result.ok:
        web.session.add_flash(
            f"EMT's decision was recorded: {options.ESCALATION_STATUSES.label(result.body['status'])}."
        )
        return web.redirect(f"/governance/escalations/{escalation_id}")
    if result.status == 422:
        found = await web.fetch(f"/escalations/{escalation_id}")
        return _decision_page(web, found, values, api_errors(result, "decision", words=DECISION_WORDS))
    if result.status == 412:
        web.session.add_flash("Not recorded: the escalation changed since you opened it. Check it and decide again.")
    else:
        web.session.add_flash(f"The decision was not recorded: {result.detail}")
    return web.redirect(f"/governance/escalations/{escalation_id}")
