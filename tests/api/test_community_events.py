"""Community events over HTTP: the calendar, its rules, classification, and the iCalendar feed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import icalendar
import pytest

from tests.builders import (
    API,
    assess_tension_report,
    community_event_body,
    make_community_event,
    make_site,
    make_tension_report,
)
from tests.conftest import assert_problem
from tests.races import at_once, statuses

EVENTS = f"{API}/community-events"
OS = "OFFICIAL-SENSITIVE"
CALENDAR = {"Accept": "text/calendar"}


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _patch(client, actor, event, body, etag='"1"'):
    return client.patch(f"{EVENTS}/{event['id']}", headers={**actor.headers, "If-Match": etag}, json=body)


def _calendar(client, actor, **params) -> icalendar.Calendar:
    response = client.get(EVENTS, headers={**actor.headers, **CALENDAR}, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_an_officer_adds_an_event_and_reads_it_back(client, officer, viewer):
    site = make_site(client, officer, "Paddington Recreation Ground")
    response = client.post(
        EVENTS,
        headers=officer.headers,
        json=community_event_body(site_ids=[site["id"]], location={"lat": 51.53, "lon": -0.19}),
    )

    assert response.status_code == 201, response.text
    event = response.json()
    assert response.headers["ETag"] == '"1"' and response.headers["Location"].endswith(
        f"/community-events/{event['id']}"
    )
    assert event["kind"] == "vigil" and event["starts_at"] == "2026-12-05T17:00:00Z"
    assert event["classification"] == "OFFICIAL" and event["site_ids"] == [site["id"]] and event["reports"] == 0
    read = client.get(f"{EVENTS}/{event['id']}", headers=viewer.headers)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    assert read.json()["site_ids"] == []  # the site is OFFICIAL-SENSITIVE: the viewer does not see the link


def test_events_need_the_read_scope_and_changes_the_write_scope(client, member, viewer, emt):
    assert_problem(client.get(EVENTS), 401)
    assert_problem(client.get(EVENTS, headers=member.headers), 403)
    assert_problem(client.post(EVENTS, headers=viewer.headers, json=community_event_body()), 403)
    assert_problem(client.post(EVENTS, headers=emt.headers, json=community_event_body()), 403)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"kind": "party"}, "kind"),
        ({"starts_at": "Saturday"}, "starts_at"),
        ({"starts_at": 1764954000}, "starts_at"),
        ({"ends_at": "2026-12-05T16:00:00Z"}, "body"),
        ({"expected_attendance": -1}, "expected_attendance"),
        ({"expected_attendance": "300"}, "expected_attendance"),
        ({"site_ids": ["no-such-site"]}, "site_ids"),
        ({"organiser_phone": "07700 900000"}, "organiser_phone"),
    ],
)
def test_a_bad_event_is_422_and_nothing_is_stored(client, officer, change, field):
    response = client.post(EVENTS, headers=officer.headers, json=community_event_body(**change))

    problem = assert_problem(response, 422)
    assert field in {e["field"] for e in problem["errors"]}, problem
    assert client.get(EVENTS, headers=officer.headers).json()["items"] == []


def test_changing_an_event_needs_if_match_and_keeps_its_times_in_order(client, officer):
    event = make_community_event(client, officer)

    assert_problem(client.patch(f"{EVENTS}/{event['id']}", headers=officer.headers, json={"title": "x"}), 428)
    assert_problem(_patch(client, officer, event, {"title": "x"}, etag='"9"'), 412)
    assert_problem(_patch(client, officer, event, {"ends_at": "2026-12-05T16:00:00Z"}), 422)
    assert_problem(_patch(client, officer, event, {"title": None}), 422)
    changed = _patch(
        client, officer, event, {"title": "Vigil, moved indoors", "place": "St Mary's Church", "ward": None}
    )
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    assert changed.json()["title"] == "Vigil, moved indoors" and changed.json()["ward"] is None


def test_deleting_an_event_needs_if_match_and_leaves_its_reports_unlinked(client, officer, member):
    event = make_community_event(client, officer)
    report = make_tension_report(client, member, community_event_id=event["id"])
    url = f"{EVENTS}/{event['id']}"

    assert_problem(client.delete(url, headers=officer.headers), 428)
    assert_problem(client.delete(url, headers={**officer.headers, "If-Match": '"5"'}), 412)
    assert client.delete(url, headers={**officer.headers, "If-Match": '"1"'}).status_code == 204
    assert_problem(client.get(url, headers=officer.headers), 404)
    assert (
        client.get(f"{API}/tension-reports/{report['id']}", headers=officer.headers).json()["community_event_id"]
        is None
    )


def test_a_sensitive_event_does_not_exist_for_an_official_reader(client, officer, viewer, make_user):
    public = make_community_event(client, officer, title="Commemoration at the Cenotaph", kind="commemoration")
    sensitive = make_community_event(client, officer, title="Embassy national day", kind="embassy", classification=OS)

    assert_problem(client.get(f"{EVENTS}/{sensitive['id']}", headers=viewer.headers), 404)
    assert _ids(client.get(EVENTS, headers=viewer.headers)) == [public["id"]]
    exported = client.get(EVENTS, headers={**viewer.headers, "Accept": "text/csv"}).text
    assert "Cenotaph" in exported and "Embassy" not in exported
    assert [str(e["SUMMARY"]) for e in _calendar(client, viewer).walk("VEVENT")] == ["Commemoration at the Cenotaph"]
    low_officer = make_user("officer", clearance="OFFICIAL")
    assert_problem(_patch(client, low_officer, sensitive, {"title": "x"}), 404)
    assert_problem(
        client.delete(f"{EVENTS}/{sensitive['id']}", headers={**low_officer.headers, "If-Match": '"1"'}), 404
    )
    assert_problem(client.post(EVENTS, headers=low_officer.headers, json=community_event_body(classification=OS)), 403)


def test_filters_by_dates_ward_and_kind_in_time_order(client, officer):
    march = make_community_event(
        client,
        officer,
        title="March",
        kind="march",
        ward="Westminster",
        starts_at="2026-12-12T11:00:00Z",
        ends_at="2026-12-12T15:00:00Z",
    )
    vigil = make_community_event(client, officer)  # 5 December, Maida Vale
    long = make_community_event(
        client,
        officer,
        title="Winter fair",
        kind="cultural",
        ward="Hyde Park",
        starts_at="2026-11-20T10:00:00Z",
        ends_at="2027-01-03T18:00:00Z",
    )

    def listed(**params):
        return _ids(client.get(EVENTS, headers=officer.headers, params=params))

    assert listed() == [long["id"], vigil["id"], march["id"]]
    assert listed(**{"from": "2026-12-06"}) == [long["id"], march["id"]]
    assert listed(**{"to": "2026-12-05"}) == [long["id"], vigil["id"]]
    assert listed(**{"from": "2026-12-05", "to": "2026-12-05"}) == [long["id"], vigil["id"]]
    assert listed(ward="maida vale") == [vigil["id"]]
    assert listed(kind="march") == [march["id"]]
    assert_problem(client.get(EVENTS, headers=officer.headers, params={"from": "2026-12-06", "to": "2026-12-01"}), 422)
    assert_problem(client.get(EVENTS, headers=officer.headers, params={"kind": "rave"}), 422)


def test_an_event_counts_the_reports_linked_to_it_that_the_reader_may_see(client, officer, member, viewer):
    event = make_community_event(client, officer)
    make_tension_report(client, member, community_event_id=event["id"])
    sensitive = make_tension_report(client, officer)
    assess_tension_report(client, officer, sensitive, community_event_id=event["id"], classification=OS)

    assert client.get(f"{EVENTS}/{event['id']}", headers=officer.headers).json()["reports"] == 2
    assert client.get(f"{EVENTS}/{event['id']}", headers=viewer.headers).json()["reports"] == 1
    linked = client.get(f"{API}/tension-reports", headers=viewer.headers, params={"community_event_id": event["id"]})
    assert len(linked.json()["items"]) == 1


def test_the_calendar_parses_with_stable_uids_utc_times_and_hostile_text_escaped(client, officer):
    hostile = 'Rally; "peace, now"\nSecond line \\ backslash — ünïcödé ' + "long " * 20
    event = make_community_event(
        client,
        officer,
        title=hostile.strip(),
        place="Parliament Square, Westminster; north side",
        ward="St James's",
        starts_at="2026-12-12T11:00:00+00:00",
        ends_at="2026-12-12T16:30:00+01:00",
        notes="Organisers expect coaches;\r\nstewards briefed, too.",
    )

    response = client.get(EVENTS, headers={**officer.headers, **CALENDAR})
    raw = response.content
    parsed = icalendar.Calendar.from_ical(raw)
    again = icalendar.Calendar.from_ical(client.get(EVENTS, headers={**officer.headers, **CALENDAR}).content)

    [vevent] = parsed.walk("VEVENT")
    assert str(vevent["UID"]) == event["id"] == str(again.walk("VEVENT")[0]["UID"])
    assert vevent.decoded("DTSTART") == datetime(2026, 12, 12, 11, 0, tzinfo=UTC)
    assert vevent.decoded("DTEND") == datetime(2026, 12, 12, 15, 30, tzinfo=UTC)
    assert str(vevent["SUMMARY"]) == hostile.strip()
    assert str(vevent["LOCATION"]) == "Parliament Square, Westminster; north side, St James's"
    assert "stewards briefed, too." in str(vevent["DESCRIPTION"])
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert b"DTSTART:20261212T110000Z" in raw and b"DTEND:20261212T153000Z" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and raw.endswith(b"END:VCALENDAR\r\n")


def test_the_calendar_takes_the_list_filters_and_changes_carry_a_sequence(client, officer):
    vigil = make_community_event(client, officer)
    make_community_event(
        client, officer, title="March", kind="march", starts_at="2026-12-12T11:00:00Z", ends_at="2026-12-12T15:00:00Z"
    )
    _patch(client, officer, vigil, {"title": "Vigil (moved)"})

    [only] = _calendar(client, officer, kind="vigil").walk("VEVENT")

    assert str(only["SUMMARY"]) == "Vigil (moved)" and int(only["SEQUENCE"]) == 1
    assert _calendar(client, officer, ward="Nowhere").walk("VEVENT") == []
    refused = client.get(EVENTS, headers={**officer.headers, "Accept": "application/xml"})
    assert_problem(refused, 406)


def test_site_links_replace_only_those_the_editor_can_see(client, officer, make_user):
    hidden = make_site(client, officer, "Sensitive site")
    shown = make_site(client, officer, "Public square", classification="OFFICIAL")
    other = make_site(client, officer, "Another square", classification="OFFICIAL")
    event = make_community_event(client, officer, site_ids=[hidden["id"], shown["id"]])
    low_officer = make_user("officer", clearance="OFFICIAL")

    changed = _patch(client, low_officer, event, {"site_ids": [other["id"]]})

    assert changed.status_code == 200 and changed.json()["site_ids"] == [other["id"]]
    full = client.get(f"{EVENTS}/{event['id']}", headers=officer.headers).json()
    assert sorted(full["site_ids"]) == sorted([hidden["id"], other["id"]])
    refused = _patch(client, low_officer, full, {"site_ids": [hidden["id"]]}, etag='"2"')
    assert assert_problem(refused, 422)["errors"][0]["field"] == "site_ids"


def test_events_as_csv_have_every_row(client, officer):
    for i in range(3):
        make_community_event(client, officer, title=f"=Event {i}")

    rows = list(csv.DictReader(io.StringIO(client.get(EVENTS, headers={**officer.headers, "Accept": "text/csv"}).text)))

    assert sorted(r["title"] for r in rows) == ["'=Event 0", "'=Event 1", "'=Event 2"]


def test_events_changed_at_once_from_one_etag_give_one_200(live_server, client, officer):
    event = make_community_event(client, officer)
    url = f"{EVENTS}/{event['id']}"
    requests = [
        ("PATCH", url, {"headers": {**officer.headers, "If-Match": '"1"'}, "json": {"notes": f"Briefing {i}"}})
        for i in range(8)
    ]
    requests.append(("DELETE", url, {"headers": {**officer.headers, "If-Match": '"1"'}}))

    responses = at_once(live_server, requests)

    [won] = [r for r in responses if r.status_code in (200, 204)]
    assert set(statuses(responses)) - {200, 204} <= {404, 412}  # after the delete, the record is gone
    now = client.get(url, headers=officer.headers)
    if won.status_code == 204:
        assert now.status_code == 404
    else:
        assert now.json()["notes"] == won.json()["notes"] and now.headers["ETag"] == '"2"'


def test_a_partner_reading_sensitive_events_in_the_calendar_is_a_disclosure(client, officer, admin, make_api_key):
    sensitive = make_community_event(client, officer, title="Embassy national day", kind="embassy", classification=OS)
    make_community_event(client, officer)
    police = make_api_key(["tensions:read"], clearance=OS)

    assert len(_calendar(client, police).walk("VEVENT")) == 2

    events = client.get(f"{API}/audit-events", params={"action": "disclosure"}, headers=admin.headers).json()["items"]
    assert [e["after"]["ids"] for e in events] == [[sensitive["id"]]]
