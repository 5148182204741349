"""Warn and inform, for staff: the list of public warnings, the draft form, previews of the public page and the CAP
document, approval (by someone other than the author, after a confirmation step), update and cancel.

Nothing here publishes by itself: a warning reaches the public only through the API's approve, which refuses the
warning's own author.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web import cap, options
from app.web.alert_form import (
    ALERT_CHOICES,
    ALERT_DATES,
    ALERT_FIELDS,
    ALERT_WORDS,
    NEW_VALUES,
    alert_payload,
    alert_values,
    rename,
    wards,
)
from app.web.confirm import Confirmation, confirm_page
from app.web.deps import NavItem, SignedInWeb, Web, WebError, require
from app.web.forms import CONFLICT, CsrfChecked, api_errors, conflict_rows, save_edit

router = APIRouter(prefix="/prepare/alerts")
# No item in the service navigation: it is full at desktop width (one row, tests/web/test_layout.py). The dashboard
# links here (alerts/_dashboard_panel.html), with the drafts awaiting approval.
NAVIGATION = [NavItem(43, "Public warnings", "/prepare/alerts", "prepare:read", parent="/prepare/plans")]
OFFICIAL = "OFFICIAL"  # every warning is: it is written for the public


def _form(
    web: Web,
    *,
    alert: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    etag: str = "",
    conflict: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    return web.render(
        "alerts/form.html",
        marking=OFFICIAL,
        status=status,
        alert=alert,
        values=values,
        errors=errors,
        etag=etag,
        conflict=conflict,
        wards=wards(web),
        statuses=options.ALERT_STATUSES,
        categories=options.ALERT_CATEGORIES,
        urgencies=options.URGENCIES,
        severities=options.SEVERITIES,
        certainties=options.CERTAINTIES,
    )


@router.get("")
async def list_alerts(web: SignedInWeb, state: str = "") -> Response:
    """Every warning, newest first, with where each one is (drafts awaiting approval first to catch the eye)."""
    params: dict[str, Any] = {"limit": 200} | ({"state": state} if state in options.ALERT_STATES else {})
    page = await web.fetch("/alerts", params=params)
    return web.render(
        "alerts/list.html",
        marking=OFFICIAL,
        alerts=page["items"],
        state=state,
        states=options.ALERT_STATES,
        tags=options.ALERT_STATE_TAGS,
    )


@router.get("/new", dependencies=[require("prepare:write", "draft public warnings")])
async def new_alert(web: SignedInWeb) -> Response:
    """The form to draft a warning."""
    return _form(web, alert=None, values=dict(NEW_VALUES), errors={})


@router.post("/new", dependencies=[require("prepare:write", "draft public warnings"), CsrfChecked])
async def create_alert(web: SignedInWeb, request: Request) -> Response:
    """Save a draft; it goes nowhere until someone else approves it."""
    values, body, errors = alert_payload(await request.form())
    if not errors:
        result = await web.call("POST", "/alerts", json=body)
        if result.ok:
            web.session.add_flash(
                "The warning was saved as a draft. Someone else must approve it before it is published."
            )
            return web.redirect(f"/prepare/alerts/{result.body['id']}")
        errors = api_errors(result, "headline", rename, words=ALERT_WORDS, values=values, dates=ALERT_DATES)
    return _form(web, alert=None, values=values, errors=errors, status=400)


async def _page(web: Web, alert_id: str, *, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    found = await web.fetch_result(f"/alerts/{alert_id}")
    alert, name = found.body, (web.user or {}).get("name")
    return web.render(
        "alerts/alert.html",
        marking=OFFICIAL,
        status=status,
        alert=alert,
        etag=found.etag or "",
        errors=errors or {},
        tags=options.ALERT_STATE_TAGS,
        states=options.ALERT_STATES,
        yours=alert["author"] == name,
    )


@router.get("/{alert_id}")
async def alert_page(web: SignedInWeb, alert_id: str) -> Response:
    """One warning: its words, area, state, who drafted and approved it, and what can be done next."""
    return await _page(web, alert_id)


@router.get("/{alert_id}/preview")
async def preview(web: SignedInWeb, alert_id: str) -> Response:
    """The warning as the public page and the CAP document will show it (a draft is given today's time)."""
    alert = await web.fetch(f"/alerts/{alert_id}")
    shown = alert | {"sent": alert["sent"] or datetime.now(UTC).isoformat().replace("+00:00", "Z")}
    document = cap.cap_document(shown, sender_name=web.settings.cap_sender_name).decode()
    return web.render("alerts/preview.html", marking=OFFICIAL, alert=alert, shown=shown, document=document)


@router.get("/{alert_id}/edit", dependencies=[require("prepare:write", "change public warnings")])
async def edit_alert(web: SignedInWeb, alert_id: str) -> Response:
    """The form to change a draft."""
    found = await web.fetch_result(f"/alerts/{alert_id}")
    if found.body["state"] != "draft":
        raise WebError(
            409, "This warning cannot be changed", "Only a draft can be changed. Update or cancel it instead."
        )
    return _form(web, alert=found.body, values=alert_values(found.body), errors={}, etag=found.etag or "")


@router.post("/{alert_id}/edit", dependencies=[require("prepare:write", "change public warnings"), CsrfChecked])
async def update_alert(web: SignedInWeb, alert_id: str, request: Request) -> Response:
    """Save a draft's changes if nobody changed it since the form was read."""
    form = await request.form()
    values, body, errors = alert_payload(form)
    etag = str(form.get("etag", ""))
    if errors:
        return _form(
            web, alert=await web.fetch(f"/alerts/{alert_id}"), values=values, errors=errors, etag=etag, status=400
        )
    edit = await save_edit(web, f"/alerts/{alert_id}", body, etag)
    if edit.saved:
        web.session.add_flash("Your changes were saved.")
        return web.redirect(f"/prepare/alerts/{alert_id}")
    if edit.conflict:
        current = alert_values(edit.record)
        rows = conflict_rows(values, current, ALERT_FIELDS, ALERT_CHOICES)
        return _form(
            web,
            alert=edit.record,
            values=current,
            errors={"conflict": CONFLICT},
            etag=edit.etag,
            conflict=rows,
            status=409,
        )
    errors = api_errors(edit.result, "headline", rename, words=ALERT_WORDS, values=values, dates=ALERT_DATES)
    return _form(web, alert=edit.record, values=values, errors=errors, etag=etag, status=400)


@router.get("/{alert_id}/approve", dependencies=[require("approve", "approve public warnings")])
async def confirm_approve(web: SignedInWeb, alert_id: str, etag: str = "") -> Response:
    """Are you sure? Once published, a warning is seen by the public and by alerting systems at once."""
    alert = await web.fetch(f"/alerts/{alert_id}")
    follows = {"Update": " It replaces the warning it updates.", "Cancel": " It cancels the warning it follows."}
    return confirm_page(
        web,
        Confirmation(
            question="Are you sure you want to publish this warning?",
            button="Publish this warning",
            action=f"/prepare/alerts/{alert_id}/approve",
            cancel=f"/prepare/alerts/{alert_id}",
            warning="It will be on the public warnings page and in the Atom feed of CAP messages at once."
            + follows.get(alert["msg_type"], "")
            + " A published warning cannot be changed: only updated or cancelled.",
            details=[
                ("Headline", alert["headline"]),
                ("Kind of message", options.ALERT_STATUSES.label(alert["status"])),
                ("Message", options.ALERT_MSG_TYPES.label(alert["msg_type"])),
                ("Area", alert["area"]["description"]),
                ("Drafted by", alert["author"]),
            ],
            hidden={"etag": etag},
            destructive=False,
        ),
        marking=OFFICIAL,
    )


@router.post("/{alert_id}/approve", dependencies=[require("approve", "approve public warnings"), CsrfChecked])
async def approve_alert(web: SignedInWeb, alert_id: str, request: Request) -> Response:
    """Publish the warning as it was when the approver read it (If-Match)."""
    etag = str((await request.form()).get("etag", ""))
    result = await web.call("POST", f"/alerts/{alert_id}/approve", headers={"If-Match": etag} if etag else {})
    if result.ok:
        web.session.add_flash(f"Published: {result.body['headline']}.")
        return web.redirect(f"/prepare/alerts/{alert_id}")
    if result.status == 412:
        message = "Someone changed this warning after you read it. Check it again before publishing it."
    else:
        message = result.detail or "The warning could not be published."
    return await _page(web, alert_id, errors={"approve": message}, status=409 if result.status in (409, 412) else 400)


async def _follow_up(web: Web, alert_id: str, step: str, done: str) -> Response:
    result = await web.call("POST", f"/alerts/{alert_id}/{step}")
    if result.ok:
        web.session.add_flash(done)
        return web.redirect(f"/prepare/alerts/{result.body['id']}/edit")
    return await _page(web, alert_id, errors={step: result.detail or "That could not be done."}, status=409)


@router.post("/{alert_id}/update", dependencies=[require("prepare:write", "update public warnings"), CsrfChecked])
async def update_published(web: SignedInWeb, alert_id: str) -> Response:
    """Start a draft update of a published warning, its words copied, to change and send for approval."""
    return await _follow_up(
        web, alert_id, "update", "A draft update was started. Change what needs changing, then ask for approval."
    )


@router.post("/{alert_id}/cancel", dependencies=[require("prepare:write", "cancel public warnings"), CsrfChecked])
async def cancel_published(web: SignedInWeb, alert_id: str) -> Response:
    """Start a draft cancellation of a published warning; it cancels the warning once approved."""
    return await _follow_up(
        web,
        alert_id,
        "cancel",
        "A draft cancellation was started. Say why the warning is withdrawn, then ask for approval.",
    )
