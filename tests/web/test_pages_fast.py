"""Pages without a browser (the whole app through TestClient): CSRF, edit conflicts in every area, permissions,
route order, the session cookie, the unavailable page. Journeys stay in the browser tests."""

from __future__ import annotations

import base64
import contextlib
import zlib
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from app.web.client import ApiClient
from tests.conftest import TEST_SECRET
from tests.web.pages import browser, csrf_token, form_etag, signed_in, submit

API = "/api/v1"
PLAN = {"title": "Plan 2026", "period_start": "2026-04-01", "period_end": "2027-03-31"}


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# CSRF ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_a_form_post_without_the_right_csrf_token_is_refused_and_changes_nothing(app, client, officer, token):
    tab = signed_in(app, officer.username)
    data = {"name": "Sneaky site", "category": "other", "address": "1 Road", "lat": "51.5", "lon": "-0.1"}
    response = tab.post("/protect/sites/new", data=data | ({"csrf_token": token} if token else {}))
    assert response.status_code == 403
    assert "Your form could not be sent" in response.text
    assert client.get(f"{API}/sites", headers=officer.headers).json()["items"] == []


def test_sign_in_itself_needs_the_csrf_token(app, officer):
    tab = browser(app)
    response = tab.post("/login", data={"username": officer.username, "password": "x", "next": "/"})
    assert response.status_code == 403


# Permissions -----------------------------------------------------------------------------------------------------


def test_a_viewer_posting_to_an_officer_form_is_refused(app, client, viewer, officer):
    tab = signed_in(app, viewer.username)
    token = csrf_token(tab.get("/").text)  # every signed-in page has one (the sign-out form)
    response = tab.post(
        "/prevent/plans",
        data={"csrf_token": token, "title": "A plan a viewer may not make", "classification": "OFFICIAL"},
    )
    assert response.status_code in (400, 403)
    assert "govuk-error-summary" in response.text
    assert client.get(f"{API}/prevent/plans", headers=officer.headers).json()["items"] == []


def test_a_viewer_cannot_open_an_officer_form(app, viewer):
    tab = signed_in(app, viewer.username)
    response = tab.get("/admin/api-keys")
    assert response.status_code == 403
    assert "You do not have access" in response.text


# Route order -----------------------------------------------------------------------------------------------------


def test_the_new_site_form_is_not_taken_for_a_site_called_new(app, officer):
    tab = signed_in(app, officer.username)
    response = tab.get("/protect/sites/new")
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Add a site</h1>' in response.text


@pytest.mark.parametrize(
    "path", ["/prevent/plans/new", "/prevent/threat-assessments/new", "/prepare/plans/new", "/prepare/risks/new"]
)
def test_every_new_form_renders(app, officer, path):
    tab = signed_in(app, officer.username)
    response = tab.get(path)
    assert response.status_code == 200, response.text
    assert 'method="post"' in response.text


# Edit conflicts, in every area with an edit form -----------------------------------------------------------------


@dataclass
class Conflict:
    """An edit form, a change someone else makes meanwhile, and what the user tried to save."""

    form: str  # the edit page; the form posts back to it (or to `action`)
    api: str
    theirs: dict[str, Any]
    mine: dict[str, str]
    shown: list[str]  # words the conflict table must show
    hidden: list[str]  # raw values it must never show
    action: str | None = None


def _site(client, officer) -> Conflict:
    site = _created(
        client.post(
            f"{API}/sites",
            headers=officer.headers,
            json={"name": "Big Ben", "category": "iconic_site", "location": {"lat": 51.50073, "lon": -0.12463}},
        )
    )
    mine = {
        "name": "Big Ben",
        "category": "commercial_centre",
        "address": "",
        "postcode": "",
        "ward": "",
        "uprn": "",
        "lat": "51.50073",
        "lon": "-0.12463",
        "capacity": "250",
        "response_level": "",
        "operator": "",
        "next_review_due": "",
        "classification": "OFFICIAL-SENSITIVE",
        "protective_measures": "",
    }
    return Conflict(
        f"/protect/sites/{site['id']}/edit",
        f"{API}/sites/{site['id']}",
        {"operator": "Parliamentary Estate"},
        mine,
        ["Category", "Commercial centre", "Iconic site", "Capacity", "250", "Operator", "Parliamentary Estate"],
        ["commercial_centre", "iconic_site"],
    )


