"""Threat feeds for administrators: health at a glance, poll now, create and edit, push secrets shown once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web import options
from app.web.client import ApiResult
from app.web.confirm import show_once, take_once
from app.web.deps import NavItem, SignedInWeb, Web, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, save_edit

router = APIRouter(prefix="/admin/feeds")
NAVIGATION = [NavItem(95, "Feeds", "/admin/feeds", "admin", parent="/admin/users")]

SCOPE_NAMES = {"UK": "UK", "NORTHERN_IRELAND": "Northern Ireland"}  # short, for the poll's flash message
FIELDS = {
    "name": "Name",
    "url": "Feed URL (MI5 RSS feeds only)",
    "poll_interval_seconds": "Poll every (seconds)",
    "max_age_seconds": "Stale after (seconds without success)",
    "enabled": "Enabled",
}
WORDS: Words = {
    "name": {"missing": "Enter a name for the feed", "too_long": "Enter a name of {n} characters or fewer"},
    "kind": {"other": "Select the kind of feed"},
    "url": {
        "missing": "Enter the feed's web address: an MI5 RSS feed needs one",
        "too_long": "Enter a web address of {n} characters or fewer",
        "other": "Enter a public web address starting with https://, or leave it empty for a push feed",
    },
    "poll_interval_seconds": {
        "missing": "Enter how often to poll, in seconds",
        "other": "Poll every must be a whole number of seconds from 60 to 604,800 (a week)",
    },
    "max_age_seconds": {
        "missing": "Enter after how many seconds without success the feed is stale",
        "other": "Stale after must be a whole number of seconds from 60 to 604,800 (a week)",
    },
    "enabled": {"other": "Select whether the feed is enabled"},
}
DEFAULTS = {"kind": "mi5_rss", "poll_interval_seconds": "1200", "max_age_seconds": "3600", "enabled": True}


def _payload(form: Any, *, creating: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    values = {
        "name": str(form.get("name", "")).strip(),
        "kind": str(form.get("kind", "")),
        "url": str(form.get("url", "")).strip(),
        "poll_interval_seconds": str(form.get("poll_interval_seconds", "")).strip(),
        "max_age_seconds": str(form.get("max_age_seconds", "")).strip(),
        "enabled": form.get("enabled") == "true",
    }
    payload: dict[str, Any] = {"name": values["name"], "enabled": values["enabled"]}
    if creating:
        payload["kind"] = values["kind"]
    if values["url"] or values["kind"] == "mi5_rss":
        payload["url"] = values["url"] or None
    for name in ("poll_interval_seconds", "max_age_seconds"):
        text = str(values[name])
        payload[name] = int(text) if text.isdigit() else text
    return values, payload


async def _index(
    web: SignedInWeb, *, status: int = 200, errors: dict[str, str] | None = None, **values: Any
) -> Response:
    page = await web.fetch("/feeds", params={"limit": 200})
    return web.render(
        "feeds/index.html",
        status=status,
        page=page,
        kinds=list(options.FEED_KINDS.items()),
        errors=errors or {},
        values=values or DEFAULTS,
    )


@router.get("", dependencies=[require("admin", "manage feeds")])
async def feeds(web: SignedInWeb) -> Response:
    """Every feed with its health, and a form to add one."""
    return await _index(web)


@router.post("", dependencies=[require("admin", "manage feeds"), CsrfChecked])
async def create_feed(web: SignedInWeb, request: Request) -> Response:
    """Add a feed; a push feed's secret is shown once."""
    values, payload = _payload(await request.form(), creating=True)
    result = await web.call("POST", "/feeds", json=payload)
    if result.ok and result.body.get("secret"):  # post/redirect/get: the secret is kept for one view
        return _show_secret(web, result.body, result.body["secret"], created=True)
    if result.ok:
        web.session.add_flash(f"Feed {result.body['name']} was added. The worker polls it within a minute.")
        return web.redirect("/admin/feeds")
    return await _index(web, status=400, errors=_errors(result, values), **values)


def _errors(result: ApiResult, values: dict[str, Any]) -> dict[str, str]:
    return api_errors(result, "name", words=WORDS, labels=FIELDS | {"kind": "Kind"}, values=values)


def _feed_values(feed: dict[str, Any]) -> dict[str, Any]:
    return {k: feed.get(k) for k in ("name", "url", "poll_interval_seconds", "max_age_seconds", "enabled")}


