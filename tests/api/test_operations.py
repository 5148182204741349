"""Operations and hostile input: times out of range, unexpected failures, the database going away."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.conftest import assert_problem
from tests.ops import served

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


def _raw_exchange(sock: socket.socket, path: str) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request on an open socket; the status, headers and body (by Content-Length)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body


def test_an_unexpected_error_is_a_clean_500_and_the_connection_stays_usable(settings, database, monkeypatch):
    from app.main import create_app
    from app.services import threat_level

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals: /etc/contest/secret.conf")

    monkeypatch.setattr(threat_level, "list_statement", broken)
    app = create_app(settings, database)
    with served(app) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            status, headers, body = _raw_exchange(sock, "/api/v1/threat-level/history")
            assert status == 500 and headers["content-type"].startswith("application/problem+json")
            assert b"secret internals" not in body and b"Traceback" not in body
            assert headers.get("connection", "").lower() != "close"
            status, _, _ = _raw_exchange(sock, "/healthz")  # the same connection still works
            assert status == 200
        with httpx.Client(base_url=base, limits=httpx.Limits(max_connections=1)) as client:
            for _ in range(3):
                failed = client.get("/api/v1/threat-level/history")
                assert_problem(failed, 500)
                assert failed.json()["detail"] == "Something went wrong on our side; it has been logged."
                assert client.get("/healthz").status_code == 200
