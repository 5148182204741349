"""Threat feeds (admin): the MI5 RSS feed and signed police pushes, with their health; the public push endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import AdminPrincipal, SessionDep, SettingsDep
from app.api.http import (
    CSV_RESPONSE,
    IF_MATCH_RESPONSES,
    IfMatch,
    PageParams,
    check_if_match,
    collection,
    created,
    page_params,
    with_etag,
)
from app.api.idempotency import SecretBearing
from app.api.openapi import CONFLICT_RESPONSE
from app.api.problems import problem_response
from app.core.errors import Conflict
from app.core.pagination import SortKey
from app.core.safe_urls import UrlPolicy
from app.feeds import mi5, push
from app.models.common import Page
from app.models.feeds import (
    Feed,
    FeedCreate,
    FeedCreated,
    FeedKind,
    FeedRead,
    FeedSecret,
    FeedUpdate,
    PollResult,
    PushAck,
)
from app.services import feeds

router = APIRouter(prefix="/feeds", tags=["feeds"])

ORDER = [SortKey(Feed.name), SortKey(Feed.id)]  # type: ignore[arg-type]


@router.get("", response_model=Page[FeedRead], responses=CSV_RESPONSE)
def list_feeds(
    request: Request,
    session: SessionDep,
    principal: AdminPrincipal,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    """Every feed with its health, by name."""
    return collection(request, session, feeds.list_statement(), ORDER, params, feeds.present)


@router.post("", response_model=FeedCreated, status_code=201, dependencies=[SecretBearing])
def create_feed(
    request: Request, session: SessionDep, principal: AdminPrincipal, settings: SettingsDep, data: FeedCreate
) -> Response:
    """Add a feed. A `push` feed's signing secret is in this response and never again (rotate to replace it)."""
    policy = UrlPolicy.from_settings(settings)
    feed, secret = feeds.create(session, data, actor=principal, secret_key=settings.secret_key, url_policy=policy)
    body = FeedCreated(**feeds.present(feed).model_dump(), secret=secret)
    return created(request, body, location=f"/feeds/{feed.id}", version=feed.version)


@router.get("/{feed_id}", response_model=FeedRead)
def read_feed(session: SessionDep, principal: AdminPrincipal, feed_id: str, response: Response) -> FeedRead:
    """One feed and its health."""
    feed = feeds.get(session, feed_id)
    with_etag(response, feed.version)
    return feeds.present(feed)


@router.patch("/{feed_id}", response_model=FeedRead, responses={**IF_MATCH_RESPONSES, **CONFLICT_RESPONSE})
def update_feed(
    session: SessionDep,
    principal: AdminPrincipal,
    settings: SettingsDep,
    feed_id: str,
    data: FeedUpdate,
    if_match: IfMatch,
    response: Response,
) -> FeedRead:
    """Change a feed's name, URL, intervals or whether it is enabled."""
    feed = feeds.get(session, feed_id)
    check_if_match(if_match, feed.version)
    feed = feeds.update(session, feed, data, actor=principal, url_policy=UrlPolicy.from_settings(settings))
    with_etag(response, feed.version)
    return feeds.present(feed)


@router.delete("/{feed_id}", status_code=204, responses=IF_MATCH_RESPONSES)
def delete_feed(session: SessionDep, principal: AdminPrincipal, feed_id: str, if_match: IfMatch) -> Response:
    """Remove a feed; the levels and assessments it brought are kept."""
    feed = feeds.get(session, feed_id)
    check_if_match(if_match, feed.version)
    feeds.delete(session, feed, actor=principal)
    return Response(status_code=204)


@router.post("/{feed_id}/poll", response_model=PollResult, responses=CONFLICT_RESPONSE)
def poll_feed(session: SessionDep, principal: AdminPrincipal, settings: SettingsDep, feed_id: str) -> PollResult:
    """Poll an `mi5_rss` feed now. A failed poll is a 200 with `outcome: failed` and the error: the level stays."""
    feed = feeds.get(session, feed_id)
    if feed.kind != FeedKind.MI5_RSS:
        raise Conflict("Push feeds are not polled: the sender pushes to /feeds/{id}/events.")
    return mi5.poll(session, feed, settings)


@router.post("/{feed_id}/rotate-secret", response_model=FeedSecret, dependencies=[SecretBearing])
def rotate_secret(session: SessionDep, principal: AdminPrincipal, settings: SettingsDep, feed_id: str) -> FeedSecret:
    """Give a push feed a new signing secret, shown this once; the one it replaces keeps verifying until
    `previous_secret_valid_until` (`CONTEST_FEED_SECRET_GRACE_SECONDS`, 24 hours by default), so the sender can
    switch without losing events."""
    feed = feeds.get(session, feed_id)
    secret = feeds.rotate_secret(
        session, feed, actor=principal, secret_key=settings.secret_key, grace_seconds=settings.feed_secret_grace_seconds
    )
    return FeedSecret(feed_id=feed.id, secret=secret, previous_secret_valid_until=feeds.previous_secret_until(feed))


WEBHOOK_HEADERS = {
    "webhook-id": "The event's unique id: a repeat with the same body is acknowledged as `duplicate` and applied "
    "once; the same id with another body is refused (409).",
    "webhook-timestamp": "Unix seconds when it was sent; more than 5 minutes away from now is refused.",
    "webhook-signature": "`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` with the feed's secret "
    "(several, space-separated, while rotating).",
}


@router.post(
    "/{feed_id}/events",
    response_model=PushAck,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushEvent"}}},
        },
        "parameters": [
            {"name": name, "in": "header", "required": True, "description": text, "schema": {"type": "string"}}
            for name, text in WEBHOOK_HEADERS.items()
        ],
    },
    responses={
        401: {"description": "The Standard Webhooks signature is not accepted (wrong, too old or too new)."},
        409: {"description": "This webhook-id was already received with another body."},
    },
)
async def receive_event(
    request: Request, session: SessionDep, settings: SettingsDep, feed_id: str
) -> PushAck | JSONResponse:
    """A signed push from a partner (no bearer token): Standard Webhooks signature with the feed's secret.

    Event types: `threat_level.changed`, `threat_assessment.published`. A repeated `webhook-id` is acknowledged
    (`outcome: duplicate`) and applied once. See docs/feeds.md.
    """
    body = await request.body()
    headers = {k: request.headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    try:
        return await run_in_threadpool(push.receive, session, feed_id, body, headers, secret_key=settings.secret_key)
    except push.BadSignature as refused:
        # Answered rather than raised, so the refusal counted in the feed's health is committed.
        return problem_response(refused.problem(instance=request.url.path), refused.headers)
