"""Prevent plan approval: draft → submitted → approved or returned; plans in force by date; superseded read-only."""

from __future__ import annotations

from datetime import timedelta

from app.core.clock import today_london
from tests.builders import make_approved_prevent_plan as make_approved
from tests.builders import make_prevent_item as make_item
from tests.builders import make_prevent_plan as make_plan
from tests.conftest import assert_problem

PLANS = "/api/v1/prevent/plans"
ITEMS = "/api/v1/prevent/items"
TODAY = today_london()


def _periods(days_ago_start: int, days_long: int = 364) -> dict[str, str]:
    start = TODAY - timedelta(days=days_ago_start)
    return {"period_start": str(start), "period_end": str(start + timedelta(days=days_long))}


def test_submit_then_return_with_comments_then_resubmit_then_approve(client, officer, emt):
    plan = make_plan(client, officer)
    url = f"{PLANS}/{plan['id']}"
    assert_problem(client.post(f"{url}/approve", headers=emt.headers), 409)  # a draft is not yet submitted
    assert_problem(client.post(f"{url}/return", headers=emt.headers, json={"comments": "No"}), 409)
    assert_problem(client.post(f"{url}/submit", headers=emt.headers), 403)  # EMT reads and decides, never submits
    submitted = client.post(f"{url}/submit", headers=officer.headers)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.headers["ETag"] == '"2"'
    assert_problem(client.post(f"{url}/submit", headers=officer.headers), 409)  # already submitted
    assert_problem(client.post(f"{url}/return", headers=officer.headers, json={"comments": "x"}), 403)
    assert_problem(client.post(f"{url}/return", headers=emt.headers, json={}), 422)  # comments required
    assert_problem(client.post(f"{url}/return", headers=emt.headers, json={"comments": "   "}), 422)
    assert_problem(client.post(f"{url}/return", headers=emt.headers | {"If-Match": '"1"'}, json={"comments": "x"}), 412)
    returned = client.post(
        f"{url}/return",
        headers=emt.headers,
        json={"comments": "Add the schools work", "meeting": "EMT 12 November 2026"},
    )
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert body["status"] == "returned" and body["in_force"] is False
    assert body["decision"]["outcome"] == "returned" and body["decision"]["comments"] == "Add the schools work"
    assert body["decision"]["meeting"] == "EMT 12 November 2026" and body["decision"]["by"] == emt.username.title()
    assert body["decision"]["at"].endswith("Z")
    assert_problem(client.post(f"{url}/approve", headers=emt.headers), 409)  # returned: redraft and resubmit first
    patched = client.patch(url, headers=officer.headers | {"If-Match": returned.headers["ETag"]}, json={"title": "B"})
    assert patched.status_code == 200
    assert client.post(f"{url}/submit", headers=officer.headers).json()["status"] == "submitted"
    approved = client.post(f"{url}/approve", headers=emt.headers, json={"meeting": "EMT 26 November 2026"})
    assert approved.status_code == 200
    body = approved.json()
    assert body["status"] == "approved" and body["in_force"] is True  # its period (2026-27) contains today
    assert [d["outcome"] for d in body["decisions"]] == ["returned", "approved"]
    assert body["decision"] == body["decisions"][-1] and body["decision"]["comments"] is None
    assert client.get(url, headers=officer.headers).json()["decision"]["meeting"] == "EMT 26 November 2026"
    assert_problem(client.post(f"{url}/approve", headers=emt.headers), 409)
    assert_problem(client.post(f"{url}/return", headers=emt.headers, json={"comments": "Too late"}), 409)
    assert_problem(client.post(f"{PLANS}/nope/submit", headers=officer.headers), 404)
    assert_problem(client.post(f"{url}/approve", headers=emt.headers, json={"meeting": "x", "extra": 1}), 422)


def test_the_plans_list_filters_by_the_new_statuses(client, officer, emt):
    draft = make_plan(client, officer, title="Draft")
    submitted = make_plan(client, officer, title="Submitted", period_start="2026-05-01")
    client.post(f"{PLANS}/{submitted['id']}/submit", headers=officer.headers)

    def titles(status):
        return [
            p["title"] for p in client.get(PLANS, headers=officer.headers, params={"status": status}).json()["items"]
        ]

    assert titles("submitted") == ["Submitted"] and titles("draft") == [draft["title"]] and titles("returned") == []
    assert_problem(client.get(PLANS, headers=officer.headers, params={"status": "pending"}), 422)


