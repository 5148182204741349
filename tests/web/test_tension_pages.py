"""Community tension pages without a browser: the member's form and its words, post/redirect/get, who may open
which page, the assessment conflict, the heat table's text, the event forms and their confirmation step."""

from __future__ import annotations

import re

import icalendar
import pytest

from app.core.security import Role
from tests.builders import API, assess_tension_report, make_community_event, make_tension_report
from tests.web.pages import csrf_token, form_etag, moment_fields, signed_in, submit

JARGON = ("should be", "Input", "ISO", "literal", "value_error", "string_too", "enum")
MEMBER_FORM = {
    "ward": "Church Street",
    "category": "rumour",
    "summary": "People at the market say a march is coming through on Saturday.",
    "communities": "Market traders, Muslim residents",
    "trigger": "international",
    "trigger_detail": "",
    "source": "told",
}


def _clean(html: str) -> None:
    for word in JARGON:
        assert word not in html, f"{word!r} shown to staff"


def test_a_member_sends_a_report_and_is_shown_its_confirmation_then_their_reports(app, make_user, client, officer):
    member = make_user(Role.MEMBER)
    tab = signed_in(app, member.username)

    sent = submit(tab, "/tensions/report", MEMBER_FORM)

    assert sent.status_code == 303 and sent.headers["location"].startswith("/tensions/report/sent/")
    confirmation = tab.get(sent.headers["location"])
    assert "Report sent" in confirmation.text and "Church Street" in confirmation.text
    [report] = client.get(f"{API}/tension-reports", headers=officer.headers).json()["items"]
    assert report["communities"] == ["Market traders", "Muslim residents"] and report["source"] == "told"
    assess_tension_report(client, officer, report, level=2, status="assessed", reassurance_message="Patrols are up.")
    mine = tab.get("/tensions/mine").text
    assert "Assessed" in mine and "2 – Some concern" in mine and "Patrols are up." in mine  # noqa: RUF001


def test_a_report_left_blank_says_what_to_do_in_plain_words(app, make_user):
    tab = signed_in(app, make_user(Role.MEMBER).username)

    refused = submit(tab, "/tensions/report", {"ward": "", "summary": ""})
    too_long = submit(tab, "/tensions/report", {**MEMBER_FORM, "ward": "x" * 101})

    assert refused.status_code == 400
    html = refused.text
    for words in (
        "Enter the ward",
        "Select what it is about",
        "Describe what is happening",
        "Select what set it off",
        "Select how you know about it",
    ):
        assert words in html
    assert "Ward must be 100 characters or fewer" in too_long.text
    _clean(html)


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("viewer", "/tensions/report", 403),
        ("viewer", "/tensions/mine", 403),
        ("member", "/tensions/queue", 403),
        ("member", "/tensions/trends", 403),
        ("member", "/tensions/events", 403),
        ("emt", "/tensions/events/new", 403),
        ("viewer", "/tensions/queue", 200),
        ("member", "/tensions/messages", 200),
        ("emt", "/tensions/trends", 200),
    ],
)
def test_each_page_opens_only_for_those_who_may_use_it(app, make_user, role, path, status):
    tab = signed_in(app, make_user(role).username)
    assert tab.get(path).status_code == status


def test_navigation_shows_each_person_the_tension_pages_they_may_use(app, make_user):
    member = signed_in(app, make_user(Role.MEMBER).username).get("/").text
    viewer = signed_in(app, make_user(Role.VIEWER).username).get("/").text

    assert "Report a tension" in member and "Community tensions</a>" not in member
    assert 'id="tensions-panel"' not in member
    assert "Community tensions" in viewer and "Report a tension" not in viewer
    assert 'id="tensions-panel"' in viewer


def test_another_members_report_is_not_found(app, make_user, client):
    owner, other = make_user(Role.MEMBER), make_user(Role.MEMBER)
    report = make_tension_report(client, owner)

    assert signed_in(app, other.username).get(f"/tensions/reports/{report['id']}").status_code == 404
    page = signed_in(app, owner.username).get(f"/tensions/reports/{report['id']}")
    assert page.status_code == 200 and "Assessment notes" not in page.text


