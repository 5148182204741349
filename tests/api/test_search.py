"""GET /search: one search across the areas, best first, within the caller's scopes and clearance.

Runs on SQLite (FTS5) and on PostgreSQL (full-text search): `CONTEST_TEST_BACKEND=postgres TEST_DATABASE_URL=...`.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session

from app.core.security import Principal
from app.migrate import downgrade, upgrade
from app.models.prepare import Risk
from app.models.search import SearchType
from app.services import search as search_service
from tests.builders import (
    make_contingency_plan,
    make_exercise,
    make_prevent_item,
    make_prevent_plan,
    make_risk,
    make_site,
    make_threat_assessment,
)
from tests.conftest import assert_problem
from tests.core.test_migrations import _fresh_url

OFFICIAL, SENSITIVE = "OFFICIAL", "OFFICIAL-SENSITIVE"


def find(client: Any, actor: Any, q: str, **params: Any) -> dict[str, Any]:
    """Search as the actor; assert 200 and return the body."""
    response = client.get("/api/v1/search", params={"q": q, **params}, headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def titles(client: Any, actor: Any, q: str, **params: Any) -> list[str]:
    """The titles found, in order."""
    return [r["title"] for r in find(client, actor, q, **params)["items"]]


def one_of_each(client: Any, officer: Any, word: str, classification: str = OFFICIAL) -> dict[str, dict[str, Any]]:
    """A record of every searchable type with `word` in its title."""
    plan = make_prevent_plan(client, officer, title=f"{word} Prevent plan", classification=classification)
    return {
        "site": make_site(client, officer, f"{word} Arena", classification=classification),
        "prevent_plan": plan,
        "prevent_item": make_prevent_item(
            client, officer, plan["id"], title=f"{word} youth outreach", classification=classification
        ),
        "threat_assessment": make_threat_assessment(
            client, officer, title=f"{word} profile", classification=classification
        ),
        "contingency_plan": make_contingency_plan(
            client, officer, title=f"{word} emergency plan", classification=classification
        ),
        "risk": make_risk(client, officer, title=f"{word} flooding", classification=classification),
        "exercise": make_exercise(client, officer, title=f"Exercise {word}", classification=classification),
    }


def etag(record: dict[str, Any]) -> dict[str, str]:
    """The If-Match header for a record as last read."""
    return {"If-Match": f'"{record["version"]}"'}


# --- what it finds, and where it points ---


def test_every_type_is_found_typed_and_linked_to_its_api_path_and_page(client, officer):
    made = one_of_each(client, officer, "Zephyr")
    body = find(client, officer, "zephyr")
    assert body["next_cursor"] is None
    found = {r["type"]: r for r in body["items"]}
    assert set(found) == set(made)
    for kind, result in found.items():
        assert result["id"] == made[kind]["id"]
        assert result["classification"] == OFFICIAL
        assert "Zephyr" in result["title"]
        assert result["page"].endswith(made[kind]["id"]) and result["page"].startswith("/")
        read = client.get(f"/api/v1{result['href']}", headers=officer.headers)
        assert read.status_code == 200 and read.json()["id"] == made[kind]["id"]
    assert found["site"]["page"] == f"/protect/sites/{made['site']['id']}"
    assert found["risk"]["page"] == f"/prepare/risks/{made['risk']['id']}"


def test_words_in_the_text_around_the_title_are_found_with_a_snippet_marking_them(client, officer):
    make_risk(
        client,
        officer,
        title="Power failure",
        description="A long outage of the electricity network across the borough in winter.",
        classification=OFFICIAL,
    )
    [result] = find(client, officer, "electricity")["items"]
    assert result["title"] == "Power failure"
    assert "electricity" in result["snippet"]
    [(start, end)] = result["highlights"]
    assert result["snippet"][start:end].lower() == "electricity"


def test_a_title_match_ranks_above_a_match_in_the_text_and_more_words_above_fewer(client, officer):
    make_risk(
        client, officer, title="Heatwave", description="Hot weather strains the reservoir.", classification=OFFICIAL
    )
    make_risk(client, officer, title="Reservoir breach", description="Dam failure.", classification=OFFICIAL)
    make_risk(
        client, officer, title="Reservoir breach upstream", description="A dam upstream fails.", classification=OFFICIAL
    )
    assert titles(client, officer, "reservoir")[-1] == "Heatwave"
    assert titles(client, officer, "reservoir dam upstream") == ["Reservoir breach upstream"]


def test_the_last_word_is_a_prefix_and_every_word_must_match(client, officer):
    make_site(client, officer, "Wembley Stadium", classification=OFFICIAL)
    make_site(client, officer, "Stadium Station", classification=OFFICIAL)
    assert sorted(titles(client, officer, "stadi")) == ["Stadium Station", "Wembley Stadium"]
    assert titles(client, officer, "wembley stad") == ["Wembley Stadium"]
    assert titles(client, officer, "stadium wemb") == ["Wembley Stadium"]
    assert titles(client, officer, "wemb stadium") == []  # only the last word is a prefix


def test_types_limits_the_search(client, officer):
    one_of_each(client, officer, "Quasar")
    body = find(client, officer, "quasar", types=["risk", "site"])
    assert sorted(r["type"] for r in body["items"]) == ["risk", "site"]
    assert_problem(
        client.get("/api/v1/search", params={"q": "quasar", "types": "planet"}, headers=officer.headers), 422
    )


# --- who may search, and what they see ---


def test_without_a_token_401_and_without_any_area_read_scope_403(client, make_api_key):
    assert_problem(client.get("/api/v1/search", params={"q": "x"}), 401)
    tensions_only = make_api_key(["tensions:read"], clearance=SENSITIVE)
    assert_problem(client.get("/api/v1/search", params={"q": "x"}, headers=tensions_only.headers), 403)


def test_a_key_searches_only_the_areas_its_scopes_read(client, officer, make_api_key):
    one_of_each(client, officer, "Nimbus")
    protect = make_api_key(["protect:read"], clearance=SENSITIVE)
    assert [r["type"] for r in find(client, protect, "nimbus")["items"]] == ["site"]
    prepare = make_api_key(["prepare:read"], clearance=SENSITIVE)
    assert sorted(r["type"] for r in find(client, prepare, "nimbus")["items"]) == [
        "contingency_plan",
        "exercise",
        "risk",
    ]
    prevent = make_api_key(["prevent:read"], clearance=SENSITIVE)
    assert sorted(r["type"] for r in find(client, prevent, "nimbus")["items"]) == [
        "prevent_item",
        "prevent_plan",
        "threat_assessment",
    ]
    refused = assert_problem(
        client.get("/api/v1/search", params={"q": "nimbus", "types": "risk"}, headers=protect.headers), 403
    )
    assert "prepare:read" in refused["detail"]


def test_an_official_caller_never_learns_a_sensitive_record_exists(client, officer, viewer):
    one_of_each(client, officer, "Obsidian", classification=SENSITIVE)
    open_risk = make_risk(client, officer, title="Obsidian quarry collapse", classification=OFFICIAL)
    everything = find(client, officer, "obsidian")["items"]
    assert len(everything) == 8 and {r["classification"] for r in everything} == {OFFICIAL, SENSITIVE}
    seen = find(client, viewer, "obsidian", limit=1)
    assert [r["id"] for r in seen["items"]] == [open_risk["id"]]
    assert seen["next_cursor"] is None  # not even a next page hints at more
    assert find(client, viewer, "obsidian profile")["items"] == []
    assert find(client, viewer, "obsidian arena")["items"] == []


def test_an_official_item_in_a_sensitive_plan_is_hidden_from_official_callers(client, officer, viewer):
    plan = make_prevent_plan(client, officer, title="Restricted plan", classification=SENSITIVE)
    make_prevent_item(client, officer, plan["id"], title="Basalt workshops", classification=OFFICIAL)
    assert find(client, viewer, "basalt")["items"] == []
    [result] = find(client, officer, "basalt")["items"]
    assert result["classification"] == SENSITIVE  # the marking it is seen under: its plan's


def test_the_ranking_an_official_caller_sees_does_not_depend_on_sensitive_records(client, officer, viewer):
    make_risk(client, officer, title="Granite bridge strike", classification=OFFICIAL)
    make_risk(client, officer, title="Granite wall", description="bridge nearby", classification=OFFICIAL)
    before = find(client, viewer, "granite bridge", limit=1)
    for n in range(5):
        make_risk(client, officer, title=f"Granite bridge {n}", classification=SENSITIVE)
    after = find(client, viewer, "granite bridge", limit=1)
    assert after == before  # the same page and the same cursor (its position holds the score)


# --- paging ---


def test_paging_returns_every_result_once_best_first_with_a_link_to_the_next_page(client, officer):
    for n in range(25):
        make_site(client, officer, f"Market hall {n}", classification=OFFICIAL)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"q": "market", "limit": 10} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/search", params=params, headers=officer.headers)
        assert response.status_code == 200
        body = response.json()
        seen += [r["id"] for r in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            break
        assert 'rel="next"' in response.headers["link"]
    assert pages == 3 and len(seen) == 25 and len(set(seen)) == 25


def test_csv_gives_every_result_and_a_partners_export_is_a_disclosure(client, officer, admin, make_api_key):
    for n in range(3):
        make_site(client, officer, f"Canal lock {n}", classification=SENSITIVE)
    make_site(client, officer, "Canal lock keeper's cottage", address="Canal lock lane", classification=OFFICIAL)
    police = make_api_key(["protect:read"], clearance=SENSITIVE)
    response = client.get("/api/v1/search", params={"q": "canal lock"}, headers=police.headers | {"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().split("\r\n")
    assert lines[0] == "type,id,title,snippet,href,page,classification"
    assert len(lines) == 5 and sum("keeper's cottage" in line for line in lines) == 1
    [event] = _disclosures(client, admin)
    assert len(event["after"]["ids"]) == 3


def test_a_cursor_from_another_list_is_422(client, officer):
    for n in range(3):
        make_site(client, officer, f"Depot {n}", classification=OFFICIAL)
    other = client.get("/api/v1/sites", params={"limit": 1}, headers=officer.headers).json()["next_cursor"]
    response = client.get("/api/v1/search", params={"q": "depot", "cursor": other}, headers=officer.headers)
    assert assert_problem(response, 422)["errors"][0]["field"] == "cursor"


# --- hostile input ---

HOSTILE = [
    '"',
    "'",
    "*",
    "OR",
    "AND",
    "NOT",
    "NEAR(",
    "NEAR(a b, 2)",
    "-",
    "-stadium",
    "title:stadium",
    "^stadium",
    "(stadium",
    "stadium)",
    '"stadium',
    "stadium OR 1=1",
    "'; DROP TABLE site; --",
    "a & b | !c",
    "stadium:*",
    "<script>alert(1)</script>",
    "\\",
    "%_",
    "{stadium}",
    "x" * 500,
    "🙂 stadium",
    "stadium\x00",
    " ".join(["stadium"] * 60),
]


@pytest.mark.parametrize("q", HOSTILE)
def test_query_syntax_in_what_is_typed_is_only_words(client, officer, q):
    make_site(client, officer, "Stadium", classification=OFFICIAL)
    response = client.get("/api/v1/search", params={"q": q}, headers=officer.headers)
    assert response.status_code == 200, response.text
    found = [r["title"] for r in response.json()["items"]]
    assert found in ([], ["Stadium"])


def test_words_that_look_like_operators_are_searched_as_words(client, officer):
    make_risk(client, officer, title="Near miss or worse", classification=OFFICIAL)
    assert titles(client, officer, "NEAR OR") == ["Near miss or worse"]
    assert titles(client, officer, '"near" -miss') == ["Near miss or worse"]


def test_too_long_or_empty_queries_are_a_clear_422(client, officer):
    long = assert_problem(client.get("/api/v1/search", params={"q": "x" * 10_000}, headers=officer.headers), 422)
    assert long["errors"][0]["field"] == "q"
    empty = assert_problem(client.get("/api/v1/search", params={"q": ""}, headers=officer.headers), 422)
    assert empty["errors"][0]["field"] == "q"
    assert_problem(client.get("/api/v1/search", headers=officer.headers), 422)


# --- the index follows every change ---


def test_an_update_replaces_the_words_and_a_delete_removes_them(client, officer):
    site = make_site(client, officer, "Riverside pavilion", classification=OFFICIAL)
    changed = client.patch(
        f"/api/v1/sites/{site['id']}", json={"name": "Lakeside pavilion"}, headers=officer.headers | etag(site)
    )
    assert changed.status_code == 200, changed.text
    assert titles(client, officer, "riverside") == []
    assert titles(client, officer, "lakeside") == ["Lakeside pavilion"]
    gone = client.delete(f"/api/v1/sites/{site['id']}", headers=officer.headers | etag(changed.json()))
    assert gone.status_code == 204
    assert titles(client, officer, "pavilion") == []


def test_each_type_follows_its_updates(client, officer):
    made = one_of_each(client, officer, "Cobalt")
    paths = {r["type"]: r["href"] for r in find(client, officer, "cobalt")["items"]}
    for kind, record in made.items():
        response = client.patch(
            f"/api/v1{paths[kind]}",
            json={"title" if kind != "site" else "name": f"Renamed {kind}"},
            headers=officer.headers | etag(record),
        )
        assert response.status_code == 200, f"{kind}: {response.text}"
    assert find(client, officer, "cobalt")["items"] == []
    assert len(find(client, officer, "renamed")["items"]) == 7


def test_a_raised_marking_hides_the_record_from_official_callers(client, officer, viewer):
    risk = make_risk(client, officer, title="Landslip on the embankment", classification=OFFICIAL)
    assert titles(client, viewer, "landslip") == ["Landslip on the embankment"]
    raised = client.patch(
        f"/api/v1/risks/{risk['id']}", json={"classification": SENSITIVE}, headers=officer.headers | etag(risk)
    )
    assert raised.status_code == 200, raised.text
    assert titles(client, viewer, "landslip") == []
    assert [r["classification"] for r in find(client, officer, "landslip")["items"]] == [SENSITIVE]


def test_a_plans_raised_marking_hides_its_items(client, officer, viewer):
    plan = make_prevent_plan(client, officer, title="Open plan", classification=OFFICIAL)
    make_prevent_item(client, officer, plan["id"], title="Quartz mentoring scheme", classification=OFFICIAL)
    assert titles(client, viewer, "quartz") == ["Quartz mentoring scheme"]
    raised = client.patch(
        f"/api/v1/prevent/plans/{plan['id']}", json={"classification": SENSITIVE}, headers=officer.headers | etag(plan)
    )
    assert raised.status_code == 200, raised.text
    assert titles(client, viewer, "quartz") == []
    assert titles(client, officer, "quartz") == ["Quartz mentoring scheme"]


def test_the_index_is_there_for_every_table_at_head(database):
    """A later migration that rebuilds an indexed table must keep (or remake) its part of the index."""
    engine = database.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            names = set(connection.execute(text("SELECT indexname FROM pg_indexes")).scalars())
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            for source in search_service.SOURCES:  # the query's expression is the index's, so the index serves it
                match = f"{search_service.postgres_document(source, 't.')} @@ to_tsquery('english', 'x')"
                plan = connection.execute(text(f"EXPLAIN SELECT t.id FROM {source.table} t WHERE {match}")).scalars()
                assert f"ix_search_{source.table}" in "\n".join(plan), source.table
        assert {f"ix_search_{s.table}" for s in search_service.SOURCES} <= names
    else:
        with engine.connect() as connection:
            names = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        assert set(search_service.sqlite_trigger_names()) <= names
        assert {"search_entry", "search_official", "search_sensitive"} <= set(inspect(engine).get_table_names())


def test_the_migration_indexes_the_rows_already_there_and_its_downgrade_removes_the_index(tmp_path):
    url, drop = _fresh_url(tmp_path)
    reader = Principal("p", "user", "p", "Council", frozenset({"prepare:read"}), search_service.Classification.OFFICIAL)
    try:
        upgrade(url)
        engine = create_engine(url)
        with Session(engine) as session:
            session.add(
                Risk(title="Subsidence", category="ground", likelihood=2, impact=2, owner="EP", classification=OFFICIAL)
            )
            session.commit()
        downgrade(url, "0014_plan_approval")
        assert not {"search_entry", "search_official"} & set(inspect(engine).get_table_names())
        upgrade(url)
        with Session(engine) as session:
            found, _ = search_service.search(session, reader, query="subsid", types=[SearchType.RISK], limit=5)
        assert [r.title for r in found] == ["Subsidence"]
        engine.dispose()
    finally:
        drop()


def test_a_table_rebuilt_by_a_later_migration_gets_its_triggers_back(tmp_path):
    """What `batch_alter_table` does on SQLite (copy, drop, rename) loses the table's triggers; `sqlite_triggers`
    remakes them and the words already indexed still match their records."""
    url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    upgrade(url)
    engine = create_engine(url)
    reader = Principal("p", "user", "p", "Council", frozenset({"prepare:read"}), search_service.Classification.OFFICIAL)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO risk (id, created_at, updated_at, version, title, category, description, "
                "likelihood, impact, owner, mitigations, classification) VALUES ('r1', "
                "'2026-01-01', '2026-01-01', 1, 'Sinkhole', 'ground', '', 1, 1, 'EP', '', 'OFFICIAL')"
            )
        )
        connection.execute(text("CREATE TABLE _tmp_risk AS SELECT * FROM risk"))
        connection.execute(text("DROP TABLE risk"))
        connection.execute(text("ALTER TABLE _tmp_risk RENAME TO risk"))
        triggers = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        assert "search_risk_update" not in triggers
        for statement in search_service.sqlite_triggers():
            connection.execute(text(statement))
        connection.execute(text("UPDATE risk SET title = 'Sinkhole on the high street' WHERE id = 'r1'"))
    with Session(engine) as session:
        found, _ = search_service.search(session, reader, query="high street", types=[SearchType.RISK], limit=5)
    assert [r.title for r in found] == ["Sinkhole on the high street"]
    engine.dispose()


# --- partners ---


def _disclosures(client: Any, admin: Any) -> list[dict[str, Any]]:
    params = {"action": "disclosure"}
    return list(client.get("/api/v1/audit-events", params=params, headers=admin.headers).json()["items"])


def test_a_partner_finding_sensitive_records_is_a_logged_disclosure(client, officer, admin, make_api_key):
    secret = make_site(client, officer, "Embassy annexe", classification=SENSITIVE)
    make_site(client, officer, "Embassy gardens", classification=OFFICIAL)
    police = make_api_key(["protect:read"], clearance=SENSITIVE)
    assert len(find(client, police, "embassy")["items"]) == 2
    [event] = _disclosures(client, admin)
    assert event["actor_kind"] == "api_key" and event["after"]["ids"] == [secret["id"]]
    assert event["entity_type"] == "search"


def test_official_results_and_council_staff_are_not_disclosures(client, officer, admin, make_api_key):
    make_site(client, officer, "Embassy annexe", classification=SENSITIVE)
    make_site(client, officer, "Embassy gardens", classification=OFFICIAL)
    partner = make_api_key(["protect:read"], clearance=OFFICIAL)
    assert len(find(client, partner, "embassy")["items"]) == 1
    assert len(find(client, officer, "embassy")["items"]) == 2
    assert _disclosures(client, admin) == []


def test_a_snippets_marks_become_offsets_into_plain_text():
    o, c = search_service.OPEN, search_service.CLOSE
    assert search_service.split_marks(f"  the {o}river{c}\n\n floods {o}x{c} ") == (
        "the river floods x",
        [(4, 9), (17, 18)],
    )
    assert search_service.split_marks("no match") == ("no match", [])
