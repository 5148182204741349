"""Protect's records under concurrent writers, against the served app (run on PostgreSQL in CI).

Each race starts every request together (tests/races.py); sites themselves are covered in test_races.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from tests.api.test_sites import SITES, make_site
from tests.api.test_training import TRAINING, make_session
from tests.races import at_once, statuses

FEEDS = "/api/v1/feeds"


def _patches(url, actor, etag, bodies):
    return [("PATCH", url, {"headers": {**actor.headers, "If-Match": etag}, "json": body}) for body in bodies]


def _one_winner_is_stored(client, actor, url, responses, field):
    assert statuses(responses) == [200] + [412] * (len(responses) - 1)
    winner = next(r for r in responses if r.status_code == 200)
    stored = client.get(url, headers=actor.headers)
    assert stored.json()[field] == winner.json()[field]
    assert stored.headers["ETag"] == winner.headers["ETag"] == '"2"'


def test_twelve_patches_of_an_assessment_with_one_etag_give_one_200_and_eleven_412(live_server, client, officer):
    site = make_site(client, officer, "Assessed")
    created = client.post(
        f"{SITES}/{site['id']}/assessments",
        headers=officer.headers,
        json={"assessed_on": "2026-01-10", "assessor": "CTSA"},
    )
    url = f"{SITES}/{site['id']}/assessments/{created.json()['id']}"

    responses = at_once(live_server, _patches(url, officer, '"1"', [{"assessor": f"CTSA {i}"} for i in range(12)]))

    _one_winner_is_stored(client, officer, url, responses, "assessor")


def test_assessments_recorded_at_once_leave_the_site_assessed_on_the_newest(live_server, client, officer):
    site = make_site(client, officer, "Busy")
    first = date(2026, 1, 1)
    days = [first + timedelta(days=7 * i) for i in range(10)]
    url = f"{SITES}/{site['id']}/assessments"
    requests = [
        ("POST", url, {"headers": officer.headers, "json": {"assessed_on": d.isoformat(), "assessor": "CTSA"}})
        for d in days
    ]

    responses = at_once(live_server, requests)

    assert statuses(responses) == [201] * 10
    stored = client.get(f"{SITES}/{site['id']}", headers=officer.headers).json()
    assert stored["last_assessed_on"] == max(days).isoformat()
    listed = client.get(url, headers=officer.headers, params={"limit": 50}).json()["items"]
    assert len(listed) == 10


def test_twelve_patches_of_a_training_session_with_one_etag_give_one_200_and_eleven_412(live_server, client, officer):
    record = make_session(client, officer)
    url = f"{TRAINING}/{record['id']}"

    responses = at_once(live_server, _patches(url, officer, '"1"', [{"attendees": 10 + i} for i in range(12)]))

    _one_winner_is_stored(client, officer, url, responses, "attendees")


def test_a_training_delete_racing_a_patch_loses_or_wins_whole(live_server, client, officer):
    record = make_session(client, officer)
    url = f"{TRAINING}/{record['id']}"
    headers = {**officer.headers, "If-Match": '"1"'}

    responses = at_once(
        live_server,
        [("PATCH", url, {"headers": headers, "json": {"attendees": 99}}), ("DELETE", url, {"headers": headers})],
    )

    patched, deleted = (r.status_code for r in responses)
    # The delete wins (the patch then finds nothing, or a stale version), or the patch wins (the delete is stale).
    assert (patched, deleted) in {(412, 204), (404, 204), (200, 412)}
    after = client.get(url, headers=officer.headers)
    assert after.status_code == (200 if patched == 200 else 404)


def test_twelve_patches_of_a_feed_with_one_etag_give_one_200_and_eleven_412(live_server, client, admin):
    feed = client.post(FEEDS, headers=admin.headers, json={"name": "Met CT push", "kind": "push"}).json()
    url = f"{FEEDS}/{feed['id']}"

    responses = at_once(live_server, _patches(url, admin, '"1"', [{"name": f"Push {i}"} for i in range(12)]))

    _one_winner_is_stored(client, admin, url, responses, "name")
