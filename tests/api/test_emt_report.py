"""The EMT report at the HTTP level: sections by scope, counts within clearance, the highest marking, the period."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.core.clock import financial_quarter, today_london
from app.services import emt_report
from tests.builders import (
    assess_tension_report,
    make_action,
    make_approved_prevent_plan,
    make_escalation,
    make_exercise,
    make_prevent_item,
    make_risk,
    make_site,
    make_tension_report,
    make_training_session,
    make_working_group,
    record_threat_level,
)
from tests.conftest import assert_problem

URL = "/api/v1/reports/emt"
OS = "OFFICIAL-SENSITIVE"


def _scene(client, officer, emt):
    """Records of every area, some OFFICIAL-SENSITIVE; the counts each reader should get are in the tests."""
    today = today_london()
    yesterday = str(today - timedelta(days=1))
    record_threat_level(client, officer, "SUBSTANTIAL")
    plan = make_approved_prevent_plan(
        client, officer, emt, classification="OFFICIAL", period_start=str(today - timedelta(days=30))
    )
    item = {"key_area": "ideology", "start_date": "2020-01-01"}
    make_prevent_item(client, officer, plan["id"], **item, rag="red", due_date="2020-02-01")
    make_prevent_item(client, officer, plan["id"], **item, rag="amber")
    make_prevent_item(client, officer, plan["id"], **item, rag="red", classification=OS)
    make_site(client, officer, "Square", capacity=5000, classification="OFFICIAL", next_review_due="2020-01-01")
    make_site(client, officer, "Embassy", capacity=900, next_review_due="2020-01-01")  # OFFICIAL-SENSITIVE
    make_training_session(client, officer, delivered_on=str(today), attendees=30)
    make_training_session(client, officer, delivered_on=str(today), attendees=12, classification=OS)
    make_risk(client, officer, title="High", likelihood=3, impact=3)
    make_risk(client, officer, title="Very high", likelihood=5, impact=5, classification=OS)
    make_exercise(client, officer, lessons=[{"text": "Radios failed", "status": "open"}])
    group = make_working_group(client, officer)
    secret_group = make_working_group(client, officer, "Closed group", classification=OS)
    make_action(client, officer, group["id"], due_on=yesterday)
    make_action(client, officer, group["id"], due_on=yesterday, classification=OS)
    make_action(client, officer, secret_group["id"], due_on=yesterday)
    make_escalation(client, officer, group["id"])
    make_escalation(client, officer, group["id"], title="Secret", classification=OS)


def test_counts_are_within_clearance_and_the_marking_is_the_highest_included(client, officer, emt, viewer):
    _scene(client, officer, emt)
    full = client.get(URL, headers=emt.headers).json()
    partial = client.get(URL, headers=viewer.headers).json()
    assert full["classification"] == OS and partial["classification"] == "OFFICIAL"
    assert full["threat"]["current"]["level"] == "SUBSTANTIAL"
    assert [c["level"] for c in full["threat"]["changes"]] == ["SUBSTANTIAL"]
    assert (full["prevent"]["items"], partial["prevent"]["items"]) == (3, 2)
    assert full["prevent"]["by_rag"] == {"red": 2, "amber": 1, "green": 0, "none": 0}
    assert partial["prevent"]["by_rag"] == {"red": 1, "amber": 1, "green": 0, "none": 0}
    assert partial["prevent"]["overdue"] == 1
    assert (full["protect"]["sites"], partial["protect"]["sites"]) == (2, 1)
    assert (full["protect"]["sites_review_overdue"], partial["protect"]["sites_review_overdue"]) == (2, 1)
    assert full["protect"]["training"]["attendees"] == 42 and partial["protect"]["training"]["attendees"] == 30
    assert full["protect"]["training"]["previous_sessions"] == 0
    assert (full["prepare"]["risks_very_high"], partial["prepare"]["risks_very_high"]) == (1, 0)
    assert partial["prepare"]["risks_high"] == 1 and partial["prepare"]["open_lessons"] == 1
    assert partial["prepare"]["exercises_in_period"] == 1
    assert (full["governance"]["actions_overdue"], partial["governance"]["actions_overdue"]) == (3, 1)
    assert [g["overdue"] for g in full["governance"]["overdue_by_group"]] == [2, 1]
    assert partial["governance"]["escalations_awaiting_decision"] == 1
    assert [e["title"] for e in partial["governance"]["awaiting"]] == [
        "Hostile vehicle mitigation for the winter market"
    ]
    assert "Closed group" not in str(partial) and "Secret" not in str(partial)


def test_an_official_report_of_official_records_is_marked_official(client, officer):
    group = make_working_group(client, officer)
    make_action(client, officer, group["id"], due_on=str(today_london() - timedelta(days=3)))
    assert client.get(URL, headers=officer.headers).json()["classification"] == "OFFICIAL"
    make_escalation(client, officer, group["id"], classification=OS)
    assert client.get(URL, headers=officer.headers).json()["classification"] == OS


def test_each_section_only_for_the_areas_the_reader_may_read(client, officer, member, make_api_key):
    group = make_working_group(client, officer)
    make_escalation(client, officer, group["id"])
    report = client.get(URL, headers=member.headers).json()
    assert report["governance"] is None and report["tensions"] is None
    assert report["prevent"] is not None and report["protect"] is not None and report["prepare"] is not None
    governance_only = make_api_key(["governance:read"])
    report = client.get(URL, headers=governance_only.headers).json()
    assert report["prevent"] is None and report["protect"] is None and report["prepare"] is None
    assert report["governance"]["escalations_awaiting_decision"] == 1 and report["threat"] is not None
    assert_problem(client.get(URL, headers=make_api_key(["threat:write"]).headers), 403)
    assert_problem(client.get(URL), 401)


def test_the_period_defaults_to_this_financial_quarter_and_must_not_end_before_it_starts(client, officer):
    start, end = financial_quarter(today_london())
    report = client.get(URL, headers=officer.headers).json()
    assert (report["from"], report["to"]) == (str(start), str(end))
    chosen = client.get(URL, headers=officer.headers, params={"from": "2026-04-01", "to": "2027-03-31"}).json()
    assert (chosen["from"], chosen["to"]) == ("2026-04-01", "2027-03-31")
    problem = assert_problem(
        client.get(URL, headers=officer.headers, params={"from": "2026-06-01", "to": "2026-05-01"}), 422
    )
    assert problem["errors"][0]["field"] == "to"
    assert_problem(client.get(URL, headers=officer.headers, params={"from": "yesterday"}), 422)


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"from": "0001-01-01"}, "from"),
        ({"from": "2026-01-01", "to": "9999-12-31"}, "to"),
        ({"to": "1999-12-31"}, "to"),
    ],
)
def test_a_period_outside_the_calendar_it_can_report_is_refused(client, officer, asked, field):
    """Found by schemathesis: from 0001-01-01 (the period before it) or to 9999-12-31 (the day after) was a 500."""
    problem = assert_problem(client.get(URL, headers=officer.headers, params=asked), 422)
    assert problem["errors"][0]["field"] == field


def test_training_is_compared_with_the_period_before(client, officer):
    make_training_session(client, officer, delivered_on="2026-05-10", attendees=20)
    make_training_session(client, officer, delivered_on="2026-02-10", attendees=7)
    report = client.get(URL, headers=officer.headers, params={"from": "2026-04-01", "to": "2026-06-30"}).json()
    assert report["protect"]["training"] == {
        "sessions": 1,
        "attendees": 20,
        "previous_sessions": 1,
        "previous_attendees": 7,
    }


def test_the_report_as_csv_has_every_figure_within_clearance(client, officer, emt, viewer):
    _scene(client, officer, emt)
    response = client.get(URL, headers={**viewer.headers, "Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    figures = {(r["section"], r["measure"]): r["value"] for r in rows}
    assert figures[("protect", "sites")] == "1" and figures[("governance", "actions_overdue")] == "1"
    assert figures[("prevent", "by_rag.red")] == "1"
    assert "Secret" not in response.text and "Closed group" not in response.text


def _tensions_section(session, *, principal, start, end):
    """What community tensions' `report_section` gives (its shape), as that area will provide it."""
    return {
        "reports": 3,
        "by_level": [{"level": "elevated", "reports": 3}],
        "by_ward": [{"ward": "St James's", "reports": 3, "highest_level": "elevated", "trend": "rising"}],
        "classification": OS,
    }


