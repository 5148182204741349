"""Prepare pages: exercises, their lessons and the actions still open."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.web import options
from app.web.client import ApiResult
from app.web.deps import SignedInWeb, Web, require
from app.web.forms import CsrfChecked, api_errors, form_payload

router = APIRouter(prefix="/prepare")

CHANGED = (
    "Someone else changed this exercise after you opened it, so nothing was saved. Check the lessons below "
    "and try again."
)


@router.get("/exercises")
async def exercises(web: SignedInWeb, cursor: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    """Every exercise, newest first, with its open actions."""
    page = await web.fetch("/exercises", params={"limit": 50, **({"cursor": cursor} if cursor else {})})
    return web.render("prepare/exercises.html", page=page)


@router.get("/exercises/new", dependencies=[require("prepare:write", "record exercises")])
async def new_exercise(web: SignedInWeb) -> Response:
    """The form for recording an exercise."""
    return await _exercise_form(web, values={"classification": "OFFICIAL", "plan_ids": []})


async def _exercise_form(
    web: Web, *, values: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    plans = await web.call("GET", "/contingency-plans", params={"limit": 200})
    return web.render(
        "prepare/exercise_form.html",
        status=status,
        values=values,
        errors=errors or {},
        plans=plans.body["items"] if plans.ok else [],
        types=options.EXERCISE_TYPES,
        classifications=options.CLASSIFICATIONS,
    )


@router.post("/exercises/new", dependencies=[require("prepare:write", "record exercises"), CsrfChecked])
async def create_exercise(web: SignedInWeb, request: Request) -> Response:
    """Record an exercise."""
    form = await request.form()
    payload, values = form_payload(
        form,
        ["title", "held_on", "exercise_type", "summary", "classification"],
        [],
        ["plan_ids"],
        creating=True,
    )
    values["participants"] = str(form.get("participants", ""))
    payload["participants"] = [p.strip() for p in values["participants"].splitlines() if p.strip()]
    result = await web.call("POST", "/exercises", json=payload)
    if result.ok:
        web.session.add_flash(f"The exercise {result.body['title']!r} was recorded.")
        return web.redirect(f"/prepare/exercises/{result.body['id']}")
    errors = api_errors(result, "title", lambda name: name.split(".")[0])
    return await _exercise_form(web, values=values, errors=errors, status=400)


@router.get("/exercises/{exercise_id}")
async def exercise(web: SignedInWeb, exercise_id: str) -> Response:
    """One exercise: the plans it tested, who took part, lessons and open actions."""
    return await _exercise_page(web, await web.fetch_result(f"/exercises/{exercise_id}"))


async def _exercise_page(
    web: Web,
    result: ApiResult,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    body = result.body
    plans = []
    for plan_id in body["plan_ids"]:
        plan = await web.call("GET", f"/contingency-plans/{plan_id}")
        if plan.ok:
            plans.append(plan.body)
    return web.render(
        "prepare/exercise.html",
        status=status,
        exercise=body,
        etag=result.etag,
        plans=plans,
        marking=body["classification"],
        errors=errors or {},
        values=values or {},
    )


@router.post("/exercises/{exercise_id}/lessons", dependencies=[require("prepare:write", "record lessons"), CsrfChecked])
async def add_lesson(
    web: SignedInWeb,
    exercise_id: str,
    etag: Annotated[str, Form(max_length=100)] = "",
    text: Annotated[str, Form(max_length=4000)] = "",
    action: Annotated[str, Form(max_length=8000)] = "",
    owner: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Add a lesson (If-Match: a lesson added by someone else meanwhile is never overwritten)."""
    current = await web.fetch_result(f"/exercises/{exercise_id}")
    lessons = current.body["lessons"]
    lesson = {"text": text.strip(), "action": action.strip(), "owner": owner.strip()}
    result = await web.call(
        "PATCH", f"/exercises/{exercise_id}", json={"lessons": [*lessons, lesson]}, headers={"If-Match": etag}
    )
    if result.ok:
        web.session.add_flash("The lesson was added.")
        return web.redirect(f"/prepare/exercises/{exercise_id}")
    if result.status in (412, 428):
        return await _exercise_page(web, current, errors={"text": CHANGED}, values=lesson, status=409)
    errors = api_errors(result, "text", lambda name: name.rsplit(".", 1)[-1])
    return await _exercise_page(web, current, errors=errors, values=lesson, status=400)


@router.post(
    "/exercises/{exercise_id}/lessons/{index}/done",
    dependencies=[require("prepare:write", "complete lessons"), CsrfChecked],
)
async def complete_lesson(
    web: SignedInWeb,
    exercise_id: str,
    index: int,
    etag: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Mark a lesson's action done."""
    current = await web.fetch_result(f"/exercises/{exercise_id}")
    lessons = current.body["lessons"]
    if 0 <= index < len(lessons):
        lessons[index]["status"] = "done"
    result = await web.call("PATCH", f"/exercises/{exercise_id}", json={"lessons": lessons}, headers={"If-Match": etag})
    if result.status in (412, 428):
        return await _exercise_page(web, current, errors={"lessons": CHANGED}, status=409)
    web.session.add_flash("The action was marked done." if result.ok else f"Not changed: {result.detail}")
    return web.redirect(f"/prepare/exercises/{exercise_id}")
