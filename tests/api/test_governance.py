"""Governance at the HTTP level: groups, meetings, actions, escalations and EMT's decisions, priorities, links."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from app.core.clock import today_london
from app.core.security import Role
from tests.builders import (
    assess_tension_report,
    make_action,
    make_escalation,
    make_meeting,
    make_prevent_item,
    make_prevent_plan,
    make_priority,
    make_risk,
    make_site,
    make_tension_report,
    make_working_group,
)
from tests.conftest import assert_problem
from tests.races import at_once, statuses

API = "/api/v1"
OS = "OFFICIAL-SENSITIVE"


def _ids(response):
    return [row["id"] for row in response.json()["items"]]


# ---- groups and meetings ----


def test_a_group_with_its_members_and_a_meeting_round_trip(client, officer, viewer):
    group = make_working_group(client, officer)
    assert group["members"][1] == {
        "name": "Jo Reid",
        "organisation": "Metropolitan Police",
        "department": "CT Policing",
        "role": "CTSA",
    }
    read = client.get(f"{API}/working-groups/{group['id']}", headers=viewer.headers)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    meeting = make_meeting(client, officer, group["id"], decisions=["Adopt the ACT plan"], minutes="Met at noon")
    listed = client.get(f"{API}/meetings", headers=viewer.headers, params={"group_id": group["id"]})
    assert _ids(listed) == [meeting["id"]]
    assert listed.json()["items"][0]["decisions"] == ["Adopt the ACT plan"]


def test_group_names_are_unique(client, officer):
    make_working_group(client, officer, "Prevent Steering Group")
    again = client.post(
        f"{API}/working-groups", headers=officer.headers, json={"name": "Prevent Steering Group", "strand": "prevent"}
    )
    assert assert_problem(again, 409)["detail"] == "There is already a group with this name."


def test_changes_need_if_match_428_and_a_stale_one_is_412(client, officer):
    group = make_working_group(client, officer)
    url = f"{API}/working-groups/{group['id']}"
    assert_problem(client.patch(url, headers=officer.headers, json={"meets": "monthly"}), 428)
    done = client.patch(url, headers={**officer.headers, "If-Match": '"1"'}, json={"meets": "monthly"})
    assert done.status_code == 200 and done.headers["ETag"] == '"2"' and done.json()["meets"] == "monthly"
    stale = client.patch(url, headers={**officer.headers, "If-Match": '"1"'}, json={"meets": "weekly"})
    assert_problem(stale, 412)
    assert client.get(url, headers=officer.headers).json()["meets"] == "monthly"


def test_a_meeting_of_a_group_you_cannot_see_is_422_and_its_records_are_404(client, officer, make_user):
    secret = make_working_group(client, officer, "Closed group", classification=OS)
    meeting = make_meeting(client, officer, secret["id"])
    escalation = make_escalation(client, officer, secret["id"])
    official = make_user(Role.OFFICER, clearance="OFFICIAL")
    refused = client.post(
        f"{API}/meetings", headers=official.headers, json={"group_id": secret["id"], "held_on": "2026-05-01"}
    )
    assert assert_problem(refused, 422)["errors"][0]["field"] == "group_id"
    for path in (f"working-groups/{secret['id']}", f"meetings/{meeting['id']}", f"escalations/{escalation['id']}"):
        assert_problem(client.get(f"{API}/{path}", headers=official.headers), 404)
    for path in ("working-groups", "meetings", "escalations"):
        assert client.get(f"{API}/{path}", headers=official.headers).json()["items"] == []
        csv = client.get(f"{API}/{path}", headers={**official.headers, "Accept": "text/csv"})
        assert csv.status_code == 200 and secret["id"] not in csv.text and "Closed group" not in csv.text


def test_marking_a_group_above_your_clearance_is_403(client, make_user):
    official = make_user(Role.OFFICER, clearance="OFFICIAL")
    body = {"name": "Group", "strand": "prepare", "classification": OS}
    assert_problem(client.post(f"{API}/working-groups", headers=official.headers, json=body), 403)


# ---- scopes ----


def test_who_may_read_and_write_governance(client, officer, viewer, emt, member, make_api_key):
    group = make_working_group(client, officer)
    body = {"group_id": group["id"], "text": "Do it", "owner": "Someone"}
    assert_problem(client.post(f"{API}/actions", headers=viewer.headers, json=body), 403)
    assert_problem(client.post(f"{API}/actions", headers=emt.headers, json=body), 403)
    assert_problem(client.get(f"{API}/working-groups", headers=member.headers), 403)
    assert client.get(f"{API}/working-groups", headers=emt.headers).status_code == 200
    partner = make_api_key(["governance:read"])
    assert _ids(client.get(f"{API}/working-groups", headers=partner.headers)) == [group["id"]]
    assert_problem(client.get(f"{API}/working-groups"), 401)


def test_priorities_need_approve_to_write(client, officer, emt, viewer):
    body = {"year": "2026/27", "strand": "prevent", "title": "Refresh the Prevent delivery plan"}
    assert_problem(client.post(f"{API}/priorities", headers=officer.headers, json=body), 403)
    priority = make_priority(client, emt, **body)
    assert client.get(f"{API}/priorities/{priority['id']}", headers=viewer.headers).json()["title"] == body["title"]
    url = f"{API}/priorities/{priority['id']}"
    assert_problem(client.patch(url, headers={**officer.headers, "If-Match": '"1"'}, json={"status": "achieved"}), 403)
    done = client.patch(url, headers={**emt.headers, "If-Match": '"1"'}, json={"status": "achieved"})
    assert done.status_code == 200 and done.json()["status"] == "achieved"
    listed = client.get(f"{API}/priorities", headers=viewer.headers, params={"year": "2026/27"})
    assert _ids(listed) == [priority["id"]]


def test_a_year_must_be_a_financial_year(client, emt):
    for year in ("2026/28", "2026", "26/27"):
        body = {"year": year, "strand": "prevent", "title": "Priority"}
        problem = assert_problem(client.post(f"{API}/priorities", headers=emt.headers, json=body), 422)
        assert problem["errors"][0]["field"] == "year", year


# ---- escalations and EMT's decisions ----


def test_emt_decides_an_escalation_and_the_service_records_who_and_when(client, officer, emt, make_user):
    group = make_working_group(client, officer)
    escalation = make_escalation(client, officer, group["id"])
    assert escalation["status"] == "raised" and escalation["decided_by"] is None
    url = f"{API}/escalations/{escalation['id']}/decide"
    assert_problem(client.post(url, headers=officer.headers, json={"outcome": "accepted", "decision": "Yes"}), 403)
    assert_problem(client.post(url, headers=emt.headers, json={"outcome": "accepted"}), 422)
    decided = client.post(url, headers=emt.headers, json={"outcome": "accepted", "decision": "Funded from reserves"})
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == "accepted" and body["decision"] == "Funded from reserves"
    assert body["decided_by"] and body["decided_on"] == today_london().isoformat()
    assert decided.headers["ETag"] == '"2"'
    again = client.post(url, headers=emt.headers, json={"outcome": "declined", "decision": "No"})
    assert "cannot now be declined" in assert_problem(again, 409)["detail"]
    resolved = client.post(url, headers=emt.headers, json={"outcome": "resolved", "decision": "Barriers in place"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert_problem(client.post(url, headers=emt.headers, json={"outcome": "resolved", "decision": "x"}), 409)
    audit = client.get(
        f"{API}/audit-events", headers=make_user(Role.ADMIN).headers, params={"entity_id": escalation["id"]}
    )
    assert [e["action"] for e in audit.json()["items"]].count("escalation.decide") == 2


def test_status_changes_only_through_decide(client, officer, emt):
    group = make_working_group(client, officer)
    escalation = make_escalation(client, officer, group["id"])
    url = f"{API}/escalations/{escalation['id']}"
    for field, value in (("status", "accepted"), ("decision", "We agreed"), ("decided_by", "Me"), ("status", None)):
        refused = client.patch(url, headers={**officer.headers, "If-Match": '"1"'}, json={field: value})
        problem = assert_problem(refused, 422)
        assert problem["errors"] == [{"field": field, "message": problem["errors"][0]["message"]}]
        assert "POST /escalations/{id}/decide" in problem["errors"][0]["message"]
    assert client.get(url, headers=officer.headers).json() == escalation  # nothing changed, version 1
    edited = client.patch(url, headers={**officer.headers, "If-Match": '"1"'}, json={"impact": "The market opens"})
    assert edited.status_code == 200 and edited.json()["status"] == "raised"


def test_whoever_raised_an_escalation_cannot_decide_it(client, admin, emt):
    group = make_working_group(client, admin)
    escalation = make_escalation(client, admin, group["id"])
    url = f"{API}/escalations/{escalation['id']}/decide"
    own = client.post(url, headers=admin.headers, json={"outcome": "accepted", "decision": "Mine"})
    assert "someone else on EMT" in assert_problem(own, 403)["detail"]
    assert (
        client.post(url, headers=emt.headers, json={"outcome": "declined", "decision": "No budget"}).status_code == 200
    )


def test_a_stale_if_match_on_decide_is_412(client, officer, emt):
    group = make_working_group(client, officer)
    escalation = make_escalation(client, officer, group["id"])
    client.patch(
        f"{API}/escalations/{escalation['id']}", headers={**officer.headers, "If-Match": '"1"'}, json={"title": "New"}
    )
    stale = client.post(
        f"{API}/escalations/{escalation['id']}/decide",
        headers={**emt.headers, "If-Match": '"1"'},
        json={"outcome": "accepted", "decision": "Yes"},
    )
    assert_problem(stale, 412)


def test_the_escalation_list_puts_those_awaiting_a_decision_first(client, officer, emt):
    group = make_working_group(client, officer)
    first = make_escalation(client, officer, group["id"], title="First")
    second = make_escalation(client, officer, group["id"], title="Second")
    client.post(
        f"{API}/escalations/{second['id']}/decide", headers=emt.headers, json={"outcome": "declined", "decision": "No"}
    )
    third = make_escalation(client, officer, group["id"], title="Third")
    assert _ids(client.get(f"{API}/escalations", headers=emt.headers)) == [third["id"], first["id"], second["id"]]
    raised = client.get(f"{API}/escalations", headers=emt.headers, params={"status": "raised"})
    assert _ids(raised) == [third["id"], first["id"]]


def test_two_decisions_at_once_record_one(live_server, client, officer, emt, make_user):
    group = make_working_group(client, officer)
    escalation = make_escalation(client, officer, group["id"])
    other = make_user(Role.EMT)
    url = f"{API}/escalations/{escalation['id']}/decide"
    requests = [
        ("POST", url, {"headers": emt.headers, "json": {"outcome": "accepted", "decision": "Fund it"}}),
        ("POST", url, {"headers": other.headers, "json": {"outcome": "declined", "decision": "No money"}}),
    ] * 3
    responses = at_once(live_server, requests)
    codes = statuses(responses)
    assert codes.count(200) == 1 and all(code in (409, 412) for code in codes if code != 200), codes
    winner = next(r for r in responses if r.status_code == 200).json()
    stored = client.get(f"{API}/escalations/{escalation['id']}", headers=emt.headers)
    assert stored.json()["status"] == winner["status"] and stored.headers["ETag"] == '"2"'


# ---- actions ----


def test_overdue_is_open_and_due_before_today_in_london(client, officer):
    group = make_working_group(client, officer)
    today = today_london()
    late = make_action(client, officer, group["id"], text="Late", due_on=str(today - timedelta(days=1)))
    make_action(client, officer, group["id"], text="Due today", due_on=str(today))
    make_action(client, officer, group["id"], text="Done late", due_on=str(today - timedelta(days=9)), status="done")
    make_action(client, officer, group["id"], text="No date")
    assert late["overdue"] is True
    overdue = client.get(f"{API}/actions", headers=officer.headers, params={"overdue": "true"})
    assert _ids(overdue) == [late["id"]]
    not_overdue = client.get(f"{API}/actions", headers=officer.headers, params={"overdue": "false"}).json()["items"]
    assert {a["text"] for a in not_overdue} == {"Due today", "Done late", "No date"}
    assert not any(a["overdue"] for a in not_overdue)
    everything = client.get(f"{API}/actions", headers=officer.headers).json()["items"]
    assert [a["text"] for a in everything] == ["Late", "Due today", "No date", "Done late"]  # open first, by due date
    done = client.patch(
        f"{API}/actions/{late['id']}", headers={**officer.headers, "If-Match": '"1"'}, json={"status": "done"}
    )
    assert done.json()["overdue"] is False


def test_action_filters_by_group_owner_status_and_meeting(client, officer):
    protect = make_working_group(client, officer)
    prepare = make_working_group(client, officer, "Prepare and Contingency", strand="prepare")
    meeting = make_meeting(client, officer, protect["id"])
    mine = make_action(client, officer, protect["id"], owner="Protect Lead", meeting_id=meeting["id"])
    make_action(client, officer, prepare["id"], owner="Emergency Planning", status="dropped")
    params = {"group_id": protect["id"], "owner": "protect lead", "status": "open", "meeting_id": meeting["id"]}
    assert _ids(client.get(f"{API}/actions", headers=officer.headers, params=params)) == [mine["id"]]
    assert _ids(client.get(f"{API}/actions", headers=officer.headers, params={"q": "venue"})) == [
        a["id"] for a in client.get(f"{API}/actions", headers=officer.headers).json()["items"]
    ]
    assert_problem(client.get(f"{API}/actions", headers=officer.headers, params={"overdue": "soon"}), 422)
    other = client.post(
        f"{API}/actions",
        headers=officer.headers,
        json={"group_id": prepare["id"], "text": "x", "owner": "y", "meeting_id": meeting["id"]},
    )
    assert assert_problem(other, 422)["errors"][0]["field"] == "meeting_id"  # a meeting of another group


def test_actions_page_and_export_as_csv(client, officer):
    group = make_working_group(client, officer)
    for n in range(5):
        make_action(client, officer, group["id"], text=f"=Action {n}", due_on=str(today_london() + timedelta(days=n)))
    first = client.get(f"{API}/actions", headers=officer.headers, params={"limit": 2})
    assert len(first.json()["items"]) == 2 and first.json()["next_cursor"] and 'rel="next"' in first.headers["Link"]
    seen, cursor = [], None
    while True:
        page = client.get(
            f"{API}/actions", headers=officer.headers, params={"limit": 2, "cursor": cursor} if cursor else {"limit": 2}
        ).json()
        seen += [a["text"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"=Action {n}" for n in range(5)]
    csv = client.get(f"{API}/actions", headers={**officer.headers, "Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv") and "'=Action 0" in csv.text
    assert csv.text.splitlines()[0].startswith("id,")


# ---- links ----


def test_a_link_to_a_record_the_reader_cannot_see_is_left_out(client, officer, viewer, make_api_key):
    group = make_working_group(client, officer)
    secret_site = make_site(client, officer, "Embassy")  # OFFICIAL-SENSITIVE
    open_site = make_site(client, officer, "Market square", classification="OFFICIAL")
    risk = make_risk(client, officer)
    links = [
        {"type": "site", "id": secret_site["id"]},
        {"type": "site", "id": open_site["id"]},
        {"type": "risk", "id": risk["id"]},
    ]
    action = make_action(client, officer, group["id"], links=links)
    escalation = make_escalation(client, officer, group["id"], links=links)
    assert action["links"] == links and escalation["links"] == links
    for path in (f"actions/{action['id']}", f"escalations/{escalation['id']}"):
        assert client.get(f"{API}/{path}", headers=viewer.headers).json()["links"] == links[1:]
    listed = client.get(f"{API}/actions", headers=viewer.headers).json()["items"]
    assert listed[0]["links"] == links[1:]
    csv = client.get(f"{API}/actions", headers={**viewer.headers, "Accept": "text/csv"}).text
    assert secret_site["id"] not in csv and open_site["id"] in csv
    protect_only = make_api_key(["governance:read", "protect:read"], clearance=OS)  # no prepare:read: no risks
    shown = client.get(f"{API}/actions/{action['id']}", headers=protect_only.headers).json()["links"]
    assert shown == links[:2]


def test_linking_to_a_hidden_or_missing_record_is_the_same_422(client, officer, make_user):
    group = make_working_group(client, officer)
    secret_site = make_site(client, officer, "Embassy")
    official = make_user(Role.OFFICER, clearance="OFFICIAL")
    messages = []
    for link in (
        {"type": "site", "id": secret_site["id"]},
        {"type": "site", "id": "00000000-0000-7000-8000-000000000000"},
    ):
        body = {"group_id": group["id"], "text": "x", "owner": "y", "links": [link]}
        problem = assert_problem(client.post(f"{API}/actions", headers=official.headers, json=body), 422)
        messages.append(problem["errors"])
    assert (
        messages[0] == messages[1] == [{"field": "links.0.id", "message": "there is no site you can see with this id"}]
    )
    body = {"group_id": group["id"], "text": "x", "owner": "y", "links": [{"type": "dossier", "id": "1"}]}
    assert_problem(client.post(f"{API}/actions", headers=officer.headers, json=body), 422)


def test_a_tension_report_link_shows_only_to_readers_of_tensions_who_may_see_it(
    client, officer, viewer, member, make_api_key
):
    group = make_working_group(client, officer)
    open_report = make_tension_report(client, member, ward="Pimlico North")
    raised = make_tension_report(client, member, ward="Pimlico South")
    assess_tension_report(client, officer, raised, classification=OS)
    links = [{"type": "tension_report", "id": open_report["id"]}, {"type": "tension_report", "id": raised["id"]}]
    body = {"group_id": group["id"], "title": "Tensions after the march", "ask": "information", "links": links}
    response = client.post(f"{API}/escalations", headers=officer.headers, json=body)
    assert response.status_code == 201, response.text
    url = f"{API}/escalations/{response.json()['id']}"
    assert client.get(url, headers=officer.headers).json()["links"] == links
    assert client.get(url, headers=viewer.headers).json()["links"] == links[:1]  # OFFICIAL: the raised one is left out
    no_tensions = make_api_key(["governance:read"], clearance=OS)
    assert client.get(url, headers=no_tensions.headers).json()["links"] == []
    missing = {**body, "links": [{"type": "tension_report", "id": "00000000-0000-7000-8000-000000000000"}]}
    problem = assert_problem(client.post(f"{API}/escalations", headers=officer.headers, json=missing), 422)
    assert problem["errors"][0]["message"] == "there is no tension report you can see with this id"


def test_replacing_links_keeps_those_the_writer_cannot_see(client, officer, make_user):
    group = make_working_group(client, officer)
    secret_site = make_site(client, officer, "Embassy")
    open_site = make_site(client, officer, "Market", classification="OFFICIAL")
    action = make_action(client, officer, group["id"], links=[{"type": "site", "id": secret_site["id"]}])
    official = make_user(Role.OFFICER, clearance="OFFICIAL")
    changed = client.patch(
        f"{API}/actions/{action['id']}",
        headers={**official.headers, "If-Match": '"1"'},
        json={"links": [{"type": "site", "id": open_site["id"]}]},
    )
    assert changed.json()["links"] == [{"type": "site", "id": open_site["id"]}]
    stored = client.get(f"{API}/actions/{action['id']}", headers=officer.headers).json()["links"]
    assert stored == [{"type": "site", "id": open_site["id"]}, {"type": "site", "id": secret_site["id"]}]


def test_links_are_resolved_with_one_query_per_type_whatever_the_page_size(client, officer, viewer, database):
    group = make_working_group(client, officer)
    site = make_site(client, officer, "Embassy")
    risk = make_risk(client, officer)
    links = [{"type": "site", "id": site["id"]}, {"type": "risk", "id": risk["id"]}]

    def statements(count):
        while len(client.get(f"{API}/actions", headers=viewer.headers).json()["items"]) < count:
            make_action(client, officer, group["id"], links=links)
        seen: list[str] = []

        def record(*args):
            seen.append(args[2])

        event.listen(database.engine, "before_cursor_execute", record)
        try:
            client.get(f"{API}/actions", headers=viewer.headers)
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
        return len(seen)

    assert statements(2) == statements(12)


def test_prevent_links_follow_the_item_and_its_plan_markings(client, officer, viewer):
    group = make_working_group(client, officer, "Prevent Steering Group", strand="prevent")
    plan = make_prevent_plan(client, officer, classification="OFFICIAL")
    secret_plan = make_prevent_plan(client, officer, title="Sensitive plan", classification=OS)
    open_item = make_prevent_item(client, officer, plan["id"])
    secret_item = make_prevent_item(client, officer, plan["id"], classification=OS)
    item_of_secret_plan = make_prevent_item(client, officer, secret_plan["id"])  # OFFICIAL, in a hidden plan
    links = [
        {"type": "prevent_plan", "id": plan["id"]},
        {"type": "prevent_plan", "id": secret_plan["id"]},
        {"type": "prevent_item", "id": open_item["id"]},
        {"type": "prevent_item", "id": secret_item["id"]},
        {"type": "prevent_item", "id": item_of_secret_plan["id"]},
    ]
    action = make_action(client, officer, group["id"], links=links)
    shown = client.get(f"{API}/actions/{action['id']}", headers=viewer.headers).json()["links"]
    assert shown == [links[0], links[2]]
