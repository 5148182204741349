"""Tension reports over HTTP: reporting, who sees what, assessment, the scale, trends, messages, races."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.core.clock import today_london, utcnow
from app.core.security import Classification, Principal, Role
from app.main import create_app
from app.models.tensions import TensionReport
from app.services import tension_levels, tension_reports
from tests.builders import (
    API,
    assess_tension_report,
    make_community_event,
    make_tension_report,
    tension_report_body,
)
from tests.conftest import assert_problem
from tests.races import at_once, statuses

REPORTS = f"{API}/tension-reports"
OS = "OFFICIAL-SENSITIVE"
REPORTER_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "version",
    "classification",
    "ward",
    "location",
    "communities",
    "category",
    "trigger",
    "trigger_detail",
    "summary",
    "source",
    "community_event_id",
    "reported_at",
    "reporter",
    "status",
    "level",
    "trend",
    "reassurance_message",
}


def _get(client, actor, report, **kwargs):
    return client.get(f"{REPORTS}/{report['id']}", headers=actor.headers, **kwargs)


def _patch(client, actor, report, body, etag='"1"'):
    return client.patch(f"{REPORTS}/{report['id']}", headers={**actor.headers, "If-Match": etag}, json=body)


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _backdate(db_session, report, when: datetime) -> None:
    db_session.execute(update(TensionReport).where(TensionReport.id == report["id"]).values(reported_at=when))
    db_session.commit()


# --- Reporting ----------------------------------------------------------------------------------------------------


def test_a_member_reports_a_tension_and_the_service_says_who_when_and_that_it_is_new(client, make_user):
    member = make_user(Role.MEMBER, username="cllr-ahmed", organisation="Councillors")
    response = client.post(
        REPORTS, headers=member.headers, json=tension_report_body(location={"lat": 51.5226, "lon": -0.1706})
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"].endswith(f"/tension-reports/{body['id']}")
    assert response.headers["ETag"] == '"1"'
    assert body["status"] == "new" and body["classification"] == "OFFICIAL"
    assert body["reporter"] == {"name": "Cllr-Ahmed", "organisation": "Councillors"}
    assert body["location"] == {"lat": 51.5226, "lon": -0.1706}
    assert body["level"] is None and body["trend"] is None and body["reassurance_message"] == ""
    reported = datetime.fromisoformat(body["reported_at"].replace("Z", "+00:00"))
    assert abs(reported - datetime.now(UTC)) < timedelta(minutes=1)
    assert set(body) == REPORTER_FIELDS  # the reporter's view: no actions, no assessment notes


def test_reporting_needs_a_token_and_the_report_scope(client, viewer):
    assert_problem(client.post(REPORTS, json=tension_report_body()), 401)
    assert_problem(client.post(REPORTS, headers=viewer.headers, json=tension_report_body()), 403)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"summary": ""}, "summary"),
        ({"ward": "   "}, "ward"),
        ({"category": "riot"}, "category"),
        ({"trigger": "global"}, "trigger"),
        ({"source": "dream"}, "source"),
        ({"location": {"lat": 151, "lon": 0}}, "location.lat"),
        ({"communities": ["x" * 101]}, "communities.0"),
        ({"status": "closed"}, "status"),
        ({"level": 3}, "level"),
    ],
)
def test_a_bad_report_is_422_naming_the_field_and_nothing_is_stored(client, member, officer, change, field):
    response = client.post(REPORTS, headers=member.headers, json=tension_report_body(**change))

    body = assert_problem(response, 422)
    assert field in {e["field"] for e in body["errors"]}
    assert client.get(REPORTS, headers=officer.headers).json()["items"] == []


def test_a_member_cannot_report_above_their_clearance_but_an_officer_can(client, member, officer):
    assert_problem(client.post(REPORTS, headers=member.headers, json=tension_report_body(classification=OS)), 403)
    assert make_tension_report(client, officer, classification=OS)["classification"] == OS


def test_a_report_about_an_event_must_name_one_the_reporter_may_see(client, member, officer):
    sensitive = make_community_event(client, officer, classification=OS)
    public = make_community_event(client, officer)

    refused = client.post(REPORTS, headers=member.headers, json=tension_report_body(community_event_id=sensitive["id"]))
    unknown = client.post(REPORTS, headers=member.headers, json=tension_report_body(community_event_id="nope"))

    assert assert_problem(refused, 422)["errors"][0]["field"] == "community_event_id"
    assert assert_problem(unknown, 422)["errors"][0]["field"] == "community_event_id"
    assert "nope" in unknown.json()["errors"][0]["message"]  # the hidden event is refused in the same words
    assert sensitive["id"] in refused.json()["errors"][0]["message"]
    assert make_tension_report(client, member, community_event_id=public["id"])["community_event_id"] == public["id"]


def test_a_partner_key_with_the_report_scope_reports_and_follows_only_its_own(client, make_api_key, member):
    key = make_api_key(["tensions:report"], organisation="Metropolitan Police Service")
    other = make_api_key(["tensions:report"])
    theirs = make_tension_report(client, key)
    mine = make_tension_report(client, member)

    assert theirs["reporter"]["organisation"] == "Metropolitan Police Service"
    assert _ids(client.get(REPORTS, headers=key.headers)) == [theirs["id"]]
    assert_problem(_get(client, other, theirs), 404)
    assert_problem(_get(client, key, mine), 404)


# --- Who sees what ------------------------------------------------------------------------------------------------


def test_a_member_lists_and_reads_only_their_own_reports(client, member, make_user, officer):
    other = make_user(Role.MEMBER)
    mine = make_tension_report(client, member, summary="Mine")
    theirs = make_tension_report(client, other, summary="Theirs")
    from_officer = make_tension_report(client, officer, summary="Officer's")

    assert _ids(client.get(REPORTS, headers=member.headers)) == [mine["id"]]
    assert _get(client, member, mine).status_code == 200
    assert_problem(_get(client, member, theirs), 404)
    assert_problem(_get(client, member, from_officer), 404)
    assert set(_ids(client.get(REPORTS, headers=officer.headers))) == {mine["id"], theirs["id"], from_officer["id"]}


def test_a_reader_sees_every_report_in_full_and_the_reporter_sees_the_outcome_but_not_the_notes(
    client, member, officer, viewer
):
    report = make_tension_report(client, member)
    assess_tension_report(
        client,
        officer,
        report,
        level=3,
        trend="rising",
        status="assessed",
        actions="Ward officer to visit the market on Saturday",
        assessment_notes="Linked to posts on a local forum",
        police_informed_at="2026-11-28T10:00:00Z",
        reassurance_message="Police patrols are increased at the market this weekend.",
    )

    seen_by_member = _get(client, member, report).json()
    seen_by_viewer = _get(client, viewer, report).json()

    assert set(seen_by_member) == REPORTER_FIELDS
    assert seen_by_member["level"] == 3 and seen_by_member["trend"] == "rising"
    assert seen_by_member["status"] == "assessed"
    assert seen_by_member["reassurance_message"] == "Police patrols are increased at the market this weekend."
    assert seen_by_viewer["assessment_notes"] == "Linked to posts on a local forum"
    assert seen_by_viewer["actions"] == "Ward officer to visit the market on Saturday"
    assert seen_by_viewer["police_informed_at"] == "2026-11-28T10:00:00Z"
    listed = client.get(REPORTS, headers=member.headers).json()["items"][0]
    assert "assessment_notes" not in listed and "actions" not in listed


def test_a_member_keeps_the_reporter_view_of_their_report_after_it_is_raised_to_official_sensitive(
    client, member, make_user, officer
):
    report = make_tension_report(client, member)
    assess_tension_report(client, officer, report, classification=OS, level=4, reassurance_message="We are on it.")
    other_member = make_user(Role.MEMBER)

    seen = _get(client, member, report)

    assert seen.status_code == 200
    assert set(seen.json()) == REPORTER_FIELDS
    assert seen.json()["classification"] == OS and seen.json()["level"] == 4
    assert _ids(client.get(REPORTS, headers=member.headers)) == [report["id"]]
    assert_problem(_get(client, other_member, report), 404)
    assert _ids(client.get(REPORTS, headers=other_member.headers)) == []


def test_an_official_reader_never_learns_of_a_sensitive_report(client, member, officer, viewer):
    public = make_tension_report(client, member, ward="Bayswater")
    sensitive = make_tension_report(client, officer, ward="Bayswater", classification=OS)
    assess_tension_report(client, officer, sensitive, level=5, reassurance_message="Sensitive words")

    assert_problem(_get(client, viewer, sensitive), 404)
    assert _ids(client.get(REPORTS, headers=viewer.headers)) == [public["id"]]
    exported = client.get(REPORTS, headers={**viewer.headers, "Accept": "text/csv"}).text
    assert public["id"] in exported and sensitive["id"] not in exported
    summary = client.get(f"{REPORTS}/summary", headers=viewer.headers).json()
    assert summary["groups"] == [{"key": "Bayswater", "reports": 1, "new": 1, "highest_level": None}]
    assert summary["reports"] == 1 and summary["highest_level"] is None
    messages = client.get(f"{API}/tension-messages", headers=viewer.headers).json()
    assert messages == []
    full = client.get(f"{REPORTS}/summary", headers=officer.headers).json()
    assert full["groups"][0]["reports"] == 2 and full["highest_level"] == 5


def test_reading_needs_a_token_and_a_tensions_scope(client, make_api_key):
    assert_problem(client.get(REPORTS), 401)
    key = make_api_key(["protect:read"], clearance=OS)
    assert_problem(client.get(REPORTS, headers=key.headers), 403)
    assert_problem(client.get(f"{REPORTS}/anything", headers=key.headers), 403)


# --- Assessment ---------------------------------------------------------------------------------------------------


def test_assessing_needs_the_write_scope_and_if_match(client, member, officer, emt):
    report = make_tension_report(client, member)

    assert_problem(_patch(client, member, report, {"level": 2}), 403)
    assert_problem(_patch(client, emt, report, {"level": 2}), 403)
    missing = client.patch(f"{REPORTS}/{report['id']}", headers=officer.headers, json={"level": 2})
    assert_problem(missing, 428)
    assert_problem(_patch(client, officer, report, {"level": 2}, etag='"7"'), 412)
    assert _get(client, officer, report).json()["level"] is None

    done = _patch(client, officer, report, {"level": 2, "status": "monitoring"})
    assert done.status_code == 200 and done.headers["ETag"] == '"2"'
    assert done.json()["level"] == 2 and done.json()["status"] == "monitoring"
    assert_problem(_patch(client, officer, report, {"level": 3}), 412)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": 6}, "level"),
        ({"level": 0}, "level"),
        ({"level": "3"}, "level"),
        ({"trend": "up"}, "trend"),
        ({"status": "done"}, "status"),
        ({"status": None}, "body"),
        ({"police_informed_at": "yesterday"}, "police_informed_at"),
        ({"summary": "rewritten"}, "summary"),
        ({"community_event_id": "no-such-event"}, "community_event_id"),
    ],
)
def test_a_bad_assessment_is_422_and_changes_nothing(client, member, officer, body, field):
    report = make_tension_report(client, member)

    response = _patch(client, officer, report, body)

    problem = assert_problem(response, 422)
    assert field in {e["field"] for e in problem["errors"]}, problem
    assert _get(client, officer, report).headers["ETag"] == '"1"'


def test_a_report_unknown_or_above_clearance_is_404_to_patch(client, officer, make_user):
    cleared_low = make_user(Role.OFFICER, clearance="OFFICIAL")
    sensitive = make_tension_report(client, officer, classification=OS)

    assert_problem(_patch(client, officer, {"id": "nope"}, {"level": 1}), 404)
    assert_problem(_patch(client, cleared_low, sensitive, {"level": 1}), 404)
    public = make_tension_report(client, officer)
    assert_problem(_patch(client, cleared_low, public, {"classification": OS}), 403)


def test_assessments_and_reports_are_audited(client, member, officer, admin):
    report = make_tension_report(client, member)
    assess_tension_report(client, officer, report, level=2)

    events = client.get(f"{API}/audit-events", params={"entity_id": report["id"]}, headers=admin.headers).json()
    actions = [e["action"] for e in events["items"]]
    assert sorted(actions) == ["tension_report.create", "tension_report.update"]


# --- Filters, order, paging, CSV ----------------------------------------------------------------------------------


def test_filters_combine_and_the_triage_order_puts_new_first_then_the_highest_level(
    client, member, officer, db_session
):
    low = make_tension_report(client, member, ward="Pimlico North", category="online", summary="Posts about a march")
    high = make_tension_report(client, member, ward="Pimlico North", category="protest", summary="Protest outside")
    fresh = make_tension_report(client, member, ward="Westbourne", category="hate_incident", summary="Graffiti")
    assess_tension_report(client, officer, low, level=2, status="assessed")
    assess_tension_report(client, officer, high, level=4, status="monitoring")
    _backdate(db_session, low, utcnow() - timedelta(days=10))

    def listed(**params):
        return _ids(client.get(REPORTS, headers=officer.headers, params=params))

    assert listed(ward="pimlico north") == [high["id"], low["id"]]
    assert listed(status="new") == [fresh["id"]]
    assert listed(category="protest") == [high["id"]]
    assert listed(level_min=3) == [high["id"]]
    assert listed(q="GRAFFITI") == [fresh["id"]]
    week_ago = (today_london() - timedelta(days=7)).isoformat()
    assert listed(reported_before=week_ago) == [low["id"]]
    assert set(listed(reported_after=week_ago)) == {high["id"], fresh["id"]}
    assert set(listed(reported_after=today_london().isoformat(), reported_before=today_london().isoformat())) == {
        high["id"],
        fresh["id"],
    }
    assert listed(sort="triage") == [fresh["id"], high["id"], low["id"]]
    assert listed(ward="Pimlico North", level_min=4, category="online") == []
    assert_problem(client.get(REPORTS, headers=officer.headers, params={"level_min": 0}), 422)
    assert_problem(client.get(REPORTS, headers=officer.headers, params={"sort": "level"}), 422)
    assert_problem(client.get(REPORTS, headers=officer.headers, params={"reported_after": "2026-11-30T10:00:00Z"}), 422)


def test_pages_follow_the_cursor_without_loss_or_repeat(client, member, officer):
    made = {make_tension_report(client, member, summary=f"Report {i}")["id"] for i in range(7)}
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(REPORTS, headers=officer.headers, params=params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == made


def test_csv_has_every_row_and_is_formula_safe(client, member, officer):
    make_tension_report(client, member, summary="=HYPERLINK('http://evil')")
    make_tension_report(client, member)

    response = client.get(REPORTS, headers={**officer.headers, "Accept": "text/csv"})

    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    assert "'=HYPERLINK('http://evil')" in {r["summary"] for r in rows}
    assert "assessment_notes" in rows[0] and rows[0]["reporter.organisation"] == "Council"
    mine = client.get(REPORTS, headers={**member.headers, "Accept": "text/csv"}).text
    assert "assessment_notes" not in mine.splitlines()[0]


# --- The scale ----------------------------------------------------------------------------------------------------


def test_the_scale_has_five_levels_in_plain_words_for_readers_and_reporters(client, member, viewer, make_api_key):
    levels = client.get(f"{API}/tension-levels", headers=member.headers).json()

    assert [lv["level"] for lv in levels] == [1, 2, 3, 4, 5]
    assert [lv["name"] for lv in levels] == ["Normal", "Some concern", "Raised", "High", "Very high"]
    assert all(lv["description"] for lv in levels)
    assert client.get(f"{API}/tension-levels", headers=viewer.headers).json() == levels
    assert_problem(client.get(f"{API}/tension-levels"), 401)
    assert_problem(client.get(f"{API}/tension-levels", headers=make_api_key(["prevent:read"]).headers), 403)


def test_a_setting_replaces_the_scale_and_bounds_the_levels_an_assessment_may_use(settings, database, make_user):
    scale = [{"name": "Calm", "description": "Nothing known"}, {"name": "Tense", "description": "Watch it"}]
    custom = create_app(settings.model_copy(update={"tension_levels": json.dumps(scale)}), database)
    officer = make_user(Role.OFFICER)
    with TestClient(custom) as client:
        levels = client.get(f"{API}/tension-levels", headers=officer.headers).json()
        report = make_tension_report(client, officer)
        refused = _patch(client, officer, report, {"level": 3})
        allowed = _patch(client, officer, report, {"level": 2})

    assert levels == [
        {"level": 1, "name": "Calm", "description": "Nothing known"},
        {"level": 2, "name": "Tense", "description": "Watch it"},
    ]
    assert "between 1 and 2" in assert_problem(refused, 422)["errors"][0]["message"]
    assert allowed.status_code == 200


@pytest.mark.parametrize("text", ["not json", "[]", '[{"name": "Only one", "description": ""}]', '[{"name": 1}]'])
def test_a_malformed_scale_setting_stops_start_up(settings, database, text):
    with pytest.raises(tension_levels.TensionLevelsError):
        create_app(settings.model_copy(update={"tension_levels": text}), database)


# --- Trends -------------------------------------------------------------------------------------------------------


def test_the_summary_groups_by_ward_and_by_iso_week_within_the_dates(client, member, officer, db_session):
    reports = [make_tension_report(client, member, ward=w) for w in ("Hyde Park", "Hyde Park", "Abbey Road", "Warwick")]
    # Sunday 29 November 2026 is in ISO week 48; Monday 30 November starts week 49; 3 January 2027 is 2026-W53.
    _backdate(db_session, reports[0], datetime(2026, 11, 29, 23, 30, tzinfo=UTC))  # GMT: still Sunday in London
    _backdate(db_session, reports[1], datetime(2026, 11, 30, 0, 30, tzinfo=UTC))
    _backdate(db_session, reports[2], datetime(2027, 1, 3, 12, 0, tzinfo=UTC))
    _backdate(db_session, reports[3], datetime(2026, 6, 14, 23, 30, tzinfo=UTC))  # BST: Monday 15 June in London
    assess_tension_report(client, officer, reports[1], level=3, status="assessed")

    def summary(**params):
        response = client.get(f"{REPORTS}/summary", headers=officer.headers, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    by_week = summary(by="week")
    assert [(g["key"], g["reports"], g["highest_level"]) for g in by_week["groups"]] == [
        ("2026-W25", 1, None),
        ("2026-W48", 1, None),
        ("2026-W49", 1, 3),
        ("2026-W53", 1, None),
    ]
    by_ward = summary(by="ward", **{"from": "2026-11-01", "to": "2026-12-31"})
    assert [(g["key"], g["reports"], g["new"], g["highest_level"]) for g in by_ward["groups"]] == [
        ("Hyde Park", 2, 1, 3)
    ]
    assert by_ward["reports"] == 2 and by_ward["new"] == 1 and by_ward["highest_level"] == 3
    assert summary(by="ward", **{"from": "2026-06-15", "to": "2026-06-15"})["groups"][0]["key"] == "Warwick"
    assert_problem(client.get(f"{REPORTS}/summary", headers=officer.headers, params={"by": "month"}), 422)
    bad_range = client.get(
        f"{REPORTS}/summary", headers=officer.headers, params={"from": "2026-12-01", "to": "2026-11-01"}
    )
    assert assert_problem(bad_range, 422)["errors"][0]["field"] == "to"
    assert_problem(client.get(f"{REPORTS}/summary", headers=member.headers), 403)


def test_iso_weeks_are_computed_from_the_london_date():
    assert tension_reports.iso_week(datetime(2026, 11, 29, 23, 30, tzinfo=UTC)) == "2026-W48"
    assert tension_reports.iso_week(datetime(2026, 6, 14, 23, 30, tzinfo=UTC)) == "2026-W25"
    assert tension_reports.iso_week(datetime(2027, 1, 3, 12, tzinfo=UTC)) == "2026-W53"
    assert tension_reports.iso_week(datetime(2024, 12, 30, 12, tzinfo=UTC)) == "2025-W01"


# --- Reassurance messages -----------------------------------------------------------------------------------------


def test_members_see_the_current_reassurance_messages_by_ward_within_their_clearance(client, member, officer):
    open_report = make_tension_report(client, officer, ward="Queen's Park")
    closed = make_tension_report(client, officer, ward="Little Venice")
    sensitive = make_tension_report(client, officer, ward="Marylebone", classification=OS)
    quiet = make_tension_report(client, officer, ward="West End")
    assess_tension_report(client, officer, open_report, level=2, reassurance_message="Extra patrols this week.")
    assess_tension_report(client, officer, closed, status="closed", reassurance_message="Old news.")
    assess_tension_report(client, officer, sensitive, reassurance_message="Not for members.")
    assess_tension_report(client, officer, quiet, level=1)

    messages = client.get(f"{API}/tension-messages", headers=member.headers).json()

    assert [(m["ward"], m["message"], m["level"]) for m in messages] == [
        ("Queen's Park", "Extra patrols this week.", 2)
    ]
    assert len(client.get(f"{API}/tension-messages", headers=officer.headers).json()) == 2


# --- The EMT report's section (service level) ---------------------------------------------------------------------


def _principal(clearance: Classification) -> Principal:
    return Principal(
        id="emt-test",
        kind="user",
        name="emt",
        organisation="EMT",
        scopes=frozenset({"tensions:read"}),
        clearance=clearance,
    )


def test_the_emt_report_section_counts_by_level_and_ward_with_trends_within_clearance(
    client, member, officer, db_session
):
    def report(ward, day, level=None, **fields):
        made = make_tension_report(client, officer, ward=ward, **fields)
        if level:
            assess_tension_report(client, officer, made, level=level)
        _backdate(db_session, made, datetime(2026, 11, day, 12, tzinfo=UTC))
        return made

    # This period: 16-29 November; the one before: 2-15 November.
    report("Harrow Road", 20, level=4)
    report("Harrow Road", 21, level=2)
    report("Harrow Road", 3)
    report("Maida Vale", 18)
    report("Maida Vale", 4, level=1)
    report("Maida Vale", 5)
    report("St James's", 25, level=3)
    report("St James's", 10)
    report("Knightsbridge & Belgravia", 22, level=5, classification=OS)

    cleared = tension_reports.report_section(
        db_session,
        principal=_principal(Classification.OFFICIAL_SENSITIVE),
        start=date(2026, 11, 16),
        end=date(2026, 11, 29),
    )
    official = tension_reports.report_section(
        db_session, principal=_principal(Classification.OFFICIAL), start=date(2026, 11, 16), end=date(2026, 11, 29)
    )

    assert cleared["reports"] == 5 and cleared["unassessed"] == 1
    assert [(r["level"], r["name"], r["reports"]) for r in cleared["by_level"]] == [
        (1, "Normal", 0),
        (2, "Some concern", 1),
        (3, "Raised", 1),
        (4, "High", 1),
        (5, "Very high", 1),
    ]
    assert cleared["by_ward"] == [
        {"ward": "Harrow Road", "reports": 2, "highest_level": 4, "trend": "rising"},
        {"ward": "Knightsbridge & Belgravia", "reports": 1, "highest_level": 5, "trend": "rising"},
        {"ward": "Maida Vale", "reports": 1, "highest_level": None, "trend": "falling"},
        {"ward": "St James's", "reports": 1, "highest_level": 3, "trend": "stable"},
    ]
    assert official["reports"] == 4
    assert "Knightsbridge & Belgravia" not in {w["ward"] for w in official["by_ward"]}
    assert official["by_level"][4]["reports"] == 0


# --- Races (served app; run on PostgreSQL) ------------------------------------------------------------------------


def test_ten_assessments_from_one_etag_give_one_200_and_nine_412(live_server, client, member, officer):
    report = make_tension_report(client, member)
    url = f"{REPORTS}/{report['id']}"
    requests = [
        (
            "PATCH",
            url,
            {"headers": {**officer.headers, "If-Match": '"1"'}, "json": {"level": 1 + i % 5, "actions": f"Plan {i}"}},
        )
        for i in range(10)
    ]

    responses = at_once(live_server, requests)

    assert statuses(responses) == [200] + [412] * 9
    winner = next(r for r in responses if r.status_code == 200).json()
    stored = client.get(url, headers=officer.headers)
    assert stored.json()["actions"] == winner["actions"] and stored.headers["ETag"] == '"2"'
    params = {"entity_id": report["id"], "action": "tension_report.update"}
    events = client.get(f"{API}/audit-events", params=params, headers=officer.headers)
    assert len(events.json()["items"]) == 1


def test_reports_sent_at_once_are_all_kept_each_for_its_reporter(live_server, client, make_user, officer):
    members = [make_user(Role.MEMBER) for _ in range(6)]
    requests = [
        ("POST", REPORTS, {"headers": m.headers, "json": tension_report_body(summary=f"From {i}")})
        for i, m in enumerate(members)
    ]

    responses = at_once(live_server, requests)

    assert statuses(responses) == [201] * 6
    for i, m in enumerate(members):
        assert [r["summary"] for r in client.get(REPORTS, headers=m.headers).json()["items"]] == [f"From {i}"]
    assert len(client.get(REPORTS, headers=officer.headers).json()["items"]) == 6


def test_mine_lists_only_the_callers_own_reports_even_for_a_reader(client, member, officer):
    theirs = make_tension_report(client, member)
    own = make_tension_report(client, officer)

    assert _ids(client.get(REPORTS, headers=officer.headers, params={"mine": "true"})) == [own["id"]]
    assert _ids(client.get(REPORTS, headers=member.headers, params={"mine": "true"})) == [theirs["id"]]
    assert_problem(client.get(REPORTS, headers=member.headers, params={"mine": "perhaps"}), 422)


def test_the_summary_takes_a_ward_and_a_category(client, member, officer):
    make_tension_report(client, member, ward="Vincent Square", category="online")
    make_tension_report(client, member, ward="Vincent Square", category="protest")
    make_tension_report(client, member, ward="Regent's Park", category="online")

    def keys(**params):
        return [
            (g["key"], g["reports"])
            for g in client.get(f"{REPORTS}/summary", headers=officer.headers, params=params).json()["groups"]
        ]

    make_tension_report(client, member, ward="vincent square", category="rumour")
    assert keys(ward="vincent square") == [("Vincent Square", 3)]
    assert keys(status="new", category="rumour") == [("vincent square", 1)]
    assert keys(category="online") == [("Regent's Park", 1), ("Vincent Square", 1)]
    assert len(keys(by="week", ward="Regent's Park")) == 1


def test_a_reader_cleared_official_keeps_the_reporter_view_of_its_own_raised_report(client, make_api_key, officer):
    key = make_api_key(["tensions:read", "tensions:report"], clearance="OFFICIAL")
    own = make_tension_report(client, key)
    assess_tension_report(client, officer, own, classification=OS, assessment_notes="Sensitive source")

    seen = _get(client, key, own)

    assert seen.status_code == 200 and set(seen.json()) == REPORTER_FIELDS
    assert _ids(client.get(REPORTS, headers=key.headers)) == [own["id"]]
    assert client.get(f"{REPORTS}/summary", headers=key.headers).json()["reports"] == 0  # counts follow clearance


def test_a_sensitive_report_read_by_a_partner_key_is_a_disclosure(client, make_api_key, officer, admin):
    key = make_api_key(["tensions:read"], clearance=OS)
    report = make_tension_report(client, officer, classification=OS)

    assert _get(client, key, report).status_code == 200

    events = client.get(f"{API}/audit-events", params={"action": "disclosure"}, headers=admin.headers).json()["items"]
    assert len(events) == 1 and report["id"] in json.dumps(events[0])


def test_a_report_sent_twice_with_one_idempotency_key_is_stored_once(client, member, officer):
    headers = {**member.headers, "Idempotency-Key": "report-7"}
    first = client.post(REPORTS, headers=headers, json=tension_report_body())
    again = client.post(REPORTS, headers=headers, json=tension_report_body())

    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(client.get(REPORTS, headers=officer.headers).json()["items"]) == 1
