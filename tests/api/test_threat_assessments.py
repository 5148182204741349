"""Police threat assessments (docs/api.md 'Police threat assessments')."""

from __future__ import annotations

from tests.conftest import assert_problem

URL = "/api/v1/threat-assessments"


def assessment(**extra):
    """A valid new assessment."""
    return {
        "title": "Counter Terrorism Local Profile 2026",
        "issued_by": "Metropolitan Police Service, Counter Terrorism Policing",
        "period_start": "2026-04-01",
        "period_end": "2027-03-31",
        "summary": "Online radicalisation of young people remains the main concern.",
        "priorities": [
            {
                "area": "Northbank ward",
                "theme": "Extreme right-wing terrorism",
                "rating": "high",
                "notes": "Stickering and leafleting near schools.",
            },
            {"area": "Further education colleges", "theme": "Islamist terrorism", "rating": "medium"},
            {
                "ref": "ONL",
                "area": "Online spaces",
                "theme": "Mixed, unclear and unstable ideologies",
                "rating": "low",
            },
        ],
    } | extra


def create(client, actor, **extra):
    response = client.post(URL, headers=actor.headers, json=assessment(**extra))
    assert response.status_code == 201, response.text
    return response


def test_create_defaults_to_official_sensitive_and_ranks_priorities(client, officer):
    response = create(client, officer)
    body = response.json()
    assert body["classification"] == "OFFICIAL-SENSITIVE"
    assert [(p["rank"], p["ref"]) for p in body["priorities"]] == [(1, "P1"), (2, "P2"), (3, "ONL")]
    assert body["priorities"][0]["notes"] == "Stickering and leafleting near schools."
    assert response.headers["location"].endswith(f"{URL}/{body['id']}")
    assert response.headers["etag"] == '"1"'
    got = client.get(f"{URL}/{body['id']}", headers=officer.headers)
    assert got.json() == body and got.headers["etag"] == '"1"'


def test_reading_and_writing_need_the_prevent_scopes(client, member, make_api_key):
    assert_problem(client.get(URL), 401)
    assert_problem(client.post(URL, json=assessment()), 401)
    assert_problem(client.post(URL, headers=member.headers, json=assessment()), 403)
    key = make_api_key(["protect:read"], clearance="OFFICIAL-SENSITIVE")
    assert_problem(client.get(URL, headers=key.headers), 403)


def test_official_principal_never_learns_a_sensitive_assessment_exists(client, officer, viewer, make_api_key):
    hidden = create(client, officer).json()
    shown = create(client, officer, title="Open summary", classification="OFFICIAL").json()
    assert_problem(client.get(f"{URL}/{hidden['id']}", headers=viewer.headers), 404)
    listed = client.get(URL, headers=viewer.headers).json()["items"]
    assert [a["id"] for a in listed] == [shown["id"]]
    csv_text = client.get(URL, headers=viewer.headers | {"Accept": "text/csv"}).text
    assert hidden["id"] not in csv_text and shown["id"] in csv_text
    writer = make_api_key(["prevent:read", "prevent:write"], clearance="OFFICIAL")
    response = client.patch(f"{URL}/{hidden['id']}", headers=writer.headers | {"If-Match": '"1"'}, json={"title": "x"})
    assert_problem(response, 404)


def test_creating_or_raising_above_own_clearance_is_403(client, officer, make_api_key):
    writer = make_api_key(["prevent:read", "prevent:write"], clearance="OFFICIAL")
    assert_problem(client.post(URL, headers=writer.headers, json=assessment()), 403)
    mine = create(client, writer, classification="OFFICIAL").json()
    response = client.patch(
        f"{URL}/{mine['id']}",
        headers=writer.headers | {"If-Match": '"1"'},
        json={"classification": "OFFICIAL-SENSITIVE"},
    )
    assert_problem(response, 403)
    assert client.get(f"{URL}/{mine['id']}", headers=officer.headers).json()["classification"] == "OFFICIAL"


def test_patch_replaces_priorities_and_needs_a_fresh_if_match(client, officer, admin):
    body = create(client, officer).json()
    url = f"{URL}/{body['id']}"
    change = {"priorities": [{"area": "Riverside ward", "theme": "Islamist terrorism", "rating": "high"}]}
    assert_problem(client.patch(url, headers=officer.headers, json=change), 428)
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"9"'}, json=change), 412)
    response = client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json=change)
    assert response.status_code == 200 and response.headers["etag"] == '"2"'
    assert [p["area"] for p in response.json()["priorities"]] == ["Riverside ward"]
    events = client.get("/api/v1/audit-events", headers=admin.headers, params={"entity_id": body["id"]}).json()["items"]
    assert {e["action"] for e in events} == {"threat_assessment.create", "threat_assessment.update"}


def test_invalid_assessments_are_422_naming_the_field(client, officer):
    body = assert_problem(client.post(URL, headers=officer.headers, json=assessment(period_end="2026-01-01")), 422)
    assert body["errors"][0]["field"] == "period_end"
    bad_rating = assessment()
    bad_rating["priorities"][0]["rating"] = "extreme"
    body = assert_problem(client.post(URL, headers=officer.headers, json=bad_rating), 422)
    assert body["errors"][0]["field"] == "priorities.0.rating"
    body = assert_problem(client.post(URL, headers=officer.headers, json=assessment(period_start=20260401)), 422)
    assert body["errors"][0]["field"] == "period_start"
    twice = assessment()
    twice["priorities"][1]["ref"] = "P1"
    body = assert_problem(client.post(URL, headers=officer.headers, json=twice), 422)
    assert body["errors"][0]["field"] == "priorities.1.ref"
    assert client.get(URL, headers=officer.headers).json()["items"] == []


def test_unknown_assessment_is_404(client, officer):
    assert_problem(client.get(f"{URL}/nope", headers=officer.headers), 404)


def test_list_is_newest_period_first_and_searchable(client, officer):
    create(client, officer, title="Older", period_start="2024-04-01", period_end="2025-03-31")
    create(client, officer, title="Newer")
    items = client.get(URL, headers=officer.headers).json()["items"]
    assert [a["title"] for a in items] == ["Newer", "Older"]
    found = client.get(URL, headers=officer.headers, params={"q": "olde"}).json()["items"]
    assert [a["title"] for a in found] == ["Older"]


def test_idempotent_create_replays_and_creates_once(client, officer):
    headers = officer.headers | {"Idempotency-Key": "ta-1"}
    first = client.post(URL, headers=headers, json=assessment())
    again = client.post(URL, headers=headers, json=assessment())
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert len(client.get(URL, headers=officer.headers).json()["items"]) == 1
    assert_problem(client.post(URL, headers=headers, json=assessment(title="Different")), 422)
