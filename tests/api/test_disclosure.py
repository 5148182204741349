"""Every disclosure of OFFICIAL-SENSITIVE data to a partner system is an audit event."""

from __future__ import annotations


def _site(client, officer, name, classification):
    response = client.post(
        "/api/v1/sites",
        headers=officer.headers,
        json={
            "name": name,
            "category": "crowded_place",
            "location": {"lat": 51.508, "lon": -0.128},
            "classification": classification,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _disclosures(client, admin):
    return client.get("/api/v1/audit-events", params={"action": "disclosure"}, headers=admin.headers).json()["items"]


def test_a_partner_reading_sensitive_records_is_logged(client, officer, admin, make_api_key):
    secret = _site(client, officer, "Secret", "OFFICIAL-SENSITIVE")
    _site(client, officer, "Open", "OFFICIAL")
    police = make_api_key(["protect:read"], clearance="OFFICIAL-SENSITIVE", organisation="Metropolitan Police Service")
    assert client.get(f"/api/v1/sites/{secret}", headers=police.headers).status_code == 200
    assert client.get("/api/v1/sites", headers=police.headers).status_code == 200
    csv_export = client.get("/api/v1/sites", headers=police.headers | {"Accept": "text/csv"})
    assert csv_export.status_code == 200
    geojson = client.get("/api/v1/sites", headers=police.headers | {"Accept": "application/geo+json"})
    assert geojson.status_code == 200
    events = _disclosures(client, admin)
    assert len(events) == 4
    assert all(e["organisation"] == "Metropolitan Police Service" and e["actor_kind"] == "api_key" for e in events)
    assert all(e["after"]["ids"] == [secret] and e["entity_type"] == "sites" for e in events)
    assert events[-1]["entity_id"] == secret


def test_official_records_and_council_users_are_not_disclosures(client, officer, admin, make_api_key):
    open_site = _site(client, officer, "Open", "OFFICIAL")
    _site(client, officer, "Secret", "OFFICIAL-SENSITIVE")
    partner = make_api_key(["protect:read"], clearance="OFFICIAL")
    assert client.get(f"/api/v1/sites/{open_site}", headers=partner.headers).status_code == 200
    assert client.get("/api/v1/sites", headers=partner.headers).status_code == 200
    assert client.get("/api/v1/sites", headers=officer.headers).status_code == 200
    assert _disclosures(client, admin) == []
