"""Signing in and out of the web pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.web.deps import AnonymousWeb, SignedInWeb
from app.web.forms import CsrfChecked, text

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only ever return to a page of this site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
async def login_page(web: AnonymousWeb, next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """The sign-in form."""
    if web.session.token:
        return web.redirect(_safe_next(next))
    return web.render("auth/login.html", next=_safe_next(next), errors={}, values={})


@router.post("/login", dependencies=[CsrfChecked])
async def login(web: AnonymousWeb, request: Request) -> Response:
    """Check the credentials with the API and keep its token in the session (a username or password longer than
    any account's is just not right: no length rule is shown, so nothing about accounts is given away)."""
    form = await request.form()
    username, next = text(form, "username"), text(form, "next", 500) or "/"
    password = str(form.get("password") or "")[:1000]
    errors = {}
    if not username.strip():
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    if not errors:
        client = web.request.client.host if web.request.client else ""  # for the API's per-address throttle
        credentials = {"username": username, "password": password}
        result = await web.api.post(
            "/auth/token", data=credentials, headers={"X-Forwarded-For": client} if client else None
        )
        if result.ok:
            token = result.body["access_token"]
            me = await web.api.get("/me", token=token)
            web.session.sign_in(token, me.body)
            return web.redirect(_safe_next(next))
        if result.status == 429:
            errors["username"] = "Too many failed attempts for this username. Wait 15 minutes and try again"
        else:
            errors["password"] = "The username or password is not right"
    return web.render(
        "auth/login.html",
        status=400 if errors else 200,
        next=_safe_next(next),
        errors=errors,
        values={"username": username},
    )


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(web: SignedInWeb) -> Response:
    """Revoke the token and forget it."""
    await web.call("DELETE", "/auth/token")
    web.session.sign_out()
    web.session.add_flash("You have signed out.")
    return web.redirect("/login")
