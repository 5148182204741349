"""Prepare pages: the risk register as a table and as a 5 x 5 likelihood x impact matrix, and its forms."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.web.deps import CsrfChecked, SignedInWeb, Web
from app.web.prepare import (
    CLASSIFICATIONS,
    CONFLICT,
    changed_fields,
    form_payload,
    found,
    ok_body,
    select_items,
)

router = APIRouter(prefix="/prepare")

RATINGS = ["low", "medium", "high", "very_high"]
LIKELIHOOD = {1: "Less than 0.2%", 2: "0.2% to 1%", 3: "1% to 5%", 4: "5% to 25%", 5: "More than 25%"}
IMPACT = {1: "Minor", 2: "Limited", 3: "Moderate", 4: "Significant", 5: "Catastrophic"}
RISK_TEXT = [
    "title",
    "category",
    "description",
    "likelihood",
    "impact",
    "owner",
    "mitigations",
    "classification",
]


@router.get("/risks")
async def risks(
    web: SignedInWeb,
    rating: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    likelihood: Annotated[str | None, Query(pattern="^[1-5]?$")] = None,
    impact: Annotated[str | None, Query(pattern="^[1-5]?$")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The risk register: a table of the filtered risks, and the matrix of every risk by cell."""
    filters = {
        k: v
        for k, v in {
            "rating": rating,
            "category": category,
            "likelihood": likelihood,
            "impact": impact,
            "q": q,
        }.items()
        if v
    }
    result = await web.call("GET", "/risks", params={**filters, "limit": 100, **({"cursor": cursor} if cursor else {})})
    if result.status == 422:
        filters, result = {}, await web.call("GET", "/risks", params={"limit": 100})
    matrix = ok_body(await web.call("GET", "/risks/matrix"))
    rows = [[c for c in matrix["cells"] if c["likelihood"] == li] for li in range(5, 0, -1)]
    return web.render(
        "prepare/risks.html",
        page=ok_body(result),
        filters=filters,
        rows=rows,
        likelihood_bands=LIKELIHOOD,
        impact_labels=IMPACT,
        ratings=RATINGS,
        query=urlencode(filters),
        select_items=select_items,
    )


@router.get("/risks/new")
async def new_risk(web: SignedInWeb) -> Response:
    """The form for a new risk."""
    return await _risk_form(web, values={"classification": "OFFICIAL", "plan_ids": []})


async def _risk_form(
    web: Web,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    risk: dict[str, Any] | None = None,
    etag: str | None = None,
    status: int = 200,
    conflict: list[dict[str, Any]] | None = None,
) -> Response:
    plans = await web.call("GET", "/contingency-plans", params={"limit": 200})
    scale = [str(n) for n in range(1, 6)]
    return web.render(
        "prepare/risk_form.html",
        status=status,
        values=values,
        errors=errors or {},
        risk=risk,
        etag=etag,
        classifications=CLASSIFICATIONS,
        plans=plans.body["items"] if plans.ok else [],
        conflict=conflict,
        select_items=select_items,
        scale=scale,
        likelihood_bands=LIKELIHOOD,
        impact_labels=IMPACT,
    )


def _risk_payload(form: Any, *, creating: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    payload, values = form_payload(form, RISK_TEXT, ["review_due"], ["plan_ids"], creating=creating)
    for name in ("likelihood", "impact"):
        raw = payload.get(name, "")
        payload[name] = int(raw) if raw.isdigit() else None
    return payload, values


@router.post("/risks/new", dependencies=[CsrfChecked])
async def create_risk(web: SignedInWeb, request: Request) -> Response:
    """Add a risk."""
    payload, values = _risk_payload(await request.form(), creating=True)
    result = await web.call("POST", "/risks", json=payload)
    if result.ok:
        web.session.add_flash(f"The risk {result.body['title']!r} was added.")
        return web.redirect(f"/prepare/risks/{result.body['id']}")
    return await _risk_form(web, values=values, errors=result.field_errors() or {"title": result.detail}, status=400)


@router.get("/risks/{risk_id}")
async def risk(web: SignedInWeb, risk_id: str) -> Response:
    """One risk, with the plans that answer it."""
    body = await web.fetch(f"/risks/{risk_id}")
    plans = await web.call("GET", "/contingency-plans", params={"risk_id": risk_id, "limit": 200})
    return web.render(
        "prepare/risk.html",
        risk=body,
        marking=body["classification"],
        plans=plans.body["items"] if plans.ok else [],
        likelihood_bands=LIKELIHOOD,
        impact_labels=IMPACT,
    )


@router.get("/risks/{risk_id}/edit")
async def edit_risk(web: SignedInWeb, risk_id: str) -> Response:
    """The form to change a risk, carrying the ETag it was read at."""
    result = await web.call("GET", f"/risks/{risk_id}")
    body = found(result)
    return await _risk_form(web, values=_as_form(body), risk=body, etag=result.etag)


def _as_form(body: dict[str, Any]) -> dict[str, Any]:
    return body | {"likelihood": str(body["likelihood"]), "impact": str(body["impact"])}


@router.post("/risks/{risk_id}/edit", dependencies=[CsrfChecked])
async def update_risk(web: SignedInWeb, risk_id: str, request: Request) -> Response:
    """Save a risk, only if nobody changed it meanwhile; otherwise show the current values."""
    form = await request.form()
    payload, values = _risk_payload(form, creating=False)
    etag = str(form.get("etag", ""))
    result = await web.call("PATCH", f"/risks/{risk_id}", json=payload, headers={"If-Match": etag})
    if result.ok:
        web.session.add_flash("The risk was saved.")
        return web.redirect(f"/prepare/risks/{risk_id}")
    current = await web.call("GET", f"/risks/{risk_id}")
    body = found(current)
    if result.status in (412, 428):
        return await _risk_form(
            web,
            values=_as_form(body),
            risk=body,
            etag=current.etag,
            status=409,
            errors={"conflict": CONFLICT},
            conflict=changed_fields(values, _as_form(body)),
        )
    return await _risk_form(
        web,
        values=values,
        risk=body,
        etag=etag,
        status=400,
        errors=result.field_errors() or {"title": result.detail},
    )
