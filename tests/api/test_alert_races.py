"""Public warnings under concurrent approvers, against the served app (run on PostgreSQL: SQLite hides races)."""

from __future__ import annotations

from tests.builders import make_alert, publish_alert
from tests.races import at_once, statuses

ALERTS = "/api/v1/alerts"


def test_approving_one_draft_twice_at_once_publishes_it_once(live_server, client, officer, emt, admin):
    draft = make_alert(client, officer)
    url = f"{ALERTS}/{draft['id']}/approve"
    approvers = [emt, admin] * 5
    responses = at_once(live_server, [("POST", url, {"headers": a.headers}) for a in approvers])

    assert statuses(responses) == [200] + [409] * 9
    stored = client.get(f"{ALERTS}/{draft['id']}", headers=officer.headers).json()
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert stored["state"] == "published" and stored["version"] == 2 and stored["sent"] == winner["sent"]
    events = client.get("/api/v1/audit-events", params={"entity_id": draft["id"]}, headers=admin.headers).json()
    assert sorted(e["action"] for e in events["items"]) == ["alert.approve", "alert.create"]


def test_an_update_and_a_cancel_approved_at_once_replace_the_alert_once(live_server, client, officer, emt, admin):
    first = publish_alert(client, officer, emt)
    update = client.post(f"{ALERTS}/{first['id']}/update", headers=officer.headers).json()
    cancel = client.post(f"{ALERTS}/{first['id']}/cancel", headers=officer.headers).json()
    requests = [
        ("POST", f"{ALERTS}/{update['id']}/approve", {"headers": emt.headers}),
        ("POST", f"{ALERTS}/{cancel['id']}/approve", {"headers": admin.headers}),
    ]

    responses = at_once(live_server, requests)

    assert statuses(responses) == [200, 409]
    winner = update if responses[0].status_code == 200 else cancel
    loser = cancel if winner is update else update
    ended = client.get(f"{ALERTS}/{first['id']}", headers=officer.headers).json()["state"]
    assert ended == ("superseded" if winner is update else "cancelled")
    assert client.get(f"{ALERTS}/{loser['id']}", headers=officer.headers).json()["state"] == "draft"