def _site_assessment(client, officer) -> Conflict:
    site = _created(
        client.post(
            f"{API}/sites",
            headers=officer.headers,
            json={"name": "Big Ben", "category": "iconic_site", "location": {"lat": 51.50073, "lon": -0.12463}},
        )
    )
    assessment = _created(
        client.post(
            f"{API}/sites/{site['id']}/assessments",
            headers=officer.headers,
            json={"assessed_on": "2026-10-01", "assessor": "CTSA Jones", "recommendations": [{"text": "Bollards"}]},
        )
    )
    path = f"/sites/{site['id']}/assessments/{assessment['id']}"
    mine = {
        "assessed_on": "2026-10-01",
        "assessor": "CTSA Jones",
        "summary": "",
        "rows": "1",
        "rec_text_0": "Bollards",
        "rec_status_0": "done",
    }
    return Conflict(
        f"/protect{path}/edit",
        f"{API}{path}",
        {"assessor": "CTSA Smith"},
        mine,
        ["Assessor", "CTSA Smith", "Recommendations", "Bollards (Done)", "Bollards (Open)"],
        [],
    )


def _prevent_item(client, officer) -> Conflict:
    plan = _created(client.post(f"{API}/prevent/plans", headers=officer.headers, json=PLAN))
    item = _created(
        client.post(
            f"{API}/prevent/items",
            headers=officer.headers,
            json={"plan_id": plan["id"], "title": "Workshops", "key_area": "ideology", "owner": "Community Safety"},
        )
    )
    mine = {
        "ref": item["ref"],
        "title": "My new title",
        "description": "",
        "key_area": "safeguarding",
        "owner": "Community Safety",
        "partners": "",
        "status": "in_progress",
        "rag": "",
        "start_date": "",
        "due_date": "",
        "measure": "",
        "classification": "OFFICIAL",
    }
    return Conflict(
        f"/prevent/items/{item['id']}/edit",
        f"{API}/prevent/items/{item['id']}",
        {"title": "Their new title"},
        mine,
        ["Action", "My new title", "Their new title", "Key area", "Safeguarding", "Ideology", "In progress"],
        ["in_progress", "not_started"],
    )


def _prevent_plan(client, officer) -> Conflict:
    plan = _created(client.post(f"{API}/prevent/plans", headers=officer.headers, json=PLAN))
    return Conflict(
        f"/prevent/plans/{plan['id']}/edit",
        f"{API}/prevent/plans/{plan['id']}",
        {"title": "Their plan"},
        {"title": "My plan", "period_start": "2026-04-01", "period_end": "2027-03-31", "classification": "OFFICIAL"},
        ["Title", "My plan", "Their plan"],
        [],
    )


def _threat_assessment(client, officer) -> Conflict:
    found = _created(
        client.post(
            f"{API}/threat-assessments",
            headers=officer.headers,
            json={
                "title": "CTLP 2026",
                "issued_by": "Met CT Policing",
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "priorities": [{"area": "Colleges", "theme": "Islamist", "rating": "medium"}],
            },
        )
    )
    mine = {
        "title": "CTLP 2026",
        "issued_by": "Met CT Policing",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "summary": "",
        "rows": "1",
        "priorities-0-ref": "P1",
        "priorities-0-area": "Colleges",
        "priorities-0-theme": "Islamist",
        "priorities-0-rating": "high",
        "classification": "OFFICIAL-SENSITIVE",
    }
    return Conflict(
        f"/prevent/threat-assessments/{found['id']}/edit",
        f"{API}/threat-assessments/{found['id']}",
        {"issued_by": "City of London Police"},
        mine,
        ["Issued by", "City of London Police", "Priorities", "P1, Colleges, Islamist, High", "Medium"],
        [],
    )


def _contingency_plan(client, officer) -> Conflict:
    plan = _created(
        client.post(
            f"{API}/contingency-plans",
            headers=officer.headers,
            json={"title": "Rest centre plan", "plan_type": "recovery", "owner": "Adult Social Care"},
        )
    )
    mine = {
        "title": "Rest centre plan",
        "plan_type": "business_continuity",
        "owner": "My change",
        "status": "draft",
        "version_label": "",
        "summary": "",
        "document_url": "",
        "classification": "OFFICIAL",
        "approved_on": "",
        "review_due": "",
        "activation_level": "",
    }
    return Conflict(
        f"/prepare/plans/{plan['id']}/edit",
        f"{API}/contingency-plans/{plan['id']}",
        {"owner": "Housing Needs"},
        mine,
        ["Owner", "My change", "Housing Needs", "Type", "Business continuity", "Recovery"],
        ["business_continuity"],
    )


