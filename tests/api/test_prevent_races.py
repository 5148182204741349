"""Prevent under concurrent writers, against the served app (run on PostgreSQL too: SQLite hides most races)."""

from __future__ import annotations

from tests.api.test_prevent import ITEMS, PLANS, make_assessment, make_item, make_plan
from tests.races import at_once, statuses


def _patch_twelve_times(live_server, client, actor, url, field):
    etag = client.get(url, headers=actor.headers).headers["ETag"]
    requests = [
        ("PATCH", url, {"headers": {**actor.headers, "If-Match": etag}, "json": {field: f"Version {i}"}})
        for i in range(12)
    ]
    responses = at_once(live_server, requests)
    assert statuses(responses) == [200] + [412] * 11
    winner = next(r for r in responses if r.status_code == 200)
    stored = client.get(url, headers=actor.headers)
    assert stored.json()[field] == winner.json()[field]
    assert stored.headers["ETag"] == winner.headers["ETag"] == '"2"'


def test_twelve_concurrent_item_patches_with_one_etag_give_one_200_and_eleven_412(live_server, client, officer):
    item = make_item(client, officer, make_plan(client, officer)["id"])
    _patch_twelve_times(live_server, client, officer, f"{ITEMS}/{item['id']}", "title")


def test_twelve_concurrent_plan_patches_with_one_etag_give_one_200_and_eleven_412(live_server, client, officer):
    plan = make_plan(client, officer)
    _patch_twelve_times(live_server, client, officer, f"{PLANS}/{plan['id']}", "title")


def test_twelve_concurrent_assessment_patches_give_one_200_and_eleven_412(live_server, client, officer):
    assessment = make_assessment(client, officer)
    _patch_twelve_times(live_server, client, officer, f"/api/v1/threat-assessments/{assessment['id']}", "title")


def _item(plan_id, **extra):
    return {"plan_id": plan_id, "title": "Work with colleges", "key_area": "safeguarding", "owner": "Team"} | extra


def test_ten_concurrent_creates_of_one_ref_give_one_201_and_nine_409(live_server, client, officer):
    plan = make_plan(client, officer)
    refs = ["SAF-07", "saf-07"] * 5  # the same ref in any case
    requests = [("POST", ITEMS, {"headers": officer.headers, "json": _item(plan["id"], ref=ref)}) for ref in refs]

    responses = at_once(live_server, requests)

    assert statuses(responses) == [201] + [409] * 9
    listed = client.get(ITEMS, headers=officer.headers, params={"plan_id": plan["id"]}).json()["items"]
    assert len(listed) == 1


def test_ten_concurrent_creates_without_a_ref_get_ten_distinct_refs(live_server, client, officer):
    plan = make_plan(client, officer)
    requests = [("POST", ITEMS, {"headers": officer.headers, "json": _item(plan["id"])}) for _ in range(10)]

    responses = at_once(live_server, requests)

    assert statuses(responses) == [201] * 10
    assert sorted(r.json()["ref"] for r in responses) == [f"SAF-{n:02d}" for n in range(1, 11)]


def test_four_concurrent_approvals_for_one_period_leave_one_approved_plan(live_server, client, officer, emt):
    drafts = [make_plan(client, officer, title=f"Draft {n}") for n in range(4)]
    for d in drafts:
        assert client.post(f"{PLANS}/{d['id']}/submit", headers=officer.headers).status_code == 200
    requests = [("POST", f"{PLANS}/{d['id']}/approve", {"headers": emt.headers}) for d in drafts]

    responses = at_once(live_server, requests)

    assert sorted(statuses(responses)) == [200, 409, 409, 409]
    won = next(r.json()["id"] for r in responses if r.status_code == 200)
    plans = {p["id"]: p["status"] for p in client.get(PLANS, headers=officer.headers).json()["items"]}
    assert plans == {d["id"]: "approved" if d["id"] == won else "submitted" for d in drafts}


def test_two_concurrent_decisions_on_one_plan_leave_one(live_server, client, officer, emt):
    plan = make_plan(client, officer)
    assert client.post(f"{PLANS}/{plan['id']}/submit", headers=officer.headers).status_code == 200
    requests = [
        ("POST", f"{PLANS}/{plan['id']}/approve", {"headers": emt.headers, "json": {"meeting": "EMT"}}),
        ("POST", f"{PLANS}/{plan['id']}/approve", {"headers": emt.headers}),
        ("POST", f"{PLANS}/{plan['id']}/return", {"headers": emt.headers, "json": {"comments": "No"}}),
    ]

    responses = at_once(live_server, requests)

    assert sorted(statuses(responses))[0] == 200 and set(sorted(statuses(responses))[1:]) <= {409, 412}
    assert len(client.get(f"{PLANS}/{plan['id']}", headers=officer.headers).json()["decisions"]) == 1
