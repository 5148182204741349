"""Exercises: plans exercised, participants, lessons, the plan's last exercise and classification."""

from __future__ import annotations

from datetime import timedelta

from app.core.clock import today_london
from tests.builders import make_contingency_plan as plan
from tests.builders import make_exercise as exercise
from tests.conftest import assert_problem

URL = "/api/v1/exercises"
PLANS = "/api/v1/contingency-plans"


def test_exercise_with_plans_participants_and_lessons(client, officer):
    p = plan(client, officer)
    response = client.post(
        URL,
        headers=officer.headers,
        json={
            "title": "Exercise Safer Streets",
            "held_on": "2026-03-04",
            "exercise_type": "command_post",
            "plan_ids": [p["id"]],
            "participants": ["Metropolitan Police Service", "London Fire Brigade"],
            "lessons": [
                {
                    "text": "Rest centre keys held by one person",
                    "action": "Second key holder",
                    "owner": "Facilities",
                },
                {"text": "Radio channels worked", "status": "done"},
            ],
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"' and response.headers["location"].endswith(response.json()["id"])
    body = response.json()
    assert body["plan_ids"] == [p["id"]] and body["participants"][1] == "London Fire Brigade"
    assert body["lessons"][0] == {
        "text": "Rest centre keys held by one person",
        "action": "Second key holder",
        "owner": "Facilities",
        "status": "open",
    }
    assert body["open_actions"] == 1 and body["classification"] == "OFFICIAL"
    assert client.get(f"{URL}/{body['id']}", headers=officer.headers).json() == body
    listed = client.get(URL, headers=officer.headers, params={"plan_id": p["id"]}).json()["items"]
    assert [e["id"] for e in listed] == [body["id"]]


def test_plan_shows_its_last_exercise_and_is_flagged_when_overdue(client, officer):
    p = plan(client, officer)
    assert client.get(f"{PLANS}/{p['id']}", headers=officer.headers).json()["exercise_overdue"] is True
    old = (today_london() - timedelta(days=400)).isoformat()
    exercise(client, officer, held_on=old, plan_ids=[p["id"]])
    got = client.get(f"{PLANS}/{p['id']}", headers=officer.headers).json()
    assert got["last_exercised_on"] == old and got["exercise_overdue"] is True
    recent = (today_london() - timedelta(days=30)).isoformat()
    exercise(client, officer, held_on=recent, plan_ids=[p["id"]])
    got = client.get(f"{PLANS}/{p['id']}", headers=officer.headers).json()
    assert got["last_exercised_on"] == recent and got["exercise_overdue"] is False
    assert client.get(PLANS, headers=officer.headers, params={"exercise_overdue": "true"}).json()["items"] == []


def test_lessons_are_validated(client, officer):
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={
                "title": "X",
                "held_on": "2026-01-01",
                "exercise_type": "live",
                "lessons": [{"text": "Y", "status": "pending"}],
            },
        ),
        422,
    )
    assert body["errors"][0]["field"] == "lessons.0.status"
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={"title": "X", "held_on": "2026-01-01", "exercise_type": "rehearsal"},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "exercise_type"


def test_unknown_or_hidden_plans_are_refused(client, officer, make_user):
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={"title": "X", "held_on": "2026-01-01", "exercise_type": "live", "plan_ids": ["nope"]},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "plan_ids"
    hidden = plan(client, officer, classification="OFFICIAL-SENSITIVE")
    official_writer = make_user("officer", clearance="OFFICIAL")
    body = assert_problem(
        client.post(
            URL,
            headers=official_writer.headers,
            json={"title": "X", "held_on": "2026-01-01", "exercise_type": "live", "plan_ids": [hidden["id"]]},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "plan_ids"
    shared = exercise(client, officer, plan_ids=[hidden["id"]])
    assert client.get(f"{URL}/{shared['id']}", headers=official_writer.headers).json()["plan_ids"] == []


def test_sensitive_exercises_are_hidden_from_official_principals(client, officer, viewer, make_user):
    secret = exercise(client, officer, title="Sensitive", classification="OFFICIAL-SENSITIVE")
    exercise(client, officer, title="Open")
    assert [e["title"] for e in client.get(URL, headers=viewer.headers).json()["items"]] == ["Open"]
    csv = client.get(URL, headers=viewer.headers | {"Accept": "text/csv"}).text
    assert "Open" in csv and "Sensitive" not in csv
    assert_problem(client.get(f"{URL}/{secret['id']}", headers=viewer.headers), 404)
    official_writer = make_user("officer", clearance="OFFICIAL")
    assert_problem(
        client.post(
            URL,
            headers=official_writer.headers,
            json={
                "title": "X",
                "held_on": "2026-01-01",
                "exercise_type": "live",
                "classification": "OFFICIAL-SENSITIVE",
            },
        ),
        403,
    )


def test_patch_replaces_lessons_and_needs_if_match(client, officer, viewer):
    e = exercise(client, officer, lessons=[{"text": "A"}])
    url = f"{URL}/{e['id']}"
    assert_problem(client.patch(url, headers=officer.headers, json={"title": "New"}), 428)
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"5"'}, json={"title": "New"}), 412)
    assert_problem(client.patch(url, headers=viewer.headers | {"If-Match": '"1"'}, json={"title": "New"}), 403)
    changed = client.patch(
        url,
        headers=officer.headers | {"If-Match": '"1"'},
        json={"lessons": [{"text": "A", "status": "done"}]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["open_actions"] == 0 and changed.headers["etag"] == '"2"'


def test_401_and_404(client, officer):
    assert_problem(client.get(URL), 401)
    assert_problem(client.get(f"{URL}/nope", headers=officer.headers), 404)
    assert_problem(client.post(URL, json={}), 401)


def test_filters(client, officer):
    exercise(client, officer, title="Old live", held_on="2025-01-01", exercise_type="live")
    exercise(client, officer, title="New tabletop", held_on="2026-06-01", summary="Flood scenario")

    def names(**params):
        return [e["title"] for e in client.get(URL, headers=officer.headers, params=params).json()["items"]]

    assert names() == ["New tabletop", "Old live"]  # newest first
    assert names(exercise_type="live") == ["Old live"]
    assert names(held_after="2026-01-01") == ["New tabletop"]
    assert names(held_before="2025-12-31") == ["Old live"]
    assert names(q="flood") == ["New tabletop"]


def test_dates_must_be_iso_text(client, officer):
    body = assert_problem(
        client.post(URL, headers=officer.headers, json={"title": "X", "held_on": 0, "exercise_type": "live"}),
        422,
    )
    assert body["errors"][0]["field"] == "held_on"
    assert_problem(client.get(URL, headers=officer.headers, params={"held_before": "0"}), 422)
    body = assert_problem(
        client.post(
            PLANS,
            headers=officer.headers,
            json={"title": "X", "plan_type": "other", "owner": "Y", "review_due": 0},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "review_due"


def test_a_hidden_plan_filters_exactly_like_an_unknown_id(client, officer, make_user):
    hidden = plan(client, officer, classification="OFFICIAL-SENSITIVE")
    exercise(client, officer, plan_ids=[hidden["id"]])
    official = make_user("officer", clearance="OFFICIAL")
    assert len(client.get(URL, headers=officer.headers, params={"plan_id": hidden["id"]}).json()["items"]) == 1
    for plan_id in (hidden["id"], "made-up"):
        assert client.get(URL, headers=official.headers, params={"plan_id": plan_id}).json()["items"] == []
