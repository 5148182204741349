"""Warn and inform, for residents and machines, without signing in: the warnings page, the Atom feed of CAP
documents, each message's CAP 1.2 document, and the council's advice on being prepared.

These pages use the public layout: no staff navigation and no classification banner (everything here is published),
but the current threat level. They read the API anonymously, as any member of the public would. `/alerts.atom` and
`/alerts/{id}.cap` are declared before `/alerts/{id}`, which would otherwise match them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.web import cap
from app.web.deps import AnonymousWeb, Web, WebError

router = APIRouter()

FEED_CACHE = "public, max-age=60"
RECENT = timedelta(days=30)  # an ended warning stays on the public page this long
FEED_SIZE = 50
NOT_FOUND = "There is no published warning here. It may have been a draft, or the address may be wrong."


async def _published(web: Web, *, exercises: bool = False, limit: int = FEED_SIZE) -> list[dict[str, Any]]:
    """The newest published messages, read as the public reads them."""
    params: dict[str, Any] = {"limit": limit} | ({"include": "exercises"} if exercises else {})
    result = await web.api.get("/alerts/public", params=params)
    if not result.ok:
        raise WebError(result.status if result.status >= 500 else 400, "Something went wrong", result.detail)
    items: list[dict[str, Any]] = result.body["items"]
    return items


async def _one(web: Web, alert_id: str) -> dict[str, Any]:
    result = await web.api.get(f"/alerts/public/{alert_id}")
    if result.status == 404 or result.status == 422:
        raise WebError(404, "Page not found", NOT_FOUND)
    if not result.ok:
        raise WebError(result.status if result.status >= 500 else 400, "Something went wrong", result.detail)
    body: dict[str, Any] = result.body
    return body


def _not_modified(request: Request, etag: str, updated: datetime) -> bool:
    """Whether the client's copy (If-None-Match, else If-Modified-Since) is still current."""
    if "if-none-match" in request.headers:
        return etag in {t.strip() for t in request.headers["if-none-match"].split(",")}
    since = request.headers.get("if-modified-since")
    try:
        return since is not None and parsedate_to_datetime(since) >= updated
    except (TypeError, ValueError):
        return False


@router.get("/alerts.atom")
async def alerts_feed(
    web: AnonymousWeb,
    request: Request,
    include: Annotated[str | None, Query(pattern="^exercises$")] = None,
) -> Response:
    """The Atom feed of published messages (Actual; with `?include=exercises` Exercise and Test as well)."""
    alerts = await _published(web, exercises=include == "exercises")
    base = str(request.base_url).rstrip("/")
    self_url = f"{base}/alerts.atom" + ("?include=exercises" if include else "")
    body, updated = cap.atom_feed(
        alerts, base_url=base, self_url=self_url, title="Public warnings", author=web.settings.cap_sender_name
    )
    etag = f'"{updated.timestamp():.0f}-{len(alerts)}"'
    headers = {"ETag": etag, "Last-Modified": format_datetime(updated, usegmt=True), "Cache-Control": FEED_CACHE}
    if _not_modified(request, etag, updated):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=f"{cap.ATOM_MEDIA}; charset=utf-8", headers=headers)


@router.get("/alerts/{alert_id}.cap")
async def alert_cap(web: AnonymousWeb, alert_id: str) -> Response:
    """One published message as a CAP 1.2 document; a draft (or nothing) is 404."""
    alert = await _one(web, alert_id)
    body = cap.cap_document(alert, sender_name=web.settings.cap_sender_name)
    headers = {"Cache-Control": FEED_CACHE, "ETag": f'"{alert["version"]}"'}
    return Response(body, media_type=cap.CAP_MEDIA, headers=headers)


def _sent(alert: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(alert["sent"].replace("Z", "+00:00"))


@router.get("/alerts")
async def alerts_page(web: AnonymousWeb) -> Response:
    """Warnings in force now, then those that ended recently (cancelled or expired), newest first; Actual only."""
    messages = await _published(web)
    cancellations = {a["previous_id"]: a for a in messages if a["msg_type"] == "Cancel"}
    alerts = [a for a in messages if a["msg_type"] != "Cancel"]
    since = datetime.now(UTC) - RECENT
    current = [a for a in alerts if a["state"] == "published"]
    ended = [a for a in alerts if a["state"] in ("cancelled", "expired") and _sent(a) >= since]
    return web.render("alerts/public/alerts.html", current=current, ended=ended, cancellations=cancellations)


@router.get("/alerts/{alert_id}")
async def alert_page(web: AnonymousWeb, alert_id: str) -> Response:
    """One published message in plain language."""
    alert = await _one(web, alert_id)
    return web.render("alerts/public/alert.html", alert=alert)


@router.get("/be-prepared")
async def be_prepared(web: AnonymousWeb) -> Response:
    """The council's advice on being prepared, with links to the official advice."""
    return web.render("alerts/public/be_prepared.html")
