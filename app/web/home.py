"""The dashboard: the threat level, then what needs attention in each area the user can read."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from app.core.clock import today_london
from app.web.deps import NavItem, SignedInWeb, Web

router = APIRouter()
NAVIGATION = [NavItem(0, "Dashboard", "/")]


@router.get("/")
async def dashboard(web: SignedInWeb) -> Response:
    """What the signed-in user needs to see first (its API calls made at once, not one after another)."""
    me, summary, *panels = await asyncio.gather(
        web.fetch("/me"),
        web.fetch("/summary"),
        active_now_panel(web),
        alerts_panel(web),
        tensions_panel(web),
        governance_panel(web),
    )
    return web.render("home/dashboard.html", me=me, summary=summary, **{k: v for p in panels for k, v in p.items()})


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


async def tensions_panel(web: Web) -> dict[str, Any]:
    """The context of tensions/_panel.html: reports still new, and the highest level of the last 7 days, counted
    by the API within the reader's clearance (None when the user cannot read tension reports)."""
    if not web.can("tensions:read"):
        return {"tensions": None}
    week = {"from": (today_london() - timedelta(days=6)).isoformat(), "to": today_london().isoformat()}
    every, recent, levels = await asyncio.gather(
        web.fetch("/tension-reports/summary", params={"status": "new"}),
        web.fetch("/tension-reports/summary", params=week),
        web.fetch("/tension-levels"),
    )
    names = {lv["level"]: lv["name"] for lv in levels}
    highest = recent["highest_level"]
    return {
        "tensions": {
            "new": every["new"],
            "week_reports": recent["reports"],
            "highest_level": highest,
            "highest_name": names.get(highest, "") if highest else "",
        }
    }


async def governance_panel(web: Web) -> dict[str, Any]:
    """The context of governance/_dashboard_panel.html: for EMT, how many escalations await their decision."""
    if not (web.can("approve") and web.can("governance:read")):
        return {"awaiting_decision": None}
    result = await web.call("GET", "/escalations", params={"status": "raised", "limit": 200})
    return {"awaiting_decision": len(result.body["items"]) if result.ok else None}
