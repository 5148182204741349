"""The API as partners' tools see it: problem types, malformed JSON, cursors across lists and sorts, If-Match edge
cases, content negotiation (406, 415), and PATCHes that change nothing."""

from __future__ import annotations

import pytest

from app.core.errors import PROBLEM_TYPE_BASE
from tests.builders import (
    make_contingency_plan,
    make_exercise,
    make_prevent_item,
    make_prevent_plan,
    make_risk,
    make_site,
    make_threat_assessment,
    make_training_session,
)
from tests.conftest import assert_problem

SITES = "/api/v1/sites"
ITEMS = "/api/v1/prevent/items"


# --- problem types and instance ------------------------------------------------------------------------------------


def test_one_problem_type_per_kind_of_problem_and_every_problem_has_instance(client, officer, settings):
    missing_record = assert_problem(client.get(f"{SITES}/nope", headers=officer.headers), 404)
    unknown_route = assert_problem(client.get("/api/v1/no-such-thing", headers=officer.headers), 404)
    assert missing_record["type"] == unknown_route["type"] == PROBLEM_TYPE_BASE + "not-found"
    assert unknown_route["instance"] == "/api/v1/no-such-thing"
    not_allowed = assert_problem(client.put(SITES, headers=officer.headers, json={}), 405)
    assert not_allowed["type"] == PROBLEM_TYPE_BASE + "method-not-allowed" and not_allowed["instance"] == SITES
    too_large = client.post(SITES, headers=officer.headers, content=b"x" * (settings.max_body_bytes + 1))
    problem = assert_problem(too_large, 413)
    assert problem["type"] == PROBLEM_TYPE_BASE + "payload-too-large" and problem["instance"] == SITES
    for response in (
        client.get(SITES),  # 401
        client.get(SITES, params={"limit": 0}, headers=officer.headers),  # 422
        client.post(SITES, headers=officer.headers, json={}),  # 422 from the schema
    ):
        body = response.json()
        assert body["instance"] == SITES, body
        assert not body["type"].rstrip("/").rsplit("/", 1)[-1].isdigit(), body["type"]


# --- malformed JSON -----------------------------------------------------------------------------------------------


def test_malformed_json_is_a_422_on_the_body_with_line_and_column(client, officer):
    response = client.post(
        SITES, headers={**officer.headers, "Content-Type": "application/json"}, content=b'{"name": x}'
    )
    problem = assert_problem(response, 422)
    assert problem["detail"].startswith("The body is not valid JSON: ")
    assert "line 1, column 10" in problem["detail"]
    assert problem["errors"] == [{"field": "body", "message": problem["detail"].removeprefix("The body ")}]
    multi_line = client.post(
        SITES, headers={**officer.headers, "Content-Type": "application/json"}, content=b'{\n  "name": "a",\n  oops\n}'
    )
    assert "line 3, column 3" in assert_problem(multi_line, 422)["detail"]


# --- cursors: bound to their list and their sort ------------------------------------------------------------------


def _first_cursor(client, actor, path, **params):
    page = client.get(path, params={"limit": 1, **params}, headers=actor.headers)
    assert page.status_code == 200, page.text
    cursor = page.json()["next_cursor"]
    assert cursor
    return cursor


def test_a_cursor_of_one_list_is_refused_by_another(client, officer):
    plan = make_prevent_plan(client, officer)
    for i in range(2):
        make_site(client, officer, f"Site {i}", capacity=100 * (i + 1))
        make_prevent_item(client, officer, plan["id"], title=f"Item {i}")
    from_sites = _first_cursor(client, officer, SITES)
    from_items = _first_cursor(client, officer, ITEMS)
    refused = client.get(ITEMS, params={"cursor": from_sites}, headers=officer.headers)
    assert assert_problem(refused, 422)["errors"][0]["field"] == "cursor"
    refused = client.get(SITES, params={"cursor": from_items}, headers=officer.headers)
    assert assert_problem(refused, 422)["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("path", "issued_with", "used_with"),
    [
        (SITES, "-capacity", "name"),
        (SITES, "name", "-name"),
        (SITES, "capacity", "-capacity"),
        (ITEMS, "due_date", "ref"),
        (ITEMS, "-rag", "rag"),
        (ITEMS, "title", "-title"),
    ],
)
def test_a_cursor_of_one_sort_is_refused_by_another(client, officer, path, issued_with, used_with):
    plan = make_prevent_plan(client, officer)
    for i in range(2):
        make_site(client, officer, f"Site {i}", capacity=100 * (i + 1))
        make_prevent_item(client, officer, plan["id"], title=f"Item {i}")
    cursor = _first_cursor(client, officer, path, sort=issued_with)
    refused = client.get(path, params={"cursor": cursor, "sort": used_with}, headers=officer.headers)
    assert assert_problem(refused, 422)["errors"] == [
        {"field": "cursor", "message": "is not a cursor this list gave out"}
    ]
    again = client.get(path, params={"cursor": cursor, "sort": issued_with}, headers=officer.headers)
    assert again.status_code == 200


# --- If-Match -----------------------------------------------------------------------------------------------------


def test_a_weak_tag_never_matches_for_if_match(client, officer):
    site = make_site(client, officer, "Weak")
    path = f"{SITES}/{site['id']}"
    weak = client.patch(path, headers={**officer.headers, "If-Match": 'W/"1"'}, json={"ward": "Northbank"})
    assert_problem(weak, 412)
    listed = client.patch(path, headers={**officer.headers, "If-Match": 'W/"1", "7"'}, json={"ward": "Northbank"})
    assert_problem(listed, 412)
    strong_in_list = client.patch(path, headers={**officer.headers, "If-Match": '"7", "1"'}, json={"ward": "N"})
    assert strong_in_list.status_code == 200
    assert client.get(path, headers=officer.headers).json()["version"] == 2


