"""Governance pages without a browser: every page renders, raising an escalation and EMT's decision with its
confirmation step, errors in plain words, permissions, the report's period picker and CSV."""

from __future__ import annotations

import re
from datetime import timedelta

from app.core.clock import financial_quarter, financial_year, today_london
from app.core.security import Role
from app.services import emt_report
from tests.api.test_emt_report import _tensions_section
from tests.builders import make_action, make_escalation, make_meeting, make_priority, make_site, make_working_group
from tests.web.pages import csrf_token, date_fields, form_etag, signed_in

API = "/api/v1"


def _hidden(html):
    found = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))
    return {k: v.replace("&#34;", '"').replace("&quot;", '"') for k, v in found.items()}


def test_every_governance_page_renders(app, client, officer, emt):
    group = make_working_group(client, officer)
    meeting = make_meeting(client, officer, group["id"], decisions=["Adopt the plan"], minutes="Met.")
    site = make_site(client, officer, "Market square", classification="OFFICIAL")
    make_action(
        client,
        officer,
        group["id"],
        meeting_id=meeting["id"],
        due_on=str(today_london() - timedelta(days=2)),
        links=[{"type": "site", "id": site["id"]}],
    )
    escalation = make_escalation(client, officer, group["id"])
    make_priority(client, emt, year=_this_year())
    tab = signed_in(app, emt.username)
    pages = {
        "/governance": "Protect Working Group",
        f"/governance/groups/{group['id']}": "Jo Reid",
        f"/governance/meetings/{meeting['id']}": "Adopt the plan",
        "/governance/actions": "Overdue",
        "/governance/escalations": "Awaiting your decision",
        f"/governance/escalations/{escalation['id']}": "Record EMT's decision",
        "/governance/priorities": "Get every enhanced tier site assessed",
        "/governance/report": "EMT report",
        "/": "1</strong> escalation awaiting your decision",
    }
    for path, text in pages.items():
        response = tab.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        assert text in response.text, path
    assert f"/protect/sites/{site['id']}" in tab.get("/governance/actions").text  # the link, in words, to its page


def _this_year():
    start = financial_year(today_london())[0].year
    return f"{start}/{(start + 1) % 100:02d}"


def test_raising_an_escalation_through_the_form_with_plain_errors(app, client, officer):
    group = make_working_group(client, officer)
    tab = signed_in(app, officer.username)
    form = tab.get("/governance/escalations/new")
    refused = tab.post(
        "/governance/escalations/new",
        data={
            "csrf_token": csrf_token(form.text),
            "group_id": "",
            "title": "",
            "ask": "",
            "classification": "OFFICIAL",
        },
    )
    assert refused.status_code == 400
    for words in ("Select the group raising it", "Enter a short title", "Select what you are asking EMT for"):
        assert words in refused.text
    for leak in ("should be", "Input", "literal", "value_error"):
        assert leak not in refused.text
    done = tab.post(
        "/governance/escalations/new",
        data={
            "csrf_token": csrf_token(form.text),
            "group_id": group["id"],
            "title": "Barriers for the market",
            "ask": "resources",
            "description": "We need barriers",
            "classification": "OFFICIAL",
        },
    )
    assert done.status_code == 303
    listed = client.get(f"{API}/escalations", headers=officer.headers).json()["items"]
    assert [e["title"] for e in listed] == ["Barriers for the market"] and listed[0]["status"] == "raised"


def test_emt_decides_with_a_confirmation_step(app, client, officer, emt):
    group = make_working_group(client, officer)
    escalation = make_escalation(client, officer, group["id"])
    url = f"/governance/escalations/{escalation['id']}"
    board = signed_in(app, emt.username)
    form = board.get(f"{url}/decide")
    assert form.status_code == 200 and "What did EMT decide?" in form.text
    data = {"csrf_token": csrf_token(form.text), "etag": form_etag(form.text)}
    refused = board.post(f"{url}/decide", data=data | {"outcome": "", "decision": ""})
    assert refused.status_code == 400
    assert "Select EMT&#39;s decision" in refused.text and "Enter what EMT decided" in refused.text
    checked = board.post(f"{url}/decide", data=data | {"outcome": "accepted", "decision": "Fund the barriers"})
    assert checked.status_code == 200 and "Accept this escalation?" in checked.text
    assert client.get(f"{API}/escalations/{escalation['id']}", headers=emt.headers).json()["status"] == "raised"
    recorded = board.post(f"{url}/decide/confirm", data=_hidden(checked.text))
    assert recorded.status_code == 303
    stored = client.get(f"{API}/escalations/{escalation['id']}", headers=emt.headers).json()
    assert stored["status"] == "accepted" and stored["decision"] == "Fund the barriers"
    shown = board.get(url).text
    assert "Fund the barriers" in shown and "Accepted" in shown


def test_only_emt_may_decide_and_only_writers_may_raise(app, client, officer, viewer):
    group = make_working_group(client, officer)
    escalation = make_escalation(client, officer, group["id"])
    team = signed_in(app, officer.username)
    assert "Record EMT's decision" not in team.get(f"/governance/escalations/{escalation['id']}").text
    assert team.get(f"/governance/escalations/{escalation['id']}/decide").status_code == 403
    reader = signed_in(app, viewer.username)
    assert reader.get("/governance/escalations/new").status_code == 403
    assert "Raise an escalation" not in reader.get("/governance/escalations").text


