"""Administration: partner API keys, users, the audit log."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from app.web import options
from app.web.confirm import Confirmation, confirm_page, show_once, take_once
from app.web.dates import date_body, date_parts, date_problem, posted_date
from app.web.deps import NavItem, SignedInWeb, WebError, require
from app.web.forms import CsrfChecked, Words, api_errors, text
from app.web.templating import LONDON, london_time, long_date

router = APIRouter(prefix="/admin")
NAVIGATION = [
    NavItem(91, "API keys", "/admin/api-keys", "admin", parent="/admin/users"),
    NavItem(90, "Admin", "/admin/users", "admin", own="Users"),
    NavItem(92, "Audit log", "/admin/audit", "audit:read", parent="/admin/users"),
]

SCOPES, CLEARANCES, ROLES = options.SCOPES, options.CLEARANCES, options.ROLES
KEY_FIELDS = {"name": "Name", "organisation": "Organisation", "scopes": "Scopes", "clearance": "Clearance"}
KEY_WORDS: Words = {
    "name": {"missing": "Enter a name for the key", "too_long": "Enter a name of {n} characters or fewer"},
    "organisation": {
        "missing": "Enter the partner's organisation",
        "too_long": "Enter an organisation of {n} characters or fewer",
    },
    "scopes": {"missing": "Select at least one scope", "other": "Select scopes from the list"},
    "clearance": {"other": "Select a clearance"},
}
USER_FIELDS = {
    "username": "Username",
    "name": "Full name",
    "role": "Role",
    "clearance": "Clearance",
    "organisation": "Organisation",
    "password": "Initial password",
}
USER_WORDS: Words = {
    "username": {
        "missing": "Enter a username",
        "too_long": "Enter a username of {n} characters or fewer",
        "other": "Enter a username of 2 to 64 letters, numbers, dots, dashes or underscores, "
        "starting with a letter or number",
    },
    "name": {"missing": "Enter the person's full name", "too_long": "Enter a name of {n} characters or fewer"},
    "role": {"other": "Select a role"},
    "clearance": {"other": "Select a clearance, or the role's default"},
    "organisation": {"too_long": "Enter an organisation of {n} characters or fewer"},
    "password": {
        "missing": "Enter an initial password",
        "too_long": "Enter a password of {n} characters or fewer",
        "other": "Enter a password of at least 12 characters",
    },
}


@router.get("/api-keys", dependencies=[require("admin", "manage API keys")])
async def api_keys(web: SignedInWeb, cursor: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    """Every partner API key, with a form to create one."""
    page = await web.fetch("/api-keys", params={"limit": 100, **({"cursor": cursor} if cursor else {})})
    return web.render(
        "admin/api_keys.html",
        page=page,
        scopes=SCOPES,
        clearances=CLEARANCES,
        errors={},
        values={"scopes": []},
    )


@router.post("/api-keys", dependencies=[require("admin", "manage API keys"), CsrfChecked])
async def create_api_key(web: SignedInWeb, request: Request) -> Response:
    """Create a key and show its secret, once."""
    form = await request.form()
    values: dict[str, Any] = {
        "name": text(form, "name"),
        "organisation": text(form, "organisation"),
        "clearance": text(form, "clearance", 100) or "OFFICIAL",
        "scopes": [str(s) for s in form.getlist("scopes")],
        "expires_on": posted_date(form, "expires_on"),
    }
    payload = {k: v for k, v in values.items() if k != "expires_on"}
    if values["expires_on"]:
        payload["expires_at"] = f"{date_body(values['expires_on'])}T23:59:59Z"
    result = await web.call("POST", "/api-keys", json=payload)
    if result.ok:  # post/redirect/get: the new key is kept for one view, so a refresh never makes another
        show_once(web, "api_key", result.body)
        return web.redirect("/admin/api-keys/created")
    rename = {"expires_at": "expires_on"}
    errors = api_errors(
        result,
        "name",
        lambda name: rename.get(name, name.split(".")[0]),
        words=KEY_WORDS,
        labels=KEY_FIELDS,
        values=values,
        dates={"expires_on": "Date the key expires"},
    )
    page = await web.fetch("/api-keys", params={"limit": 100})
    return web.render(
        "admin/api_keys.html",
        status=400,
        page=page,
        scopes=SCOPES,
        clearances=CLEARANCES,
        errors=errors,
        values=values,
    )


@router.get("/api-keys/created", dependencies=[require("admin", "manage API keys")])
async def api_key_created(web: SignedInWeb) -> Response:
    """The new key's secret, shown once (a refresh finds nothing to show and goes back to the list)."""
    key = take_once(web, "api_key")
    if key is None:
        web.session.add_flash("A new key is shown only once. If it was not copied, revoke it and create another.")
        return web.redirect("/admin/api-keys")
    return web.render("admin/api_key_created.html", key=key, scopes=SCOPES)