def _risk(client, officer) -> Conflict:
    risk = _created(
        client.post(
            f"{API}/risks",
            headers=officer.headers,
            json={"title": "River flooding", "category": "flooding", "likelihood": 3, "impact": 3, "owner": "EP"},
        )
    )
    mine = {
        "title": "River flooding",
        "category": "flooding",
        "description": "",
        "likelihood": "5",
        "impact": "3",
        "owner": "EP",
        "mitigations": "",
        "classification": "OFFICIAL",
        "review_due": "",
    }
    return Conflict(
        f"/prepare/risks/{risk['id']}/edit",
        f"{API}/risks/{risk['id']}",
        {"owner": "Emergency Planning"},
        mine,
        ["Likelihood", "5 (More than 25%)", "3 (1% to 5%)", "Owner", "Emergency Planning"],
        [],
    )


def _feed(client, admin) -> Conflict:
    feed = _created(
        client.post(
            f"{API}/feeds",
            headers=admin.headers,
            json={"name": "MI5", "kind": "mi5_rss", "url": "https://www.mi5.gov.uk/UKThreatLevel/UKThreatLevel.xml"},
        )
    )
    mine = {
        "name": "MI5 threat level",
        "url": "https://www.mi5.gov.uk/UKThreatLevel/UKThreatLevel.xml",
        "poll_interval_seconds": "1200",
        "max_age_seconds": "3600",
        "enabled": "true",
    }
    return Conflict(
        f"/admin/feeds/{feed['id']}/edit",
        f"{API}/feeds/{feed['id']}",
        {"enabled": False},
        mine,
        ["Name", "MI5 threat level", "Enabled", "Yes", "No"],
        ["True", "False"],
        action=f"/admin/feeds/{feed['id']}",
    )


AREAS = {
    "protect site": (_site, "officer"),
    "protect assessment": (_site_assessment, "officer"),
    "prevent item": (_prevent_item, "officer"),
    "prevent plan": (_prevent_plan, "officer"),
    "threat assessment": (_threat_assessment, "officer"),
    "prepare plan": (_contingency_plan, "officer"),
    "prepare risk": (_risk, "officer"),
    "admin feed": (_feed, "admin"),
}


@pytest.mark.parametrize("area", list(AREAS))
def test_the_second_of_two_edits_from_one_version_shows_the_conflict_table_and_saves_nothing(
    app, client, make_user, area
):
    arrange, role = AREAS[area]
    actor = make_user(role)
    case = arrange(client, actor)
    tab = signed_in(app, actor.username)
    form = tab.get(case.form)
    assert form.status_code == 200, form.text
    etag = form_etag(form.text)
    theirs = client.patch(case.api, headers=actor.headers | {"If-Match": etag}, json=case.theirs)
    assert theirs.status_code == 200, theirs.text
    before = client.get(case.api, headers=actor.headers).json()

    response = tab.post(case.action or case.form, data={"csrf_token": csrf_token(form.text), "etag": etag, **case.mine})

    assert response.status_code == 409, response.text
    assert "Someone else changed this record" in response.text
    assert 'href="#conflict"' in response.text  # the error summary links to the table
    table = response.text.split('id="conflict"', 1)[1].split("</table>", 1)[0]
    assert "Your version (not saved)" in table and "Current version" in table
    for words in case.shown:
        assert words in table, (words, table)
    for raw in case.hidden:
        assert f">{raw}<" not in table, (raw, table)
    assert client.get(case.api, headers=actor.headers).json() == before  # nothing of mine was saved
    assert form_etag(response.text) != etag  # saving again starts from the current version


def test_a_progress_update_on_an_item_changed_meanwhile_shows_the_conflict_table(app, client, officer):
    case = _prevent_item(client, officer)
    item_page = case.form.removesuffix("/edit")
    tab = signed_in(app, officer.username)
    page = tab.get(item_page)
    etag = form_etag(page.text)
    client.patch(case.api, headers=officer.headers | {"If-Match": etag}, json={"status": "complete"})
    response = tab.post(
        f"{item_page}/updates",
        data={"csrf_token": csrf_token(page.text), "etag": etag, "note": "Went well", "status": "cancelled"},
    )
    assert response.status_code == 409
    table = response.text.split('id="conflict"', 1)[1].split("</table>", 1)[0]
    assert "Cancelled" in table and "Complete" in table and ">cancelled<" not in table
    assert "Went well" in response.text  # the note is kept in the form


