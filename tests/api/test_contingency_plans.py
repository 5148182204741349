"""Contingency plans: fields, derived state, active_now following the threat level, links, classification."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.clock import today_london
from tests.builders import make_contingency_plan as plan
from tests.builders import make_risk as risk
from tests.builders import record_threat_level as set_threat
from tests.conftest import assert_problem

URL = "/api/v1/contingency-plans"


def titles(client, actor, **params):
    response = client.get(URL, headers=actor.headers, params=params)
    assert response.status_code == 200, response.text
    return sorted(p["title"] for p in response.json()["items"])


def test_create_returns_201_location_etag_and_every_field(client, officer):
    response = client.post(
        URL,
        headers=officer.headers,
        json={
            "title": "Rest centre plan",
            "plan_type": "recovery",
            "owner": "Adult Social Care",
            "status": "approved",
            "version_label": "v2.1",
            "review_due": "2030-01-31",
            "activation_level": "HEIGHTENED",
            "summary": "Opening rest centres",
            "document_url": "https://intranet.example/rest-centres.pdf",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"].endswith(f"{URL}/{body['id']}")
    assert response.headers["etag"] == '"1"'
    assert body["approved_on"] == today_london().isoformat()  # approving without a date stamps today
    assert body["classification"] == "OFFICIAL" and body["version"] == 1
    assert body["review_overdue"] is False and body["active_now"] is False
    assert body["site_ids"] == [] and body["risk_ids"] == []
    assert body["last_exercised_on"] is None and body["exercise_overdue"] is True
    got = client.get(f"{URL}/{body['id']}", headers=officer.headers)
    assert got.json() == body and got.headers["etag"] == '"1"'


def test_scopes_401_403_and_read_only_roles(client, viewer, member):
    assert_problem(client.get(URL), 401)
    assert client.get(URL, headers=viewer.headers).status_code == 200
    assert client.get(URL, headers=member.headers).status_code == 200
    body = {"title": "X", "plan_type": "other", "owner": "Y"}
    assert_problem(client.post(URL, headers=viewer.headers, json=body), 403)
    assert_problem(client.post(URL, headers=member.headers, json=body), 403)


def test_bad_input_is_422_naming_the_field(client, officer):
    body = assert_problem(
        client.post(URL, headers=officer.headers, json={"title": "X", "plan_type": "fire_drill", "owner": "Y"}),
        422,
    )
    assert body["errors"][0]["field"] == "plan_type"
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={"title": "X", "plan_type": "other", "owner": "Y", "activation_level": "SEVERE"},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "activation_level"
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={"title": "X", "plan_type": "other", "owner": "Y", "document_url": "javascript:alert(1)"},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "document_url"
    assert_problem(client.get(URL, headers=officer.headers, params={"limit": 0}), 422)


def test_active_now_follows_the_threat_level_both_ways(client, officer):
    plan(client, officer, title="Normal", status="approved", activation_level="NORMAL")
    plan(client, officer, title="Heightened", status="approved", activation_level="HEIGHTENED")
    exceptional = plan(client, officer, title="Exceptional", status="approved", activation_level="EXCEPTIONAL")
    plan(client, officer, title="Draft exceptional", status="draft", activation_level="EXCEPTIONAL")
    plan(client, officer, title="Never", status="approved")
    # No level recorded yet: NORMAL is assumed.
    assert titles(client, officer, active_now="true") == ["Normal"]
    set_threat(client, officer, "SUBSTANTIAL")
    assert titles(client, officer, active_now="true") == ["Heightened", "Normal"]
    set_threat(client, officer, "CRITICAL")
    assert titles(client, officer, active_now="true") == ["Exceptional", "Heightened", "Normal"]
    assert client.get(f"{URL}/{exceptional['id']}", headers=officer.headers).json()["active_now"] is True
    assert titles(client, officer, active_now="false") == ["Draft exceptional", "Never"]
    set_threat(client, officer, "MODERATE")  # stood down at once
    assert titles(client, officer, active_now="true") == ["Normal"]
    assert client.get(f"{URL}/{exceptional['id']}", headers=officer.headers).json()["active_now"] is False
    assert titles(client, officer, active_now="false") == [
        "Draft exceptional",
        "Exceptional",
        "Heightened",
        "Never",
    ]


def test_review_overdue_and_filters(client, officer):
    yesterday = (today_london() - timedelta(days=1)).isoformat()
    plan(client, officer, title="Late", review_due=yesterday, plan_type="business_continuity")
    plan(client, officer, title="Due today", review_due=today_london().isoformat(), status="approved")
    plan(client, officer, title="No date", plan_type="warning_and_informing", summary="Sirens and texts")
    late = client.get(URL, headers=officer.headers, params={"review_overdue": "true"}).json()["items"]
    assert [p["title"] for p in late] == ["Late"] and late[0]["review_overdue"] is True
    assert titles(client, officer, review_overdue="false") == ["Due today", "No date"]
    assert titles(client, officer, plan_type="business_continuity") == ["Late"]
    assert titles(client, officer, status="approved") == ["Due today"]
    assert titles(client, officer, q="sirens") == ["No date"]
    assert titles(client, officer, status="approved", plan_type="business_continuity") == []


def test_keyset_pagination_and_link_header(client, officer):
    for n in range(5):
        plan(client, officer, title=f"Plan {n}")
    first = client.get(URL, headers=officer.headers, params={"limit": 2})
    assert [p["title"] for p in first.json()["items"]] == ["Plan 0", "Plan 1"]
    assert 'rel="next"' in first.headers["link"]
    second = client.get(URL, headers=officer.headers, params={"limit": 2, "cursor": first.json()["next_cursor"]})
    assert [p["title"] for p in second.json()["items"]] == ["Plan 2", "Plan 3"]


def test_links_to_risks_are_validated_and_filterable(client, officer):
    r = risk(client, officer)
    created = plan(client, officer, risk_ids=[r["id"]])
    assert created["risk_ids"] == [r["id"]]
    assert client.get("/api/v1/risks/" + r["id"], headers=officer.headers).json()["plan_ids"] == [created["id"]]
    assert [p["id"] for p in client.get(URL, headers=officer.headers, params={"risk_id": r["id"]}).json()["items"]] == [
        created["id"]
    ]
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={"title": "X", "plan_type": "other", "owner": "Y", "risk_ids": [r["id"], "no-such-risk"]},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "risk_ids" and "no-such-risk" in body["errors"][0]["message"]


def test_site_ids_are_never_accepted_unvalidated(client, officer):
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={"title": "X", "plan_type": "site_specific", "owner": "Y", "site_ids": ["no-such-site"]},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "site_ids"


def test_official_principal_never_learns_of_sensitive_plans(client, officer, viewer, make_user):
    secret = plan(client, officer, title="Sensitive", classification="OFFICIAL-SENSITIVE")
    plan(client, officer, title="Open")
    assert titles(client, viewer) == ["Open"]
    assert titles(client, officer) == ["Open", "Sensitive"]
    csv = client.get(URL, headers=viewer.headers | {"Accept": "text/csv"})
    assert csv.status_code == 200 and "Open" in csv.text and "Sensitive" not in csv.text
    assert_problem(client.get(f"{URL}/{secret['id']}", headers=viewer.headers), 404)
    official_writer = make_user("officer", clearance="OFFICIAL")
    url = f"{URL}/{secret['id']}"
    assert_problem(client.patch(url, headers=official_writer.headers | {"If-Match": '"1"'}, json={"title": "Z"}), 404)
    assert_problem(client.delete(url, headers=official_writer.headers | {"If-Match": '"1"'}), 404)
    assert_problem(
        client.post(
            URL,
            headers=official_writer.headers,
            json={"title": "X", "plan_type": "other", "owner": "Y", "classification": "OFFICIAL-SENSITIVE"},
        ),
        403,
    )
    own = plan(client, official_writer, title="Mine")
    assert_problem(
        client.patch(
            f"{URL}/{own['id']}",
            headers=official_writer.headers | {"If-Match": '"1"'},
            json={"classification": "OFFICIAL-SENSITIVE"},
        ),
        403,
    )


def test_links_above_the_callers_clearance_are_refused_and_hidden(client, officer, make_user):
    hidden = risk(client, officer, title="Sensitive risk", classification="OFFICIAL-SENSITIVE")
    shown = risk(client, officer, title="Open risk")
    official_writer = make_user("officer", clearance="OFFICIAL")
    body = assert_problem(
        client.post(
            URL,
            headers=official_writer.headers,
            json={"title": "X", "plan_type": "other", "owner": "Y", "risk_ids": [hidden["id"]]},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "risk_ids"
    both = plan(client, officer, risk_ids=[hidden["id"], shown["id"]])
    seen = client.get(f"{URL}/{both['id']}", headers=official_writer.headers)
    assert seen.json()["risk_ids"] == [shown["id"]]
    # Replacing the links you can see keeps the ones you cannot.
    changed = client.patch(
        f"{URL}/{both['id']}",
        headers=official_writer.headers | {"If-Match": seen.headers["etag"]},
        json={"risk_ids": []},
    )
    assert changed.status_code == 200 and changed.json()["risk_ids"] == []
    assert client.get(f"{URL}/{both['id']}", headers=officer.headers).json()["risk_ids"] == [hidden["id"]]


def test_patch_and_delete_need_if_match(client, officer):
    p = plan(client, officer)
    url = f"{URL}/{p['id']}"
    assert_problem(client.patch(url, headers=officer.headers, json={"title": "New"}), 428)
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"9"'}, json={"title": "New"}), 412)
    assert_problem(client.delete(url, headers=officer.headers), 428)
    assert_problem(client.delete(url, headers=officer.headers | {"If-Match": '"9"'}), 412)
    assert client.get(url, headers=officer.headers).json()["title"] == p["title"]
    changed = client.patch(
        url, headers=officer.headers | {"If-Match": '"1"'}, json={"title": "New", "review_due": None}
    )
    assert changed.status_code == 200 and changed.json()["title"] == "New"
    assert changed.headers["etag"] == '"2"' and changed.json()["version"] == 2
    assert client.delete(url, headers=officer.headers | {"If-Match": '"2"'}).status_code == 204
    assert_problem(client.get(url, headers=officer.headers), 404)


def test_unknown_plan_is_404(client, officer):
    assert_problem(client.get(f"{URL}/nope", headers=officer.headers), 404)
    assert_problem(client.patch(f"{URL}/nope", headers=officer.headers | {"If-Match": '"1"'}, json={}), 404)


def test_every_change_is_audited(client, officer, admin):
    p = plan(client, officer)
    client.patch(f"{URL}/{p['id']}", headers=officer.headers | {"If-Match": '"1"'}, json={"status": "approved"})
    client.delete(f"{URL}/{p['id']}", headers=officer.headers | {"If-Match": '"2"'})
    events = client.get(
        "/api/v1/audit-events", headers=admin.headers, params={"entity_type": "contingency_plan"}
    ).json()["items"]
    actions = sorted(e["action"] for e in events)
    assert actions == ["contingency_plan.create", "contingency_plan.delete", "contingency_plan.update"]
    update = next(e for e in events if e["action"] == "contingency_plan.update")
    assert update["before"]["status"] == "draft" and update["after"]["status"] == "approved"


def test_idempotent_post_is_replayed(client, officer):
    headers = officer.headers | {"Idempotency-Key": "plan-1"}
    body = {"title": "Once", "plan_type": "other", "owner": "Y"}
    first = client.post(URL, headers=headers, json=body)
    again = client.post(URL, headers=headers, json=body)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert titles(client, officer) == ["Once"]
    assert_problem(client.post(URL, headers=headers, json=body | {"title": "Other"}), 422)


@pytest.mark.parametrize("field", ["site_ids", "risk_ids"])
def test_link_lists_must_be_lists_of_ids(client, officer, field):
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={"title": "X", "plan_type": "other", "owner": "Y", field: "abc"},
        ),
        422,
    )
    assert body["errors"][0]["field"].startswith(field)


def test_site_links_are_checked_against_the_site_register(client, officer, make_user):
    created = client.post(
        "/api/v1/sites",
        headers=officer.headers,
        json={
            "name": "Market square",
            "category": "crowded_place",
            "address": "1 Market Square",
            "location": {"lat": 51.5416, "lon": -0.1022},
        },
    )
    if created.status_code != 201:
        pytest.skip(f"the site register is not available here ({created.status_code})")
    site = created.json()
    p = plan(client, officer, plan_type="site_specific", site_ids=[site["id"]])
    assert p["site_ids"] == [site["id"]]
    official_writer = make_user("officer", clearance="OFFICIAL")
    if site.get("classification") == "OFFICIAL-SENSITIVE":
        assert client.get(f"{URL}/{p['id']}", headers=official_writer.headers).json()["site_ids"] == []
        body = assert_problem(
            client.post(
                URL,
                headers=official_writer.headers,
                json={"title": "X", "plan_type": "other", "owner": "Y", "site_ids": [site["id"]]},
            ),
            422,
        )
        assert body["errors"][0]["field"] == "site_ids"


def test_demo_data_loads_once_and_is_visible_through_the_api(client, db_session, officer, viewer):
    from app.demo import DemoReport
    from app.demo import prepare as demo

    for _ in range(2):  # idempotent
        demo.load(db_session, DemoReport())
        db_session.commit()
    everything = client.get(URL, headers=officer.headers, params={"limit": 200}).json()["items"]
    assert len(everything) == 16 and {p["plan_type"] for p in everything} >= {
        "emergency_response",
        "business_continuity",
        "warning_and_informing",
        "recovery",
        "site_specific",
        "other",
    }
    official = client.get(URL, headers=viewer.headers, params={"limit": 200}).json()["items"]
    assert 0 < len(official) < len(everything)
    assert len(client.get("/api/v1/risks", headers=officer.headers, params={"limit": 200}).json()["items"]) == 20


def test_a_hidden_site_or_risk_filters_exactly_like_an_unknown_id(client, officer, make_user):
    site = client.post(
        "/api/v1/sites",
        headers=officer.headers,
        json={"name": "Sensitive", "category": "embassy", "location": {"lat": 51.5, "lon": -0.14}},
    ).json()
    assert site["classification"] == "OFFICIAL-SENSITIVE"
    hidden_risk = risk(client, officer, classification="OFFICIAL-SENSITIVE")
    plan(client, officer, title="Covers it", site_ids=[site["id"]], risk_ids=[hidden_risk["id"]])
    official = make_user("officer", clearance="OFFICIAL")

    assert titles(client, officer, site_id=site["id"]) == ["Covers it"]
    assert titles(client, officer, risk_id=hidden_risk["id"]) == ["Covers it"]
    for params in ({"site_id": site["id"]}, {"risk_id": hidden_risk["id"]}):
        assert titles(client, official, **params) == titles(client, official, **{k: "made-up" for k in params}) == []
    shown = client.get(URL, headers=official.headers).json()["items"]
    assert [p["site_ids"] for p in shown] == [[]] and [p["risk_ids"] for p in shown] == [[]]
    assert site["id"] not in client.get(URL, headers=official.headers | {"Accept": "text/csv"}).text


def test_a_page_of_plans_is_presented_in_a_fixed_number_of_queries(client, officer, make_user, database):
    """Links and last exercises are looked up once per page, not per plan; each row as its own GET shows it."""
    from sqlalchemy import event

    from tests.builders import make_exercise, make_site

    official = make_user("officer", clearance="OFFICIAL")
    open_risk = risk(client, officer, title="Open risk")
    hidden_risk = risk(client, officer, title="Sensitive risk", classification="OFFICIAL-SENSITIVE")
    open_site = make_site(client, officer, "Open site", classification="OFFICIAL")
    hidden_site = make_site(client, officer, "Sensitive site")

    def statements(count):
        while len(client.get(URL, headers=official.headers, params={"limit": 50}).json()["items"]) < count:
            made = plan(
                client,
                officer,
                title=f"Plan {count}",
                risk_ids=[open_risk["id"], hidden_risk["id"]],
                site_ids=[open_site["id"], hidden_site["id"]],
            )
            make_exercise(client, officer, plan_ids=[made["id"]])
            make_exercise(client, officer, plan_ids=[made["id"]], classification="OFFICIAL-SENSITIVE")
        seen: list[str] = []

        def record(*args):
            seen.append(args[2])

        event.listen(database.engine, "before_cursor_execute", record)
        try:
            page = client.get(URL, headers=official.headers, params={"limit": 50}).json()["items"]
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
        for row in page:
            assert row == client.get(f"{URL}/{row['id']}", headers=official.headers).json()
            assert row["risk_ids"] == [open_risk["id"]] and row["site_ids"] == [open_site["id"]]
            assert row["last_exercised_on"] == today_london().isoformat()
        return len(seen)

    assert statements(2) == statements(12)
