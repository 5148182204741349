"""Test builders: each makes one record through the API as `actor`, asserts 201 and returns the JSON body.

The defaults make a valid record; keyword arguments override fields or add them. A new resource gets its builder
here, not in a test file, so every test makes records the same way.
"""

from __future__ import annotations

from typing import Any

from app.core.clock import today_london

API = "/api/v1"
TRAFALGAR = (51.50809, -0.12806)  # WGS84 (lat, lon) of a public landmark


def post(client: Any, actor: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST a new record under /api/v1 as the actor; assert 201 and return the body."""
    response = client.post(f"{API}{path}", headers=actor.headers, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def site_body(name: str = "Site", point: tuple[float, float] = TRAFALGAR, **fields: Any) -> dict[str, Any]:
    """A valid new site at a (lat, lon) point."""
    return {"name": name, "category": "crowded_place", "location": {"lat": point[0], "lon": point[1]}, **fields}


def make_site(
    client: Any, actor: Any, name: str = "Site", point: tuple[float, float] = TRAFALGAR, **fields: Any
) -> dict[str, Any]:
    """A protective security site (OFFICIAL-SENSITIVE unless marked otherwise)."""
    return post(client, actor, "/sites", site_body(name, point, **fields))


def training_session_body(**fields: Any) -> dict[str, Any]:
    """A valid new training session."""
    return {
        "course": "act_awareness",
        "delivered_on": "2026-05-12",
        "audience": "business",
        "organisation": "Covent Garden traders",
        "attendees": 25,
        "delivered_by": "CTSA",
        **fields,
    }


def make_training_session(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """An awareness training session."""
    return post(client, actor, "/training-sessions", training_session_body(**fields))


def make_threat_assessment(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """A police threat assessment with two priorities (OFFICIAL-SENSITIVE unless marked otherwise)."""
    body = {
        "title": "CTLP 2026",
        "issued_by": "Met CT Policing",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "priorities": [
            {"area": "Northbank ward", "theme": "Extreme right-wing", "rating": "high"},
            {"area": "Colleges", "theme": "Islamist", "rating": "medium"},
        ],
    }
    return post(client, actor, "/threat-assessments", body | fields)


def make_prevent_plan(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """A draft Prevent delivery plan for 2026-27."""
    body = {"title": "Prevent delivery plan 2026-27", "period_start": "2026-04-01", "period_end": "2027-03-31"}
    return post(client, actor, "/prevent/plans", body | fields)


def make_approved_prevent_plan(client: Any, actor: Any, approver: Any, **fields: Any) -> dict[str, Any]:
    """A Prevent delivery plan drafted by `actor`, submitted and approved by `approver`."""
    plan = make_prevent_plan(client, actor, **fields)
    submitted = client.post(f"/api/v1/prevent/plans/{plan['id']}/submit", headers=actor.headers)
    assert submitted.status_code == 200, submitted.text
    approved = client.post(f"/api/v1/prevent/plans/{plan['id']}/approve", headers=approver.headers)
    assert approved.status_code == 200, approved.text
    return dict(approved.json())


def make_prevent_item(client: Any, actor: Any, plan_id: str, **fields: Any) -> dict[str, Any]:
    """An item of a Prevent plan."""
    body = {
        "plan_id": plan_id,
        "title": "Deliver Prevent awareness to youth workers",
        "key_area": "safeguarding",
        "owner": "Prevent Coordinator",
    }
    return post(client, actor, "/prevent/items", body | fields)


def make_contingency_plan(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """A draft emergency response plan."""
    body = {"title": "Borough emergency plan", "plan_type": "emergency_response", "owner": "Emergency Planning"}
    return post(client, actor, "/contingency-plans", body | fields)


def make_exercise(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """A tabletop exercise held today."""
    body = {"title": "Exercise Northern Lights", "held_on": today_london().isoformat(), "exercise_type": "tabletop"}
    return post(client, actor, "/exercises", body | fields)


def make_risk(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """A risk scored 3 x 3."""
    body = {
        "title": "Flooding from the river",
        "category": "flooding",
        "likelihood": 3,
        "impact": 3,
        "owner": "Emergency Planning",
    }
    return post(client, actor, "/risks", body | fields)


def record_threat_level(client: Any, actor: Any, level: str, **fields: Any) -> dict[str, Any]:
    """A recorded change of the threat level (UK unless `scope` says otherwise)."""
    return post(client, actor, "/threat-level", {"level": level, "note": "test", **fields})


def summary_scene(client: Any, officer: Any, approver: Any) -> None:
    """Records of every area whose counts the EMT dashboard shows (see tests/api/test_summary.py for the counts).

    Prevent: the plan in force (approved, its period contains today) with three items; a submitted plan for next
    period awaiting approval with an overdue red item that no count includes."""
    record_threat_level(client, officer, "CRITICAL")
    plan = make_approved_prevent_plan(client, officer, approver, title="Plan")
    nxt = make_prevent_plan(client, officer, title="Next plan", period_start="2027-04-01", period_end="2028-03-31")
    assert client.post(f"/api/v1/prevent/plans/{nxt['id']}/submit", headers=officer.headers).status_code == 200
    item = {"title": "Item", "key_area": "ideology"}
    make_prevent_item(client, officer, nxt["id"], **item, rag="red", start_date="2020-01-01", due_date="2020-02-01")
    make_prevent_item(client, officer, plan["id"], **item, rag="red", start_date="2020-01-01", due_date="2020-02-01")
    make_prevent_item(client, officer, plan["id"], **item, rag="amber")
    make_prevent_item(client, officer, plan["id"], **item, rag="red", classification="OFFICIAL-SENSITIVE")
    site = {"point": (51.508, -0.128)}
    make_site(client, officer, "Square", **site, capacity=5000, classification="OFFICIAL")
    make_site(client, officer, "Hall", **site, capacity=300, next_review_due="2020-01-01", classification="OFFICIAL")
    make_site(client, officer, "Secret", **site, capacity=900)  # OFFICIAL-SENSITIVE by default
    approved = {"title": "Plan", "status": "approved", "activation_level": "EXCEPTIONAL"}
    make_contingency_plan(client, officer, **approved)
    make_contingency_plan(client, officer, **approved | {"activation_level": None, "review_due": "2020-01-01"})
    risk = {"title": "Risk", "category": "terrorism"}
    make_risk(client, officer, **risk, likelihood=5, impact=5)
    make_risk(client, officer, **risk, likelihood=1, impact=1)


# --- Warn and inform (alerts) ------------------------------------------------------------------------------------


def alert_body(**fields: Any) -> dict[str, Any]:
    """A valid new public warning (a draft once posted)."""
    return {
        "status": "Actual",
        "category": ["Security"],
        "event": "Security incident",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "headline": "Avoid Leicester Square: police incident",
        "description": "Police are dealing with an incident in Leicester Square. The square is closed.",
        "instruction": "Stay away from the area and follow police instructions.",
        "web": "https://www.gov.uk/guidance/stay-safe-during-a-terror-attack",
        "area": {
            "description": "Leicester Square and the streets around it",
            "wards": ["St James's"],
            "circle": {"lat": 51.51032, "lon": -0.13015, "radius_km": 0.5},
        },
        **fields,
    }


def make_alert(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """A draft public warning."""
    return post(client, actor, "/alerts", alert_body(**fields))


def publish_alert(client: Any, author: Any, approver: Any, **fields: Any) -> dict[str, Any]:
    """A warning drafted by `author` and approved by `approver`; returns the published alert."""
    draft = make_alert(client, author, **fields)
    response = client.post(f"{API}/alerts/{draft['id']}/approve", headers=approver.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- Community tensions -------------------------------------------------------------------------------------------


def tension_report_body(**fields: Any) -> dict[str, Any]:
    """A valid new tension report, as a member would send it."""
    return {
        "ward": "Church Street",
        "communities": ["Market traders"],
        "category": "rumour",
        "trigger": "international",
        "trigger_detail": "Fighting abroad shown on the news",
        "summary": "Traders say a rumour is going round that the market will be targeted.",
        "source": "told",
        **fields,
    }


def make_tension_report(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """A tension report made by the actor (new, OFFICIAL unless marked otherwise)."""
    return post(client, actor, "/tension-reports", tension_report_body(**fields))


def assess_tension_report(client: Any, actor: Any, report: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An officer's assessment of a report (read for its ETag first); asserts 200 and returns the new body."""
    url = f"{API}/tension-reports/{report['id']}"
    etag = client.get(url, headers=actor.headers).headers["ETag"]
    response = client.patch(url, headers={**actor.headers, "If-Match": etag}, json=changes)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def community_event_body(**fields: Any) -> dict[str, Any]:
    """A valid new community event: a vigil on a Saturday evening."""
    return {
        "title": "Vigil for the victims of the earthquake",
        "kind": "vigil",
        "starts_at": "2026-12-05T17:00:00Z",
        "ends_at": "2026-12-05T19:00:00Z",
        "place": "Paddington Recreation Ground",
        "ward": "Maida Vale",
        "expected_attendance": 300,
        "organiser": "Maida Vale Interfaith Forum",
        **fields,
    }


def make_community_event(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """A community event (OFFICIAL unless marked otherwise)."""
    return post(client, actor, "/community-events", community_event_body(**fields))


# ---- governance ----


def make_working_group(client: Any, actor: Any, name: str = "Protect Working Group", **fields: Any) -> dict[str, Any]:
    """A working group with two members (officers in their work roles)."""
    body = {
        "name": name,
        "strand": "protect",
        "chair": "Head of Community Safety",
        "meets": "every 6 weeks",
        "members": [
            {"name": "Sam Patel", "organisation": "Council", "department": "Community Safety", "role": "Protect lead"},
            {"name": "Jo Reid", "organisation": "Metropolitan Police", "department": "CT Policing", "role": "CTSA"},
        ],
    }
    return post(client, actor, "/working-groups", body | fields)


def make_meeting(client: Any, actor: Any, group_id: str, **fields: Any) -> dict[str, Any]:
    """A meeting of a group held today."""
    body = {"group_id": group_id, "held_on": today_london().isoformat(), "agenda": ["Actions from last time"]}
    return post(client, actor, "/meetings", body | fields)


def make_action(client: Any, actor: Any, group_id: str, **fields: Any) -> dict[str, Any]:
    """An open action of a group, due in the future unless told otherwise."""
    body = {"group_id": group_id, "text": "Brief venue managers on ACT", "owner": "Protect lead"}
    return post(client, actor, "/actions", body | fields)


def make_escalation(client: Any, actor: Any, group_id: str, **fields: Any) -> dict[str, Any]:
    """An escalation to EMT asking for resources."""
    body = {
        "group_id": group_id,
        "title": "Hostile vehicle mitigation for the winter market",
        "ask": "resources",
        "resources_needed": "Funding for temporary barriers",
    }
    return post(client, actor, "/escalations", body | fields)


def make_priority(client: Any, actor: Any, **fields: Any) -> dict[str, Any]:
    """One of EMT's priorities for 2026/27 (the actor needs approve)."""
    body = {"year": "2026/27", "strand": "protect", "title": "Get every enhanced tier site assessed"}
    return post(client, actor, "/priorities", body | fields)
