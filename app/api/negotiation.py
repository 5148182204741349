"""Content negotiation for every API operation: `Accept` it cannot answer is 406, a body it cannot read is 415.

What an operation can give is what it declares: JSON, plus the media types of its success responses' `content`
(CSV on collections, GeoJSON on the site list). `application/problem+json` is always acceptable (errors are
written in it, and a client that asks only for it still gets JSON). A request body of a JSON operation must be
JSON (`application/json` or a `+json` type) when its `Content-Type` is given; a missing one is read as JSON.
Only /api/v1 operations are negotiated (the API's own dependency); pages and /api/docs are not.
"""

from __future__ import annotations

from email.message import Message

from fastapi import Request, params
from fastapi.routing import APIRoute

from app.core.errors import NotAcceptable, UnsupportedMediaType

JSON = "application/json"
PROBLEM = "application/problem+json"
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def offered(route: APIRoute) -> list[str]:
    """The media types an operation can answer with, JSON first."""
    types = [JSON]
    for status, response in (route.responses or {}).items():
        if str(status).startswith("2") and isinstance(response, dict):
            types += [t for t in response.get("content") or {} if t not in types]
    return types


def _ranges(accept: str) -> list[tuple[str, float]]:
    """`Accept` as (media range, q) pairs."""
    ranges = []
    for part in accept.split(","):
        media, *parameters = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def _acceptable(media_type: str, ranges: list[tuple[str, float]]) -> bool:
    """Whether the most specific range matching a media type gives it a q above 0 (RFC 9110 §12.5.1)."""
    main = media_type.split("/")[0]
    best: tuple[int, float] | None = None
    for media, q in ranges:
        specificity = 3 if media == media_type else 2 if media == f"{main}/*" else 1 if media == "*/*" else 0
        if specificity and (best is None or specificity > best[0]):
            best = (specificity, q)
    return best is not None and best[1] > 0


def _is_json(content_type: str) -> bool:
    message = Message()
    message["content-type"] = content_type
    return message.get_content_maintype() == "application" and (
        message.get_content_subtype() == "json" or message.get_content_subtype().endswith("+json")
    )


def accepts(accept: str | None, types: list[str]) -> bool:
    """Whether an `Accept` header (None: absent) leaves one of these media types, or problem+json, acceptable."""
    if not accept or not accept.strip():
        return True
    ranges = _ranges(accept)
    return any(_acceptable(t, ranges) for t in [*types, PROBLEM])


async def negotiate(request: Request) -> None:
    """406 when `Accept` rules out everything the operation can give; 415 when its JSON body is not JSON."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    content_type = request.headers.get("content-type")
    body = route.body_field
    if (
        request.method in _BODY_METHODS
        and body is not None
        and not isinstance(body.field_info, params.Form)
        and content_type
        and not _is_json(content_type)
    ):
        raise UnsupportedMediaType(
            f"This operation reads a JSON body: send it with Content-Type: {JSON}, not {content_type.split(';')[0]}."
        )
    accept = request.headers.get("accept")
    types = offered(route)
    if not accepts(accept, types):
        raise NotAcceptable(
            f"This operation can give {', '.join(types)} (errors as {PROBLEM}); the Accept header rules them all out."
        )
