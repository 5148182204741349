"""Prepare pages: exercises (record, read, change). Their lessons have pages of their own (`prepare_lessons`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.web import options
from app.web.client import ApiResult
from app.web.deps import SignedInWeb, Web, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, form_payload, list_field, save_edit

router = APIRouter(prefix="/prepare")

EXERCISE_TEXT = ["title", "exercise_type", "summary", "classification"]
EXERCISE_DATES = {"held_on": "Date the exercise was held"}
EXERCISE_FIELDS = {
    "title": "Title",
    "held_on": "Held on",
    "exercise_type": "Type",
    "participants": "Participating organisations",
    "plan_ids": "Plans exercised",
    "summary": "Summary",
    "classification": "Classification",
}
EXERCISE_WORDS: Words = {
    "title": {"missing": "Enter the exercise's title", "too_long": "Title must be {n} characters or fewer"},
    "exercise_type": {"missing": "Select the type of exercise", "other": "Select the type of exercise"},
    "participants": {
        "too_long": "Enter each organisation in {n} characters or fewer, one a line",
        "other": "Enter the organisations that took part, one a line",
    },
    "plan_ids": {"other": "Select plans from the list"},
    "summary": {"too_long": "Summary must be {n} characters or fewer"},
    "classification": {"missing": "Select a classification", "other": "Select a classification"},
}


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
    web: Web,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
    exercise: dict[str, Any] | None = None,
    etag: str = "",
    conflict: list[dict[str, str]] | None = None,
) -> Response:
    return web.render(
        "prepare/exercise_form.html",
        status=status,
        values=values,
        errors=errors or {},
        plans=await _plans(web),
        types=options.EXERCISE_TYPES,
        classifications=options.CLASSIFICATIONS,
        exercise=exercise,
        etag=etag,
        conflict=conflict,
    )


async def _plans(web: Web) -> list[dict[str, Any]]:
    plans = await web.call("GET", "/contingency-plans", params={"limit": 200})
    return plans.body["items"] if plans.ok else []


def _exercise_payload(form: Any, *, creating: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API body of the exercise form and the values to show again."""
    payload, values = form_payload(form, EXERCISE_TEXT, [], ["plan_ids"], creating=creating, dates=EXERCISE_DATES)
    values["participants"] = str(form.get("participants", ""))
    payload["participants"] = [p.strip() for p in values["participants"].splitlines() if p.strip()]
    return payload, values


def _exercise_values(exercise: dict[str, Any]) -> dict[str, Any]:
    """An exercise from the API as the form's values."""
    fields = {name: exercise.get(name) or "" for name in [*EXERCISE_TEXT, "held_on"]}
    return fields | {"plan_ids": exercise["plan_ids"], "participants": "\n".join(exercise["participants"])}


def _exercise_errors(result: ApiResult, values: dict[str, Any]) -> dict[str, str]:
    return api_errors(
        result,
        "title",
        list_field,
        words=EXERCISE_WORDS,
        labels=EXERCISE_FIELDS,
        values=values,
        dates=EXERCISE_DATES,
    )


@router.post("/exercises/new", dependencies=[require("prepare:write", "record exercises"), CsrfChecked])
async def create_exercise(web: SignedInWeb, request: Request) -> Response:
    """Record an exercise."""
    payload, values = _exercise_payload(await request.form(), creating=True)
    result = await web.call("POST", "/exercises", json=payload)
    if result.ok:
        web.session.add_flash(f"The exercise {result.body['title']} was recorded.")
        return web.redirect(f"/prepare/exercises/{result.body['id']}")
    return await _exercise_form(web, values=values, errors=_exercise_errors(result, values), status=400)


@router.get("/exercises/{exercise_id}")
async def exercise(web: SignedInWeb, exercise_id: str) -> Response:
    """One exercise: the plans it tested, who took part, lessons and open actions."""
    return await exercise_page(web, await web.fetch_result(f"/exercises/{exercise_id}"))


async def exercise_page(
    web: Web,
    result: ApiResult,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The exercise's page (also shown again with the add-a-lesson form's errors)."""
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
        plans=plans,
        marking=body["classification"],
        errors=errors or {},
        values=values or {},
    )


@router.get("/exercises/{exercise_id}/edit", dependencies=[require("prepare:write", "change exercises")])
async def edit_exercise(web: SignedInWeb, exercise_id: str) -> Response:
    """The form to change an exercise, carrying the ETag it was read at."""
    found = await web.fetch_result(f"/exercises/{exercise_id}")
    values = _exercise_values(found.body)
    return await _exercise_form(web, values=values, exercise=found.body, etag=found.etag or "")


@router.post("/exercises/{exercise_id}/edit", dependencies=[require("prepare:write", "change exercises"), CsrfChecked])
async def update_exercise(web: SignedInWeb, exercise_id: str, request: Request) -> Response:
    """Save an exercise's changes if nobody else changed it since the form was read (its lessons are not sent)."""
    form = await request.form()
    payload, values = _exercise_payload(form, creating=False)
    etag = str(form.get("etag", ""))
    edit = await save_edit(web, f"/exercises/{exercise_id}", payload, etag)
    if edit.saved:
        web.session.add_flash("Your changes to the exercise were saved.")
        return web.redirect(f"/prepare/exercises/{exercise_id}")
    if edit.conflict:
        current = _exercise_values(edit.record)
        plans = {p["id"]: p["title"] for p in await _plans(web)}
        choices = {"exercise_type": options.EXERCISE_TYPES, "plan_ids": plans}
        rows = conflict_rows(values, current, EXERCISE_FIELDS, choices)
        return await _exercise_form(
            web,
            values=current,
            exercise=edit.record,
            etag=edit.etag,
            errors={"conflict": CONFLICT},
            conflict=rows,
            status=409,
        )
    return await _exercise_form(
        web, values=values, exercise=edit.record, etag=etag, errors=_exercise_errors(edit.result, values), status=400
    )
