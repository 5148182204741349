"""The audit log obeys need-to-know: a reader sees no event about a record they may not see (issue 11, item 1)."""

from __future__ import annotations

import csv
import io

from app.services import audit
from tests.api.test_sites import SITES, make_site

EVENTS = "/api/v1/audit-events"


def _raise(client, officer, site):
    url = f"{SITES}/{site['id']}"
    etag = client.get(url, headers=officer.headers).headers["ETag"]
    response = client.patch(
        url, headers={**officer.headers, "If-Match": etag}, json={"classification": "OFFICIAL-SENSITIVE"}
    )
    assert response.status_code == 200, response.text


def _ids(response):
    assert response.status_code == 200, response.text
    return {e["entity_id"] for e in response.json()["items"]}


def test_an_official_reader_sees_no_event_about_a_sensitive_record(client, officer, make_api_key):
    open_site = make_site(client, officer, "Open", classification="OFFICIAL")
    secret = make_site(client, officer, "Secret", classification="OFFICIAL-SENSITIVE")
    raised = make_site(client, officer, "Raised later", classification="OFFICIAL")
    _raise(client, officer, raised)
    partner = make_api_key(["audit:read"], clearance="OFFICIAL")

    assert _ids(client.get(EVENTS, headers=partner.headers)) == {open_site["id"], partner.user_id}
    for hidden in (secret, raised):  # a raised record takes its whole history with it, the OFFICIAL part too
        assert _ids(client.get(EVENTS, headers=partner.headers, params={"entity_id": hidden["id"]})) == set()
    exported = client.get(EVENTS, headers={**partner.headers, "Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["entity_id"] for r in rows} == {open_site["id"], partner.user_id}
    assert "Secret" not in exported.text and "Raised later" not in exported.text
    # the council's own OFFICIAL-SENSITIVE readers see everything
    assert _ids(client.get(EVENTS, headers=officer.headers, params={"entity_type": "site"})) == {
        open_site["id"],
        secret["id"],
        raised["id"],
    }


def test_events_without_a_marking_do_not_leak(client, officer, database, make_api_key):
    open_site = make_site(client, officer, "Open", classification="OFFICIAL")
    secret = make_site(client, officer, "Secret", classification="OFFICIAL-SENSITIVE")
    with database.session() as session:  # as written before events carried a marking (NULL)
        for entity_type, entity_id in [
            ("site", open_site["id"]),  # the record is OFFICIAL now: visible
            ("site", secret["id"]),  # the record is OFFICIAL-SENSITIVE: hidden
            ("site", "deleted-site-id"),  # nothing says OFFICIAL: hidden
            ("security_assessment", "a-child"),  # a child record without a marking of its own: hidden
            ("user", "someone"),  # users carry no marking: visible
        ]:
            audit.record(
                session, actor=None, action=f"{entity_type}.legacy", entity_type=entity_type, entity_id=entity_id
            )
        session.commit()
    partner = make_api_key(["audit:read"], clearance="OFFICIAL")
    legacy = client.get(EVENTS, headers=partner.headers, params={"entity_type": "site"}).json()["items"]
    assert {(e["action"], e["entity_id"]) for e in legacy} == {
        ("site.create", open_site["id"]),
        ("site.legacy", open_site["id"]),
    }
    everything = _ids(client.get(EVENTS, headers=partner.headers))
    assert everything == {open_site["id"], "someone", partner.user_id}


def test_verify_counts_only_what_the_reader_may_see(client, officer, make_api_key):
    make_site(client, officer, "Open", classification="OFFICIAL")
    make_site(client, officer, "Secret", classification="OFFICIAL-SENSITIVE")
    partner = make_api_key(["audit:read"], clearance="OFFICIAL")
    assert client.get(f"{EVENTS}/verify", headers=partner.headers).json() == {
        "ok": True,
        "checked": 2,  # the site's creation and the key's
        "first_bad_id": None,
    }
    assert client.get(f"{EVENTS}/verify", headers=officer.headers).json()["checked"] == 3
