"""Prevent pages: the delivery plans, the plan page with its filters, the plan forms, approval, review, coverage."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, QueryParams

from app.core.clock import today_london
from app.web import options
from app.web.client import ApiResult
from app.web.confirm import Confirmation, confirm_page
from app.web.dates import date_body, posted_date
from app.web.deps import NavItem, SignedInWeb, Web, marking_of, require
from app.web.forms import CONFLICT, CsrfChecked, Words, api_errors, conflict_rows, save_edit, text
from app.web.templating import long_date

router = APIRouter(prefix="/prevent")
NAVIGATION = [NavItem(20, "Prevent", "/prevent", "prevent:read")]

FILTERS = ("key_area", "status", "rag", "owner", "overdue", "open", "q")
SORTABLE = [
    ("ref", "Ref"),
    ("title", "Action"),
    ("owner", "Owner"),
    ("status", "Status"),
    ("rag", "RAG"),
    ("due_date", "Due"),
]
_ALLOWED = {
    "key_area": set(options.KEY_AREAS),
    "status": set(options.ITEM_STATUSES),
    "rag": {*options.RAGS, "none"},
    "overdue": {"true", "false"},
    "open": {"true", "false"},
}
PLAN_FIELDS = {
    "title": "Title",
    "period_start": "Period starts",
    "period_end": "Period ends",
    "threat_assessment_id": "Police threat assessment it answers",
    "classification": "Classification",
}


def filters_from(query: QueryParams) -> dict[str, str]:
    """The item filters of a page's query string (unknown values dropped)."""
    chosen: dict[str, str] = {}
    for name in FILTERS:
        value = (query.get(name) or "").strip()[:200]
        if value and (name not in _ALLOWED or value in _ALLOWED[name]):
            chosen[name] = value
    sort = (query.get("sort") or "").strip()
    if sort.lstrip("-") in dict(SORTABLE):
        chosen["sort"] = sort
    return chosen


def sort_links(filters: dict[str, str]) -> list[dict[str, str]]:
    """Column headers as links: a second click on the sorted column reverses it."""
    current = filters.get("sort", "ref")
    links = []
    for key, label in SORTABLE:
        state = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
        target = f"-{key}" if state == "ascending" else key
        links.append(
            {"key": key, "text": label, "aria_sort": state, "href": "?" + urlencode({**filters, "sort": target})}
        )
    return links


@router.get("")
async def plans(web: SignedInWeb) -> Response:
    """Every plan the user may see, newest first; `?status=` shows the plans of one status (e.g. `submitted`)."""
    status = (web.request.query_params.get("status") or "").strip()
    status = status if status in options.PREVENT_PLAN_STATUSES else ""
    page = await web.fetch("/prevent/plans", params={"limit": 200, **({"status": status} if status else {})})
    return web.render(
        "prevent/plans.html",
        page=page,
        chosen_status=status,
        statuses=options.PREVENT_PLAN_STATUSES,
        marking=marking_of(*page["items"]),
    )


async def _assessments(web: Web) -> list[dict[str, Any]]:
    result = await web.call("GET", "/threat-assessments", params={"limit": 200})
    return result.body["items"] if result.ok else []


PLAN_DATES = {"period_start": "Date the plan starts", "period_end": "Date the plan ends"}
PLAN_WORDS: Words = {
    "title": {"missing": "Enter the plan's title", "too_long": "Enter a title of {n} characters or fewer"},
    "period_start": {"missing": "Enter the date the plan starts"},
    "period_end": {
        "missing": "Enter the date the plan ends",
        "other": "The plan must end on or after the day it starts",
    },
    "threat_assessment_id": {"other": "Select a police threat assessment from the list"},
    "classification": {"other": "Select a classification"},
}


