"""The protective security site register and its security assessments (`protect:read` / `protect:write`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic_core import to_json
from sqlalchemy import func, literal_column
from sqlmodel import Session, col

from app.api.deps import SessionDep, requires
from app.api.disclosure import declare_disclosed
from app.api.fast import Call, hot
from app.api.http import (
    CSV_MEDIA,
    CSV_RESPONSE,
    IF_MATCH_RESPONSES,
    IfMatch,
    PageParams,
    check_if_match,
    collection,
    created,
    csv_response,
    cursor_signer,
    json_page,
    next_link,
    page_params,
    read_in_one_hop,
    wants_csv,
    with_etag,
)
from app.core.clock import today_london
from app.core.errors import Unprocessable
from app.core.pagination import SortKey, iterate_rows
from app.core.security import Classification, Principal
from app.models.common import Page
from app.models.protect import (
    AssessmentCreate,
    AssessmentRead,
    AssessmentUpdate,
    SecurityAssessment,
    Site,
    SiteCategory,
    SiteCreate,
    SiteRead,
    SiteUpdate,
    Tier,
)
from app.services import geo, security_assessments, sites, threat_level


def _key(expression: Any, descending: bool = False) -> SortKey:
    return SortKey(expression, descending)


router = APIRouter(prefix="/sites", tags=["protect"])

Reader = Annotated[Principal, requires("protect:read")]
Writer = Annotated[Principal, requires("protect:write")]

GEOJSON = "application/geo+json"
MAX_RADIUS_M = 50_000
_LAST = date(9999, 12, 31)
SORTS: dict[str, list[SortKey]] = {
    "name": [_key(col(Site.name)), _key(col(Site.id))],
    "-name": [_key(col(Site.name), True), _key(col(Site.id), True)],
    "category": [_key(col(Site.category)), _key(col(Site.name)), _key(col(Site.id))],
    "ward": [_key(func.coalesce(col(Site.ward), "")), _key(col(Site.name)), _key(col(Site.id))],
    "capacity": [_key(func.coalesce(col(Site.capacity), -1)), _key(col(Site.id))],
    "-capacity": [_key(func.coalesce(col(Site.capacity), -1), True), _key(col(Site.id), True)],
    "next_review_due": [_key(func.coalesce(col(Site.next_review_due), _LAST)), _key(col(Site.id))],
    "-next_review_due": [
        _key(func.coalesce(col(Site.next_review_due), _LAST), True),
        _key(col(Site.id), True),
    ],
}
SortName = Literal["name", "-name", "category", "ward", "capacity", "-capacity", "next_review_due", "-next_review_due"]
_NEAR_KEYS = [
    _key(literal_column("distance_m")),
    _key(col(Site.id)),
]  # (distance_m, id): computed in Python, so only the cursor (its shape and signature) uses these
ASSESSMENT_ORDER = [
    _key(col(SecurityAssessment.assessed_on), True),
    _key(col(SecurityAssessment.id), True),
]

LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            CSV_MEDIA: {"schema": {"type": "string"}},
            GEOJSON: {"schema": {"$ref": "#/components/schemas/SiteFeatureCollection"}},
        },
        "description": "A page as JSON; with `Accept: text/csv` every matching row as CSV; with "
        "`Accept: application/geo+json` every matching site as an RFC 7946 FeatureCollection "
        "(Point coordinates `[lon, lat]`, the record in `properties`).",
    }
}


def _floats(field: str, raw: str, count: int) -> list[float]:
    parts = raw.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != count or any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise Unprocessable.field(field, f"must be {count} comma-separated numbers")
    return values


def _bbox(raw: str | None) -> geo.BBox | None:
    if raw is None:
        return None
    min_lon, min_lat, max_lon, max_lat = _floats("bbox", raw, 4)
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise Unprocessable.field("bbox", "longitudes must be in -180..180 and latitudes in -90..90")
    if min_lon > max_lon or min_lat > max_lat:
        raise Unprocessable.field("bbox", "must be minLon,minLat,maxLon,maxLat with each minimum <= its maximum")
    return geo.BBox(min_lon, min_lat, max_lon, max_lat)


def _near(raw: str | None, radius_m: float | None) -> sites.Near | None:
    if raw is None:
        if radius_m is not None:
            raise Unprocessable.field("radius_m", "only applies with near=lat,lon")
        return None
    lat, lon = _floats("near", raw, 2)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Unprocessable.field("near", "must be lat,lon with lat in -90..90 and lon in -180..180")
    if radius_m is None:
        raise Unprocessable.field("radius_m", "is required with near")
    return sites.Near(lat, lon, radius_m)


def _feature(read: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": read["id"],
        "geometry": {"type": "Point", "coordinates": [read["location"]["lon"], read["location"]["lat"]]},
        "properties": read,
    }


def _geojson(reads: list[dict[str, Any]]) -> Response:
    body = to_json({"type": "FeatureCollection", "features": [_feature(r) for r in reads]})
    return Response(body, media_type=GEOJSON)


def _near_response(
    request: Request, pairs: list[tuple[Any, float]], params: PageParams, present: Callable[..., dict[str, Any]]
) -> Response:
    """Near results in (distance, id) order; the cursor is the last (distance, id) shown."""
    if wants_csv(request):
        return csv_response([present(s, distance_m=d) for s, d in pairs], filename="sites")
    if GEOJSON in request.headers.get("accept", ""):
        return _geojson([present(s, distance_m=d) for s, d in pairs])
    signer = cursor_signer(request)
    if params.cursor:
        after = tuple(signer.decode(params.cursor, _NEAR_KEYS))
        pairs = [(s, d) for s, d in pairs if (d, s.id) > after]
    page, more = pairs[: params.limit], len(pairs) > params.limit
    next_cursor = signer.encode([page[-1][1], page[-1][0].id], _NEAR_KEYS) if more and page else None
    headers = {"Link": next_link(request, next_cursor)} if next_cursor else {}
    items = [present(s, distance_m=d) for s, d in page]
    return json_page(items, next_cursor, headers=headers)


async def site_filters(
    category: SiteCategory | None = None,
    ward: Annotated[str | None, Query(max_length=100, description="Exact ward name (any case).")] = None,
    tier: Tier | None = None,
    review_overdue: Annotated[bool | None, Query(description="Next review due before today (London).")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in name, address, postcode, operator.")] = None,
    bbox: Annotated[
        str | None, Query(max_length=200, description="minLon,minLat,maxLon,maxLat; edges included.")
    ] = None,
) -> sites.SiteFilters:
    """The site list's filters from its query parameters."""
    return sites.SiteFilters(
        category=category, ward=ward, tier=tier, review_overdue=review_overdue, q=q, bbox=_bbox(bbox)
    )


