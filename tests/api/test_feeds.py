"""The feeds API: records, health, If-Match, secrets shown once, admin only."""

from __future__ import annotations

from tests.conftest import assert_problem

MI5 = {"name": "MI5 threat level", "kind": "mi5_rss", "url": "https://www.mi5.gov.uk/UKThreatLevel/UKThreatLevel.xml"}
PUSH = {"name": "Met CT push", "kind": "push"}


def _create(client, admin, body):
    response = client.post("/api/v1/feeds", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    return response


def test_create_read_list_an_mi5_feed(client, admin):
    response = _create(client, admin, MI5)
    feed = response.json()
    assert response.headers["location"].endswith(f"/feeds/{feed['id']}") and response.headers["etag"] == '"1"'
    assert feed["poll_interval_seconds"] == 1200 and feed["max_age_seconds"] == 3600 and feed["enabled"] is True
    assert feed["status"] == "never_polled" and feed["last_polled_at"] is None and feed["secret"] is None
    assert feed["consecutive_failures"] == 0 and feed["last_error"] is None
    read = client.get(f"/api/v1/feeds/{feed['id']}", headers=admin.headers)
    assert read.status_code == 200 and read.headers["etag"] == '"1"' and "secret" not in read.json()
    items = client.get("/api/v1/feeds", headers=admin.headers).json()["items"]
    assert [f["name"] for f in items] == ["MI5 threat level"]


def test_a_push_feed_shows_its_secret_once(client, admin):
    feed = _create(client, admin, PUSH).json()
    assert feed["secret"].startswith("whsec_") and len(feed["secret"]) > 40
    assert "secret" not in client.get(f"/api/v1/feeds/{feed['id']}", headers=admin.headers).json()
    listed = client.get("/api/v1/feeds", headers=admin.headers).text
    assert feed["secret"] not in listed and feed["secret"].removeprefix("whsec_") not in listed
    rotated = client.post(f"/api/v1/feeds/{feed['id']}/rotate-secret", headers=admin.headers)
    assert rotated.status_code == 200 and rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != feed["secret"]


def test_the_secret_is_sealed_in_the_database(client, admin, database):
    from app.models.feeds import Feed

    feed = _create(client, admin, PUSH).json()
    with database.session() as session:
        stored = session.get(Feed, feed["id"])
        assert stored.secret_sealed and feed["secret"] not in stored.secret_sealed


def test_validation(client, admin):
    assert_problem(client.post("/api/v1/feeds", headers=admin.headers, json={"name": "x", "kind": "mi5_rss"}), 422)
    bad_url = {**MI5, "url": "file:///etc/passwd"}
    assert_problem(client.post("/api/v1/feeds", headers=admin.headers, json=bad_url), 422)
    assert_problem(client.post("/api/v1/feeds", headers=admin.headers, json={**PUSH, "url": "https://x.test/"}), 422)
    assert_problem(client.post("/api/v1/feeds", headers=admin.headers, json={**PUSH, "kind": "email"}), 422)
    too_fast = {**MI5, "poll_interval_seconds": 5}
    assert_problem(client.post("/api/v1/feeds", headers=admin.headers, json=too_fast), 422)
    _create(client, admin, MI5)
    assert_problem(client.post("/api/v1/feeds", headers=admin.headers, json=MI5), 409)


def test_patch_and_delete_need_if_match(client, admin):
    feed = _create(client, admin, MI5).json()
    path = f"/api/v1/feeds/{feed['id']}"
    assert_problem(client.patch(path, headers=admin.headers, json={"enabled": False}), 428)
    stale = {**admin.headers, "If-Match": '"7"'}
    assert_problem(client.patch(path, headers=stale, json={"enabled": False}), 412)
    changed = client.patch(path, headers={**admin.headers, "If-Match": '"1"'}, json={"enabled": False})
    assert changed.status_code == 200 and changed.json()["enabled"] is False and changed.headers["etag"] == '"2"'
    assert_problem(client.patch(path, headers={**admin.headers, "If-Match": '"2"'}, json={"kind": "push"}), 422)
    assert_problem(client.delete(path, headers=admin.headers), 428)
    assert_problem(client.delete(path, headers={**admin.headers, "If-Match": '"1"'}), 412)
    assert client.delete(path, headers={**admin.headers, "If-Match": '"2"'}).status_code == 204
    assert_problem(client.get(path, headers=admin.headers), 404)


def test_polling_or_rotating_the_wrong_kind_is_409(client, admin):
    mi5 = _create(client, admin, MI5).json()
    push = _create(client, admin, PUSH).json()
    assert_problem(client.post(f"/api/v1/feeds/{push['id']}/poll", headers=admin.headers), 409)
    assert_problem(client.post(f"/api/v1/feeds/{mi5['id']}/rotate-secret", headers=admin.headers), 409)
    assert_problem(client.post("/api/v1/feeds/nope/poll", headers=admin.headers), 404)


def test_only_admins(client, admin, officer, make_api_key):
    feed = _create(client, admin, MI5).json()
    assert_problem(client.get("/api/v1/feeds"), 401)
    for actor in (officer, make_api_key(["threat:write", "prevent:write"])):
        assert_problem(client.get("/api/v1/feeds", headers=actor.headers), 403)
        assert_problem(client.post(f"/api/v1/feeds/{feed['id']}/poll", headers=actor.headers), 403)
        assert_problem(client.post("/api/v1/feeds", headers=actor.headers, json=PUSH), 403)


def test_changes_are_audited(client, admin):
    feed = _create(client, admin, PUSH).json()
    client.post(f"/api/v1/feeds/{feed['id']}/rotate-secret", headers=admin.headers)
    events = client.get("/api/v1/audit-events", headers=admin.headers, params={"entity_type": "feed"}).json()["items"]
    assert {e["action"] for e in events} == {"feed.create", "feed.rotate_secret"}
    assert feed["secret"] not in str(events)