# The cordon search -----------------------------------------------------------------------------------------------


def test_the_cordon_page_works_when_a_site_has_no_postcode(app, client, officer):
    for name, postcode in [("No postcode", None), ("Big Ben", "SW1A 0AA"), ("Trafalgar Square", "WC2N 5DN")]:
        body: dict[str, Any] = {"name": name, "category": "other", "location": {"lat": 51.5, "lon": -0.12}}
        _created(client.post(f"{API}/sites", headers=officer.headers, json=body | {"postcode": postcode}))
    tab = signed_in(app, officer.username)
    response = tab.get("/protect/cordon")
    assert response.status_code == 200, response.text
    assert response.text.index("SW1A 0AA \u2013 Big Ben") < response.text.index("WC2N 5DN \u2013 Trafalgar Square")


# The session cookie ----------------------------------------------------------------------------------------------


def _decodings(value: str) -> list[bytes]:
    """Every way someone might read a cookie: as is, base64 of each dot-separated part, inflated."""
    seen = [value.encode()]
    for part in [value, *value.split(".")]:
        for pad in ("", "=", "=="):
            try:
                raw = base64.urlsafe_b64decode(part + pad)
            except ValueError:
                continue
            seen.append(raw)
            with contextlib.suppress(zlib.error):
                seen.append(zlib.decompress(raw))
    return seen


def test_the_session_cookie_never_carries_the_api_token_readably(app, client, officer):
    tab = signed_in(app, officer.username)
    token = client.post(
        f"{API}/auth/token", data={"username": officer.username, "password": "correct-horse-battery"}
    ).json()["access_token"]
    cookie = tab.cookies.get("contest_session")
    assert cookie
    prefix = token.split("_")[0].encode()
    for decoded in _decodings(cookie):
        assert token.encode() not in decoded
        assert officer.username.encode() not in decoded
        assert prefix + b"_" not in decoded  # no token of any kind, however it is decoded


def test_a_tampered_session_cookie_signs_the_user_out(app, officer):
    tab = signed_in(app, officer.username)
    assert tab.get("/").status_code == 200
    cookie = tab.cookies.get("contest_session")
    assert cookie
    flipped = cookie[:20] + ("A" if cookie[20] != "A" else "B") + cookie[21:]
    tab.cookies.set("contest_session", flipped)
    response = tab.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_in_production_the_cookie_is_a_host_only_secure_cookie(settings, database):
    production = Settings(**(settings.model_dump() | {"env": "production", "secret_key": TEST_SECRET}))
    app = create_app(production, database)
    tab = browser(app)
    response = tab.get("/login")
    header = response.headers["set-cookie"]
    assert header.startswith("__Host-contest_session=")
    assert "Secure" in header and "Path=/" in header and "Domain" not in header


# The API unavailable ---------------------------------------------------------------------------------------------


async def _database_down(scope: Any, receive: Any, send: Any) -> None:
    """An API whose database is down: every call answers 503 (problem+json, with Retry-After)."""
    body = b'{"status": 503, "title": "Service unavailable", "detail": "The database is unavailable."}'
    headers = [(b"content-type", b"application/problem+json"), (b"retry-after", b"5")]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize("failure", ["unreachable", "503"])
def test_pages_show_the_service_unavailable_page_when_the_api_is_down(app, officer, failure):
    tab = signed_in(app, officer.username)
    if failure == "unreachable":  # nothing listens on port 9 (discard) here
        transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport()
        base_url = "http://127.0.0.1:9/api/v1/"
    else:
        transport, base_url = httpx.ASGITransport(app=_database_down), "http://api.internal/api/v1/"
    real = app.state.api_client
    app.state.api_client = ApiClient(httpx.AsyncClient(transport=transport, base_url=base_url))
    try:
        response = tab.get("/protect/sites")
    finally:
        app.state.api_client = real
    assert response.status_code == 503
    assert '<h1 class="govuk-heading-l">Sorry, the service is unavailable</h1>' in response.text
    assert response.headers["retry-after"] == ("5" if failure == "503" else "60")


def test_submit_helper_posts_with_the_pages_token(app, client, officer):
    tab = signed_in(app, officer.username)
    data = PLAN | {"title": "Plan 2027", "classification": "OFFICIAL"}
    response = submit(tab, "/prevent/plans", data, form_page="/prevent/plans/new")
    assert response.status_code == 303
    assert client.get(f"{API}/prevent/plans", headers=officer.headers).json()["items"][0]["title"] == "Plan 2027"
