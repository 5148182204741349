"""Protect: the awareness training log and its statistics (docs/api.md 'Protect')."""

from __future__ import annotations

import pytest

from tests.builders import make_training_session as make_session
from tests.builders import training_session_body as session_body
from tests.conftest import assert_problem

TRAINING = "/api/v1/training-sessions"


def test_create_read_update_delete(client, officer):
    response = client.post(TRAINING, headers=officer.headers, json=session_body())
    assert response.status_code == 201
    created = response.json()
    assert response.headers["location"].endswith(f"{TRAINING}/{created['id']}")
    assert response.headers["etag"] == '"1"' and created["classification"] == "OFFICIAL"
    url = f"{TRAINING}/{created['id']}"
    read = client.get(url, headers=officer.headers)
    assert read.json() == created and read.headers["etag"] == '"1"'
    assert_problem(client.patch(url, headers=officer.headers, json={"attendees": 30}), 428)
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"3"'}, json={"attendees": 30}), 412)
    patched = client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"attendees": 30})
    assert patched.json()["attendees"] == 30 and patched.headers["etag"] == '"2"'
    assert_problem(client.delete(url, headers=officer.headers), 428)
    assert client.delete(url, headers=officer.headers | {"If-Match": '"2"'}).status_code == 204
    assert_problem(client.get(url, headers=officer.headers), 404)
    actions = [
        e["action"]
        for e in client.get(
            "/api/v1/audit-events", params={"entity_id": created["id"]}, headers=officer.headers
        ).json()["items"]
    ]
    assert sorted(actions) == [
        "training_session.create",
        "training_session.delete",
        "training_session.update",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"attendees": True}, "attendees"),
        ({"attendees": -1}, "attendees"),
        ({"attendees": "12"}, "attendees"),
        ({"course": "first_aid"}, "course"),
        ({"audience": "public"}, "audience"),
        ({"delivered_on": "12/05/2026"}, "delivered_on"),
        ({"extra": 1}, "extra"),
    ],
)
def test_invalid_fields_are_422(client, officer, body, field):
    problem = assert_problem(client.post(TRAINING, headers=officer.headers, json=session_body(**body)), 422)
    assert field in [e["field"] for e in problem["errors"]]


def test_list_filters_newest_first(client, officer):
    make_session(client, officer, delivered_on="2026-01-10", course="act_operational")
    make_session(client, officer, delivered_on="2026-03-10", audience="staff")
    make_session(client, officer, delivered_on="2026-02-10")

    def get(**p):
        return [s["delivered_on"] for s in client.get(TRAINING, params=p, headers=officer.headers).json()["items"]]

    assert get() == ["2026-03-10", "2026-02-10", "2026-01-10"]
    assert get(course="act_operational") == ["2026-01-10"]
    assert get(audience="staff") == ["2026-03-10"]
    assert get(delivered_from="2026-02-01", delivered_to="2026-02-28") == ["2026-02-10"]


def test_stats_by_uk_financial_quarter(client, officer):
    make_session(client, officer, delivered_on="2026-03-31", attendees=10)  # last day of 2025-26
    make_session(client, officer, delivered_on="2026-04-01", attendees=20)  # first day of 2026-27
    make_session(client, officer, delivered_on="2026-06-30", attendees=5)
    make_session(client, officer, delivered_on="2026-07-01", attendees=7)
    make_session(client, officer, delivered_on="2027-01-15", attendees=3)
    response = client.get(f"{TRAINING}/stats", params={"group_by": "quarter"}, headers=officer.headers)
    assert response.status_code == 200
    assert response.json() == {
        "groups": [
            {"key": "2025-26 Q4", "sessions": 1, "attendees": 10},
            {"key": "2026-27 Q1", "sessions": 2, "attendees": 25},
            {"key": "2026-27 Q2", "sessions": 1, "attendees": 7},
            {"key": "2026-27 Q4", "sessions": 1, "attendees": 3},
        ]
    }
    assert client.get(f"{TRAINING}/stats", headers=officer.headers).json() == response.json()  # the default


def test_stats_by_course_and_audience(client, officer):
    make_session(client, officer, course="act_awareness", audience="staff", attendees=10)
    make_session(client, officer, course="act_awareness", audience="business", attendees=4)
    make_session(client, officer, course="act_strategic", audience="staff", attendees=6)
    by_course = client.get(f"{TRAINING}/stats", params={"group_by": "course"}, headers=officer.headers).json()
    assert by_course["groups"] == [
        {"key": "act_awareness", "sessions": 2, "attendees": 14},
        {"key": "act_strategic", "sessions": 1, "attendees": 6},
    ]
    by_audience = client.get(
        f"{TRAINING}/stats",
        params={"group_by": "audience", "course": "act_awareness"},
        headers=officer.headers,
    ).json()
    assert by_audience["groups"] == [
        {"key": "business", "sessions": 1, "attendees": 4},
        {"key": "staff", "sessions": 1, "attendees": 10},
    ]
    assert_problem(client.get(f"{TRAINING}/stats", params={"group_by": "ward"}, headers=officer.headers), 422)


def test_classification_hides_sessions_from_lists_stats_and_reads(client, officer, viewer, make_api_key):
    hidden = make_session(client, officer, classification="OFFICIAL-SENSITIVE", attendees=99)
    shown = make_session(client, officer, attendees=1)
    assert_problem(client.get(f"{TRAINING}/{hidden['id']}", headers=viewer.headers), 404)
    assert [s["id"] for s in client.get(TRAINING, headers=viewer.headers).json()["items"]] == [shown["id"]]
    stats = client.get(f"{TRAINING}/stats", params={"group_by": "course"}, headers=viewer.headers).json()
    assert stats["groups"] == [{"key": "act_awareness", "sessions": 1, "attendees": 1}]
    exported = client.get(TRAINING, headers=viewer.headers | {"Accept": "text/csv"}).text
    assert hidden["id"] not in exported and shown["id"] in exported
    partner = make_api_key(["protect:read", "protect:write"], clearance="OFFICIAL")
    headers = partner.headers | {"If-Match": '"1"'}
    assert_problem(client.patch(f"{TRAINING}/{hidden['id']}", headers=headers, json={"attendees": 1}), 404)
    assert_problem(client.delete(f"{TRAINING}/{hidden['id']}", headers=headers), 404)
    refused = client.post(TRAINING, headers=partner.headers, json=session_body(classification="OFFICIAL-SENSITIVE"))
    assert_problem(refused, 403)
    raised = client.patch(f"{TRAINING}/{shown['id']}", headers=headers, json={"classification": "OFFICIAL-SENSITIVE"})
    assert_problem(raised, 403)


def test_authentication_scopes_and_idempotency(client, officer, viewer):
    assert_problem(client.get(TRAINING), 401)
    assert_problem(client.post(TRAINING, headers=viewer.headers, json=session_body()), 403)
    assert client.get(TRAINING, headers=viewer.headers).status_code == 200
    headers = officer.headers | {"Idempotency-Key": "training-1"}
    first = client.post(TRAINING, headers=headers, json=session_body())
    again = client.post(TRAINING, headers=headers, json=session_body())
    assert first.json() == again.json() and again.status_code == 201
    assert len(client.get(TRAINING, headers=officer.headers).json()["items"]) == 1
