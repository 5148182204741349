"""Exercises: plans exercised, participants, lessons, the plan's last exercise and classification."""

from __future__ import annotations

from datetime import timedelta

from app.core.clock import today_london
from tests.builders import make_contingency_plan as plan
from tests.builders import make_exercise as exercise
from tests.builders import make_lesson
from tests.conftest import assert_problem
from tests.races import at_once, statuses

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
    assert body["lessons"][0] | {"id": "", "created_at": "", "updated_at": ""} == {
        "id": "",
        "created_at": "",
        "updated_at": "",
        "version": 1,
        "exercise_id": body["id"],
        "exercise_title": "Exercise Safer Streets",
        "classification": "OFFICIAL",
        "text": "Rest centre keys held by one person",
        "action": "Second key holder",
        "owner": "Facilities",
        "status": "open",
        "due_on": None,
        "overdue": False,
    }
    assert [lesson["text"] for lesson in body["lessons"]] == [
        "Rest centre keys held by one person",
        "Radio channels worked",
    ]
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


# ---- lessons: their own records, due dates, editing, reopening, the tracker ----

LESSONS = f"{URL}/lessons"


def test_a_lesson_is_added_read_and_changed_with_its_own_etag(client, officer):
    e = exercise(client, officer)
    created = client.post(
        f"{URL}/{e['id']}/lessons",
        headers=officer.headers,
        json={"text": "Keys held by one person", "owner": "Facilities", "due_on": "2027-01-31"},
    )
    assert created.status_code == 201, created.text
    lesson = created.json()
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"].endswith(f"/exercises/{e['id']}/lessons/{lesson['id']}")
    assert lesson["due_on"] == "2027-01-31" and lesson["status"] == "open" and lesson["exercise_title"] == e["title"]
    url = f"{URL}/{e['id']}/lessons/{lesson['id']}"
    read = client.get(url, headers=officer.headers)
    assert read.json() == lesson and read.headers["etag"] == '"1"'
    changed = client.patch(
        url,
        headers=officer.headers | {"If-Match": '"1"'},
        json={"text": "Keys held by two people", "owner": "Estates", "due_on": None},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert (changed.json()["text"], changed.json()["owner"], changed.json()["due_on"]) == (
        "Keys held by two people",
        "Estates",
        None,
    )
    assert client.get(f"{URL}/{e['id']}", headers=officer.headers).json()["lessons"] == [changed.json()]


def test_a_done_lesson_can_be_reopened(client, officer):
    e = exercise(client, officer)
    lesson = make_lesson(client, officer, e["id"])
    url = f"{URL}/{e['id']}/lessons/{lesson['id']}"
    done = client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"status": "done"})
    assert done.json()["status"] == "done"
    assert client.get(f"{URL}/{e['id']}", headers=officer.headers).json()["open_actions"] == 0
    reopened = client.patch(url, headers=officer.headers | {"If-Match": '"2"'}, json={"status": "open"})
    assert reopened.json()["status"] == "open" and reopened.headers["etag"] == '"3"'
    assert client.get(f"{URL}/{e['id']}", headers=officer.headers).json()["open_actions"] == 1


def test_marking_a_lesson_done_is_not_a_conflict_when_someone_added_another(client, officer):
    """The false conflict: "Mark done" used the exercise's version, which any new lesson changed."""
    e = exercise(client, officer)
    first = make_lesson(client, officer, e["id"], text="First")
    make_lesson(client, officer, e["id"], text="Added by someone else meanwhile")
    done = client.patch(
        f"{URL}/{e['id']}/lessons/{first['id']}", headers=officer.headers | {"If-Match": '"1"'}, json={"status": "done"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"


def test_a_lesson_change_needs_if_match_and_a_stale_one_changes_nothing(client, officer, viewer):
    e = exercise(client, officer)
    lesson = make_lesson(client, officer, e["id"])
    url = f"{URL}/{e['id']}/lessons/{lesson['id']}"
    assert_problem(client.patch(url, headers=officer.headers, json={"status": "done"}), 428)
    assert client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"owner": "A"}).status_code == 200
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"owner": "B"}), 412)
    assert client.get(url, headers=officer.headers).json()["owner"] == "A"
    assert_problem(client.patch(url, headers=viewer.headers | {"If-Match": '"2"'}, json={"owner": "B"}), 403)
    assert_problem(client.post(f"{URL}/{e['id']}/lessons", headers=viewer.headers, json={"text": "X"}), 403)
    assert_problem(client.get(url), 401)


