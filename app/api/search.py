"""GET /search: one search across the areas, within the caller's read scopes and clearance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import literal_column

from app.api.deps import RequiresAnyOf, SessionDep
from app.api.http import (
    CSV_RESPONSE,
    PageParams,
    csv_response,
    cursor_signer,
    next_link,
    page_params,
    page_response,
    wants_csv,
)
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import Page
from app.models.search import SearchResult, SearchType
from app.services import search

router = APIRouter(tags=["search"])

# The cursor's position: (score, type, id), best first. Only its shape and signature use these expressions.
KEYS = [
    SortKey(literal_column("score"), descending=True),
    SortKey(literal_column("type")),
    SortKey(literal_column("record_id")),
]
CSV_COLUMNS = [name for name in SearchResult.model_fields if name != "highlights"]
AREA_READ_SCOPES = ("protect:read", "prevent:read", "prepare:read")


Searcher = Annotated[Principal, Depends(RequiresAnyOf(*AREA_READ_SCOPES))]


@router.get("/search", response_model=Page[SearchResult], responses=CSV_RESPONSE)
def search_records(
    request: Request,
    session: SessionDep,
    principal: Searcher,
    q: Annotated[
        str,
        Query(min_length=1, max_length=500, description="What to look for: words, the last may be the start of one."),
    ],
    params: Annotated[PageParams, Depends(page_params)],
    types: Annotated[
        list[SearchType] | None, Query(description="Only these types (repeat the parameter); all you may read if none.")
    ] = None,
) -> Response:
    """Sites, Prevent plan items and plans, threat assessments, contingency plans, risks and exercises matching
    every word of `q` (the last as a prefix), best first: only types your scopes let you read, only records your
    clearance lets you see. Each result links to the record in this API (`href`) and its page (`page`)."""
    searchable = search.searchable(principal, types or [])
    if wants_csv(request):
        found = search.every_result(session, principal, query=q, types=searchable)
        rows = [result.model_dump(mode="json", exclude={"highlights"}) for result in found]
        return csv_response(rows, filename="search", header=CSV_COLUMNS)
    signer = cursor_signer(request)
    after = signer.decode(params.cursor, KEYS) if params.cursor else None
    results, position = search.search(
        session,
        principal,
        query=q,
        types=searchable,
        limit=params.limit,
        after=tuple(after) if after else None,  # type: ignore[arg-type]
    )
    next_cursor = signer.encode(position, KEYS) if position else None
    headers = {"Link": next_link(request, next_cursor)} if next_cursor else {}
    return page_response(results, next_cursor, headers=headers)