def test_the_dashboard_counts_new_reports_and_the_weeks_highest_level_within_clearance(app, make_user, client, officer):
    viewer = make_user(Role.VIEWER)
    make_tension_report(client, officer)
    assessed = make_tension_report(client, officer)
    secret = make_tension_report(client, officer, classification="OFFICIAL-SENSITIVE")
    assess_tension_report(client, officer, assessed, level=3, status="assessed")
    assess_tension_report(client, officer, secret, level=5)

    seen = signed_in(app, viewer.username).get("/").text
    full = signed_in(app, make_user(Role.EMT).username).get("/").text

    panel = " ".join(re.search(r'id="tensions-panel".*?</section>', seen, re.S).group(0).split())
    assert re.search(r'app-figure__count">1</span>\s*<span class="app-figure__text">new report to', panel)
    assert "Highest level in the last 7 days: <strong>3 – Raised</strong> (2 reports in that time)" in panel  # noqa: RUF001
    emt_panel = " ".join(re.search(r'id="tensions-panel".*?</section>', full, re.S).group(0).split())
    assert "<strong>5 – Very high</strong> (3 reports in that time)" in emt_panel  # noqa: RUF001


def test_an_assessment_saved_over_someone_elses_shows_both_versions(app, client, officer, make_user):
    report = make_tension_report(client, officer)
    tab = signed_in(app, make_user(Role.OFFICER).username)
    form = tab.get(f"/tensions/reports/{report['id']}/assess").text
    assess_tension_report(client, officer, report, level=4, status="monitoring")

    response = tab.post(
        f"/tensions/reports/{report['id']}/assess",
        data={
            "csrf_token": csrf_token(form),
            "etag": form_etag(form),
            "level": "2",
            "status": "assessed",
            "classification": "OFFICIAL",
        },
    )

    assert response.status_code == 409
    html = response.text
    assert "Someone else changed this record" in html
    assert "2 – Some concern" in html or "2: Some concern" in html  # noqa: RUF001
    assert "4: High" in html and "Being monitored" in html
    assert form_etag(html) == '"2"'


def test_an_assessment_is_saved_and_bad_values_come_back_in_plain_words(app, client, officer):
    report = make_tension_report(client, officer)
    tab = signed_in(app, officer.username)
    form = tab.get(f"/tensions/reports/{report['id']}/assess").text
    base = {"csrf_token": csrf_token(form), "etag": form_etag(form), "status": "assessed", "classification": "OFFICIAL"}

    refused = tab.post(f"/tensions/reports/{report['id']}/assess", data={**base, "level": "9"})
    saved = tab.post(
        f"/tensions/reports/{report['id']}/assess",
        data={
            **base,
            "level": "3",
            "trend": "rising",
            **moment_fields("police_informed_at", "2026-06-01T09:30"),
            "actions": "Visit",
        },
    )

    assert refused.status_code == 400 and "Select a level on the scale" in refused.text
    _clean(refused.text)
    assert saved.status_code == 303
    stored = client.get(f"{API}/tension-reports/{report['id']}", headers=officer.headers).json()
    assert stored["level"] == 3 and stored["police_informed_at"] == "2026-06-01T08:30:00Z"  # BST to UTC


def test_the_heat_table_says_its_numbers_in_text(app, client, officer, make_user):
    report = make_tension_report(client, officer, ward="Lancaster Gate")
    assess_tension_report(client, officer, report, level=4, status="assessed")

    html = signed_in(app, make_user(Role.VIEWER).username).get("/tensions/trends").text

    assert "<caption" in html and "Reports by ward and week" in html
    row = re.search(r"Lancaster Gate</th>.*?</tr>", html, re.S).group(0)
    assert "1 (4)" in row and row.count("No reports") == 7


