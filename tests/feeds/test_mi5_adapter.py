"""The MI5 RSS adapter against feeds served on 127.0.0.1: good, changed, repeated, broken and hostile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.feeds.mi5 import parse_pub_date
from app.models.feeds import Feed
from app.services import threat_level
from tests.feeds import HOSTILE, MI5_SAMPLE, feed_server, mi5_feed


@pytest.fixture
def server():
    with feed_server() as running:
        yield running


def _feed(client, admin, url, name="MI5 threat level"):
    response = client.post("/api/v1/feeds", headers=admin.headers, json={"name": name, "kind": "mi5_rss", "url": url})
    assert response.status_code == 201, response.text
    return response.json()


def _poll(client, admin, feed_id):
    response = client.post(f"/api/v1/feeds/{feed_id}/poll", headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _history(client):
    return client.get("/api/v1/threat-level/history").json()["items"]


def test_the_real_sample_records_both_levels_at_its_london_time(client, admin, server):
    feed = _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE))
    result = _poll(client, admin, feed["id"])
    assert result["outcome"] == "changed" and result["changes_recorded"] == 2 and result["error"] is None
    assert {(x["scope"], x["level"]) for x in result["levels"]} == {
        ("UK", "SUBSTANTIAL"),
        ("NORTHERN_IRELAND", "SUBSTANTIAL"),
    }
    assert result["published_at"] == "2024-03-05T02:52:00Z"  # GMT in March
    current = client.get("/api/v1/threat-level").json()
    assert current["level"] == "SUBSTANTIAL" and current["source"] == "MI5 threat level"
    assert current["effective_from"] == "2024-03-05T02:52:00Z" and current["stale"] is False
    ni = client.get("/api/v1/threat-level", params={"scope": "NORTHERN_IRELAND"}).json()
    assert ni["level"] == "SUBSTANTIAL"
    health = client.get(f"/api/v1/feeds/{feed['id']}", headers=admin.headers).json()
    assert health["status"] == "ok" and health["last_success_at"] and health["consecutive_failures"] == 0


def test_the_same_content_again_records_nothing_new(client, admin, server):
    feed = _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE))
    _poll(client, admin, feed["id"])
    again = _poll(client, admin, feed["id"])
    assert again["outcome"] == "unchanged" and again["changes_recorded"] == 0
    assert len(_history(client)) == 2


def test_a_changed_level_is_recorded_once_for_its_scope_only(client, admin, server):
    feed = _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE))
    _poll(client, admin, feed["id"])
    server.serve("/feed.xml", mi5_feed(uk="SEVERE", pub_date="Friday, July 05, 2024 -  14:30"))
    result = _poll(client, admin, feed["id"])
    assert result["outcome"] == "changed" and result["changes_recorded"] == 1
    current = client.get("/api/v1/threat-level").json()
    assert current["level"] == "SEVERE" and current["effective_from"] == "2024-07-05T13:30:00Z"  # BST
    assert client.get("/api/v1/threat-level", params={"scope": "NORTHERN_IRELAND"}).json()["level"] == "SUBSTANTIAL"
    assert _poll(client, admin, feed["id"])["changes_recorded"] == 0
    assert len(_history(client)) == 3


def test_conditional_get_uses_the_etag(client, admin, server):
    feed = _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE, etag='"v1"'))
    _poll(client, admin, feed["id"])
    result = _poll(client, admin, feed["id"])
    assert result["outcome"] == "not_modified" and server.conditional_hits == 1


def test_a_feed_older_than_a_manual_entry_still_wins_once(client, admin, officer, server):
    client.post("/api/v1/threat-level", headers=officer.headers, json={"level": "SEVERE", "note": "typed in"})
    feed = _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE))
    assert _poll(client, admin, feed["id"])["changes_recorded"] == 2
    assert client.get("/api/v1/threat-level").json()["level"] == "SUBSTANTIAL"
    assert _poll(client, admin, feed["id"])["changes_recorded"] == 0


def _hostile(name: str) -> bytes:
    return (HOSTILE / name).read_bytes()


FAILURES = {
    "challenge page": (lambda tmp: {"body": _hostile("challenge.html"), "content_type": "text/html"}, "HTML page"),
    "empty body": (lambda tmp: {"body": b""}, "empty body"),
    "server error": (lambda tmp: {"body": b"oops", "status": 500}, "the feed server answered 500"),
    "malformed XML": (lambda tmp: {"body": _hostile("malformed.xml")}, "not an RSS feed (malformed XML)"),
    "billion laughs": (lambda tmp: {"body": _hostile("billion-laughs.xml")}, "hostile XML"),
    "unknown level": (lambda tmp: {"body": _hostile("unknown-level.xml")}, "unknown threat level"),
    "not RSS": (lambda tmp: {"body": b"<?xml version='1.0'?><feed><entry/></feed>"}, "not an RSS feed"),
    "oversized": (lambda tmp: {"body": MI5_SAMPLE + b"<!--" + b"x" * 600_000 + b"-->"}, "too large"),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_a_failed_poll_keeps_the_level_and_shows_the_error(client, admin, server, tmp_path, case):
    answer, message = FAILURES[case]
    feed = _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE))
    _poll(client, admin, feed["id"])
    server.serve("/feed.xml", **answer(tmp_path))
    for _attempt in (1, 2):
        result = _poll(client, admin, feed["id"])
        assert result["outcome"] == "failed" and message in result["error"], result
        assert result["changes_recorded"] == 0 and result["status"] == "failing"
    health = client.get(f"/api/v1/feeds/{feed['id']}", headers=admin.headers).json()
    assert health["status"] == "failing" and health["consecutive_failures"] == 2 and message in health["last_error"]
    assert client.get("/api/v1/threat-level").json()["level"] == "SUBSTANTIAL"
    assert len(_history(client)) == 2


def test_an_external_entity_is_refused_and_the_file_is_never_read(client, admin, server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("CRITICAL TOP-SECRET-CANARY")
    body = _hostile("external-entity.xml").replace(b"SECRET_PATH", str(secret).encode())
    feed = _feed(client, admin, server.serve("/feed.xml", body))
    result = _poll(client, admin, feed["id"])
    assert result["outcome"] == "failed" and "hostile XML" in result["error"]
    assert "CANARY" not in str(result)
    assert client.get("/api/v1/threat-level").status_code == 404


def test_a_response_slower_than_the_timeout_is_a_failed_poll(client, admin, server, settings, monkeypatch):
    monkeypatch.setattr(settings, "feed_timeout_seconds", 0.3)
    feed = _feed(client, admin, server.serve("/slow.xml", MI5_SAMPLE, delay=1.5))
    result = _poll(client, admin, feed["id"])
    assert result["outcome"] == "failed" and "timed out" in result["error"]
    assert client.get("/api/v1/threat-level").status_code == 404


def test_an_unreachable_feed_is_a_failed_poll(client, admin, server):
    feed = _feed(client, admin, "http://127.0.0.1:9/nothing-listens-here")
    result = _poll(client, admin, feed["id"])
    assert result["outcome"] == "failed" and "could not connect" in result["error"]


def test_a_stale_feed_makes_the_level_stale(client, admin, server, database):
    feed = _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE))
    _poll(client, admin, feed["id"])
    assert client.get("/api/v1/threat-level").json()["stale"] is False
    with database.session() as session:
        stored = session.get(Feed, feed["id"])
        stored.last_success_at = datetime.now(UTC) - timedelta(hours=2)
        session.commit()
    threat_level.CACHE.clear()
    assert client.get("/api/v1/threat-level").json()["stale"] is True
    assert client.get(f"/api/v1/feeds/{feed['id']}", headers=admin.headers).json()["status"] == "stale"
    _poll(client, admin, feed["id"])  # a good poll makes it fresh again
    assert client.get("/api/v1/threat-level").json()["stale"] is False


def test_a_manual_level_is_never_stale(client, officer, admin, server):
    client.post("/api/v1/threat-level", headers=officer.headers, json={"level": "SEVERE", "note": ""})
    assert client.get("/api/v1/threat-level").json()["stale"] is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tuesday, March 05, 2024 -  02:52", "2024-03-05T02:52:00+00:00"),
        ("Friday, July 05, 2024 - 14:30", "2024-07-05T13:30:00+00:00"),
        ("Tue, 05 Mar 2024 02:52:25 +0000", "2024-03-05T02:52:25+00:00"),
        ("sometime soon", None),
    ],
)
def test_pub_dates(text, expected):
    parsed = parse_pub_date(text)
    assert (parsed.isoformat() if parsed else None) == expected
