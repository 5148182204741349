"""Protect pages: the site register (table, map, CSV), the incident cordon search."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.web import options
from app.web.deps import NavItem, SignedInWeb, Web
from app.web.forms import Words, api_errors

router = APIRouter(prefix="/protect")
NAVIGATION = [
    NavItem(30, "Protect", "/protect/sites", "protect:read", own="Sites"),
    NavItem(31, "Training", "/protect/training", "protect:read", parent="/protect/sites"),
]

SORTS = {
    "name": "Name",
    "category": "Category",
    "ward": "Ward",
    "capacity": "Capacity",
    "next_review_due": "Next review",
}
FILTERS = ("category", "ward", "tier", "review_overdue", "q", "sort")
REGISTER_LIMIT = 50  # rows per page, as the API pages its lists
DEFAULT_RADIUS_M = 400


def _query(values: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


@router.get("/sites")
async def register(
    web: SignedInWeb,
    category: Annotated[str | None, Query(max_length=40)] = None,
    ward: Annotated[str | None, Query(max_length=100)] = None,
    tier: Annotated[str | None, Query(max_length=20)] = None,
    review_overdue: Annotated[str | None, Query(pattern="^(true|false)?$")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The register: a filterable, sortable table, a map of the same sites, and a CSV of them."""
    filters = {
        "category": category,
        "ward": ward,
        "tier": tier,
        "review_overdue": review_overdue,
        "q": q,
        "sort": sort,
    }
    params = {k: v for k, v in filters.items() if v}
    result = await web.call(
        "GET", "/sites", params={"limit": REGISTER_LIMIT, **params, **({"cursor": cursor} if cursor else {})}
    )
    errors = result.field_errors() if result.status == 422 else {}
    if result.status == 422:
        result = await web.call("GET", "/sites", params={"limit": REGISTER_LIMIT})
    page = await _body(web, result)
    context = {
        "page": page,
        "filters": {k: v or "" for k, v in filters.items()},
        "errors": errors,
        "query": _query(params),
        "categories": options.SITE_CATEGORIES,
        "tiers": options.SITE_TIERS,
        "sorts": SORTS,
        "sort_link": lambda key: "?" + _query({**params, "sort": key}),
    }
    if web.is_htmx:
        return web.render("protect/sites.html", block="results", **context)
    return web.render("protect/sites.html", **context)


async def _body(web: Web, result: Any) -> Any:
    if result.ok:
        return result.body
    return await web.fetch("/sites", params={"limit": 1})  # raises the right error page


@router.get("/sites.csv")
async def register_csv(web: SignedInWeb) -> Response:
    """Exactly the filtered list as CSV (the API's export, fetched as the signed-in user)."""
    params = {k: v for k in FILTERS if (v := web.request.query_params.get(k))}
    return await web.csv_download("/sites", params, "sites.csv")


@router.get("/sites.geojson")
async def register_geojson(web: SignedInWeb) -> Response:
    """The filtered sites as GeoJSON for the map script (same origin, the signed-in user's view)."""
    names = (*FILTERS, "near", "radius_m")
    params = {k: v for k in names if (v := web.request.query_params.get(k))}
    result = await web.call("GET", "/sites", params=params, headers={"Accept": "application/geo+json"})
    body = result.body if result.ok else {"type": "FeatureCollection", "features": []}
    return Response(json.dumps(body), media_type="application/geo+json", status_code=200 if result.ok else 400)


CORDON_WORDS: Words = {
    "lat": {"other": "Enter a latitude between -90 and 90 and a longitude between -180 and 180"},
    "radius_m": {"other": "Radius must be a number of metres, more than 0 and at most 50,000"},
}


@router.get("/cordon")
async def cordon(
    web: SignedInWeb,
    site: Annotated[str | None, Query(max_length=36)] = None,
    lat: Annotated[str | None, Query(max_length=30)] = None,
    lon: Annotated[str | None, Query(max_length=30)] = None,
    radius_m: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """Sites within a radius of a point: a listed site's position, typed coordinates, or a map click."""
    listed = await web.fetch("/sites", params={"limit": REGISTER_LIMIT})
    values = {
        "site": site or "",
        "lat": (lat or "").strip(),
        "lon": (lon or "").strip(),
        "radius_m": (radius_m or str(DEFAULT_RADIUS_M)).strip(),
    }
    errors: dict[str, str] = {}
    results, centre = None, None
    if site:
        chosen = next((s for s in listed["items"] if s["id"] == site), None)
        if chosen is None:
            errors["site"] = "Choose a site from the list"
        else:
            centre = (chosen["location"]["lat"], chosen["location"]["lon"])
            values.update(lat="", lon="")
    elif values["lat"] or values["lon"]:
        centre = (values["lat"], values["lon"])
    elif lat is not None:
        errors["site"] = "Choose a site, or enter a latitude and longitude, or click the map"
    if centre and not errors:
        params = {"near": f"{centre[0]},{centre[1]}", "radius_m": values["radius_m"], "limit": REGISTER_LIMIT}
        result = await web.call("GET", "/sites", params=params)
        if result.ok:
            results = {
                "items": result.body["items"],
                "query": _query(params | {"limit": ""}),
                "lat": centre[0],
                "lon": centre[1],
            }
        else:
            errors = api_errors(result, "site", lambda name: "lat" if name == "near" else name, words=CORDON_WORDS)
    by_postcode = sorted((s for s in listed["items"] if s.get("postcode")), key=lambda s: s["postcode"])
    return web.render(
        "protect/cordon.html",
        status=400 if errors else 200,
        by_postcode=by_postcode,
        values=values,
        errors=errors,
        results=results,
    )