def test_an_event_is_added_changed_and_removed_after_a_confirmation(app, client, officer, make_user):
    tab = signed_in(app, make_user(Role.OFFICER).username)
    event = {
        "title": "March for peace",
        "kind": "march",
        **moment_fields("starts_at", "2026-12-12T11:00"),
        **moment_fields("ends_at", "2026-12-12T15:00"),
        "place": "Hyde Park Corner",
        "ward": "Knightsbridge & Belgravia",
        "expected_attendance": "5000",
        "organiser": "Westminster Peace Forum",
        "notes": "",
        "classification": "OFFICIAL",
    }

    refused = submit(tab, "/tensions/events/new", {**event, **moment_fields("ends_at", "2026-12-12T10:00")})
    lots = submit(tab, "/tensions/events/new", {**event, "expected_attendance": "lots"})
    added = submit(tab, "/tensions/events/new", event)

    assert refused.status_code == 400 and "The event must end after it starts" in refused.text
    assert "Expected attendance must be a whole number" in lots.text
    _clean(refused.text)
    _clean(lots.text)
    assert added.status_code == 303
    page_url = added.headers["location"]
    event_id = page_url.rsplit("/", 1)[-1]
    stored = client.get(f"{API}/community-events/{event_id}", headers=officer.headers).json()
    assert stored["starts_at"] == "2026-12-12T11:00:00Z" and stored["expected_attendance"] == 5000
    changed = submit(
        tab, f"/tensions/events/{event_id}/edit", {**event, "etag": '"1"', "title": "March for peace (new route)"}
    )
    assert changed.status_code == 303
    page = tab.get(page_url).text
    confirm = tab.get(f"/tensions/events/{event_id}/delete", params={"etag": form_etag(page)})
    assert "Are you sure you want to remove this event" in confirm.text
    removed = tab.post(
        f"/tensions/events/{event_id}/delete",
        data={"csrf_token": csrf_token(confirm.text), "etag": form_etag(confirm.text)},
    )
    assert removed.status_code == 303 and removed.headers["location"] == "/tensions/events"
    assert client.get(f"{API}/community-events/{event_id}", headers=officer.headers).status_code == 404


def test_the_events_calendar_lists_by_day_links_reports_and_downloads_as_icalendar(app, client, officer, make_user):
    event = make_community_event(client, officer, starts_at="2030-05-04T09:00:00Z", ends_at="2030-05-04T12:00:00Z")
    make_tension_report(client, officer, community_event_id=event["id"])
    tab = signed_in(app, make_user(Role.VIEWER).username)

    html = tab.get("/tensions/events").text
    ics = tab.get("/tensions/events.ics")
    event_page = tab.get(f"/tensions/events/{event['id']}").text

    assert "Saturday 4 May 2030" in html or "4 May 2030" in html
    assert "1 report" in html and "Remove this event" not in event_page
    assert "Church Street" in event_page
    [vevent] = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(vevent["UID"]) == event["id"]


def test_the_queue_answers_htmx_with_its_results_alone(app, client, officer):
    make_tension_report(client, officer, ward="Warwick")
    tab = signed_in(app, officer.username)

    fragment = tab.get("/tensions/queue", params={"status": "new"}, headers={"HX-Request": "true"})

    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="results"' in fragment.text and "Warwick" in fragment.text and "New</strong>" in fragment.text


def test_the_new_reports_card_opens_the_queue_of_exactly_those_it_counts(app, client, officer, make_user):
    from tests.web.test_dashboard_cards import _check_every_card

    for ward in ("Warwick", "Hyde Park"):
        make_tension_report(client, officer, ward=ward)
    make_tension_report(client, officer, ward="Pimlico North", classification="OFFICIAL-SENSITIVE")
    assessed = make_tension_report(client, officer, ward="Westbourne")
    assess_tension_report(client, officer, assessed, level=2, status="assessed")

    for role in (Role.VIEWER, Role.EMT):
        hrefs = _check_every_card(signed_in(app, make_user(role).username))
        assert "/tensions/queue?status=new" in hrefs