def _plan_body(form: FormData) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API body of the plan form, and the values to show again (dates as typed)."""
    values = {
        "title": text(form, "title"),
        "period_start": posted_date(form, "period_start"),
        "period_end": posted_date(form, "period_end"),
        "threat_assessment_id": text(form, "threat_assessment_id", 100),
        "classification": text(form, "classification", 100),
    }
    body = values | {
        "period_start": date_body(values["period_start"]),
        "period_end": date_body(values["period_end"]),
        "threat_assessment_id": values["threat_assessment_id"] or None,
        "classification": values["classification"] or "OFFICIAL",
    }
    return body, values


def _plan_errors(result: ApiResult, values: dict[str, Any]) -> dict[str, str]:
    return api_errors(result, "title", words=PLAN_WORDS, labels=PLAN_FIELDS, values=values, dates=PLAN_DATES)


def _plan_values(plan: dict[str, Any]) -> dict[str, Any]:
    return plan | {"threat_assessment_id": plan.get("threat_assessment_id") or ""}


async def _plan_form(web: Web, status: int = 200, **context: Any) -> Response:
    context.setdefault("errors", {})
    context.setdefault("assessments", await _assessments(web))
    return web.render("prevent/plan_form.html", status=status, classifications=options.CLASSIFICATIONS, **context)


@router.get("/plans/new", dependencies=[require("prevent:write", "create Prevent plans")])
async def new_plan(web: SignedInWeb) -> Response:
    """The form to draft a plan."""
    return await _plan_form(web, plan=None, values={"classification": "OFFICIAL"})


@router.post("/plans", dependencies=[require("prevent:write", "create Prevent plans"), CsrfChecked])
async def create_plan(web: SignedInWeb, request: Request) -> Response:
    """Draft a plan."""
    body, values = _plan_body(await request.form())
    result = await web.call("POST", "/prevent/plans", json=body)
    if result.ok:
        web.session.add_flash(f"The draft plan {result.body['title']} was created.")
        return web.redirect(f"/prevent/plans/{result.body['id']}")
    return await _plan_form(web, status=400, plan=None, values=values, errors=_plan_errors(result, values))


@router.get("/plans/{plan_id}")
async def plan_page(web: SignedInWeb, plan_id: str) -> Response:
    """A plan: counts, filters, and its items grouped by key area (htmx asks for the results block only)."""
    found = await web.fetch_result(f"/prevent/plans/{plan_id}")
    plan = found.body
    filters = filters_from(web.request.query_params)
    cursor = web.request.query_params.get("cursor")
    params = {"plan_id": plan_id, "limit": 200, **filters, **({"cursor": cursor[:2000]} if cursor else {})}
    result = await web.call("GET", "/prevent/items", params=params)
    items = result.body["items"] if result.ok else []
    groups = [
        {"key": key, "label": label, "description": hint, "items": [i for i in items if i["key_area"] == key]}
        for key, label, hint in options.KEY_AREA_ROWS
    ]
    context = {
        "plan": plan,
        "etag": found.etag or "",
        "groups": groups,
        "items": items,
        "filters": filters,
        "sorts": sort_links(filters),
        "query": urlencode(filters),
        "next_cursor": result.body.get("next_cursor") if result.ok else None,
        "error": None if result.ok else result.detail,
        "key_areas": options.KEY_AREA_ROWS,
        "statuses": options.ITEM_STATUSES,
        "rags": options.RAGS,
        "marking": marking_of(plan, *items),
        "today": today_london().isoformat(),
    }
    if web.is_htmx:
        return web.render("prevent/plan.html", block="results", **context)
    return web.render("prevent/plan.html", **context)


@router.get("/plans/{plan_id}/items.csv")
async def plan_csv(web: SignedInWeb, plan_id: str) -> Response:
    """Exactly the filtered list, as the API's CSV (the API decides what the user may see)."""
    filters = filters_from(web.request.query_params)
    return await web.csv_download("/prevent/items", {"plan_id": plan_id, **filters}, "prevent-items.csv")


@router.get("/plans/{plan_id}/edit", dependencies=[require("prevent:write", "change Prevent plans")])
async def edit_plan(web: SignedInWeb, plan_id: str) -> Response:
    """The form to change a plan."""
    found = await web.fetch_result(f"/prevent/plans/{plan_id}")
    plan = found.body
    return await _plan_form(web, plan=plan, values=_plan_values(plan), etag=found.etag, marking=plan["classification"])


@router.post("/plans/{plan_id}/edit", dependencies=[require("prevent:write", "change Prevent plans"), CsrfChecked])
async def update_plan(web: SignedInWeb, request: Request, plan_id: str) -> Response:
    """Save a plan; if someone else changed it meanwhile, show theirs and keep nothing silently."""
    form = await request.form()
    body, values = _plan_body(form)
    edit = await save_edit(web, f"/prevent/plans/{plan_id}", body, text(form, "etag", 100))
    if edit.saved:
        web.session.add_flash("The plan was saved.")
        return web.redirect(f"/prevent/plans/{plan_id}")
    plan = edit.record
    if edit.conflict:
        assessments = await _assessments(web)
        choices = {"threat_assessment_id": {a["id"]: a["title"] for a in assessments}}
        current = _plan_values(plan)
        return await _plan_form(
            web,
            status=409,
            plan=plan,
            values=current,
            etag=edit.etag,
            errors={"conflict": CONFLICT},
            conflict=conflict_rows(values, current, PLAN_FIELDS, choices),
            assessments=assessments,
        )
    return await _plan_form(
        web,
        status=400,
        plan=plan,
        values=values,
        etag=text(form, "etag", 100),
        errors=_plan_errors(edit.result, values),
    )


