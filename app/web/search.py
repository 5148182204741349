"""The search page: the header's search box lands here; results come from the API's GET /search."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.web import options
from app.web.deps import SignedInWeb, marking_of

router = APIRouter()

MAX_QUERY = 500  # the API's limit on `q`
PER_PAGE = 20
TOO_LONG = f"Search for {MAX_QUERY} characters or fewer"
TYPE_SCOPES = {  # which types a person may narrow to (the API decides what they see)
    "site": "protect:read",
    "prevent_item": "prevent:read",
    "prevent_plan": "prevent:read",
    "threat_assessment": "prevent:read",
    "contingency_plan": "prepare:read",
    "risk": "prepare:read",
    "exercise": "prepare:read",
}


def marked(snippet: str, highlights: list[list[int]]) -> list[tuple[str, bool]]:
    """A snippet as pieces of text, each marked (a match) or not, for the template to escape and wrap in <mark>."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in highlights:
        if start < position or end <= start or end > len(snippet):
            continue  # overlapping or out of range: never from our API, so show it unmarked rather than wrongly
        pieces += [(snippet[position:start], False), (snippet[start:end], True)]
        position = end
    pieces.append((snippet[position:], False))
    return [(text, match) for text, match in pieces if text]


@router.get("/search")
async def search(
    web: SignedInWeb,
    q: Annotated[str, Query(max_length=10_000)] = "",
    types: Annotated[list[str] | None, Query(max_length=len(options.SEARCH_TYPES))] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Search every area the user may read; results best first, 20 to a page."""
    offered = [t for t in options.SEARCH_TYPES if web.can(TYPE_SCOPES[t])]
    chosen = [t for t in types or [] if t in offered]
    context: dict[str, Any] = {
        "q": q,
        "chosen": chosen,
        "type_items": [{"value": t, "text": options.SEARCH_TYPES[t], "checked": t in chosen} for t in offered],
        "type_labels": options.SEARCH_TYPES,
        "errors": {},
    }
    if not q.strip():
        return web.render("search/results.html", results=None, **context)
    if len(q) > MAX_QUERY:
        return web.render("search/results.html", 400, results=None, **context | {"errors": {"q": TOO_LONG}})
    params: dict[str, Any] = {"q": q, "limit": PER_PAGE, "types": chosen, **({"cursor": cursor} if cursor else {})}
    page = await web.fetch("/search", params=params)
    results = [r | {"pieces": marked(r["snippet"], r["highlights"])} for r in page["items"]]
    return web.render(
        "search/results.html",
        results=results,
        next_page=f"/search?{urlencode([('q', q), *(('types', t) for t in chosen), ('cursor', page['next_cursor'])])}"
        if page["next_cursor"]
        else None,
        marking=marking_of(*page["items"]),
        **context,
    )
