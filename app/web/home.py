"""The dashboard: the threat level, then what needs attention in each area the user can read."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from app.web.deps import NavItem, SignedInWeb, Web

router = APIRouter()
NAVIGATION = [NavItem(0, "Dashboard", "/")]


@router.get("/")
async def dashboard(web: SignedInWeb) -> Response:
    """What the signed-in user needs to see first (its API calls made at once, not one after another)."""
    me, summary, panel, warnings = await asyncio.gather(
        web.fetch("/me"), web.fetch("/summary"), active_now_panel(web), alerts_panel(web)
    )
    return web.render("home/dashboard.html", me=me, summary=summary, **panel, **warnings)


async def active_now_panel(web: Web) -> dict[str, Any]:
    """The context of prepare/_active_now_panel.html: plans the current response level activates."""
    if not web.can("prepare:read"):
        return {"active_plans": None}
    result = await web.call("GET", "/contingency-plans", params={"active_now": "true", "limit": 50})
    return {
        "active_plans": result.body["items"] if result.ok else [],
        "response_level": (web.threat or {}).get("response_level"),
    }


async def alerts_panel(web: Web) -> dict[str, Any]:
    """The context of alerts/_dashboard_panel.html: public warnings' drafts awaiting approval."""
    if not web.can("prepare:read"):
        return {"alert_drafts": None}
    result = await web.call("GET", "/alerts", params={"state": "draft", "limit": 200})
    return {"alert_drafts": len(result.body["items"]) if result.ok else None}