def _presenter(session: Session, principal: Principal) -> Callable[..., SiteRead]:
    return partial(
        sites.present,
        principal=principal,
        default_level=threat_level.uk_response_level(session),
        today=today_london(),  # once per request, not once per row
    )


def _json_presenter(session: Session, principal: Principal) -> Callable[..., dict[str, Any]]:
    """Sites (records or rows) straight to their JSON, as `_presenter`'s models would dump."""
    level = threat_level.uk_response_level(session)
    return partial(
        sites.site_json,
        sensitive=principal.may_see(Classification.OFFICIAL_SENSITIVE),
        default_level=level.value if level else None,
        today=today_london(),
    )


def _site_list(
    request: Request,
    session: Session,
    principal: Principal,
    params: PageParams,
    filters: sites.SiteFilters,
    sort: str,
    point: sites.Near | None,
) -> Response:
    stmt = sites.list_statement(principal, filters)
    if point is not None:
        present = _json_presenter(session, principal)
        return _near_response(request, sites.near(session, stmt, point), params, present)
    keys = SORTS[sort]
    if GEOJSON in request.headers.get("accept", "") and not wants_csv(request):
        present = _json_presenter(session, principal)
        return _geojson([present(s) for s in iterate_rows(session, stmt.with_only_columns(*sites.COLUMNS), keys)])
    level = threat_level.uk_response_level(session)
    view = sites.row_view(principal, default_level=level, today=today_london())
    return collection(request, session, stmt, keys, params, rows=view)


@hot("/sites", "protect:read", paging=True)
def _plain_site_list(call: Call) -> Response:
    """A page of every site the caller may see, by name (the list with no filters)."""
    return _site_list(call.request, call.session, call.principal, call.page, sites.SiteFilters(), "name", None)


@router.get("", response_model=Page[SiteRead], responses=LIST_RESPONSES)
async def list_sites(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[sites.SiteFilters, Depends(site_filters)],
    near: Annotated[
        str | None,
        Query(
            max_length=100,
            description="lat,lon: sites within radius_m, nearest first, each with distance_m (great-circle, metres).",
        ),
    ] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=MAX_RADIUS_M, description="Radius for near, metres.")] = None,
    sort: Annotated[SortName, Query(description="Order (ignored with near, which is nearest first).")] = "name",
) -> Response:
    """Sites the caller may see, filtered (AND).

    With `near`, results are nearest first and pages follow (distance_m, id): stable and gap-free.
    """
    point = _near(near, radius_m)
    return await read_in_one_hop(
        session, partial(_site_list, request, session, principal, params, filters, sort, point)
    )