@router.get("/plans/{plan_id}/submit", dependencies=[require("prevent:write", "submit plans for approval")])
async def confirm_submit(web: SignedInWeb, plan_id: str) -> Response:
    """The confirmation step before a plan goes to EMT."""
    found = await web.fetch_result(f"/prevent/plans/{plan_id}")
    plan = found.body
    rows = [
        ("Plan", plan["title"]),
        ("Period", f"{long_date(plan['period_start'])} to {long_date(plan['period_end'])}"),
        ("Items", str(plan["counts"]["total"])),
    ]
    confirmation = Confirmation(
        question="Submit this plan to EMT for approval?",
        button="Submit for approval",
        action=f"/prevent/plans/{plan_id}/submit",
        cancel=f"/prevent/plans/{plan_id}",
        warning="EMT will approve it or return it with comments. You can still change it until they decide.",
        details=rows,
        hidden={"etag": found.etag or ""},
        destructive=False,
        caption=plan["title"],
    )
    return confirm_page(web, confirmation, marking=plan["classification"])


@router.post(
    "/plans/{plan_id}/submit", dependencies=[require("prevent:write", "submit plans for approval"), CsrfChecked]
)
async def submit_plan(web: SignedInWeb, request: Request, plan_id: str) -> Response:
    """Submit the plan as the user saw it."""
    form = await request.form()
    result = await web.call("POST", f"/prevent/plans/{plan_id}/submit", headers={"If-Match": text(form, "etag", 100)})
    if result.ok:
        web.session.add_flash("The plan was submitted to EMT for approval.")
    elif result.status in (412, 428):
        web.session.add_flash("Not submitted: someone else changed this plan since you opened it. Check it again.")
    else:
        web.session.add_flash(f"Not submitted: {result.detail}")
    return web.redirect(f"/prevent/plans/{plan_id}")


OUTCOMES = {"approve": "Approve the plan", "return": "Return it with comments"}


DECISION_WORDS: Words = {
    "meeting": {"too_long": "Enter a meeting of {n} characters or fewer"},
    "comments": {
        "missing": "Enter comments to return the plan: what should change",
        "too_long": "Enter comments of {n} characters or fewer",
    },
}
DECISION_LIMITS = {"meeting": 200, "comments": 10_000}  # the API's, checked here before the confirmation step


def _decision_values(form: FormData) -> dict[str, str]:
    return {
        "outcome": text(form, "outcome", 20),
        "meeting": text(form, "meeting", 1000),
        "comments": text(form, "comments", 20_000),
        "etag": text(form, "etag", 100),
    }


