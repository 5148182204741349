"""The threat level API: public reads, recorded changes, history, caching (docs/api.md 'Threat level')."""

from __future__ import annotations

from tests.conftest import assert_problem


def _record(client, actor, **body):
    return client.post("/api/v1/threat-level", headers=actor.headers, json={"note": "", **body})


def test_nothing_recorded_is_404(client):
    assert_problem(client.get("/api/v1/threat-level"), 404)


def test_a_recorded_change_is_what_the_next_public_get_returns(client, officer):
    response = _record(client, officer, level="SEVERE", note="raised after an attack elsewhere")
    assert response.status_code == 201
    change = response.json()
    assert change["changed"] is True and change["source"] == "manual"
    assert change["recorded_by"] == f"user:{officer.username}"
    current = client.get("/api/v1/threat-level")  # no token: public
    assert current.status_code == 200
    body = current.json()
    assert body == {
        "scope": "UK",
        "level": "SEVERE",
        "description": "an attack is highly likely",
        "response_level": "HEIGHTENED",
        "effective_from": change["effective_from"],
        "source": "manual",
        "recorded_at": change["recorded_at"],
        "stale": False,
    }
    assert body["effective_from"].endswith("Z")


def test_response_levels_follow_the_threat_level(client, officer):
    expected = {
        "LOW": "NORMAL",
        "MODERATE": "NORMAL",
        "SUBSTANTIAL": "HEIGHTENED",
        "SEVERE": "HEIGHTENED",
        "CRITICAL": "EXCEPTIONAL",
    }
    for level, response_level in expected.items():
        assert _record(client, officer, level=level).status_code == 201
        assert client.get("/api/v1/threat-level").json()["response_level"] == response_level


def test_recording_the_current_level_again_is_kept_but_flagged_unchanged(client, officer):
    _record(client, officer, level="SUBSTANTIAL")
    again = _record(client, officer, level="SUBSTANTIAL", note="reviewed, no change")
    assert again.status_code == 201 and again.json()["changed"] is False
    history = client.get("/api/v1/threat-level/history").json()["items"]
    assert [(h["level"], h["changed"]) for h in history] == [("SUBSTANTIAL", False), ("SUBSTANTIAL", True)]


def test_scopes_are_independent(client, officer):
    _record(client, officer, level="SUBSTANTIAL", scope="UK")
    _record(client, officer, level="SEVERE", scope="NORTHERN_IRELAND")
    assert client.get("/api/v1/threat-level").json()["level"] == "SUBSTANTIAL"
    ni = client.get("/api/v1/threat-level", params={"scope": "NORTHERN_IRELAND"}).json()
    assert ni["level"] == "SEVERE" and ni["scope"] == "NORTHERN_IRELAND"
    only_ni = client.get("/api/v1/threat-level/history", params={"scope": "NORTHERN_IRELAND"}).json()["items"]
    assert [h["scope"] for h in only_ni] == ["NORTHERN_IRELAND"]


def test_the_wording_in_force_on_the_day_is_used(client, officer):
    before = _record(client, officer, level="CRITICAL", effective_from="2017-05-23T12:00:00Z").json()
    after = _record(client, officer, level="CRITICAL", effective_from="2019-07-23T09:00:00Z").json()
    assert before["description"] == "an attack is expected imminently"
    assert after["description"] == "an attack is highly likely in the near future"
    low_old = _record(client, officer, level="LOW", effective_from="2019-07-22T22:00:00Z").json()
    assert low_old["description"] == "an attack is unlikely"  # 22 July 23:00 in London


def test_history_is_newest_first_and_paginated(client, officer):
    for year in range(2010, 2016):
        _record(
            client,
            officer,
            level="SEVERE" if year % 2 else "SUBSTANTIAL",
            effective_from=f"{year}-01-01T00:00:00Z",
        )
    first = client.get("/api/v1/threat-level/history", params={"limit": 4})
    body = first.json()
    assert [h["effective_from"][:4] for h in body["items"]] == ["2015", "2014", "2013", "2012"]
    assert 'rel="next"' in first.headers["link"]
    rest = client.get("/api/v1/threat-level/history", params={"limit": 4, "cursor": body["next_cursor"]}).json()
    assert [h["effective_from"][:4] for h in rest["items"]] == ["2011", "2010"] and rest["next_cursor"] is None