def test_a_stale_decision_is_not_recorded(app, client, officer, emt):
    group = make_working_group(client, officer)
    escalation = make_escalation(client, officer, group["id"])
    url = f"/governance/escalations/{escalation['id']}"
    board = signed_in(app, emt.username)
    form = board.get(f"{url}/decide")
    data = {"csrf_token": csrf_token(form.text), "etag": form_etag(form.text)}
    checked = board.post(f"{url}/decide", data=data | {"outcome": "declined", "decision": "No budget"})
    client.patch(
        f"{API}/escalations/{escalation['id']}", headers={**officer.headers, "If-Match": '"1"'}, json={"title": "New"}
    )
    assert board.post(f"{url}/decide/confirm", data=_hidden(checked.text)).status_code == 303
    assert client.get(f"{API}/escalations/{escalation['id']}", headers=emt.headers).json()["status"] == "raised"
    assert "changed since you opened it" in board.get(url).text


def test_the_report_period_picker_and_csv(app, client, officer, member):
    today = today_london()
    tab = signed_in(app, officer.username)
    this_start, this_end = financial_quarter(today)
    last_start, last_end = financial_quarter(this_start - timedelta(days=1))
    year_start, year_end = financial_year(today)
    for period, (start, end) in {
        "this_quarter": (this_start, this_end),
        "last_quarter": (last_start, last_end),
        "financial_year": (year_start, year_end),
    }.items():
        page = tab.get("/governance/report", params={"period": period})
        assert page.status_code == 200 and "built-in" not in page.text
        assert f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}" in page.text, period
    csv = tab.get("/governance/report.csv", params={"period": "financial_year"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "section,measure,value"
    assert "attachment" in csv.headers["content-disposition"]
    members = signed_in(app, member.username)  # no governance:read: the report without its governance section
    report = members.get("/governance/report")
    assert report.status_code == 200 and "Escalations awaiting" not in report.text
    assert members.get("/governance").status_code == 403


def test_the_actions_tracker_filters_and_downloads(app, client, officer):
    protect = make_working_group(client, officer)
    prepare = make_working_group(client, officer, "Prepare and Contingency", strand="prepare")
    make_action(client, officer, protect["id"], text="Protect job", owner="Protect lead")
    make_action(client, officer, prepare["id"], text="Prepare job", owner="Emergency Planning")
    tab = signed_in(app, officer.username)
    page = tab.get("/governance/actions", params={"group_id": prepare["id"]}).text
    assert "Prepare job" in page and "Protect job" not in page
    page = tab.get("/governance/actions", params={"owner": "protect lead"}).text
    assert "Protect job" in page and "Prepare job" not in page
    csv = tab.get("/governance/actions.csv", params={"group_id": protect["id"]})
    assert "Protect job" in csv.text and "Prepare job" not in csv.text


def test_an_official_reader_never_sees_a_sensitive_group(app, client, officer, make_user):
    secret = make_working_group(client, officer, "Closed group", classification="OFFICIAL-SENSITIVE")
    reader = make_user(Role.VIEWER)
    tab = signed_in(app, reader.username)
    assert "Closed group" not in tab.get("/governance").text
    assert tab.get(f"/governance/groups/{secret['id']}").status_code == 404


def test_the_report_page_shows_a_provided_tensions_section(app, officer, monkeypatch):
    monkeypatch.setitem(
        emt_report.SECTIONS, "tensions", emt_report.Section("tensions:read", emt_report.provided(_tensions_section))
    )
    page = signed_in(app, officer.username).get("/governance/report").text
    assert "Community tensions" in page and "St James&#39;s" in page and "Rising" in page


def test_adding_an_action_agreed_at_a_meeting(app, client, officer, viewer):
    group = make_working_group(client, officer)
    meeting = make_meeting(client, officer, group["id"])
    tab = signed_in(app, officer.username)
    assert "Add an action agreed at this meeting" in tab.get(f"/governance/meetings/{meeting['id']}").text
    path = f"/governance/groups/{group['id']}/actions/new"
    form = tab.get(path, params={"meeting_id": meeting["id"]})
    refused = tab.post(path, data={"csrf_token": csrf_token(form.text), "text": "", "owner": "", "meeting_id": ""})
    assert refused.status_code == 400
    assert "Enter what is to be done" in refused.text and "Enter who owns the action" in refused.text
    done = tab.post(
        path,
        data={
            "csrf_token": csrf_token(form.text),
            "text": "Book the venue assessments",
            "owner": "Protect lead",
            **date_fields("due_on", str(today_london() - timedelta(days=1))),
            "meeting_id": meeting["id"],
            "classification": "OFFICIAL",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == f"/governance/meetings/{meeting['id']}"
    shown = tab.get(f"/governance/meetings/{meeting['id']}").text
    assert "Book the venue assessments" in shown and "Overdue" in shown
    assert signed_in(app, viewer.username).get(path).status_code == 403


def test_emt_sets_a_priority(app, client, officer, emt):
    board = signed_in(app, emt.username)
    assert "Set a priority" in board.get("/governance/priorities").text
    form = board.get("/governance/priorities/new")
    year = _this_year()
    assert f'value="{year}"' in form.text
    refused = board.post(
        "/governance/priorities/new",
        data={"csrf_token": csrf_token(form.text), "year": "2026-27", "strand": "", "title": ""},
    )
    assert refused.status_code == 400
    for words in ("Enter a financial year such as", "Select the strand", "Enter the priority"):
        assert words in refused.text
    done = board.post(
        "/governance/priorities/new",
        data={"csrf_token": csrf_token(form.text), "year": year, "strand": "prepare", "title": "Test the rest centres"},
    )
    assert done.status_code == 303
    assert "Test the rest centres" in board.get(done.headers["location"]).text
    assert signed_in(app, officer.username).get("/governance/priorities/new").status_code == 403
