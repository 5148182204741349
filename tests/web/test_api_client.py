"""The pages' API client: the in-process call sends the API what an httpx client would, and the API's configuration
(the tension scale) is asked for once per process, only for those allowed it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.context import request_id_var
from app.web.client import ApiClient, ApiUnavailable, InProcessApi
from app.web.deps import Web
from app.web.session import WebSession
from tests.races import in_own_loop
from tests.web.pages import signed_in


class Recorder:
    """An ASGI app that answers every request with a fixed response and keeps what it was asked."""

    def __init__(self, status: int = 200, body: bytes = b'{"ok": true}', content_type: bytes = b"application/json"):
        self.status, self.body, self.content_type = status, body, content_type
        self.requests: list[tuple[dict[str, Any], bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        self.requests.append((scope, message.get("body", b"")))
        headers = [(b"content-type", self.content_type), (b"etag", b'"3"'), (b"link", b"<a>"), (b"Link", b"<b>")]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/sites", {"params": {"limit": 50, "q": "St Mary's & Co", "review_overdue": True, "empty": None}}),
    ("GET", "/contingency-plans", {"params": {"active_now": "true", "plan_type": ["recovery", "other"]}}),
    ("GET", "/sites/abc def", {}),
    ("GET", "/sites?limit=1", {"params": {"cursor": "x+y/z"}}),
    ("POST", "/sites", {"json": {"name": "Café", "location": {"lat": 51.5, "lon": -0.1}}}),
    ("POST", "/auth/token", {"data": {"username": "officer", "password": "p&ss word"}}),
    ("PATCH", "/sites/1", {"json": {"capacity": None}, "headers": {"If-Match": '"2"'}}),
    ("DELETE", "/sites/1", {"headers": {"If-Match": '"2"'}}),
    ("GET", "/sites", {"headers": {"Accept": "text/csv"}}),
]


def _seen(recorder: Recorder) -> dict[str, Any]:
    scope, body = recorder.requests[-1]
    headers = dict(scope["headers"])
    return {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"],
        "root_path": scope["root_path"],
        "query": httpx.QueryParams(scope["query_string"].decode()),
        "body": body,
        "content-type": headers.get(b"content-type"),
        "content-length": headers.get(b"content-length"),
        "accept": headers.get(b"accept"),
        "authorization": headers.get(b"authorization"),
        "x-request-id": headers.get(b"x-request-id"),
        "if-match": headers.get(b"if-match"),
    }


@pytest.mark.parametrize(("method", "path", "kwargs"), CALLS)
def test_the_in_process_call_sends_the_api_what_httpx_sends(method, path, kwargs):
    direct, through_httpx = Recorder(), Recorder()
    ours = ApiClient(InProcessApi(direct, root_path="/api/v1"))
    theirs = ApiClient(
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=through_httpx, root_path="/api/v1"),
            base_url="http://api.internal/api/v1/",
        )
    )

    async def both() -> tuple[Any, Any]:
        token = request_id_var.set("req-123")
        try:
            return (
                await ours.request(method, path, token="tok", **kwargs),
                await theirs.request(method, path, token="tok", **kwargs),
            )
        finally:
            request_id_var.reset(token)

    mine, reference = in_own_loop(both())
    assert _seen(direct) == _seen(through_httpx)
    assert _seen(direct)["authorization"] == b"Bearer tok" and _seen(direct)["x-request-id"] == b"req-123"
    assert (
        (mine.status, mine.body, mine.etag)
        == (reference.status, reference.body, reference.etag)
        == (200, {"ok": True}, '"3"')
    )
    assert mine.headers.get("Link") == reference.headers.get("link") == "<a>, <b>"


def test_text_answers_are_decoded_by_their_charset_and_a_503_is_the_api_unavailable():
    latin = Recorder(body="Café".encode("latin-1"), content_type=b"text/csv; charset=iso-8859-1")
    assert in_own_loop(ApiClient(InProcessApi(latin)).get("/sites")).body == "Café"
    down = Recorder(status=503, body=b'{"status": 503}', content_type=b"application/problem+json")
    with pytest.raises(ApiUnavailable):
        in_own_loop(ApiClient(InProcessApi(down)).get("/sites"))


def test_a_head_request_reads_no_body():
    answered = in_own_loop(ApiClient(InProcessApi(Recorder(content_type=b"text/plain"))).request("HEAD", "/sites"))
    assert answered.status == 200 and answered.body is None


# The tension scale, asked for once ------------------------------------------------------------------------------


def _count_levels(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the API calls for the tension scale that reach the API (until the test ends)."""
    api: InProcessApi = app.state.api_client.http
    asked: list[str] = []
    real = api.request

    async def counted(method: str, path: str, **kwargs: Any) -> Any:
        if path == "/tension-levels":
            asked.append(method)
        return await real(method, path, **kwargs)

    monkeypatch.setattr(api, "request", counted)
    return asked


def test_the_tension_scale_is_asked_for_once_and_each_page_gets_its_own_copy(app, officer, monkeypatch):
    monkeypatch.setattr(app.state.api_client, "configuration", {})  # as in a process that has not asked for it yet
    asked = _count_levels(app, monkeypatch)
    tab = signed_in(app, officer.username)
    for _ in range(3):
        page = tab.get("/tensions/queue")
        assert page.status_code == 200
        assert "Some concern" in page.text  # a level's name, from the scale
    assert asked == ["GET"]
    client: ApiClient = app.state.api_client
    first = in_own_loop(client.configured("/tension-levels", token=None))
    first.body.clear()
    assert len(in_own_loop(client.configured("/tension-levels", token=None)).body) == 5


@pytest.mark.parametrize(("scopes", "asked"), [(["tensions:report"], 1), (["tensions:read"], 1), (["prevent:read"], 2)])
def test_the_tension_scale_is_given_from_memory_only_to_someone_the_api_would_give_it(scopes, asked):
    api = Recorder(body=b"[]")
    web = Web(
        request=None,  # type: ignore[arg-type]
        session=WebSession(token="t", user={"scopes": scopes}),
        api=ApiClient(InProcessApi(api)),
        renderer=None,  # type: ignore[arg-type]
        codec=None,  # type: ignore[arg-type]
        settings=None,  # type: ignore[arg-type]
    )
    for _ in range(2):
        assert in_own_loop(web.call("GET", "/tension-levels")).body == []
    assert len(api.requests) == asked
    assert all(dict(scope["headers"])[b"authorization"] == b"Bearer t" for scope, _ in api.requests)


def test_a_refused_answer_is_not_kept():
    refused = Recorder(status=403, body=b'{"status": 403, "detail": "no"}', content_type=b"application/problem+json")
    client = ApiClient(InProcessApi(refused))
    for _ in range(2):
        assert in_own_loop(client.configured("/tension-levels", token="t")).status == 403
    assert len(refused.requests) == 2 and client.configuration == {}


def test_a_separate_api_server_is_asked_every_time():
    remote = Recorder(body=b"[]")
    client = ApiClient(httpx.AsyncClient(transport=httpx.ASGITransport(app=remote), base_url="http://api/api/v1/"))
    for _ in range(2):
        assert in_own_loop(client.configured("/tension-levels", token="t")).body == []
    assert len(remote.requests) == 2