def test_a_backdated_entry_does_not_replace_the_current_level(client, officer):
    _record(client, officer, level="SUBSTANTIAL")
    _record(client, officer, level="CRITICAL", effective_from="2017-05-23T00:00:00Z")
    assert client.get("/api/v1/threat-level").json()["level"] == "SUBSTANTIAL"


def test_etag_and_if_none_match_304(client, officer):
    _record(client, officer, level="SUBSTANTIAL")
    first = client.get("/api/v1/threat-level")
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert first.headers["last-modified"].endswith("GMT")
    not_modified = client.get("/api/v1/threat-level", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    _record(client, officer, level="SEVERE")  # a change in this process shows at once
    changed = client.get("/api/v1/threat-level", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["level"] == "SEVERE" and changed.headers["etag"] != etag


def test_recording_needs_a_token_and_threat_write(client, viewer, emt, make_api_key):
    assert_problem(client.post("/api/v1/threat-level", json={"level": "LOW", "note": ""}), 401)
    assert_problem(_record(client, viewer, level="LOW"), 403)
    assert_problem(_record(client, emt, level="LOW"), 403)
    police = make_api_key(["threat:write"], organisation="Metropolitan Police Service")
    response = _record(client, police, level="SEVERE")
    assert response.status_code == 201 and response.json()["recorded_by"].startswith("api_key:")


def test_unknown_level_or_scope_is_422(client, officer):
    body = assert_problem(_record(client, officer, level="ELEVATED"), 422)
    assert body["errors"][0]["field"] == "level"
    body = assert_problem(_record(client, officer, level="LOW", scope="WALES"), 422)
    assert body["errors"][0]["field"] == "scope"
    assert_problem(client.get("/api/v1/threat-level", params={"scope": "WALES"}), 422)
    body = assert_problem(client.post("/api/v1/threat-level", headers=officer.headers, json={"level": "LOW"}), 422)
    assert body["errors"][0]["field"] == "note"


def test_future_effective_from_is_422(client, officer):
    body = assert_problem(_record(client, officer, level="LOW", effective_from="2099-01-01T00:00:00Z"), 422)
    assert body["errors"][0]["field"] == "effective_from"


def test_idempotent_replay_records_once(client, officer):
    headers = officer.headers | {"Idempotency-Key": "mi5-change-2024-03-05"}
    body = {"level": "SUBSTANTIAL", "note": "from the morning brief"}
    first = client.post("/api/v1/threat-level", headers=headers, json=body)
    second = client.post("/api/v1/threat-level", headers=headers, json=body)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert len(client.get("/api/v1/threat-level/history").json()["items"]) == 1


def test_each_change_is_audited(client, officer, admin):
    change = _record(client, officer, level="SEVERE", note="why").json()
    events = client.get("/api/v1/audit-events", params={"entity_type": "threat_level"}, headers=admin.headers)
    event = events.json()["items"][0]
    assert event["entity_id"] == change["id"] and event["actor"] == f"user:{officer.username}"
    assert event["after"]["level"] == "SEVERE" and event["before"] == {"level": None, "scope": "UK"}


def test_a_change_made_by_another_process_shows_within_seconds(client, officer, db_session, monkeypatch):
    import time

    from app.models.threat_level import ThreatLevel, ThreatLevelCreate
    from app.services import threat_level

    _record(client, officer, level="SUBSTANTIAL")
    assert client.get("/api/v1/threat-level").json()["level"] == "SUBSTANTIAL"  # now cached in this process
    # Another process writes straight to the database: this process's cache is not told.
    threat_level.create(db_session, ThreatLevelCreate(level=ThreatLevel.SEVERE, note="elsewhere"), actor=None)
    db_session.commit()
    assert client.get("/api/v1/threat-level").json()["level"] == "SUBSTANTIAL"  # served without a query
    monkeypatch.setattr(threat_level.CACHE, "ttl", 0.2)  # the cache's TTL, shortened so the test need not wait 2 s
    time.sleep(0.25)
    assert client.get("/api/v1/threat-level").json()["level"] == "SEVERE"
