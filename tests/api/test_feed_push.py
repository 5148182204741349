"""Signed pushes (Standard Webhooks): valid, tampered, wrong secret, old, replayed, unknown type, invalid data."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.conftest import assert_problem
from tests.feeds import sign

ASSESSMENT = {
    "external_id": "MET-CTLP-2026-Q3",
    "title": "Counter Terrorism Local Profile 2026",
    "issued_by": "Metropolitan Police Counter Terrorism Command",
    "period_start": "2026-04-01",
    "period_end": "2027-03-31",
    "summary": "Online radicalisation of young people remains the main concern.",
    "priorities": [{"area": "Riverside ward", "theme": "Extreme right-wing", "rating": "high", "notes": ""}],
}


@pytest.fixture
def push_feed(client, admin):
    response = client.post("/api/v1/feeds", headers=admin.headers, json={"name": "Met CT", "kind": "push"})
    return response.json()


def _event(kind: str, data: dict) -> bytes:
    return json.dumps({"type": kind, "timestamp": "2026-11-29T10:00:00Z", "data": data}).encode()


def _send(client, feed, body, *, secret=None, webhook_id=None, at=None, headers=None):
    signed = sign(secret or feed["secret"], webhook_id or f"msg_{uuid.uuid4().hex}", at or int(time.time()), body)
    return client.post(f"/api/v1/feeds/{feed['id']}/events", content=body, headers={**signed, **(headers or {})})


LEVEL = _event("threat_level.changed", {"scope": "UK", "level": "SEVERE", "note": "Raised by JTAC"})


def test_a_valid_level_push_is_recorded_from_the_feed(client, admin, push_feed):
    response = _send(client, push_feed, LEVEL)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "recorded"
    current = client.get("/api/v1/threat-level").json()
    assert current["level"] == "SEVERE" and current["source"] == "Met CT" and current["stale"] is False
    history = client.get("/api/v1/threat-level/history").json()["items"]
    assert history[0]["recorded_by"] == "feed:Met CT" and history[0]["note"] == "Raised by JTAC"
    health = client.get(f"/api/v1/feeds/{push_feed['id']}", headers=admin.headers).json()
    assert health["status"] == "ok" and health["last_success_at"]


def test_the_level_in_force_is_acknowledged_not_recorded_again(client, push_feed):
    _send(client, push_feed, LEVEL)
    again = _send(client, push_feed, LEVEL)
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    assert len(client.get("/api/v1/threat-level/history").json()["items"]) == 1


def test_a_replayed_webhook_id_is_acknowledged_once(client, push_feed):
    first = _send(client, push_feed, LEVEL, webhook_id="msg_1")
    replay = _send(client, push_feed, LEVEL, webhook_id="msg_1")
    assert first.json()["outcome"] == "recorded"
    assert replay.status_code == 200 and replay.json()["outcome"] == "duplicate"
    assert len(client.get("/api/v1/threat-level/history").json()["items"]) == 1


def test_the_same_webhook_id_with_another_body_is_409(client, push_feed):
    _send(client, push_feed, LEVEL, webhook_id="msg_1")
    other = _event("threat_level.changed", {"scope": "UK", "level": "CRITICAL"})
    conflict = assert_problem(_send(client, push_feed, other, webhook_id="msg_1"), 409)
    assert "webhook-id" in conflict["detail"] and conflict["instance"].endswith("/events")
    assert client.get("/api/v1/threat-level").json()["level"] == "SEVERE"


@pytest.mark.parametrize(
    "tamper",
    ["body", "wrong secret", "old timestamp", "future timestamp", "no signature", "garbage signature", "no id"],
)
def test_a_bad_signature_is_401_and_records_nothing(client, push_feed, tamper):
    body, secret, at, headers = LEVEL, None, None, {}
    if tamper == "wrong secret":
        secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw"
    elif tamper == "old timestamp":
        at = int(time.time()) - 6 * 60
    elif tamper == "future timestamp":
        at = int(time.time()) + 6 * 60
    elif tamper == "no signature":
        headers = {"webhook-signature": ""}
    elif tamper == "garbage signature":
        headers = {"webhook-signature": "v1,not base64!! v2"}
    elif tamper == "no id":
        headers = {"webhook-id": ""}
    if tamper == "body":
        signed = sign(push_feed["secret"], "msg_x", int(time.time()), body)
        body = body.replace(b"SEVERE", b"LOW")
        response = client.post(f"/api/v1/feeds/{push_feed['id']}/events", content=body, headers=signed)
    else:
        response = _send(client, push_feed, body, secret=secret, at=at, headers=headers)
    assert_problem(response, 401)
    assert client.get("/api/v1/threat-level").status_code == 404


def test_after_a_rotation_the_previous_secret_verifies_for_the_grace_window(client, admin, push_feed, settings):
    rotated = client.post(f"/api/v1/feeds/{push_feed['id']}/rotate-secret", headers=admin.headers)
    new = rotated.json()["secret"]
    assert rotated.json()["previous_secret_valid_until"]
    assert _send(client, push_feed, LEVEL).status_code == 200  # the old secret, within the grace window
    assert _send(client, push_feed, LEVEL, secret=new).status_code == 200
    health = client.get(f"/api/v1/feeds/{push_feed['id']}", headers=admin.headers).json()
    assert health["previous_secret_valid_until"] == rotated.json()["previous_secret_valid_until"]
    # a second rotation: only the secret just replaced stays valid, never the one before it
    newer = client.post(f"/api/v1/feeds/{push_feed['id']}/rotate-secret", headers=admin.headers).json()["secret"]
    assert_problem(_send(client, push_feed, LEVEL), 401)
    assert _send(client, push_feed, LEVEL, secret=new).status_code == 200
    assert _send(client, push_feed, LEVEL, secret=newer).status_code == 200


def test_without_a_grace_window_the_old_secret_stops_at_once(client, admin, push_feed, settings, monkeypatch):
    monkeypatch.setattr(settings, "feed_secret_grace_seconds", 0)
    new = client.post(f"/api/v1/feeds/{push_feed['id']}/rotate-secret", headers=admin.headers).json()["secret"]
    assert_problem(_send(client, push_feed, LEVEL), 401)
    assert _send(client, push_feed, LEVEL, secret=new).status_code == 200


def test_refused_signatures_show_in_the_feeds_health(client, admin, push_feed):
    wrong = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw"
    assert_problem(_send(client, push_feed, LEVEL, secret=wrong), 401)
    assert_problem(_send(client, push_feed, LEVEL, at=int(time.time()) - 600), 401)
    health = client.get(f"/api/v1/feeds/{push_feed['id']}", headers=admin.headers).json()
    assert health["refused_pushes"] == 2 and health["last_refused_at"]
    assert "timestamp" in health["last_refused_reason"].lower()
    assert health["version"] == push_feed["version"]  # health is not an edit of the feed
    assert _send(client, push_feed, LEVEL).status_code == 200
    listed = client.get("/api/v1/feeds", headers=admin.headers).json()["items"][0]
    assert listed["refused_pushes"] == 2 and listed["status"] == "ok"


def test_service_rules_on_the_data_name_their_place_in_the_payload(client, push_feed):
    future = _event("threat_level.changed", {"level": "SEVERE", "effective_from": "2099-01-01T00:00:00Z"})
    problem = assert_problem(_send(client, push_feed, future), 422)
    assert [e["field"] for e in problem["errors"]] == ["data.effective_from"]
    backwards = {**ASSESSMENT, "period_start": "2027-04-01", "period_end": "2026-03-31"}
    problem = assert_problem(_send(client, push_feed, _event("threat_assessment.published", backwards)), 422)
    assert [e["field"] for e in problem["errors"]] == ["data.period_end"]
    assert problem["detail"].startswith("data.period_end")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_event("threat_level.raised", {"level": "SEVERE"}), "type"),
        (_event("threat_level.changed", {"level": "ELEVATED"}), "data.level"),
        (_event("threat_level.changed", {"level": "SEVERE", "colour": "red"}), "data.colour"),
        (_event("threat_level.changed", {"level": "SEVERE", "effective_from": 1700000000}), "data.effective_from"),
        (_event("threat_assessment.published", {**ASSESSMENT, "external_id": ""}), "data.external_id"),
        (b"not json", "body"),
        (b'{"type": "threat_level.changed"}', "data"),
    ],
)
def test_invalid_events_are_422_and_record_nothing(client, push_feed, body, field):
    problem = assert_problem(_send(client, push_feed, body), 422)
    assert field in {e["field"] for e in problem["errors"]}, problem
    assert client.get("/api/v1/threat-level").status_code == 404


def test_a_future_level_is_422(client, push_feed):
    body = _event("threat_level.changed", {"level": "SEVERE", "effective_from": "2099-01-01T00:00:00Z"})
    assert_problem(_send(client, push_feed, body), 422)


def test_unknown_or_non_push_feeds_are_404(client, admin, push_feed):
    mi5 = client.post(
        "/api/v1/feeds", headers=admin.headers, json={"name": "MI5", "kind": "mi5_rss", "url": "http://127.0.0.1:9/"}
    ).json()
    signed = sign(push_feed["secret"], "msg_1", int(time.time()), LEVEL)
    assert_problem(client.post(f"/api/v1/feeds/{mi5['id']}/events", content=LEVEL, headers=signed), 404)
    assert_problem(client.post("/api/v1/feeds/unknown/events", content=LEVEL, headers=signed), 404)


def test_a_pushed_assessment_is_created_then_updated_by_external_id(client, officer, push_feed):
    created = _send(client, push_feed, _event("threat_assessment.published", ASSESSMENT))
    assert created.status_code == 200 and created.json()["outcome"] == "created", created.text
    assessment_id = created.json()["entity_id"]
    revised = {**ASSESSMENT, "summary": "Revised after the summer."}
    updated = _send(client, push_feed, _event("threat_assessment.published", revised))
    assert updated.json() == {**updated.json(), "outcome": "updated", "entity_id": assessment_id}
    items = client.get("/api/v1/threat-assessments", headers=officer.headers).json()["items"]
    assert [(a["id"], a["summary"], a["classification"]) for a in items] == [
        (assessment_id, "Revised after the summer.", "OFFICIAL-SENSITIVE")
    ]
    assert items[0]["priorities"][0]["ref"] == "P1"
    assert items[0]["external_id"] == ASSESSMENT["external_id"]
    one = client.get(f"/api/v1/threat-assessments/{assessment_id}", headers=officer.headers).json()
    assert one["external_id"] == ASSESSMENT["external_id"]
    typed = client.post(
        "/api/v1/threat-assessments",
        headers=officer.headers,
        json={k: v for k, v in ASSESSMENT.items() if k != "external_id"},
    )
    assert typed.status_code == 201 and typed.json()["external_id"] is None


def test_a_push_needs_no_bearer_token_and_ignores_one(client, admin, push_feed):
    response = _send(client, push_feed, LEVEL, headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 200
