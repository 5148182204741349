"""Protect: the site register, geography, classification, security assessments (docs/api.md 'Protect')."""

from __future__ import annotations

import csv
import io
import math
from datetime import timedelta

import pytest

from app.core.clock import today_london
from tests.builders import make_site, site_body
from tests.conftest import assert_problem

SITES = "/api/v1/sites"

# Public landmarks, approximate WGS84 positions.
TRAFALGAR = (51.50809, -0.12806)
BIG_BEN = (51.50073, -0.12463)
CHARING_CROSS = (51.50802, -0.12478)
ST_PAULS = (51.51381, -0.09836)
LONDON_EYE = (51.50329, -0.11955)


def cosine_law_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """An independent distance: the spherical law of cosines (not the haversine the service uses)."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    cos_c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6_371_008.8 * math.acos(min(1.0, cos_c))


def test_create_returns_201_location_etag_and_defaults(client, officer):
    response = client.post(
        SITES,
        headers=officer.headers,
        json=site_body(
            "Trafalgar Square",
            address="Trafalgar Square, London",
            postcode="wc2n  5dn",
            ward="St James's",
            capacity=5000,
            protective_measures=["HVM bollards", "CCTV"],
            operator="GLA",
            uprn="10033544614",
        ),
    )
    assert response.status_code == 201
    site = response.json()
    assert response.headers["location"].endswith(f"/api/v1/sites/{site['id']}")
    assert response.headers["etag"] == '"1"'
    assert site["classification"] == "OFFICIAL-SENSITIVE"
    assert site["postcode"] == "WC2N 5DN"
    assert site["martyns_law_tier"] == "enhanced"
    assert site["location"] == {"lat": TRAFALGAR[0], "lon": TRAFALGAR[1]}
    assert site["protective_measures"] == ["HVM bollards", "CCTV"]
    assert site["warnings"] == [] and site["review_overdue"] is False and site["last_assessed_on"] is None
    assert site["response_level"] is None  # no threat level recorded yet
    events = client.get("/api/v1/audit-events", params={"entity_id": site["id"]}, headers=officer.headers)
    assert [e["action"] for e in events.json()["items"]] == ["site.create"]


@pytest.mark.parametrize(
    ("capacity", "tier"),
    [
        (0, "out_of_scope"),
        (199, "out_of_scope"),
        (200, "standard"),
        (799, "standard"),
        (800, "enhanced"),
        (None, "unknown"),
    ],
)
def test_tier_is_derived_from_capacity_at_the_boundaries(client, officer, capacity, tier):
    site = make_site(client, officer, capacity=capacity)
    assert site["martyns_law_tier"] == tier
    listed = client.get(SITES, params={"tier": tier}, headers=officer.headers).json()["items"]
    assert [s["id"] for s in listed] == [site["id"]]


def test_tier_filter_selects_exactly_its_capacity_range(client, officer):
    ids = {c: make_site(client, officer, name=f"c{c}", capacity=c)["id"] for c in (199, 200, 799, 800)}
    unknown = make_site(client, officer, name="unknown")["id"]
    expected = {
        "out_of_scope": {ids[199]},
        "standard": {ids[200], ids[799]},
        "enhanced": {ids[800]},
        "unknown": {unknown},
    }
    for tier, wanted in expected.items():
        items = client.get(SITES, params={"tier": tier}, headers=officer.headers).json()["items"]
        assert {s["id"] for s in items} == wanted, tier
    assert_problem(client.get(SITES, params={"tier": "huge"}, headers=officer.headers), 422)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"location": {"lat": 90.5, "lon": 0}}, "location.lat"),
        ({"location": {"lat": 51.5, "lon": -180.1}}, "location.lon"),
        ({"location": {"lat": True, "lon": 0.1}}, "location.lat"),
        ({"location": {"lat": "51.5", "lon": 0.1}}, "location.lat"),
        ({"capacity": True}, "capacity"),
        ({"capacity": -1}, "capacity"),
        ({"postcode": "NOT A POSTCODE"}, "postcode"),
        ({"category": "castle"}, "category"),
        ({"response_level": "heightened"}, "response_level"),
        ({"classification": "SECRET"}, "classification"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(client, officer, body, field):
    problem = assert_problem(client.post(SITES, headers=officer.headers, json=site_body() | body), 422)
    assert field in [e["field"] for e in problem["errors"]]


def test_a_point_outside_the_uk_is_kept_with_a_warning(client, officer):
    site = make_site(client, officer, point=(48.8584, 2.2945))  # Eiffel Tower
    assert site["warnings"] and "outside the UK" in site["warnings"][0]
    swapped = make_site(client, officer, point=(-0.12806, 51.50809))
    assert swapped["warnings"]


def test_review_overdue_is_derived_and_filtered_in_london_days(client, officer):
    today = today_london()
    late = make_site(client, officer, name="late", next_review_due=str(today - timedelta(days=1)))
    due_today = make_site(client, officer, name="today", next_review_due=str(today))
    never = make_site(client, officer, name="never")
    assert late["review_overdue"] is True and due_today["review_overdue"] is False
    overdue = client.get(SITES, params={"review_overdue": "true"}, headers=officer.headers).json()["items"]
    assert [s["id"] for s in overdue] == [late["id"]]
    fine = client.get(SITES, params={"review_overdue": "false"}, headers=officer.headers).json()["items"]
    assert {s["id"] for s in fine} == {due_today["id"], never["id"]}


def test_response_level_follows_the_uk_threat_level_unless_the_site_sets_one(client, officer, admin):
    plain = make_site(client, officer, name="plain")
    own = make_site(client, officer, name="own", response_level="EXCEPTIONAL")
    assert plain["response_level"] is None and own["response_level"] == "EXCEPTIONAL"
    recorded = client.post("/api/v1/threat-level", headers=admin.headers, json={"level": "SEVERE", "note": "test"})
    assert recorded.status_code == 201
    items = {s["name"]: s for s in client.get(SITES, headers=officer.headers).json()["items"]}
    assert items["plain"]["response_level"] == "HEIGHTENED" and items["plain"]["site_response_level"] is None
    assert items["own"]["response_level"] == "EXCEPTIONAL" and items["own"]["site_response_level"] == "EXCEPTIONAL"


def test_near_returns_sites_within_the_radius_nearest_first_with_true_distances(client, officer):
    for name, point in [
        ("Big Ben", BIG_BEN),
        ("Charing Cross", CHARING_CROSS),
        ("St Paul's", ST_PAULS),
        ("London Eye", LONDON_EYE),
    ]:
        make_site(client, officer, name=name, point=point)
    response = client.get(
        SITES, params={"near": f"{TRAFALGAR[0]},{TRAFALGAR[1]}", "radius_m": 1000}, headers=officer.headers
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [s["name"] for s in items] == ["Charing Cross", "London Eye", "Big Ben"]  # St Paul's is ~2 km away
    for site in items:
        point = (site["location"]["lat"], site["location"]["lon"])
        assert site["distance_m"] == pytest.approx(cosine_law_m(TRAFALGAR, point), abs=0.5)
    assert 840 < items[-1]["distance_m"] < 860  # Trafalgar Square to Big Ben is about 850 m
    wide = client.get(
        SITES, params={"near": f"{TRAFALGAR[0]},{TRAFALGAR[1]}", "radius_m": 2500}, headers=officer.headers
    ).json()["items"]
    assert wide[-1]["name"] == "St Paul's"
    assert wide[-1]["distance_m"] == pytest.approx(cosine_law_m(TRAFALGAR, ST_PAULS), abs=0.5)


def test_near_pages_are_stable_in_distance_then_id_order(client, officer):
    for i in range(5):
        make_site(client, officer, name=f"twin {i}", point=CHARING_CROSS)  # equal distances: id breaks ties
    make_site(client, officer, name="far", point=BIG_BEN)
    params = {"near": f"{TRAFALGAR[0]},{TRAFALGAR[1]}", "radius_m": 2000, "limit": 2}
    seen, cursor = [], None
    while True:
        response = client.get(SITES, params=params | ({"cursor": cursor} if cursor else {}), headers=officer.headers)
        body = response.json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            break
        assert 'rel="next"' in response.headers["link"]
        make_site(client, officer, name="late arrival", point=ST_PAULS)  # outside the radius: no effect
    assert len(seen) == 6 and len({s["id"] for s in seen}) == 6
    assert [(s["distance_m"], s["id"]) for s in seen] == sorted((s["distance_m"], s["id"]) for s in seen)
    assert seen[-1]["name"] == "far"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "51.5"}, "near"),
        ({"near": "51.5,abc", "radius_m": 10}, "near"),
        ({"near": "95,0", "radius_m": 10}, "near"),
        ({"near": "51.5,0.1"}, "radius_m"),
        ({"radius_m": 100}, "radius_m"),
        ({"near": "51.5,0.1", "radius_m": 0}, "radius_m"),
        ({"near": "51.5,0.1", "radius_m": 60000}, "radius_m"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "0,51,-1,52"}, "bbox"),
        ({"bbox": "-1,52,0,51"}, "bbox"),
        ({"bbox": "-1,51,0,95"}, "bbox"),
        ({"limit": 0}, "limit"),
    ],
)
def test_malformed_geography_is_422(client, officer, params, field):
    problem = assert_problem(client.get(SITES, params=params, headers=officer.headers), 422)
    assert field in [e["field"] for e in problem["errors"]]


def test_bbox_includes_its_edges(client, officer):
    corner_low = make_site(client, officer, name="low corner", point=(51.50, -0.13))
    corner_high = make_site(client, officer, name="high corner", point=(51.51, -0.12))
    inside = make_site(client, officer, name="inside", point=(51.505, -0.125))
    make_site(client, officer, name="just west", point=(51.505, -0.1300001))
    make_site(client, officer, name="just north", point=(51.5100001, -0.125))
    items = client.get(SITES, params={"bbox": "-0.13,51.50,-0.12,51.51"}, headers=officer.headers).json()["items"]
    assert {s["id"] for s in items} == {corner_low["id"], corner_high["id"], inside["id"]}


def test_geojson_is_an_rfc7946_feature_collection_with_lon_lat_order(client, officer):
    site = make_site(client, officer, name="Big Ben", point=BIG_BEN, capacity=300)
    response = client.get(SITES, headers=officer.headers | {"Accept": "application/geo+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 1
    feature = body["features"][0]
    assert feature["type"] == "Feature" and feature["id"] == site["id"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [BIG_BEN[1], BIG_BEN[0]]}
    assert feature["properties"]["name"] == "Big Ben" and feature["properties"]["martyns_law_tier"] == "standard"
    near = client.get(
        SITES,
        params={"near": f"{BIG_BEN[0]},{BIG_BEN[1]}", "radius_m": 10},
        headers=officer.headers | {"Accept": "application/geo+json"},
    ).json()
    assert near["features"][0]["properties"]["distance_m"] == 0


def test_csv_has_the_filtered_rows_with_flattened_location(client, officer):
    make_site(client, officer, name="=cmd|evil", capacity=900)
    make_site(client, officer, name="Small", capacity=10)
    response = client.get(SITES, params={"tier": "enhanced"}, headers=officer.headers | {"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["name"] for r in rows] == ["'=cmd|evil"]
    assert rows[0]["location.lat"] == str(TRAFALGAR[0]) and rows[0]["martyns_law_tier"] == "enhanced"


def test_official_clearance_never_learns_a_sensitive_site_exists(client, officer, viewer, make_api_key):
    secret = make_site(client, officer, name="Sensitive", protective_measures=["armed response plan"])
    open_site = make_site(client, officer, name="Open", classification="OFFICIAL", protective_measures=["CCTV"])
    partner = make_api_key(["protect:read", "protect:write"], clearance="OFFICIAL")
    for actor in (viewer, partner):
        assert_problem(client.get(f"{SITES}/{secret['id']}", headers=actor.headers), 404)
        listed = client.get(SITES, headers=actor.headers).json()["items"]
        assert [s["id"] for s in listed] == [open_site["id"]]
        assert listed[0]["protective_measures"] is None  # measures are for OFFICIAL-SENSITIVE eyes only
        one = client.get(f"{SITES}/{open_site['id']}", headers=actor.headers).json()
        assert one["protective_measures"] is None
        exported = client.get(SITES, headers=actor.headers | {"Accept": "text/csv"}).text
        assert "Sensitive" not in exported and "CCTV" not in exported
        geo = client.get(SITES, headers=actor.headers | {"Accept": "application/geo+json"}).json()
        assert [f["id"] for f in geo["features"]] == [open_site["id"]]
        near = client.get(
            SITES, params={"near": f"{TRAFALGAR[0]},{TRAFALGAR[1]}", "radius_m": 100}, headers=actor.headers
        ).json()["items"]
        assert [s["id"] for s in near] == [open_site["id"]]
        assert_problem(client.get(f"{SITES}/{secret['id']}/assessments", headers=actor.headers), 404)
    headers = partner.headers | {"If-Match": '"1"'}
    assert_problem(client.patch(f"{SITES}/{secret['id']}", headers=headers, json={"name": "x"}), 404)
    assert_problem(client.delete(f"{SITES}/{secret['id']}", headers=headers), 404)
    assert_problem(client.post(SITES, headers=partner.headers, json=site_body()), 403)  # default is O-S
    raised = client.patch(f"{SITES}/{open_site['id']}", headers=headers, json={"classification": "OFFICIAL-SENSITIVE"})
    assert_problem(raised, 403)
    assert client.post(SITES, headers=partner.headers, json=site_body(classification="OFFICIAL")).status_code == 201


def test_authentication_and_scopes(client, viewer, member):
    assert_problem(client.get(SITES), 401)
    assert_problem(client.post(SITES, json=site_body()), 401)
    assert client.get(SITES, headers=member.headers).status_code == 200
    assert_problem(client.post(SITES, headers=viewer.headers, json=site_body()), 403)
    assert_problem(client.get("/api/v1/training-sessions/stats"), 401)


def test_patch_needs_if_match_and_refuses_a_stale_one(client, officer):
    site = make_site(client, officer, capacity=500, ward="St James's")
    url = f"{SITES}/{site['id']}"
    assert_problem(client.patch(url, headers=officer.headers, json={"capacity": 900}), 428)
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"7"'}, json={"capacity": 900}), 412)
    assert client.get(url, headers=officer.headers).json()["capacity"] == 500  # nothing changed
    etag = client.get(url, headers=officer.headers).headers["etag"]
    response = client.patch(
        url,
        headers=officer.headers | {"If-Match": etag},
        json={"capacity": None, "ward": None, "location": {"lat": 51.5, "lon": -0.1}},
    )
    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert body["martyns_law_tier"] == "unknown" and body["ward"] is None and body["location"]["lat"] == 51.5
    bad = client.patch(url, headers=officer.headers | {"If-Match": '"2"'}, json={"name": None})
    assert_problem(bad, 422)
    assert_problem(client.patch(f"{SITES}/nope", headers=officer.headers | {"If-Match": '"1"'}, json={}), 404)


def test_delete_needs_if_match_and_removes_the_site_and_its_assessments(client, officer):
    site = make_site(client, officer)
    url = f"{SITES}/{site['id']}"
    client.post(f"{url}/assessments", headers=officer.headers, json={"assessed_on": "2026-01-10", "assessor": "CTSA"})
    assert_problem(client.delete(url, headers=officer.headers), 428)
    assert client.delete(url, headers=officer.headers | {"If-Match": '"2"'}).status_code == 204
    assert_problem(client.get(url, headers=officer.headers), 404)
    assert_problem(client.get(f"{url}/assessments", headers=officer.headers), 404)


def test_idempotent_post_replays_the_first_response(client, officer):
    headers = officer.headers | {"Idempotency-Key": "site-create-1"}
    first = client.post(SITES, headers=headers, json=site_body("Once"))
    again = client.post(SITES, headers=headers, json=site_body("Once"))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(client.get(SITES, headers=officer.headers).json()["items"]) == 1
    assert_problem(client.post(SITES, headers=headers, json=site_body("Other")), 422)


def test_q_ward_category_filters_and_sorting(client, officer):
    make_site(client, officer, name="Covent Garden Market", ward="St James's", capacity=3000)
    make_site(client, officer, name="Soho Square", ward="West End", capacity=None)
    make_site(
        client,
        officer,
        name="Leicester Square",
        ward="St James's",
        capacity=100,
        category="night_time_economy",
    )

    def get(**p):
        return [s["name"] for s in client.get(SITES, params=p, headers=officer.headers).json()["items"]]

    assert get(q="square") == ["Leicester Square", "Soho Square"]
    assert get(ward="st james's") == ["Covent Garden Market", "Leicester Square"]
    assert get(category="night_time_economy") == ["Leicester Square"]
    assert get(sort="-capacity") == ["Covent Garden Market", "Leicester Square", "Soho Square"]
    assert get(sort="capacity") == ["Soho Square", "Leicester Square", "Covent Garden Market"]
    first = client.get(SITES, params={"sort": "capacity", "limit": 2}, headers=officer.headers).json()
    rest = client.get(SITES, params={"sort": "capacity", "cursor": first["next_cursor"]}, headers=officer.headers)
    assert [s["name"] for s in rest.json()["items"]] == ["Covent Garden Market"]


def test_assessments_recommendations_and_last_assessed_on(client, officer):
    site = make_site(client, officer)
    url = f"{SITES}/{site['id']}/assessments"
    created = client.post(
        url,
        headers=officer.headers,
        json={
            "assessed_on": "2026-03-01",
            "assessor": "CTSA Smith",
            "summary": "Good",
            "recommendations": [{"text": "Add HVM"}, {"text": "Train staff", "status": "accepted"}],
        },
    )
    assert created.status_code == 201
    first = created.json()
    assert created.headers["location"].endswith(f"{url}/{first['id']}") and created.headers["etag"] == '"1"'
    assert [r["status"] for r in first["recommendations"]] == ["open", "accepted"]
    assert first["classification"] == "OFFICIAL-SENSITIVE"
    assert client.get(f"{SITES}/{site['id']}", headers=officer.headers).json()["last_assessed_on"] == "2026-03-01"
    client.post(url, headers=officer.headers, json={"assessed_on": "2025-06-01", "assessor": "Older"})
    assert client.get(f"{SITES}/{site['id']}", headers=officer.headers).json()["last_assessed_on"] == "2026-03-01"
    listed = client.get(url, headers=officer.headers).json()["items"]
    assert [a["assessor"] for a in listed] == ["CTSA Smith", "Older"]  # newest first
    older = listed[1]
    assert_problem(client.patch(f"{url}/{older['id']}", headers=officer.headers, json={"summary": "x"}), 428)
    assert_problem(
        client.patch(f"{url}/{older['id']}", headers=officer.headers | {"If-Match": '"9"'}, json={"summary": "x"}),
        412,
    )
    patched = client.patch(
        f"{url}/{older['id']}",
        headers=officer.headers | {"If-Match": '"1"'},
        json={"assessed_on": "2026-05-02", "recommendations": [{"text": "Fence", "status": "done"}]},
    )
    assert patched.status_code == 200 and patched.headers["etag"] == '"2"'
    assert patched.json()["recommendations"] == [{"text": "Fence", "status": "done"}]
    assert client.get(f"{SITES}/{site['id']}", headers=officer.headers).json()["last_assessed_on"] == "2026-05-02"
    bad = client.post(
        url,
        headers=officer.headers,
        json={
            "assessed_on": "2026-01-01",
            "assessor": "x",
            "recommendations": [{"text": "y", "status": "maybe"}],
        },
    )
    assert "recommendations.0.status" in [e["field"] for e in assert_problem(bad, 422)["errors"]]
    assert_problem(client.get(f"{url}/nope", headers=officer.headers), 404)
    other = make_site(client, officer, name="other")
    assert_problem(client.get(f"{SITES}/{other['id']}/assessments/{first['id']}", headers=officer.headers), 404)


def test_a_ward_longer_than_its_column_is_422_on_every_database(client, officer):
    response = client.post(SITES, headers=officer.headers, json=site_body(ward="W" * 101))
    assert_problem(response, 422)
    assert response.json()["errors"][0]["field"] == "ward"
