"""Administration: partner API keys, users, the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.web import options
from app.web.confirm import Confirmation, confirm_page, show_once, take_once
from app.web.deps import NavItem, SignedInWeb, WebError, require
from app.web.forms import CsrfChecked

router = APIRouter(prefix="/admin")
NAVIGATION = [
    NavItem(90, "API keys", "/admin/api-keys", "admin"),
    NavItem(91, "Users", "/admin/users", "admin"),
    NavItem(92, "Audit log", "/admin/audit", "audit:read"),
]

SCOPES, CLEARANCES, ROLES = options.SCOPES, options.CLEARANCES, options.ROLES


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
    values = {
        "name": str(form.get("name", "")).strip(),
        "organisation": str(form.get("organisation", "")).strip(),
        "clearance": str(form.get("clearance", "OFFICIAL")),
        "scopes": [str(s) for s in form.getlist("scopes")],
        "expires_on": str(form.get("expires_on", "")).strip(),
    }
    payload = {k: v for k, v in values.items() if k != "expires_on"}
    if values["expires_on"]:
        payload["expires_at"] = f"{values['expires_on']}T23:59:59Z"
    result = await web.call("POST", "/api-keys", json=payload)
    if result.ok:  # post/redirect/get: the new key is kept for one view, so a refresh never makes another
        show_once(web, "api_key", result.body)
        return web.redirect("/admin/api-keys/created")
    errors = result.field_errors() or {"name": result.detail}
    errors = {("expires_on" if k == "expires_at" else k): v for k, v in errors.items()}
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
    return web.render("admin/api_key_created.html", key=key)


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
async def create_user(
    web: SignedInWeb,
    username: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    clearance: Annotated[str, Form(max_length=40)] = "",
    organisation: Annotated[str, Form(max_length=300)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Add a user."""
    payload = {
        "username": username.strip(),
        "name": name.strip(),
        "role": role,
        "password": password,
        "organisation": organisation.strip() or "Council",
    }
    if clearance:
        payload["clearance"] = clearance
    result = await web.call("POST", "/users", json=payload)
    if result.ok:
        web.session.add_flash(f"User {result.body['username']} was added.")
        return web.redirect("/admin/users")
    errors = result.field_errors() or {"username": result.detail}
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


@router.get("/audit")
async def audit_log(
    web: SignedInWeb,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    entity_type: Annotated[str | None, Query(max_length=60)] = None,
    actor: Annotated[str | None, Query(max_length=250)] = None,
) -> Response:
    """The audit log, newest first, and whether its chain is intact."""
    params = {k: v for k, v in {"cursor": cursor, "entity_type": entity_type, "actor": actor}.items() if v}
    page = await web.fetch("/audit-events", params={"limit": 50, **params})
    verification = await web.fetch("/audit-events/verify")
    return web.render(
        "admin/audit.html",
        page=page,
        verification=verification,
        filters={"entity_type": entity_type or "", "actor": actor or ""},
    )