def test_lessons_are_validated_in_plain_fields(client, officer):
    e = exercise(client, officer)
    body = assert_problem(
        client.post(f"{URL}/{e['id']}/lessons", headers=officer.headers, json={"text": "", "due_on": "31/01/2027"}),
        422,
    )
    assert {error["field"] for error in body["errors"]} == {"text", "due_on"}
    lesson = make_lesson(client, officer, e["id"])
    body = assert_problem(
        client.patch(
            f"{URL}/{e['id']}/lessons/{lesson['id']}",
            headers=officer.headers | {"If-Match": '"1"'},
            json={"status": "pending"},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "status"


def test_a_lesson_of_another_or_a_hidden_exercise_is_not_found(client, officer, viewer, make_user):
    e, other = exercise(client, officer), exercise(client, officer)
    secret = exercise(client, officer, classification="OFFICIAL-SENSITIVE")
    lesson = make_lesson(client, officer, e["id"])
    hidden = make_lesson(client, officer, secret["id"], text="Sensitive lesson")
    assert hidden["classification"] == "OFFICIAL-SENSITIVE"
    assert_problem(client.get(f"{URL}/{other['id']}/lessons/{lesson['id']}", headers=officer.headers), 404)
    assert_problem(client.get(f"{URL}/{secret['id']}/lessons/{hidden['id']}", headers=viewer.headers), 404)
    official_writer = make_user("officer", clearance="OFFICIAL").headers
    assert_problem(client.post(f"{URL}/{secret['id']}/lessons", headers=official_writer, json={"text": "X"}), 404)
    hidden_url = f"{URL}/{secret['id']}/lessons/{hidden['id']}"
    assert_problem(client.patch(hidden_url, headers=official_writer | {"If-Match": '"1"'}, json={"owner": "X"}), 404)
    listed = client.get(LESSONS, headers=viewer.headers).json()["items"]
    assert [item["id"] for item in listed] == [lesson["id"]]
    csv = client.get(LESSONS, headers=viewer.headers | {"Accept": "text/csv"}).text
    assert "Sensitive lesson" not in csv and lesson["text"] in csv


def test_overdue_means_open_and_due_before_today_in_london(client, officer):
    e = exercise(client, officer)
    yesterday = (today_london() - timedelta(days=1)).isoformat()
    today = today_london().isoformat()
    late = make_lesson(client, officer, e["id"], text="Late", due_on=yesterday)
    make_lesson(client, officer, e["id"], text="Due today", due_on=today)
    make_lesson(client, officer, e["id"], text="Late but done", due_on=yesterday, status="done")
    make_lesson(client, officer, e["id"], text="No date")
    assert late["overdue"] is True
    got = {
        item["text"]: item["overdue"]
        for item in client.get(f"{URL}/{e['id']}", headers=officer.headers).json()["lessons"]
    }
    assert got == {"Late": True, "Due today": False, "Late but done": False, "No date": False}
    overdue = client.get(LESSONS, headers=officer.headers, params={"overdue": "true"}).json()["items"]
    assert [item["text"] for item in overdue] == ["Late"]
    not_overdue = client.get(LESSONS, headers=officer.headers, params={"overdue": "false"}).json()["items"]
    assert sorted(item["text"] for item in not_overdue) == ["Due today", "Late but done", "No date"]


def test_the_tracker_lists_open_lessons_of_every_exercise_overdue_first(client, officer):
    first, second = exercise(client, officer, title="First"), exercise(client, officer, title="Second")
    soon = (today_london() + timedelta(days=10)).isoformat()
    late = (today_london() - timedelta(days=10)).isoformat()
    make_lesson(client, officer, first["id"], text="Undated")
    make_lesson(client, officer, second["id"], text="Soon", due_on=soon)
    make_lesson(client, officer, first["id"], text="Late", due_on=late)
    make_lesson(client, officer, second["id"], text="Done", status="done")
    items = client.get(LESSONS, headers=officer.headers, params={"status": "open"}).json()["items"]
    assert [(i["text"], i["exercise_title"]) for i in items] == [
        ("Late", "First"),
        ("Soon", "Second"),
        ("Undated", "First"),
    ]
    page = client.get(LESSONS, headers=officer.headers, params={"status": "open", "limit": 2}).json()
    rest = client.get(LESSONS, headers=officer.headers, params={"status": "open", "cursor": page["next_cursor"]})
    assert [i["text"] for i in page["items"] + rest.json()["items"]] == ["Late", "Soon", "Undated"]
    mine = client.get(LESSONS, headers=officer.headers, params={"exercise_id": second["id"]}).json()["items"]
    assert sorted(i["text"] for i in mine) == ["Done", "Soon"]
    assert_problem(client.get(LESSONS, headers=officer.headers, params={"status": "closed"}), 422)
    assert_problem(client.get(LESSONS), 401)


def test_lesson_changes_are_audited_with_the_exercise_marking(client, officer, admin):
    e = exercise(client, officer, classification="OFFICIAL-SENSITIVE")
    lesson = make_lesson(client, officer, e["id"])
    client.patch(
        f"{URL}/{e['id']}/lessons/{lesson['id']}",
        headers=officer.headers | {"If-Match": '"1"'},
        json={"status": "done"},
    )
    events = client.get("/api/v1/audit-events", headers=admin.headers, params={"entity_type": "lesson"}).json()["items"]
    assert {event["action"] for event in events} == {"lesson.create", "lesson.update"}
    assert {event["classification"] for event in events} == {"OFFICIAL-SENSITIVE"}


def test_marking_different_lessons_done_at_once_never_conflicts(live_server, client, officer):
    """Ten people each mark a different lesson done at the same moment, while another adds a lesson: all succeed."""
    e = exercise(client, officer)
    made = [make_lesson(client, officer, e["id"], text=f"Lesson {i}") for i in range(10)]
    requests = [
        (
            "PATCH",
            f"{URL}/{e['id']}/lessons/{lesson['id']}",
            {"headers": officer.headers | {"If-Match": '"1"'}, "json": {"status": "done"}},
        )
        for lesson in made
    ]
    requests.append(("POST", f"{URL}/{e['id']}/lessons", {"headers": officer.headers, "json": {"text": "New"}}))

    responses = at_once(live_server, requests)

    assert statuses(responses) == [200] * 10 + [201]
    stored = client.get(f"{URL}/{e['id']}", headers=officer.headers).json()
    assert stored["open_actions"] == 1 and len(stored["lessons"]) == 11


def test_two_changes_of_the_same_lesson_at_once_give_one_200_and_one_412(live_server, client, officer):
    e = exercise(client, officer)
    lesson = make_lesson(client, officer, e["id"])
    url = f"{URL}/{e['id']}/lessons/{lesson['id']}"
    requests = [
        ("PATCH", url, {"headers": officer.headers | {"If-Match": '"1"'}, "json": {"owner": f"Owner {i}"}})
        for i in range(8)
    ]

    responses = at_once(live_server, requests)

    assert statuses(responses) == [200] + [412] * 7
    winner = next(r for r in responses if r.status_code == 200)
    assert client.get(url, headers=officer.headers).json()["owner"] == winner.json()["owner"]
