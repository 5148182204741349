"""Disclosures found wherever they are in a response, and told by the principal, not the header (issue 11, item 5)."""

from __future__ import annotations

from app.api.disclosure import sensitive_ids
from tests.builders import make_prevent_item, make_site
from tests.builders import make_prevent_plan as make_plan
from tests.builders import make_threat_assessment as make_assessment

PLANS = "/api/v1/prevent/plans"


def _disclosures(client, admin):
    events = client.get("/api/v1/audit-events", params={"action": "disclosure"}, headers=admin.headers)
    return events.json()["items"]


def test_reading_a_plans_coverage_discloses_its_sensitive_threat_assessment(client, officer, admin, make_api_key):
    assessment = make_assessment(client, officer, classification="OFFICIAL-SENSITIVE")
    plan = make_plan(client, officer, threat_assessment_id=assessment["id"], classification="OFFICIAL")
    police = make_api_key(["prevent:read"], clearance="OFFICIAL-SENSITIVE")
    coverage = client.get(f"{PLANS}/{plan['id']}/coverage", headers=police.headers)
    assert coverage.status_code == 200 and coverage.json()["threat_assessment_title"] == assessment["title"]
    [event] = _disclosures(client, admin)
    assert event["after"]["ids"] == [assessment["id"]] and event["actor_kind"] == "api_key"
    assert event["classification"] == "OFFICIAL-SENSITIVE"


def test_reading_sensitive_audit_content_is_a_disclosure(client, officer, admin, make_api_key):
    secret = make_site(client, officer, "Secret", classification="OFFICIAL-SENSITIVE")
    auditor = make_api_key(["audit:read"], clearance="OFFICIAL-SENSITIVE")
    events = client.get("/api/v1/audit-events", headers=auditor.headers, params={"entity_id": secret["id"]})
    assert events.status_code == 200
    [created] = events.json()["items"]
    [event] = _disclosures(client, admin)
    assert set(event["after"]["ids"]) == {str(created["id"]), secret["id"]}  # the event, and the record inside it
    assert event["organisation"] == "Metropolitan Police Service"


def test_disclosures_are_hidden_from_official_auditors(client, officer, make_api_key):
    secret = make_site(client, officer, "Secret", classification="OFFICIAL-SENSITIVE")
    police = make_api_key(["protect:read"], clearance="OFFICIAL-SENSITIVE")
    assert client.get(f"/api/v1/sites/{secret['id']}", headers=police.headers).status_code == 200
    auditor = make_api_key(["audit:read"], clearance="OFFICIAL")
    seen = client.get("/api/v1/audit-events", headers=auditor.headers, params={"action": "disclosure"})
    assert seen.json()["items"] == []


def test_a_council_user_reading_with_a_key_shaped_header_is_not_a_partner(client, officer, admin):
    make_site(client, officer, "Secret", classification="OFFICIAL-SENSITIVE")
    assert client.get("/api/v1/sites", headers=officer.headers).status_code == 200
    assert _disclosures(client, admin) == []


def test_the_scan_finds_records_at_any_depth():
    body = b"""{"id": "plan", "classification": "OFFICIAL", "items": [{"id": "i1", "classification": "OFFICIAL"},
      {"id": "i2", "classification": "OFFICIAL-SENSITIVE", "children": [{"id": 7, "classification":
      "OFFICIAL-SENSITIVE"}]}], "source_id": "ta", "source_classification": "OFFICIAL-SENSITIVE"}"""
    assert sensitive_ids(body, "application/json") == ["i2", "7", "ta"]


def test_reading_a_plan_whose_counts_include_sensitive_items_discloses_them(client, officer, admin, make_api_key):
    plan = make_plan(client, officer, classification="OFFICIAL")
    open_item = make_prevent_item(client, officer, plan["id"], classification="OFFICIAL")
    hidden = make_prevent_item(client, officer, plan["id"], classification="OFFICIAL-SENSITIVE", owner="Ms Secret")
    police = make_api_key(["prevent:read"], clearance="OFFICIAL-SENSITIVE")
    detail = client.get(f"{PLANS}/{plan['id']}", headers=police.headers).json()
    assert detail["counts"]["total"] == 2 and "Ms Secret" in detail["owners"]
    [event] = _disclosures(client, admin)
    assert event["after"]["ids"] == [hidden["id"]] and open_item["id"] not in event["after"]["ids"]


def test_reading_coverage_discloses_the_sensitive_items_answering_it(client, officer, admin, make_api_key):
    assessment = make_assessment(client, officer, classification="OFFICIAL")
    plan = make_plan(client, officer, threat_assessment_id=assessment["id"], classification="OFFICIAL")
    ref = assessment["priorities"][0]["ref"]
    hidden = make_prevent_item(client, officer, plan["id"], classification="OFFICIAL-SENSITIVE", priority_refs=[ref])
    police = make_api_key(["prevent:read"], clearance="OFFICIAL-SENSITIVE")
    coverage = client.get(f"{PLANS}/{plan['id']}/coverage", headers=police.headers).json()
    assert coverage["priorities"][0]["items"][0]["classification"] == "OFFICIAL-SENSITIVE"
    [event] = _disclosures(client, admin)
    assert event["after"]["ids"] == [hidden["id"]]