@router.get("/api-keys/{key_id}/revoke", dependencies=[require("admin", "manage API keys")])
async def confirm_revoke_api_key(web: SignedInWeb, key_id: str) -> Response:
    """Are you sure? A revoked key stops working at once."""
    page = await web.fetch("/api-keys", params={"limit": 100})
    key = next((k for k in page["items"] if k["id"] == key_id), None)
    if key is None or key.get("revoked_at"):
        raise WebError(404, "Page not found", "There is no key here to revoke.")
    confirmation = Confirmation(
        question="Are you sure you want to revoke this API key?",
        button="Revoke",
        action=f"/admin/api-keys/{key_id}/revoke",
        cancel="/admin/api-keys",
        warning="The key stops working at once: every partner system using it is refused. This cannot be undone.",
        details=[("Key", key["name"]), ("Organisation", key.get("organisation") or "")],
    )
    return confirm_page(web, confirmation)


@router.post("/api-keys/{key_id}/revoke", dependencies=[require("admin", "manage API keys"), CsrfChecked])
async def revoke_api_key(web: SignedInWeb, key_id: str) -> Response:
    """Revoke a key at once."""
    result = await web.call("DELETE", f"/api-keys/{key_id}")
    web.session.add_flash("The API key was revoked." if result.ok else f"Not revoked: {result.detail}")
    return web.redirect("/admin/api-keys")


