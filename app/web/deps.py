"""What every page handler gets: the session, the API client with the user's token, and rendering."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.core.settings import Settings
from app.web.client import CONFIGURATION, ApiClient, ApiResult, ApiUnavailable
from app.web.session import SessionCodec, WebSession
from app.web.templating import Renderer


class LoginRequired(Exception):
    """The page needs a signed-in user (or their token stopped working)."""


class WebError(Exception):
    """A page-level error shown as an error page with its status."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


@dataclass(frozen=True)
class NavItem:
    """A link in the service navigation: shown to users holding `scope` (None: everyone signed in).

    `parent` is the href of the area's own item: such a link is in that area's sub-navigation (shown on the area's
    pages), not in the menu, so the menu stays one row of areas. When the user may not see the parent, the first
    link of the area they may see heads it instead (a member's "Report a tension", an officer's "Audit log").
    `own` is what the sub-navigation calls the area's own page ("Sites" under "Protect"; default: `text`).
    """

    order: int
    text: str
    href: str
    scope: str | None = None
    parent: str | None = None
    own: str | None = None

    def active(self, path: str) -> bool:
        """Whether the current page is this link's page or one under it."""
        return path == self.href or path.startswith(self.href.rstrip("/") + "/")

    @property
    def area(self) -> str:
        """The first segment of the link's path ("/prepare" for "/prepare/plans"): its area's pages start with it."""
        return "/" + self.href.strip("/").split("/")[0]


def navigation(pages: Iterable[Any]) -> list[NavItem]:
    """The page modules' NAVIGATION items, in order."""
    items = [item for page in pages for item in getattr(page, "NAVIGATION", [])]
    return sorted(items, key=lambda i: i.order)


@dataclass(frozen=True)
class Menus:
    """The menu of areas and, on an area's pages, its sub-navigation (empty when the area has one page)."""

    menu: list[dict[str, Any]]
    area: str
    sub: list[dict[str, Any]]


def menus(items: Iterable[NavItem], path: str) -> Menus:
    """The menu and sub-navigation for a page at `path`, from the items (in order) the user may see."""
    areas: dict[str, list[NavItem]] = {}
    for item in items:
        areas.setdefault(item.parent or item.href, []).append(item)
    families = [sorted(family, key=lambda item: item.parent is not None) for family in areas.values()]
    section = "/" + path.strip("/").split("/")[0]
    current = next((family for family in families if family[0].area == section), None)
    here = max((item for item in current or [] if item.active(path)), key=lambda item: len(item.href), default=None)
    sub = [
        {"text": (item.own or item.text) if index == 0 else item.text, "href": item.href, "active": item is here}
        for index, item in enumerate(current or [])
    ]
    return Menus(
        menu=[{"text": f[0].text, "href": f[0].href, "active": f is current} for f in families],
        area=current[0].text if current else "",
        sub=sub if len(sub) > 1 else [],
    )


def marking_of(*records: dict[str, Any]) -> str:
    """The highest marking among the records shown on a page."""
    return "OFFICIAL-SENSITIVE" if any(r.get("classification") == "OFFICIAL-SENSITIVE" for r in records) else "OFFICIAL"


