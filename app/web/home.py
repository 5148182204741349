"""The dashboard: the threat level, then what needs attention in each area the user can read."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.web import prepare
from app.web.deps import NavItem, SignedInWeb

router = APIRouter()
NAVIGATION = [NavItem(0, "Dashboard", "/")]


@router.get("/")
async def dashboard(web: SignedInWeb) -> Response:
    """What the signed-in user needs to see first."""
    me = await web.fetch("/me")
    summary = await web.fetch("/summary")
    panel = await prepare.active_now_panel(web)
    return web.render("home/dashboard.html", me=me, summary=summary, **panel)
