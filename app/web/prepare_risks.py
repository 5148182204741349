"""Prepare pages: the risk register as a table and as a 5 x 5 likelihood x impact matrix, and its forms."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.web import options
from app.web.client import ApiResult
from app.web.deps import SignedInWeb, Web, require
from app.web.forms import (
    CONFLICT,
    CsrfChecked,
    Words,
    api_errors,
    conflict_rows,
    form_payload,
    list_field,
    number,
    save_edit,
)
from app.web.options import IMPACT, LIKELIHOOD

router = APIRouter(prefix="/prepare")
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
RISK_FIELDS = {
    "title": "Title",
    "category": "Category",
    "description": "Description",
    "likelihood": "Likelihood",
    "impact": "Impact",
    "owner": "Owner",
    "mitigations": "Mitigations",
    "review_due": "Review due",
    "plan_ids": "Plans that answer this risk",
    "classification": "Classification",
}


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
        filters = {}
    page = result.body if result.ok else await web.fetch("/risks", params={**filters, "limit": 100})
    matrix = await web.fetch("/risks/matrix")
    rows = [[c for c in matrix["cells"] if c["likelihood"] == li] for li in range(5, 0, -1)]
    return web.render(
        "prepare/risks.html",
        page=page,
        filters=filters,
        rows=rows,
        likelihood_bands=LIKELIHOOD,
        impact_labels=IMPACT,
        ratings=options.RISK_RATINGS,
        query=urlencode(filters),
    )


@router.get("/risks/new", dependencies=[require("prepare:write", "add risks")])
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
    plans: list[dict[str, Any]] | None = None,
) -> Response:
    if plans is None:
        plans = await _plans(web)
    scale = [str(n) for n in range(1, 6)]
    return web.render(
        "prepare/risk_form.html",
        status=status,
        values=values,
        errors=errors or {},
        risk=risk,
        etag=etag,
        classifications=options.CLASSIFICATIONS,
        plans=plans,
        conflict=conflict,
        scale=scale,
        likelihood_bands=LIKELIHOOD,
        impact_labels=IMPACT,
    )


async def _plans(web: Web) -> list[dict[str, Any]]:
    result = await web.call("GET", "/contingency-plans", params={"limit": 200})
    return result.body["items"] if result.ok else []


RISK_DATES = {"review_due": "Date the risk's review is due"}
RISK_WORDS: Words = {
    "title": {"missing": "Enter the risk's title", "too_long": "Enter a title of {n} characters or fewer"},
    "category": {
        "missing": "Enter a category, for example flooding",
        "too_long": "Enter a category of {n} characters or fewer",
    },
    "description": {"too_long": "Enter a description of {n} characters or fewer"},
    "likelihood": {"missing": "Select the likelihood", "other": "Likelihood must be a number from 1 to 5"},
    "impact": {"missing": "Select the impact", "other": "Impact must be a number from 1 to 5"},
    "owner": {"missing": "Enter the owner: a team or role", "too_long": "Enter an owner of {n} characters or fewer"},
    "mitigations": {"too_long": "Enter mitigations of {n} characters or fewer"},
    "plan_ids": {"other": "Select plans from the list"},
    "classification": {"other": "Select a classification"},
}


def _risk_payload(form: Any, *, creating: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    payload, values = form_payload(form, RISK_TEXT, [], ["plan_ids"], creating=creating, dates=RISK_DATES)
    for name in ("likelihood", "impact"):
        raw = payload.get(name, "")
        payload[name] = number(raw, int) if raw else None
    return payload, values


def _risk_errors(result: ApiResult, values: dict[str, Any]) -> dict[str, str]:
    return api_errors(
        result, "title", list_field, words=RISK_WORDS, labels=RISK_FIELDS, values=values, dates=RISK_DATES
    )


@router.post("/risks/new", dependencies=[require("prepare:write", "add risks"), CsrfChecked])
async def create_risk(web: SignedInWeb, request: Request) -> Response:
    """Add a risk."""
    payload, values = _risk_payload(await request.form(), creating=True)
    result = await web.call("POST", "/risks", json=payload)
    if result.ok:
        web.session.add_flash(f"The risk {result.body['title']} was added.")
        return web.redirect(f"/prepare/risks/{result.body['id']}")
    return await _risk_form(web, values=values, errors=_risk_errors(result, values), status=400)


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


@router.get("/risks/{risk_id}/edit", dependencies=[require("prepare:write", "change risks")])
async def edit_risk(web: SignedInWeb, risk_id: str) -> Response:
    """The form to change a risk, carrying the ETag it was read at."""
    result = await web.fetch_result(f"/risks/{risk_id}")
    return await _risk_form(web, values=_as_form(result.body), risk=result.body, etag=result.etag)


def _as_form(body: dict[str, Any]) -> dict[str, Any]:
    return body | {"likelihood": str(body["likelihood"]), "impact": str(body["impact"])}


@router.post("/risks/{risk_id}/edit", dependencies=[require("prepare:write", "change risks"), CsrfChecked])
async def update_risk(web: SignedInWeb, risk_id: str, request: Request) -> Response:
    """Save a risk, only if nobody changed it meanwhile; otherwise show the current values."""
    form = await request.form()
    payload, values = _risk_payload(form, creating=False)
    etag = str(form.get("etag", ""))
    edit = await save_edit(web, f"/risks/{risk_id}", payload, etag)
    if edit.saved:
        web.session.add_flash("The risk was saved.")
        return web.redirect(f"/prepare/risks/{risk_id}")
    if edit.conflict:
        plans = await _plans(web)
        choices = {
            "likelihood": {str(n): f"{n} ({band})" for n, band in LIKELIHOOD.items()},
            "impact": {str(n): f"{n} ({name})" for n, name in IMPACT.items()},
            "plan_ids": {p["id"]: p["title"] for p in plans},
        }
        current = _as_form(edit.record)
        return await _risk_form(
            web,
            values=current,
            risk=edit.record,
            etag=edit.etag,
            status=409,
            errors={"conflict": CONFLICT},
            conflict=conflict_rows(values, current, RISK_FIELDS, choices),
            plans=plans,
        )
    return await _risk_form(
        web, values=values, risk=edit.record, etag=etag, status=400, errors=_risk_errors(edit.result, values)
    )