@router.get("/{feed_id}/edit", dependencies=[require("admin", "manage feeds")])
async def edit_feed(web: SignedInWeb, feed_id: str) -> Response:
    """The form to change a feed."""
    found = await web.fetch_result(f"/feeds/{feed_id}")
    return web.render(
        "feeds/edit.html", feed=found.body, etag=found.etag or "", errors={}, values=_feed_values(found.body)
    )


@router.post("/{feed_id}", dependencies=[require("admin", "manage feeds"), CsrfChecked])
async def update_feed(web: SignedInWeb, request: Request, feed_id: str) -> Response:
    """Save a feed's changes; a conflicting edit is shown, not overwritten."""
    form = await request.form()
    values, payload = _payload(form, creating=False)
    feed = await web.fetch(f"/feeds/{feed_id}")
    if feed["kind"] == "push":
        payload.pop("url", None)
    etag = str(form.get("etag", ""))
    edit = await save_edit(web, f"/feeds/{feed_id}", payload, etag)
    if edit.saved:
        web.session.add_flash(f"Feed {edit.result.body['name']} was saved.")
        return web.redirect("/admin/feeds")
    if edit.conflict:
        current = _feed_values(edit.record)
        yes_no = {"True": "Yes", "False": "No"}
        rows = conflict_rows(values, current, FIELDS, {"enabled": yes_no})
        return web.render(
            "feeds/edit.html",
            status=409,
            feed=edit.record,
            etag=edit.etag,
            errors={"conflict": CONFLICT},
            values=current,
            conflict=rows,
        )
    return web.render(
        "feeds/edit.html", status=400, feed=feed, etag=etag, errors=_errors(edit.result, values), values=values
    )


@router.post("/{feed_id}/poll", dependencies=[require("admin", "manage feeds"), CsrfChecked])
async def poll_feed(web: SignedInWeb, feed_id: str) -> Response:
    """Poll a feed now and say what happened."""
    result = await web.call("POST", f"/feeds/{feed_id}/poll")
    if not result.ok:
        web.session.add_flash(f"Not polled: {result.detail}")
    elif result.body["outcome"] == "failed":
        web.session.add_flash(f"The poll failed: {result.body['error']}. The threat level was not changed.")
    else:
        levels = ", ".join(f"{SCOPE_NAMES.get(x['scope'], x['scope'])} {x['level']}" for x in result.body["levels"])
        recorded = result.body["changes_recorded"]
        what = f"{recorded} change(s) recorded" if recorded else "no change"
        web.session.add_flash(f"Polled: {levels or 'not modified since the last poll'}: {what}.")
    return web.redirect("/admin/feeds")


@router.post("/{feed_id}/rotate-secret", dependencies=[require("admin", "manage feeds"), CsrfChecked])
async def rotate_secret(web: SignedInWeb, feed_id: str) -> Response:
    """Give a push feed a new secret and show it once."""
    result = await web.call("POST", f"/feeds/{feed_id}/rotate-secret")
    if not result.ok:
        web.session.add_flash(f"Not rotated: {result.detail}")
        return web.redirect("/admin/feeds")
    feed = await web.fetch(f"/feeds/{feed_id}")
    return _show_secret(
        web, feed, result.body["secret"], created=False, old_until=result.body.get("previous_secret_valid_until")
    )


def _show_secret(
    web: Web, feed: dict[str, Any], secret: str, *, created: bool, old_until: str | None = None
) -> Response:
    feed = {k: feed.get(k) for k in ("id", "name", "kind")}
    show_once(web, "feed_secret", {"feed": feed, "secret": secret, "created": created, "old_until": old_until})
    return web.redirect(f"/admin/feeds/{feed['id']}/secret")


@router.get("/{feed_id}/secret", dependencies=[require("admin", "manage feeds")])
async def feed_secret(web: SignedInWeb, feed_id: str) -> Response:
    """A push feed's new signing secret, shown once (a refresh finds nothing and goes back to the feeds)."""
    shown = take_once(web, "feed_secret")
    if not shown or shown["feed"]["id"] != feed_id:
        web.session.add_flash("A signing secret is shown only once. If it was not copied, rotate it again.")
        return web.redirect("/admin/feeds")
    return web.render("feeds/secret.html", **shown)