def test_if_match_star_means_whatever_version_it_is_now(client, officer):
    site = make_site(client, officer, "Star")
    path = f"{SITES}/{site['id']}"
    client.patch(path, headers={**officer.headers, "If-Match": '"1"'}, json={"ward": "A"})
    star = client.patch(path, headers={**officer.headers, "If-Match": "*"}, json={"ward": "B"})
    assert star.status_code == 200 and star.json()["version"] == 3 and star.headers["ETag"] == '"3"'
    deleted = client.delete(path, headers={**officer.headers, "If-Match": "*"})
    assert deleted.status_code == 204
    gone = client.patch(path, headers={**officer.headers, "If-Match": "*"}, json={"ward": "C"})
    assert_problem(gone, 404)


def _threat_assessment(client, officer):
    return make_threat_assessment(client, officer), "/threat-assessments", {"title": "CTLP 2026"}


def _prevent_item(client, officer):
    plan = make_prevent_plan(client, officer)
    return make_prevent_item(client, officer, plan["id"]), "/prevent/items", {"owner": "Prevent Coordinator"}


def _site(client, officer):
    return make_site(client, officer, "Unchanged"), "/sites", {"name": "Unchanged"}


def _training(client, officer):
    made = make_training_session(client, officer)
    return made, "/training-sessions", {"attendees": made["attendees"]}


def _contingency_plan(client, officer):
    return make_contingency_plan(client, officer), "/contingency-plans", {"owner": "Emergency Planning"}


def _risk(client, officer):
    return make_risk(client, officer), "/risks", {"likelihood": 3, "impact": 3}


def _exercise(client, officer):
    return make_exercise(client, officer), "/exercises", {"title": "Exercise Northern Lights"}


@pytest.mark.parametrize(
    "arrange", [_threat_assessment, _prevent_item, _site, _training, _contingency_plan, _risk, _exercise]
)
def test_a_patch_that_changes_nothing_keeps_the_version(client, officer, arrange):
    record, collection, same = arrange(client, officer)
    path = f"/api/v1{collection}/{record['id']}"
    before = client.get(path, headers=officer.headers)
    response = client.patch(path, headers={**officer.headers, "If-Match": before.headers["ETag"]}, json=same)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == before.json()["version"]
    assert response.headers["ETag"] == before.headers["ETag"]


def test_a_feed_patch_that_changes_nothing_keeps_the_version(client, admin):
    feed = client.post("/api/v1/feeds", headers=admin.headers, json={"name": "Same", "kind": "push"}).json()
    path = f"/api/v1/feeds/{feed['id']}"
    response = client.patch(path, headers={**admin.headers, "If-Match": '"1"'}, json={"name": "Same"})
    assert response.status_code == 200 and response.json()["version"] == 1


# --- content negotiation ------------------------------------------------------------------------------------------


def test_an_accept_the_operation_cannot_answer_is_406(client, officer):
    make_site(client, officer, "Negotiated")
    xml = client.get(SITES, headers={**officer.headers, "Accept": "application/xml"})
    problem = assert_problem(xml, 406)
    assert "application/json" in problem["detail"] and "text/csv" in problem["detail"]
    assert "application/geo+json" in problem["detail"] and problem["instance"] == SITES
    geo_on_items = client.get(ITEMS, headers={**officer.headers, "Accept": "application/geo+json"})
    problem = assert_problem(geo_on_items, 406)
    assert "application/json" in problem["detail"] and "geo+json" not in problem["detail"].split("give")[-1]
    csv_on_one = client.get("/api/v1/threat-level", headers={"Accept": "text/csv"})
    assert_problem(csv_on_one, 406)


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/*",
        "application/json",
        "application/problem+json",
        "application/xml, application/json;q=0.5",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ],
)
def test_acceptable_accept_headers_get_json(client, officer, accept):
    headers = dict(officer.headers)
    if accept is not None:
        headers["Accept"] = accept
    response = client.get(SITES, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")


def test_csv_and_geojson_still_answer_where_they_are_offered(client, officer):
    make_site(client, officer, "Exported")
    as_csv = client.get(SITES, headers={**officer.headers, "Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    as_geo = client.get(SITES, headers={**officer.headers, "Accept": "application/geo+json"})
    assert as_geo.status_code == 200 and as_geo.json()["type"] == "FeatureCollection"
    assert client.get(ITEMS, headers={**officer.headers, "Accept": "text/csv"}).status_code == 200
    assert client.get("/api/docs", headers={"Accept": "text/html"}).status_code == 200


def test_a_body_that_is_not_json_is_415(client, officer):
    site = make_site(client, officer, "Typed")
    plain = client.post(SITES, headers={**officer.headers, "Content-Type": "text/plain"}, content=b'{"name": "x"}')
    problem = assert_problem(plain, 415)
    assert "application/json" in problem["detail"] and problem["instance"] == SITES
    patch = client.patch(
        f"{SITES}/{site['id']}",
        headers={**officer.headers, "Content-Type": "text/plain", "If-Match": '"1"'},
        content=b'{"ward": "x"}',
    )
    assert_problem(patch, 415)
    # JSON with a charset, or a +json type, is JSON; the sign-in form is a form
    with_charset = client.post(
        SITES,
        headers={**officer.headers, "Content-Type": "application/json; charset=utf-8"},
        content=b'{"name": "Charset", "category": "other", "location": {"lat": 51.5, "lon": -0.1}}',
    )
    assert with_charset.status_code == 201, with_charset.text
    form = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "wrong"})
    assert form.status_code == 401
