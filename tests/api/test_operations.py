"""Operations and hostile input: times out of range, unexpected failures, the database going away."""

from __future__ import annotations

import pytest

from tests.conftest import assert_problem

OUT_OF_RANGE = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T23:00:00+23:59",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T23:59:59Z",
]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_times_out_of_range_are_a_422_on_their_field(client, admin, value):
    level = client.post(
        "/api/v1/threat-level", headers=admin.headers, json={"level": "SEVERE", "note": "x", "effective_from": value}
    )
    assert assert_problem(level, 422)["errors"][0]["field"] == "effective_from", level.text
    key = client.post(
        "/api/v1/api-keys",
        headers=admin.headers,
        json={"name": "k", "organisation": "Met", "scopes": ["prevent:read"], "expires_at": value},
    )
    assert assert_problem(key, 422)["errors"][0]["field"] == "expires_at", key.text
    for name in ("since", "until"):
        events = client.get("/api/v1/audit-events", headers=admin.headers, params={name: value})
        assert assert_problem(events, 422)["errors"][0]["field"] == name, events.text
