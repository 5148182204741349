"""No acknowledged change is lost: concurrent writers against the served app (run on PostgreSQL in CI)."""

from __future__ import annotations

from tests.builders import make_site
from tests.races import at_once, statuses

SITES = "/api/v1/sites"


def test_twelve_concurrent_patches_with_one_etag_give_one_200_and_eleven_412(live_server, client, officer):
    site = make_site(client, officer, "Contested")
    url = f"{SITES}/{site['id']}"
    etag = client.get(url, headers=officer.headers).headers["ETag"]
    requests = [
        ("PATCH", url, {"headers": {**officer.headers, "If-Match": etag}, "json": {"operator": f"operator {i}"}})
        for i in range(12)
    ]

    responses = at_once(live_server, requests)

    assert statuses(responses) == [200] + [412] * 11
    winner = next(r for r in responses if r.status_code == 200)
    stored = client.get(url, headers=officer.headers)
    assert stored.json()["operator"] == winner.json()["operator"]
    assert stored.headers["ETag"] == winner.headers["ETag"] == '"2"'


def test_a_delete_racing_a_patch_from_the_same_etag_loses_or_wins_whole(live_server, client, officer):
    site = make_site(client, officer, "Contested")
    url = f"{SITES}/{site['id']}"
    etag = client.get(url, headers=officer.headers).headers["ETag"]
    headers = {**officer.headers, "If-Match": etag}

    responses = at_once(
        live_server,
        [("PATCH", url, {"headers": headers, "json": {"operator": "x"}}), ("DELETE", url, {"headers": headers})],
    )

    patched, deleted = (r.status_code for r in responses)
    # The patch wins and the delete is stale, or the delete wins and the patch is stale (or finds nothing left).
    assert (patched, deleted) in ((200, 412), (412, 204), (404, 204))
    after = client.get(url, headers=officer.headers)
    assert after.status_code == (200 if patched == 200 else 404)


def test_a_patch_that_changes_nothing_keeps_the_version(client, officer):
    site = make_site(client, officer, "Still", operator="GLA")
    url = f"{SITES}/{site['id']}"
    response = client.patch(url, headers={**officer.headers, "If-Match": '"1"'}, json={"operator": "GLA"})
    assert response.status_code == 200 and response.headers["ETag"] == '"1"'
    events = client.get("/api/v1/audit-events", headers=officer.headers, params={"entity_id": site["id"]}).json()
    assert [e["action"] for e in events["items"]] == ["site.create"]
