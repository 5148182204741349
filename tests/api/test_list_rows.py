"""The hot lists (sites, Prevent items) present plain rows straight to JSON, without a model per row.

What they send must be exactly what their documented schemas give, for every reader's clearance; and the
disclosure log, which for these lists is told the sensitive ids instead of parsing the body back, must name
exactly the records the body shows.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydantic import BaseModel

from app.api.disclosure import sensitive_ids
from app.models.prevent import ItemRead
from app.models.protect import SiteRead, tier_of
from tests.builders import make_prevent_item, make_prevent_plan, make_site


def _page_of_models(schema: type[BaseModel], body: bytes) -> bytes:
    """The page as the API wrote it before: each item validated into its schema and serialised by pydantic."""
    page = json.loads(body)
    models = [schema.model_validate(item) for item in page["items"]]
    items = b",".join(model.__pydantic_serializer__.to_json(model) for model in models)
    return b'{"items":[' + items + b'],"next_cursor":' + json.dumps(page["next_cursor"]).encode() + b"}"


def _varied_sites(client: Any, officer: Any) -> None:
    """Sites that take every branch of presenting one: tiers, overrides, overdue reviews, measures, odd points."""
    make_site(client, officer, "Arena", capacity=5000, response_level="HEIGHTENED", protective_measures=["CCTV"])
    make_site(client, officer, "Hall", capacity=300, next_review_due="2020-01-01", classification="OFFICIAL")
    make_site(client, officer, "Kiosk", capacity=20, ward="St James's", postcode="sw1a 2aa", uprn="100023336956")
    make_site(client, officer, "Swapped", point=(-0.128, 51.508), next_review_due="2999-01-01")
    make_site(client, officer, "Ünïcode “quotes” \\ and /", address="Line 1\nLine 2", operator="O'Brien & Co")


def test_site_pages_are_the_schema_exactly(client, officer, viewer, make_api_key):
    _varied_sites(client, officer)
    partner = make_api_key(["protect:read"], clearance="OFFICIAL-SENSITIVE")
    for reader in (officer, viewer, partner):
        for sort in ("name", "-capacity", "next_review_due", "ward"):
            response = client.get("/api/v1/sites", params={"sort": sort}, headers=reader.headers)
            assert response.status_code == 200, response.text
            assert response.content == _page_of_models(SiteRead, response.content)
    shown = client.get("/api/v1/sites", headers=viewer.headers).json()["items"]
    assert [s["name"] for s in shown] == ["Hall"]  # need-to-know: an OFFICIAL reader sees OFFICIAL sites only
    assert shown[0]["protective_measures"] is None and shown[0]["review_overdue"] is True
    everything = client.get("/api/v1/sites", headers=officer.headers).json()["items"]
    assert {s["martyns_law_tier"] for s in everything} == {"enhanced", "standard", "out_of_scope", "unknown"}
    assert all(s["martyns_law_tier"] == tier_of(s["capacity"]) for s in everything)
    arena = next(s for s in everything if s["name"] == "Arena")
    assert arena["martyns_law_tier"] == "enhanced" and arena["protective_measures"] == ["CCTV"]


def test_a_site_read_alone_is_the_same_json_as_in_its_list(client, officer, viewer):
    _varied_sites(client, officer)
    for reader in (officer, viewer):
        for listed in client.get("/api/v1/sites", headers=reader.headers).json()["items"]:
            alone = client.get(f"/api/v1/sites/{listed['id']}", headers=reader.headers)
            assert alone.json() == listed
            assert alone.content == SiteRead.model_validate(listed).model_dump_json().encode()
            assert alone.headers["etag"] == f'"{listed["version"]}"'


def test_site_exports_and_near_pages_show_the_same_records(client, officer):
    _varied_sites(client, officer)
    page = client.get("/api/v1/sites", params={"limit": 200}, headers=officer.headers).json()["items"]
    geojson = client.get("/api/v1/sites", headers=officer.headers | {"Accept": "application/geo+json"}).json()
    assert [f["properties"] for f in geojson["features"]] == page
    assert all(
        f["geometry"]["coordinates"] == [f["properties"]["location"]["lon"], f["properties"]["location"]["lat"]]
        for f in geojson["features"]
    )
    near = client.get("/api/v1/sites", params={"near": "51.508,-0.128", "radius_m": 500}, headers=officer.headers)
    assert near.content == _page_of_models(SiteRead, near.content)
    by_id = {s["id"]: s for s in page}
    for found in near.json()["items"]:
        assert found["distance_m"] is not None and {**found, "distance_m": None} == by_id[found["id"]]
    export = client.get("/api/v1/sites", headers=officer.headers | {"Accept": "text/csv"}).text
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [r["id"] for r in rows] == [s["id"] for s in page]
    assert "Line 1\nLine 2" in {r["address"] for r in rows}
    assert rows[0]["location.lat"] == str(page[0]["location"]["lat"])


def test_item_pages_are_the_schema_exactly(client, officer, viewer, make_api_key):
    plan = make_prevent_plan(client, officer, classification="OFFICIAL")
    sensitive = {"classification": "OFFICIAL-SENSITIVE"}
    late = make_prevent_item(client, officer, plan["id"], due_date="2020-01-01", partners=["Police"], **sensitive)
    done = make_prevent_item(client, officer, plan["id"], due_date="2020-01-01", status="complete", **sensitive)
    make_prevent_item(client, officer, plan["id"], rag="red", start_date="2026-05-01", classification="OFFICIAL")
    make_prevent_item(client, officer, plan["id"], title="Ünïcode “quotes”", description="a\nb", measure="\\o/")
    partner = make_api_key(["prevent:read"], clearance="OFFICIAL-SENSITIVE")
    for reader in (officer, viewer, partner):
        for sort in ("ref", "-due_date", "rag", "-status"):
            response = client.get("/api/v1/prevent/items", params={"sort": sort}, headers=reader.headers)
            assert response.status_code == 200, response.text
            assert response.content == _page_of_models(ItemRead, response.content)
    items = client.get("/api/v1/prevent/items", headers=officer.headers).json()["items"]
    assert {i["id"] for i in items if i["overdue"]} == {late["id"]}  # a complete item is never overdue
    assert done["id"] in {i["id"] for i in items}
    seen_by_viewer = client.get("/api/v1/prevent/items", headers=viewer.headers).json()["items"]
    assert len(seen_by_viewer) == 2 and {i["classification"] for i in seen_by_viewer} == {"OFFICIAL"}
    for listed in items:
        alone = client.get(f"/api/v1/prevent/items/{listed['id']}", headers=officer.headers).json()
        assert alone == listed


def _disclosed(client: Any, admin: Any) -> list[list[str]]:
    events = client.get(
        "/api/v1/audit-events", params={"action": "disclosure", "limit": 200}, headers=admin.headers
    ).json()["items"]
    return [e["after"]["ids"] for e in sorted(events, key=lambda e: e["id"])]  # ids count up


def test_each_page_a_partner_reads_logs_exactly_the_sensitive_records_it_shows(client, officer, admin, make_api_key):
    for n in range(5):
        make_site(client, officer, f"Secret {n}")
        make_site(client, officer, f"Open {n}", classification="OFFICIAL")
    plan = make_prevent_plan(client, officer, classification="OFFICIAL")
    for n in range(3):
        make_prevent_item(client, officer, plan["id"], title=f"Secret {n}", classification="OFFICIAL-SENSITIVE")
        make_prevent_item(client, officer, plan["id"], title=f"Open {n}", classification="OFFICIAL")
    partner = make_api_key(["protect:read", "prevent:read"], clearance="OFFICIAL-SENSITIVE")
    expected = []
    for path in ("/api/v1/sites", "/api/v1/prevent/items"):
        params: dict[str, Any] = {"limit": 3}
        while True:
            response = client.get(path, params=params, headers=partner.headers)
            assert response.status_code == 200
            shown = sensitive_ids(response.content, "application/json")
            if shown:
                expected.append(shown)
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break
            params["cursor"] = cursor
    assert len(expected) >= 4
    assert _disclosed(client, admin) == expected
