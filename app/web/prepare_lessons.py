"""Prepare pages: the lessons of an exercise (add, change, mark done, reopen) and the tracker of open lessons.

Each lesson carries its own ETag, so marking one done never fails because someone added or changed another.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.web import options
from app.web.client import ApiResult
from app.web.deps import SignedInWeb, Web, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, form_payload, save_edit
from app.web.prepare_exercises import exercise_page

router = APIRouter(prefix="/prepare")

LESSON_TEXT = ["text", "action", "owner"]
LESSON_DATES = {"due_on": "Date the action is due"}
LESSON_FIELDS = {"text": "Lesson", "action": "Action", "owner": "Action owner", "due_on": "Due", "status": "Status"}
LESSON_WORDS: Words = {
    "text": {"missing": "Enter the lesson learned", "too_long": "Lesson must be {n} characters or fewer"},
    "action": {"too_long": "Action must be {n} characters or fewer"},
    "owner": {"too_long": "Action owner must be {n} characters or fewer"},
    "status": {"missing": "Select whether the action is open or done", "other": "Select open or done"},
}
CHANGED = "Someone else changed this lesson after you opened the page, so nothing was saved. Check it and try again."
TRACKER_STATUSES = {"open": "Open", "done": "Done", "all": "Open and done"}


def _errors(result: ApiResult, values: dict[str, Any]) -> dict[str, str]:
    return api_errors(result, "text", words=LESSON_WORDS, labels=LESSON_FIELDS, values=values, dates=LESSON_DATES)


def _lesson_values(lesson: dict[str, Any]) -> dict[str, Any]:
    """A lesson from the API as the form's values."""
    return {name: lesson.get(name) or "" for name in [*LESSON_TEXT, "due_on", "status"]}


@router.post("/exercises/{exercise_id}/lessons", dependencies=[require("prepare:write", "record lessons"), CsrfChecked])
async def add_lesson(web: SignedInWeb, exercise_id: str, request: Request) -> Response:
    """Add a lesson (no If-Match: a new lesson changes nothing anyone else is editing)."""
    payload, values = form_payload(await request.form(), LESSON_TEXT, [], [], creating=True, dates=LESSON_DATES)
    result = await web.call("POST", f"/exercises/{exercise_id}/lessons", json=payload)
    if result.ok:
        web.session.add_flash("The lesson was added.")
        return web.redirect(f"/prepare/exercises/{exercise_id}#lessons")
    current = await web.fetch_result(f"/exercises/{exercise_id}")
    return await exercise_page(web, current, errors=_errors(result, values), values=values, status=400)


@router.get(
    "/exercises/{exercise_id}/lessons/{lesson_id}/edit", dependencies=[require("prepare:write", "change lessons")]
)
async def edit_lesson(web: SignedInWeb, exercise_id: str, lesson_id: str) -> Response:
    """The form to change a lesson: its words, owner, due date and whether it is done."""
    found = await web.fetch_result(f"/exercises/{exercise_id}/lessons/{lesson_id}")
    return _lesson_form(web, lesson=found.body, values=_lesson_values(found.body), etag=found.etag or "")


def _lesson_form(
    web: Web,
    *,
    lesson: dict[str, Any],
    values: dict[str, Any],
    etag: str,
    errors: dict[str, str] | None = None,
    conflict: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    return web.render(
        "prepare/lesson_form.html",
        status=status,
        lesson=lesson,
        values=values,
        etag=etag,
        errors=errors or {},
        conflict=conflict,
        statuses=options.LESSON_STATUSES,
        marking=lesson["classification"],
    )


@router.post(
    "/exercises/{exercise_id}/lessons/{lesson_id}/edit",
    dependencies=[require("prepare:write", "change lessons"), CsrfChecked],
)
async def update_lesson(web: SignedInWeb, exercise_id: str, lesson_id: str, request: Request) -> Response:
    """Save a lesson's changes if nobody else changed that lesson since the form was read."""
    form = await request.form()
    payload, values = form_payload(form, [*LESSON_TEXT, "status"], [], [], creating=False, dates=LESSON_DATES)
    etag = str(form.get("etag", ""))
    edit = await save_edit(web, f"/exercises/{exercise_id}/lessons/{lesson_id}", payload, etag)
    if edit.saved:
        web.session.add_flash("Your changes to the lesson were saved.")
        return web.redirect(f"/prepare/exercises/{exercise_id}#lessons")
    if edit.conflict:
        current = _lesson_values(edit.record)
        rows = conflict_rows(values, current, LESSON_FIELDS, {"status": options.LESSON_STATUSES})
        return _lesson_form(
            web,
            lesson=edit.record,
            values=current,
            etag=edit.etag,
            errors={"conflict": CONFLICT},
            conflict=rows,
            status=409,
        )
    return _lesson_form(
        web, lesson=edit.record, values=values, etag=etag, errors=_errors(edit.result, values), status=400
    )


async def _set_status(web: Web, exercise_id: str, lesson_id: str, etag: str, status: str, done: str) -> Response:
    """Mark a lesson done or reopen it, against that lesson's own ETag."""
    path = f"/exercises/{exercise_id}/lessons/{lesson_id}"
    result = await web.call("PATCH", path, json={"status": status}, headers={"If-Match": etag})
    if result.ok:
        web.session.add_flash(done)
        return web.redirect(f"/prepare/exercises/{exercise_id}#lessons")
    current = await web.fetch_result(f"/exercises/{exercise_id}")
    message = CHANGED if result.status in (412, 428) else result.detail or "The lesson could not be changed."
    return await exercise_page(web, current, errors={"lessons": message}, status=409 if result.status == 412 else 400)


@router.post(
    "/exercises/{exercise_id}/lessons/{lesson_id}/done",
    dependencies=[require("prepare:write", "complete lessons"), CsrfChecked],
)
async def complete_lesson(
    web: SignedInWeb, exercise_id: str, lesson_id: str, etag: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Mark a lesson's action done."""
    return await _set_status(web, exercise_id, lesson_id, etag, "done", "The action was marked done.")


@router.post(
    "/exercises/{exercise_id}/lessons/{lesson_id}/reopen",
    dependencies=[require("prepare:write", "reopen lessons"), CsrfChecked],
)
async def reopen_lesson(
    web: SignedInWeb, exercise_id: str, lesson_id: str, etag: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Reopen a lesson whose action was marked done."""
    return await _set_status(web, exercise_id, lesson_id, etag, "open", "The action was reopened.")


@router.get("/lessons")
async def tracker(
    web: SignedInWeb,
    status: Annotated[str, Query(max_length=10)] = "open",
    overdue: Annotated[str, Query(max_length=5)] = "",
    owner: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Lessons of every exercise, soonest due first (so the overdue ones lead), open ones unless asked."""
    status = status if status in TRACKER_STATUSES else "open"
    overdue = "true" if overdue == "true" else ""
    params: dict[str, Any] = {"limit": 50, "status": None if status == "all" else status, "owner": owner.strip()}
    params |= {"overdue": overdue, "cursor": cursor}
    page = await web.fetch("/exercises/lessons", params={k: v for k, v in params.items() if v})
    filters = {"status": status, "overdue": overdue, "owner": owner.strip()}
    query = urlencode({k: v for k, v in filters.items() if v})
    return web.render("prepare/lessons.html", page=page, filters=filters, statuses=TRACKER_STATUSES, query=query)