def test_next_years_plan_approved_in_november_comes_into_force_on_its_start(client, officer, emt):
    current = make_approved(client, officer, emt, title="This year", **_periods(200))
    next_year = make_approved(client, officer, emt, title="Next year", **_periods(-30))  # starts in 30 days
    read = {p["title"]: p for p in client.get(PLANS, headers=officer.headers).json()["items"]}
    assert (read["This year"]["status"], read["This year"]["in_force"]) == ("approved", True)
    assert (read["Next year"]["status"], read["Next year"]["in_force"]) == ("approved", False)
    # the plan in force still takes changes, items and updates
    item = make_item(client, officer, current["id"])
    assert (
        client.post(f"{ITEMS}/{item['id']}/updates", headers=officer.headers, json={"note": "Going"}).status_code == 201
    )
    approved = [
        p["title"] for p in client.get(PLANS, headers=officer.headers, params={"status": "approved"}).json()["items"]
    ]
    assert sorted(approved) == ["Next year", "This year"]
    assert client.get(PLANS, headers=officer.headers, params={"status": "superseded"}).json()["items"] == []
    assert next_year["in_force"] is False


def test_a_superseded_plan_is_read_only(client, officer, emt, admin):
    old = make_approved(client, officer, emt, title="Old", **_periods(400))
    item = make_item(client, officer, old["id"])
    new = make_approved(client, officer, emt, title="New", **_periods(30))
    read = client.get(f"{PLANS}/{old['id']}", headers=officer.headers)
    assert read.json()["status"] == "superseded" and read.json()["in_force"] is False
    assert client.get(f"{PLANS}/{new['id']}", headers=officer.headers).json()["in_force"] is True
    listed = client.get(PLANS, headers=officer.headers, params={"status": "superseded"}).json()["items"]
    assert [p["title"] for p in listed] == ["Old"]
    body = assert_problem(
        client.patch(
            f"{PLANS}/{old['id']}", headers=admin.headers | {"If-Match": read.headers["ETag"]}, json={"title": "x"}
        ),
        409,
    )
    assert "read-only" in body["detail"]
    assert_problem(client.post(ITEMS, headers=officer.headers, json={**_item(old["id"])}), 409)
    item_etag = client.get(f"{ITEMS}/{item['id']}", headers=officer.headers).headers["ETag"]
    assert_problem(
        client.patch(f"{ITEMS}/{item['id']}", headers=officer.headers | {"If-Match": item_etag}, json={"title": "x"}),
        409,
    )
    assert_problem(client.post(f"{ITEMS}/{item['id']}/updates", headers=officer.headers, json={"note": "x"}), 409)
    assert_problem(client.delete(f"{ITEMS}/{item['id']}", headers=officer.headers | {"If-Match": item_etag}), 409)
    assert client.get(f"{ITEMS}/{item['id']}", headers=officer.headers).json()["title"] == item["title"]


def test_one_approved_plan_per_period_start(client, officer, emt):
    make_approved(client, officer, emt, title="First")
    second = make_plan(client, officer, title="Second")
    client.post(f"{PLANS}/{second['id']}/submit", headers=officer.headers)
    body = assert_problem(client.post(f"{PLANS}/{second['id']}/approve", headers=emt.headers), 409)
    assert "same day" in body["detail"]
    assert client.get(f"{PLANS}/{second['id']}", headers=officer.headers).json()["status"] == "submitted"


def test_dashboard_summary_counts_only_the_plan_in_force(client, officer, emt):
    old = make_approved(client, officer, emt, title="Old", **_periods(400))
    overdue = str(TODAY - timedelta(days=5))
    for _ in range(3):
        make_item(client, officer, old["id"], due_date=overdue, rag="red")
    current = make_approved(client, officer, emt, title="Current", **_periods(30))
    nxt = make_plan(client, officer, title="Next", **_periods(-300))
    for plan in (current, nxt):
        make_item(client, officer, plan["id"], due_date=overdue, rag="red")
        make_item(client, officer, plan["id"], status="complete")
        make_item(client, officer, plan["id"], rag="amber")
    client.post(f"{PLANS}/{nxt['id']}/submit", headers=officer.headers)
    prevent = client.get("/api/v1/summary", headers=officer.headers).json()["prevent"]
    assert prevent["plan_in_force_id"] == current["id"]
    assert (prevent["items"], prevent["open_items"], prevent["overdue"], prevent["red"], prevent["amber"]) == (
        3,
        2,
        1,
        1,
        1,
    )
    assert prevent["plans_awaiting_approval"] == 1
    # the item list's in_force filter gives the same rows the counts count
    listed = client.get(ITEMS, headers=officer.headers, params={"in_force": "true", "overdue": "true"}).json()["items"]
    assert len(listed) == 1 and listed[0]["plan_id"] == current["id"]
    opened = client.get(ITEMS, headers=officer.headers, params={"in_force": "true", "open": "true"}).json()["items"]
    assert len(opened) == 2


def test_no_plan_in_force_counts_nothing(client, officer):
    plan = make_plan(client, officer)
    make_item(client, officer, plan["id"], rag="red")
    prevent = client.get("/api/v1/summary", headers=officer.headers).json()["prevent"]
    assert prevent["plan_in_force_id"] is None and prevent["items"] == 0 and prevent["red"] == 0


def _item(plan_id):
    return {"plan_id": plan_id, "title": "x", "key_area": "ideology", "owner": "Team"}
