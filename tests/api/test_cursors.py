"""Cursors are signed and bound to the list (path and sort order) that issued them: anything else is a 422."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.test_sites import SITES, TRAFALGAR, site_body
from tests.api.test_training import TRAINING, session_body
from tests.conftest import assert_problem


def _handmade(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


HANDMADE = [
    _handmade([None, None]),
    _handmade([None, None, None]),
    _handmade([10**40, 10**40]),
    _handmade([10**40, 10**40, 10**40]),
    _handmade([True, False]),
    _handmade([True, False, True]),
    _handmade(["x", "y"]),
    _handmade(["x", "y", "z"]),
    _handmade([1, "2020-01-01"]),
    _handmade([{"dt": "0001-01-01T00:00:00"}, "x"]),
    "not-base64-at-all!",
    "",  # empty is 'no cursor', which is allowed: checked below separately
]
LISTS = [
    "/api/v1/sites",
    "/api/v1/sites?sort=-capacity",
    "/api/v1/audit-events",
    "/api/v1/prevent/items?sort=rag",
    "/api/v1/prevent/plans",
    "/api/v1/training-sessions",
    "/api/v1/threat-level/history",
]


@pytest.mark.parametrize("path", LISTS)
def test_handmade_cursors_are_a_422_on_cursor(client, admin, path):
    for cursor in HANDMADE[:-1]:
        response = client.get(path, params={"cursor": cursor}, headers=admin.headers)
        problem = assert_problem(response, 422)
        assert problem["errors"] == [{"field": "cursor", "message": "is not a cursor this list gave out"}], cursor


def test_a_cursor_works_only_on_its_own_list_and_sort(client, officer):
    for i in range(3):
        created = client.post(SITES, headers=officer.headers, json=site_body(f"Site {i}", TRAFALGAR, capacity=i))
        assert created.status_code == 201, created.text
        made = client.post(TRAINING, headers=officer.headers, json=session_body())
        assert made.status_code == 201, made.text
    first = client.get(SITES, params={"limit": 1}, headers=officer.headers).json()
    cursor = first["next_cursor"]
    assert cursor
    second = client.get(SITES, params={"limit": 1, "cursor": cursor}, headers=officer.headers)
    assert second.status_code == 200 and second.json()["items"][0]["name"] == "Site 1"
    # another sort of the same list, another list, a tampered cursor
    other_sort = client.get(SITES, params={"limit": 1, "cursor": cursor, "sort": "-name"}, headers=officer.headers)
    assert assert_problem(other_sort, 422)["errors"][0]["field"] == "cursor"
    other_list = client.get(TRAINING, params={"limit": 1, "cursor": cursor}, headers=officer.headers)
    assert assert_problem(other_list, 422)["errors"][0]["field"] == "cursor"
    body, _, tag = cursor.partition(".")
    forged_body = _handmade(["Site 2", "zzz"])
    for forged in (f"{forged_body}.{tag}", body, f"{body}.", f"{body}.{tag[:-2]}"):
        response = client.get(SITES, params={"limit": 1, "cursor": forged}, headers=officer.headers)
        assert assert_problem(response, 422)["errors"][0]["field"] == "cursor"
    # near pages have their own cursors, which are not the name order's
    near = {"near": f"{TRAFALGAR[0]},{TRAFALGAR[1]}", "radius_m": 1000, "limit": 1}
    near_first = client.get(SITES, params=near, headers=officer.headers).json()
    assert near_first["next_cursor"]
    assert client.get(SITES, params=near | {"cursor": near_first["next_cursor"]}, headers=officer.headers).is_success
    assert_problem(client.get(SITES, params=near | {"cursor": cursor}, headers=officer.headers), 422)
    assert_problem(client.get(SITES, params={"cursor": near_first["next_cursor"]}, headers=officer.headers), 422)


def test_a_cursor_is_signed_with_the_services_secret(client, officer, settings):
    from app.core.pagination import CursorSigner, SortKey

    keys = [SortKey("a"), SortKey("b")]
    ours = CursorSigner.from_secret(settings.secret_key, "/x")
    theirs = CursorSigner.from_secret("another-secret-key-0123456789-abcdefghijklmnop", "/x")
    cursor = ours.encode(["v", 1], keys)
    assert ours.decode(cursor, keys) == ["v", 1]
    with pytest.raises(Exception, match="cursor"):
        theirs.decode(cursor, keys)