def test_a_provided_section_plugs_in_with_one_registry_entry(client, officer, make_api_key, monkeypatch):
    entry = emt_report.Section("tensions:read", emt_report.provided(_tensions_section))
    monkeypatch.setitem(emt_report.SECTIONS, "tensions", entry)
    report = client.get(URL, headers=officer.headers).json()
    assert report["tensions"]["by_ward"][0]["ward"] == "St James's" and report["tensions"]["reports"] == 3
    assert report["classification"] == OS  # the section's marking counts like any other
    without = client.get(URL, headers=make_api_key(["governance:read"]).headers).json()
    assert without["tensions"] is None and without["classification"] == "OFFICIAL"
    assert list(report) == [
        "from",
        "to",
        "classification",
        "threat",
        "prevent",
        "protect",
        "prepare",
        "tensions",
        "governance",
    ]


def test_the_tensions_section_counts_reports_within_clearance_on_the_councils_scale(client, officer, member, viewer):
    make_tension_report(client, member, ward="Pimlico North")
    raised = make_tension_report(client, member, ward="Pimlico North")
    assess_tension_report(client, officer, raised, level=4, classification=OS)
    full = client.get(URL, headers=officer.headers).json()
    assert full["classification"] == OS and full["tensions"]["classification"] == OS
    assert full["tensions"]["reports"] == 2
    assert full["tensions"]["by_ward"] == [
        {"ward": "Pimlico North", "reports": 2, "highest_level": 4, "trend": "rising"}
    ]
    assert {"level": 4, "name": "High", "reports": 1} in full["tensions"]["by_level"]
    official = client.get(URL, headers=viewer.headers).json()
    assert official["classification"] == "OFFICIAL" and official["tensions"]["reports"] == 1
    assert official["tensions"]["by_ward"][0]["highest_level"] is None
    assert client.get(URL, headers=member.headers).status_code == 200
    assert client.get(URL, headers=member.headers).json()["tensions"] is None  # reporting is not reading