@router.post("", response_model=SiteRead, status_code=201)
def create_site(request: Request, session: SessionDep, principal: Writer, data: SiteCreate) -> Response:
    """Add a site (OFFICIAL-SENSITIVE unless marked otherwise); a point outside the UK gets a warning."""
    site = sites.create(session, data, actor=principal)
    read = _presenter(session, principal)(site)
    return created(request, read, location=f"/sites/{site.id}", version=site.version)


@hot("/sites/{site_id}", "protect:read")
def _site(call: Call) -> Response:
    site = sites.get_row(call.session, call.path["site_id"], call.principal)
    shown = _json_presenter(call.session, call.principal)(site)
    declare_disclosed(
        call.request, [shown["id"]] if shown["classification"] == Classification.OFFICIAL_SENSITIVE else []
    )
    response = Response(to_json(shown), media_type="application/json")
    with_etag(response, site.version)
    return response


@router.get("/{site_id}", response_model=SiteRead)
async def read_site(request: Request, session: SessionDep, principal: Reader, site_id: str) -> Response:
    """One site."""
    return await read_in_one_hop(session, partial(_site, Call(request, session, principal, {"site_id": site_id})))


@router.patch("/{site_id}", response_model=SiteRead, responses=IF_MATCH_RESPONSES)
def update_site(
    session: SessionDep,
    principal: Writer,
    site_id: str,
    data: SiteUpdate,
    if_match: IfMatch,
    response: Response,
) -> SiteRead:
    """Change a site; `null` clears an optional field."""
    site = sites.get(session, site_id, principal)
    check_if_match(if_match, site.version)
    site = sites.update(session, site, data, actor=principal)
    with_etag(response, site.version)
    return _presenter(session, principal)(site)


@router.delete("/{site_id}", status_code=204, responses=IF_MATCH_RESPONSES)
def delete_site(session: SessionDep, principal: Writer, site_id: str, if_match: IfMatch) -> Response:
    """Remove a site, its assessments and the contingency plans' links to it."""
    site = sites.get(session, site_id, principal)
    check_if_match(if_match, site.version)
    sites.delete(session, site, actor=principal)
    return Response(status_code=204)


@router.get("/{site_id}/assessments", response_model=Page[AssessmentRead], responses=CSV_RESPONSE)
def list_assessments(
    request: Request,
    session: SessionDep,
    principal: Reader,
    site_id: str,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    """A site's security assessments, newest first."""
    site = sites.get(session, site_id, principal)
    stmt = security_assessments.list_statement(principal, security_assessments.AssessmentFilters(site_id=site.id))
    return collection(
        request, session, stmt, ASSESSMENT_ORDER, params, partial(security_assessments.present, site=site)
    )


@router.post("/{site_id}/assessments", response_model=AssessmentRead, status_code=201)
def create_assessment(
    request: Request,
    session: SessionDep,
    principal: Writer,
    site_id: str,
    data: AssessmentCreate,
) -> Response:
    """Record an assessment; the site's `last_assessed_on` follows its newest assessment."""
    site = sites.get(session, site_id, principal)
    assessment = security_assessments.create(session, data, actor=principal, site=site)
    return created(
        request,
        security_assessments.present(assessment, site=site),
        location=f"/sites/{site.id}/assessments/{assessment.id}",
        version=assessment.version,
    )


@router.get("/{site_id}/assessments/{assessment_id}", response_model=AssessmentRead)
def read_assessment(
    session: SessionDep,
    principal: Reader,
    site_id: str,
    assessment_id: str,
    response: Response,
) -> AssessmentRead:
    """One assessment."""
    site = sites.get(session, site_id, principal)
    assessment = security_assessments.get(session, assessment_id, principal, site=site)
    with_etag(response, assessment.version)
    return security_assessments.present(assessment, site=site)


@router.patch("/{site_id}/assessments/{assessment_id}", response_model=AssessmentRead, responses=IF_MATCH_RESPONSES)
def update_assessment(
    session: SessionDep,
    principal: Writer,
    site_id: str,
    assessment_id: str,
    data: AssessmentUpdate,
    if_match: IfMatch,
    response: Response,
) -> AssessmentRead:
    """Change an assessment (e.g. a recommendation's status); `recommendations` replaces the list."""
    site = sites.get(session, site_id, principal)
    assessment = security_assessments.get(session, assessment_id, principal, site=site)
    check_if_match(if_match, assessment.version)
    assessment = security_assessments.update(session, assessment, data, actor=principal, site=site)
    with_etag(response, assessment.version)
    return security_assessments.present(assessment, site=site)