@router.get("/users", dependencies=[require("admin", "manage users")])
async def users(web: SignedInWeb, cursor: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    """Every user, with a form to add one."""
    page = await web.fetch("/users", params={"limit": 200, **({"cursor": cursor} if cursor else {})})
    return web.render("admin/users.html", page=page, roles=ROLES, clearances=CLEARANCES, errors={}, values={})


@router.post("/users", dependencies=[require("admin", "manage users"), CsrfChecked])
async def create_user(web: SignedInWeb, request: Request) -> Response:
    """Add a user."""
    form = await request.form()
    payload = {
        "username": text(form, "username"),
        "name": text(form, "name"),
        "role": text(form, "role", 100),
        "password": str(form.get("password") or "")[:10_000],
        "organisation": text(form, "organisation") or "Council",
    }
    if text(form, "clearance", 100):
        payload["clearance"] = text(form, "clearance", 100)
    result = await web.call("POST", "/users", json=payload)
    if result.ok:
        web.session.add_flash(f"User {result.body['username']} was added.")
        return web.redirect("/admin/users")
    errors = api_errors(result, "username", words=USER_WORDS, labels=USER_FIELDS, values=payload)
    page = await web.fetch("/users", params={"limit": 200})
    return web.render(
        "admin/users.html",
        status=400,
        page=page,
        roles=ROLES,
        clearances=CLEARANCES,
        errors=errors,
        values=payload | {"password": ""},
    )


@router.get("/users/{user_id}/deactivate", dependencies=[require("admin", "manage users")])
async def confirm_deactivate_user(web: SignedInWeb, user_id: str) -> Response:
    """Are you sure? Deactivating ends the user's sessions at once."""
    user = await web.fetch(f"/users/{user_id}")
    confirmation = Confirmation(
        question="Are you sure you want to deactivate this user?",
        button="Deactivate",
        action=f"/admin/users/{user_id}/active",
        cancel="/admin/users",
        warning="They are signed out at once and cannot sign in until an administrator reactivates them.",
        details=[("Username", user["username"]), ("Name", user.get("name") or "")],
        hidden={"active": "false"},
    )
    return confirm_page(web, confirmation)


@router.post("/users/{user_id}/active", dependencies=[require("admin", "manage users"), CsrfChecked])
async def set_user_active(
    web: SignedInWeb, user_id: str, active: Annotated[str, Form(pattern="^(true|false)$")]
) -> Response:
    """Deactivate (or reactivate) a user; deactivation ends their sessions at once."""
    current = await web.call("GET", f"/users/{user_id}")
    if not current.ok:
        web.session.add_flash(f"Not changed: {current.detail}")
        return web.redirect("/admin/users")
    result = await web.call(
        "PATCH",
        f"/users/{user_id}",
        json={"active": active == "true"},
        headers={"If-Match": current.etag or ""},
    )
    name = current.body["username"]
    if result.ok:
        web.session.add_flash(f"{name} was {'reactivated' if active == 'true' else 'deactivated'}.")
    else:
        web.session.add_flash(f"{name} was not changed: {result.detail}")
    return web.redirect("/admin/users")


AUDIT_FILTERS = ("entity_type", "action", "actor")
_HIDDEN = {"id", "version", "created_at", "updated_at", "hash", "prev_hash", "secret", "secret_hash", "token_hash"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def field_label(name: str) -> str:
    """A snapshot's field name as words: `next_review_due` → "Next review due"."""
    return options.AUDIT_FIELDS.get(name) or options.words(name.removesuffix("_id").removesuffix("_ids"))


def audit_value(value: Any) -> str:
    """A recorded value as a person reads it: never a Python repr, None as "(empty)"."""
    if value is None or value == "" or value == [] or value == {}:
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(audit_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{field_label(k)}: {audit_value(v)}" for k, v in value.items() if k not in _HIDDEN)
    if isinstance(value, str):
        if _DATE.match(value):
            return long_date(value)
        if _TIME.match(value):
            try:
                return london_time(value)
            except ValueError:
                return value
        return options.ENUM_LABELS.get(value, value)
    return str(value)


def _name(snapshot: dict[str, Any] | None) -> str | None:
    for key in ("title", "name", "username"):
        if snapshot and isinstance(snapshot.get(key), str) and snapshot[key]:
            return str(snapshot[key])
    return None


def audit_rows(events: list[dict[str, Any]], people: dict[str, str]) -> list[dict[str, Any]]:
    """Events as the page shows them: who, what in words, which record (by name, linked), the changed fields."""
    names: dict[str, str] = {}
    for e in events:
        found = _name(e.get("after")) or _name(e.get("before"))
        if e.get("entity_id") and found:
            names.setdefault(e["entity_id"], found)
    rows = []
    for e in events:
        kind, _, who = e["actor"].partition(":")
        actor = {"user": people.get(who, who), "api_key": f"API key {who}"}.get(kind, e["actor"])
        entity, entity_id = e["entity_type"], e.get("entity_id")
        kind_label = options.AUDIT_ENTITIES.label(entity) if entity in options.AUDIT_ENTITIES else options.words(entity)
        name = names.get(entity_id or "")
        page = options.AUDIT_PAGES.get(entity)
        link = None
        if page and not e["action"].endswith(".delete") and (entity_id or "{id}" not in page):
            link = page.format(id=entity_id)
        before, after = e.get("before") or {}, e.get("after") or {}
        changes = []
        if e["action"] == "disclosure":
            changes.append({"field": "Records read", "before": None, "after": str(after.get("count", ""))})
        else:
            for key in [*after, *(k for k in before if k not in after)]:
                if key in _HIDDEN:
                    continue
                if key not in before and after.get(key) in (None, "", [], {}):
                    continue  # a new record's empty fields say nothing
                was = audit_value(before[key]) if key in before and e["action"].endswith(".update") else None
                changes.append({"field": field_label(key), "before": was, "after": audit_value(after.get(key))})
        rows.append(
            {
                "at": e["at"],
                "actor": actor,
                "organisation": e.get("organisation"),
                "action": options.AUDIT_ACTIONS.label(e["action"]),
                "kind": kind_label,
                "name": name,
                "link": link,
                "changes": changes,
            }
        )
    return rows


AUDIT_DATES = {"from": "From date", "to": "To date"}


def _london_midnight(day: str, *, next_day: bool = False) -> str:
    """A date (YYYY-MM-DD) as the UTC instant its London day starts (or the next day starts)."""
    start = date.fromisoformat(day) + timedelta(days=1 if next_day else 0)
    return datetime.combine(start, time(), LONDON).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _audit_filters(query: QueryParams) -> tuple[dict[str, str], dict[str, Any]]:
    """The page's filters as its query string keeps them (dates as their day, month and year boxes), and the
    From and To dates as typed."""
    filters = {k: v.strip()[:250] for k in AUDIT_FILTERS if (v := query.get(k)) and v.strip()}
    typed = {name: posted_date(query, name) for name in AUDIT_DATES}
    for name, value in typed.items():
        if value:
            filters |= {f"{name}-{part}": v for part, v in date_parts(value).items() if v}
    return filters, typed


def _audit_params(filters: dict[str, str], typed: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The API's query for the page's filters, and the errors of dates that are not dates."""
    params = {k: filters[k] for k in AUDIT_FILTERS if filters.get(k)}
    if ":" not in params.get("actor", ":"):  # a username as people type it; the log names users `user:<username>`
        params["actor"] = f"user:{params['actor'].lower()}"[:250]
    errors: dict[str, str] = {}
    for field, key, next_day in (("since", "from", False), ("until", "to", True)):
        problem = date_problem(typed[key], AUDIT_DATES[key])
        if problem:
            errors[key] = problem
        elif typed[key]:
            params[field] = _london_midnight(typed[key], next_day=next_day)
    return params, errors


@router.get("/audit.csv")
async def audit_csv(web: SignedInWeb, request: Request) -> Response:
    """The filtered audit log as the API's CSV."""
    params, _ = _audit_params(*_audit_filters(request.query_params))
    return await web.csv_download("/audit-events", params, "audit-log.csv")


@router.get("/audit")
async def audit_log(
    web: SignedInWeb,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    back: Annotated[str | None, Query(max_length=8000)] = None,
) -> Response:
    """The audit log, newest first, a page at a time, and whether its chain is intact."""
    filters, typed = _audit_filters(web.request.query_params)
    params, errors = _audit_params(filters, typed)
    page = await web.fetch("/audit-events", params={"limit": 50, **params, **({"cursor": cursor} if cursor else {})})
    verification = await web.fetch("/audit-events/verify")
    people: dict[str, str] = {}
    if web.can("admin"):
        users = await web.call("GET", "/users", params={"limit": 200})
        if users.ok:
            people = {u["username"]: u["name"] for u in users.body["items"]}
    query = urlencode(filters)
    trail = [c for c in (back or "").split(" ") if c]
    newer = None
    if cursor:
        previous = {
            **filters,
            **({"cursor": trail[-1]} if trail else {}),
            **({"back": " ".join(trail[:-1])} if trail[:-1] else {}),
        }
        newer = "/admin/audit?" + urlencode(previous)
    older = None
    if page.get("next_cursor"):
        onward = {**filters, "cursor": page["next_cursor"], **({"back": " ".join([*trail, cursor])} if cursor else {})}
        older = "/admin/audit?" + urlencode(onward)
    return web.render(
        "admin/audit.html",
        rows=audit_rows(page["items"], people),
        verification=verification,
        filters=filters,
        dates=typed,
        errors=errors,
        entities=options.AUDIT_ENTITIES,
        actions=options.AUDIT_ACTIONS,
        newer=newer,
        older=older,
        csv="/admin/audit.csv" + (f"?{query}" if query else ""),
    )
