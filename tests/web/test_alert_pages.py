"""Public warning pages without a browser: the dashboard's prompt at EXCEPTIONAL, permissions, CSRF, the edit
conflict, plain words for API errors, and the route order of the public outputs."""

from __future__ import annotations

from tests.builders import make_alert, publish_alert
from tests.web.pages import csrf_token, form_etag, signed_in, submit

ALERTS = "/api/v1/alerts"


def _record_level(client, admin, level):
    response = client.post("/api/v1/threat-level", headers=admin.headers, json={"level": level, "note": "test"})
    assert response.status_code == 201, response.text


def test_at_exceptional_the_dashboard_prompts_officers_to_review_public_messaging(app, client, admin, make_user):
    officer, viewer = make_user("officer"), make_user("viewer")
    _record_level(client, admin, "SEVERE")
    assert "Review public messaging" not in signed_in(app, officer.username).get("/").text

    _record_level(client, admin, "CRITICAL")

    html = signed_in(app, officer.username).get("/").text
    assert "Review public messaging" in html and 'href="/prepare/alerts"' in html
    assert "Review public messaging" not in signed_in(app, viewer.username).get("/").text
    assert client.get(ALERTS, headers=officer.headers).json()["items"] == []  # it never publishes anything


def test_people_without_the_scope_get_the_403_page_not_the_form(app, client, officer, make_user):
    alert = make_alert(client, officer)
    viewer = signed_in(app, make_user("viewer").username)
    assert viewer.get("/prepare/alerts").status_code == 200
    for path in ("/prepare/alerts/new", f"/prepare/alerts/{alert['id']}/edit"):
        page = viewer.get(path)
        assert page.status_code == 403 and "You do not have permission" in page.text
    officer_tab = signed_in(app, make_user("officer").username)
    page = officer_tab.get(f"/prepare/alerts/{alert['id']}/approve")
    assert page.status_code == 403 and "approve public warnings" in page.text


def test_a_form_without_its_csrf_token_is_refused(app, make_user):
    tab = signed_in(app, make_user("officer").username)
    assert tab.post("/prepare/alerts/new", data={"headline": "x"}).status_code == 403


def test_saving_a_draft_someone_changed_meanwhile_shows_the_conflict(app, client, officer):
    alert = make_alert(client, officer)
    tab = signed_in(app, officer.username)
    form = tab.get(f"/prepare/alerts/{alert['id']}/edit").text
    client.patch(f"{ALERTS}/{alert['id']}", headers={**officer.headers, "If-Match": '"1"'}, json={"headline": "Theirs"})

    data = {
        "csrf_token": csrf_token(form),
        "etag": form_etag(form),
        "status": "Actual",
        "category": "Security",
        "headline": "Mine",
        "event": "Security incident",
        "description": "Text",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "area_description": "Leicester Square",
    }
    page = tab.post(f"/prepare/alerts/{alert['id']}/edit", data=data)

    assert page.status_code == 409
    assert "Someone else changed this record" in page.text and "Theirs" in page.text and "Mine" in page.text
    assert client.get(f"{ALERTS}/{alert['id']}", headers=officer.headers).json()["headline"] == "Theirs"


def test_api_errors_reach_the_form_in_plain_words(app, officer):
    tab = signed_in(app, officer.username)
    data = {
        "status": "Actual",
        "category": "Security",
        "headline": "x" * 200,
        "event": "Event",
        "description": "Text\x01",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "area_description": "Soho",
        "web": "ftp://example.org",
        "lat": "51.5",
        "expires_date-day": "30",
        "expires_date-month": "2",
        "expires_date-year": "2026",
    }
    page = submit(tab, "/prepare/alerts/new", data)
    assert page.status_code == 400
    assert "Enter the centre longitude, or leave the circle blank" in page.text
    assert "Date the warning ends must be a real date" in page.text and 'value="30"' in page.text
    data |= {"lat": "", "expires_date-day": "", "expires_date-month": "", "expires_date-year": ""}
    page = submit(tab, "/prepare/alerts/new", data)
    assert page.status_code == 400
    assert "Headline must be 160 characters or fewer" in page.text
    assert "What people need to know must not contain control characters" in page.text
    assert "Enter a web address starting with https://" in page.text
    for leak in ("should", "literal", "value_error", "String"):
        assert leak not in page.text.split("<main")[1].split("<form")[0]


def test_the_atom_and_cap_routes_win_over_the_public_page_route(client, officer, emt):
    alert = publish_alert(client, officer, emt)
    assert client.get(f"/alerts/{alert['id']}.cap").headers["content-type"].startswith("application/cap+xml")
    assert client.get("/alerts.atom").headers["content-type"].startswith("application/atom+xml")
    assert client.get(f"/alerts/{alert['id']}").headers["content-type"].startswith("text/html")
    assert client.get("/alerts/not-an-alert.cap").status_code == 404


def test_the_dashboard_links_to_public_warnings_with_the_drafts_awaiting_approval(app, client, officer, make_user):
    make_alert(client, officer)
    make_alert(client, officer)
    html = signed_in(app, make_user("emt").username).get("/").text
    assert 'href="/prepare/alerts"' in html and "2 drafts awaiting approval" in html
    assert "/prepare/alerts" not in signed_in(app, make_user("admin").username).get("/").text.split("<main")[0]