@dataclass
class Web:
    """One page request: session, API access as the signed-in user, and rendering."""

    request: Request
    session: WebSession
    api: ApiClient
    renderer: Renderer
    codec: SessionCodec
    settings: Settings
    threat: dict[str, Any] | None = None

    @property
    def user(self) -> dict[str, Any] | None:
        """The signed-in user's /me, as stored at sign-in."""
        return self.session.user

    def can(self, scope: str) -> bool:
        """Whether the signed-in user holds a scope (for showing links; the API decides for real)."""
        return bool(self.user and scope in self.user.get("scopes", []))

    async def call(self, method: str, path: str, **kwargs: Any) -> ApiResult:
        """Call the API as the signed-in user; a refused token sends them to sign in again."""
        scopes = CONFIGURATION.get(path, ()) if method == "GET" and not kwargs else ()
        if any(self.can(scope) for scope in scopes):
            result = await self.api.configured(path, token=self.session.token)
        else:
            result = await self.api.request(method, path, token=self.session.token, **kwargs)
        if result.status == 401 and self.session.token:
            self.session.sign_out()
            raise LoginRequired()
        return result

    async def fetch(self, path: str, **kwargs: Any) -> Any:
        """GET a resource the page cannot do without: 403/404 become error pages."""
        return (await self.fetch_result(path, **kwargs)).body

    async def fetch_result(self, path: str, **kwargs: Any) -> ApiResult:
        """As fetch, keeping the whole answer (an edit form needs its ETag)."""
        result = await self.call("GET", path, **kwargs)
        if result.status == 404:
            raise WebError(404, "Page not found", "There is nothing here, or you are not cleared to see it.")
        if result.status == 403:
            raise WebError(403, "You do not have access", result.detail or "Your role does not allow this.")
        if not result.ok:
            raise WebError(
                result.status if result.status >= 500 else 400,
                "Something went wrong",
                result.detail or "The service could not answer.",
            )
        return result

    async def csv_download(self, path: str, params: dict[str, Any], filename: str) -> Response:
        """A list as the API's CSV, passed on as a download: exactly what the user may see with these filters.

        Pages need this because the browser's session cookie cannot call the API itself.
        """
        result = await self.call("GET", path, params=params, headers={"Accept": "text/csv"})
        if not result.ok:
            await self.fetch(path, params=params)  # turns the API's refusal into the matching error page
            raise WebError(400, "The list could not be downloaded", result.detail)
        return Response(
            result.body or "",
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def context(self, **extra: Any) -> dict[str, Any]:
        """What every template gets."""
        path = self.request.url.path
        nav = menus(
            (item for item in self.renderer.navigation if self.user and (item.scope is None or self.can(item.scope))),
            path,
        )
        clearance = (self.user or {}).get("clearance", "OFFICIAL")
        return {
            "request": self.request,
            "user": self.user,
            "csrf_token": self.session.csrf,
            "navigation": nav.menu,
            "subnavigation": nav.sub,
            "subnavigation_label": nav.area,
            "flash": self.session.pop_flash(),
            "marking": extra.pop("marking", clearance),
            "can": self.can,
            "settings": self.settings,
            "threat": self.threat,
            **extra,
        }

    def render(self, template: str, status: int = 200, *, block: str | None = None, **extra: Any) -> Response:
        """Render a page (or, with block, one fragment of it for htmx)."""
        context = self.context(**extra)
        html = self.renderer.block(template, block, context) if block else self.renderer.page(template, context)
        response = HTMLResponse(html, status_code=status, headers={"Vary": "HX-Request"})
        self.save(response)
        return response

    def redirect(self, url: str) -> Response:
        """Post/redirect/get."""
        response = RedirectResponse(url, status_code=303)
        self.save(response)
        return response

    def save(self, response: Response) -> None:
        """Write the session cookie onto a response, if it changed."""
        self.codec.save(self.session, response, https=self.request.url.scheme == "https")

    @property
    def is_htmx(self) -> bool:
        """Whether htmx sent this request (so a fragment will do)."""
        return self.request.headers.get("hx-request") == "true"


async def build_web(request: Request) -> Web:
    """The page context of a request, with the current UK threat level for the banner."""
    state = request.app.state
    codec: SessionCodec = state.session_codec
    web = Web(
        request=request,
        session=codec.load(request),
        api=state.api_client,
        renderer=state.renderer,
        codec=codec,
        settings=state.settings,
    )
    try:
        current = await web.api.get("/threat-level")
        web.threat = current.body if current.ok else None
    except ApiUnavailable:
        web.threat = None
    return web


async def anonymous_web(request: Request) -> Web:
    """A page anyone may see."""
    return await build_web(request)


async def signed_in_web(request: Request) -> Web:
    """A page for signed-in users; others are sent to sign in."""
    web = await build_web(request)
    if not web.session.token:
        raise LoginRequired()
    return web


AnonymousWeb = Annotated[Web, Depends(anonymous_web)]
SignedInWeb = Annotated[Web, Depends(signed_in_web)]


def forbidden(action: str) -> WebError:
    """The plain 403 page of a page the signed-in user may not use."""
    return WebError(403, "You do not have access", f"You do not have permission to {action}. Ask an administrator.")


def require(scope: str, action: str) -> Any:
    """A page's permission, in the route: `dependencies=[require("protect:write", "add sites")]`.

    Decided from the signed-in user's scopes (their /me, kept in the session at sign-in) before the form is
    rendered and before a POST calls the API: a person who may not do `action` gets the 403 page, never the form.
    The API still decides for real. Put it before `CsrfChecked` so a refused POST is a 403 page either way.
    """

    async def allowed(web: SignedInWeb) -> None:
        if not web.can(scope):
            raise forbidden(action)

    return Depends(allowed)


def login_url(request: Request) -> str:
    """Where to sign in, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"
