"""The HTMX front end: pages that call the API as the signed-in user and render GOV.UK templates.

It never imports models, services, the database or app.api: every screen is proof the API is complete.

The toolkit (no routes): client (the API in process over ASGI, or a separate API over httpx), deps (the `Web` of a
page request), session (the encrypted cookie), templating, forms (CSRF, posted forms, the edit conflict flow),
options (enums and their labels), charts, cap (CAP 1.2 and Atom XML), alert_form (the public warning form).
Every other module is a page module: a `router` and, for the service navigation, `NAVIGATION`. They are included
in the order of PAGES below, never by file name.
"""

from __future__ import annotations

import logging

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from app.core.errors import PROBLEM_JSON, problem_body
from app.core.settings import Settings
from app.discovery import guarded
from app.web import (
    admin,
    alerts,
    alerts_public,
    auth,
    feeds,
    governance,
    governance_escalations,
    governance_forms,
    governance_report,
    home,
    prepare,
    prepare_exercises,
    prepare_lessons,
    prepare_risks,
    prevent,
    prevent_items,
    protect,
    protect_assessments,
    protect_sites,
    search,
    tension_events,
    tension_trends,
    tensions,
    threat_assessments,
    threat_level,
    training,
)
from app.web.client import ApiClient, ApiUnavailable, InProcessApi
from app.web.deps import LoginRequired, WebError, anonymous_web, login_url, navigation
from app.web.session import SessionCodec
from app.web.templating import Renderer

log = logging.getLogger("contest_hub.web")

# The page modules, in the order their routers are included. Within a router, `/new` is declared before `/{id}`.
PAGES = (
    auth,
    home,
    threat_level,
    prevent,
    prevent_items,
    threat_assessments,
    protect,
    protect_sites,
    protect_assessments,
    training,
    prepare,
    prepare_risks,
    prepare_exercises,
    prepare_lessons,
    alerts,
    alerts_public,
    tensions,
    tension_trends,
    tension_events,
    governance_escalations,
    governance_report,
    governance_forms,
    governance,
    admin,
    feeds,
    search,
)


_STATUS_TITLES = {
    400: "There is a problem with the request",
    403: "You do not have access",
    404: "Page not found",
    405: "That cannot be done here",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def install(app: FastAPI, settings: Settings, api_app: ASGIApp) -> None:
    """Add the pages, their state and their error pages to the app."""
    if settings.api_url:
        transport = httpx.AsyncHTTPTransport(retries=1)
        base_url = settings.api_url.rstrip("/") + "/"
        app.state.api_client = ApiClient(httpx.AsyncClient(transport=transport, base_url=base_url, timeout=15.0))
    else:
        app.state.api_client = ApiClient(InProcessApi(api_app, root_path="/api/v1"))
    app.state.renderer = Renderer(navigation(PAGES))
    app.state.session_codec = SessionCodec(
        settings.secret_key, max_age=settings.token_lifetime_minutes * 60, production=settings.env == "production"
    )
    for page in PAGES:
        app.include_router(guarded(page.router), include_in_schema=False)
    _install_error_pages(app)


async def error_page(request: Request, status: int, message: str, title: str | None = None) -> Response:
    """An accessible error page (the threat level banner shows if the API can give it)."""
    web = await anonymous_web(request)
    return web.render(
        "errors/error.html",
        status=status,
        title=title or _STATUS_TITLES.get(status, "Error"),
        message=message,
        status_code=status,
    )


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        codec: SessionCodec = request.app.state.session_codec
        session = codec.load(request)
        if session.token:
            session.sign_out()
        if request.headers.get("hx-request") == "true":
            response: Response = Response(status_code=204, headers={"HX-Redirect": login_url(request)})
        else:
            response = RedirectResponse(login_url(request), status_code=303)
        codec.save(session, response, https=request.url.scheme == "https")
        return response

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return await error_page(request, exc.status, exc.message, exc.title)

    @app.exception_handler(ApiUnavailable)
    async def _unavailable(request: Request, exc: ApiUnavailable) -> Response:
        log.error("API unavailable: %s", exc)  # the page needs nothing from the API, which is down
        html = request.app.state.renderer.page("errors/503.html", {})
        return HTMLResponse(html, status_code=503, headers={"Retry-After": exc.retry_after or "60"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return await error_page(request, 400, "The address or form had a value this page does not accept.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):  # an API path the API's mount could not take
            body = problem_body(
                exc.status_code,
                "Not found" if exc.status_code == 404 else "Error",
                f"There is nothing at {request.url.path}.",
                instance=request.url.path,
            )
            return JSONResponse(body, status_code=exc.status_code, media_type=PROBLEM_JSON)
        message = {
            404: "If you typed the web address, check it is correct. If you pasted it, check you copied "
            "the whole address."
        }.get(exc.status_code, str(exc.detail))
        return await error_page(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return HTMLResponse(
            "<!DOCTYPE html><html lang='en'><head><title>Sorry, there is a problem with the service</title></head>"
            "<body><main><h1>Sorry, there is a problem with the service</h1><p>Try again later.</p></main>"
            "</body></html>",
            status_code=500,
        )