def _decision_errors(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if values["outcome"] not in OUTCOMES:
        errors["outcome"] = "Select whether EMT approved the plan or returned it"
    for name, limit in DECISION_LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = DECISION_WORDS[name]["too_long"].replace("{n}", f"{limit:,}")
    if values["outcome"] == "return" and not values["comments"]:
        errors["comments"] = DECISION_WORDS["comments"]["missing"]
    return errors


@router.get("/plans/{plan_id}/decision", dependencies=[require("approve", "record EMT's decisions")])
async def decision_form(web: SignedInWeb, plan_id: str) -> Response:
    """EMT's decision on a submitted plan: approve, or return with comments."""
    found = await web.fetch_result(f"/prevent/plans/{plan_id}")
    plan = found.body
    values = {"outcome": "", "meeting": "", "comments": "", "etag": found.etag or ""}
    return web.render("prevent/plan_decision.html", plan=plan, values=values, errors={}, marking=plan["classification"])


@router.post("/plans/{plan_id}/decision", dependencies=[require("approve", "record EMT's decisions"), CsrfChecked])
async def check_decision(web: SignedInWeb, request: Request, plan_id: str) -> Response:
    """Check the decision's answers (the confirmation step); nothing is recorded yet."""
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    values = _decision_values(await request.form())
    errors = _decision_errors(values)
    if errors:
        return web.render(
            "prevent/plan_decision.html", 400, plan=plan, values=values, errors=errors, marking=plan["classification"]
        )
    approving = values["outcome"] == "approve"
    rows = [
        ("Decision", OUTCOMES[values["outcome"]]),
        ("Meeting", values["meeting"] or "Not given"),
        ("Comments", values["comments"] or "None"),
    ]
    confirmation = Confirmation(
        question="Approve this plan?" if approving else "Return this plan with comments?",
        button="Approve the plan" if approving else "Return the plan",
        action=f"/prevent/plans/{plan_id}/decision/confirm",
        cancel=f"/prevent/plans/{plan_id}",
        warning=(
            f"It comes into force on {long_date(plan['period_start'])}, and the plan in force then is superseded."
            if approving
            else "The Prevent team can change the plan and submit it again."
        ),
        details=rows,
        hidden=values,
        destructive=False,
        caption=plan["title"],
    )
    return confirm_page(web, confirmation, marking=plan["classification"])


@router.post(
    "/plans/{plan_id}/decision/confirm", dependencies=[require("approve", "record EMT's decisions"), CsrfChecked]
)
async def record_decision(web: SignedInWeb, request: Request, plan_id: str) -> Response:
    """Record the checked decision through the API."""
    values = _decision_values(await request.form())
    if _decision_errors(values):
        return web.redirect(f"/prevent/plans/{plan_id}/decision")
    body = {"meeting": values["meeting"] or None, "comments": values["comments"] or None}
    verb = "approve" if values["outcome"] == "approve" else "return"
    headers = {"If-Match": values["etag"]} if values["etag"] else {}
    result = await web.call("POST", f"/prevent/plans/{plan_id}/{verb}", json=body, headers=headers)
    if result.ok:
        done = "approved" if verb == "approve" else "returned with your comments"
        web.session.add_flash(f"The plan was {done}.")
        return web.redirect(f"/prevent/plans/{plan_id}")
    if result.status == 422:
        plan = await web.fetch(f"/prevent/plans/{plan_id}")
        return web.render(
            "prevent/plan_decision.html",
            400,
            plan=plan,
            values=values,
            errors=api_errors(result, "comments", words=DECISION_WORDS, values=values),
            marking=plan["classification"],
        )
    if result.status == 412:
        web.session.add_flash("Not recorded: someone else changed this plan since you opened it. Check it again.")
    else:
        web.session.add_flash(f"The decision was not recorded: {result.detail}")
    return web.redirect(f"/prevent/plans/{plan_id}")


@router.get("/plans/{plan_id}/review", dependencies=[require("prevent:write", "start annual reviews")])
async def confirm_review_plan(web: SignedInWeb, plan_id: str) -> Response:
    """Are you sure? A review drafts the next plan, once."""
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    confirmation = Confirmation(
        question="Are you sure you want to start the annual review?",
        button="Start the annual review",
        action=f"/prevent/plans/{plan_id}/review",
        cancel=f"/prevent/plans/{plan_id}",
        warning="A new draft plan for the next period is created with every open item carried forward. "
        "A plan can be reviewed only once.",
        details=[("Plan", plan["title"])],
        destructive=False,
    )
    return confirm_page(web, confirmation, marking=plan["classification"])


@router.post("/plans/{plan_id}/review", dependencies=[require("prevent:write", "start annual reviews"), CsrfChecked])
async def review_plan(web: SignedInWeb, plan_id: str) -> Response:
    """The annual review: a new draft plan for the next period with the open items carried forward."""
    result = await web.call("POST", f"/prevent/plans/{plan_id}/review", json={})
    if not result.ok:
        web.session.add_flash(f"The review was not started: {result.detail}")
        return web.redirect(f"/prevent/plans/{plan_id}")
    web.session.add_flash(f"{result.body['title']} was drafted with every open item carried forward.")
    return web.redirect(f"/prevent/plans/{result.body['id']}")


@router.get("/plans/{plan_id}/coverage")
async def coverage(web: SignedInWeb, plan_id: str) -> Response:
    """Which threat assessment priorities the plan answers, and which it leaves unanswered."""
    plan = await web.fetch(f"/prevent/plans/{plan_id}")
    found = await web.fetch(f"/prevent/plans/{plan_id}/coverage")
    marking = marking_of(plan, {"classification": found.get("threat_assessment_classification")})
    return web.render("prevent/coverage.html", plan=plan, coverage=found, marking=marking)
