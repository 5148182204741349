"""The fast path for hot reads (app/api/fast.py) answers exactly as the routes do.

Every question is asked of the product twice, on the same database: once as served (fast reads on) and once with
`fast_reads` off, so that FastAPI's routing and dependencies answer everything. Status, body and the headers a
client reads must be the same, and a partner's read of a sensitive record must be logged as a disclosure either way.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.api import disclosure, fast
from app.api.deps import Requires
from app.core.database import Database
from app.core.security import Role
from app.core.settings import Settings
from app.main import create_app
from app.models.audit import AuditEvent
from app.models.identity import ApiKey
from app.services import identity
from tests.builders import API, make_approved_prevent_plan, make_prevent_item, make_site
from tests.conftest import Actor
from tests.races import in_own_loop

COMPARED_HEADERS = ("content-type", "etag", "link", "ratelimit-policy", "www-authenticate")


@pytest.fixture
def routed(settings: Settings, database: Database) -> Iterator[TestClient]:
    """The product with the fast path off: every request is routed by FastAPI."""
    with TestClient(create_app(settings.model_copy(update={"fast_reads": False}), database)) as client:
        yield client


@pytest.fixture
def answered_fast(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the fast path answered (it runs each one's work through `fast.run_work`)."""
    seen: list[str] = []
    real = fast.run_work

    def spy(work: fast.Work, call: fast.Call) -> Any:
        seen.append(call.request.url.path)
        return real(work, call)

    monkeypatch.setattr(fast, "run_work", spy)
    return seen


def _answer(response: Any) -> tuple[int, dict[str, str], bytes]:
    headers = {name: response.headers[name] for name in COMPARED_HEADERS if name in response.headers}
    return response.status_code, headers, response.content


def _same(client: TestClient, routed: TestClient, path: str, headers: dict[str, str]) -> Any:
    """Ask both; assert they answer alike; return the served answer."""
    served = client.get(path, headers=headers)
    assert _answer(served) == _answer(routed.get(path, headers=headers)), path
    return served


def _remaining(response: Any) -> int:
    """What the IETF `RateLimit` header says is left (`"partner";r=598;t=42`)."""
    found = re.search(r";r=(\d+)", response.headers["ratelimit"])
    assert found, response.headers["ratelimit"]
    return int(found[1])


def _disclosures(database: Database) -> int:
    with database.session(write=False) as session:
        return int(session.execute(select(func.count()).where(AuditEvent.action == "disclosure")).scalar_one())


def test_every_hot_read_is_a_route_with_the_same_scope(app: FastAPI) -> None:
    api = next(r.app for r in app.routes if getattr(r, "path", None) == "/api/v1")  # type: ignore[attr-defined]
    routes = {
        context.path: context.original_route
        for context in iter_route_contexts(api.routes)
        if isinstance(context.original_route, APIRoute) and "GET" in (context.methods or ())
    }
    assert {read.path for read in fast.HOT} >= {"/sites", "/sites/{site_id}", "/prevent/items"}
    assert len({read.path for read in fast.HOT}) == len(fast.HOT)
    for read in fast.HOT:
        route = routes.get(read.path)
        assert route is not None, f"{read.path} is not a GET route"

        def needs(dependant: Any) -> set[str]:
            found = {d.call.scope for d in dependant.dependencies if isinstance(d.call, Requires)}
            return found.union(*(needs(d) for d in dependant.dependencies))

        assert needs(route.dependant) == {read.scope}, read.path
        query = {p.alias for p in route.dependant.query_params} | {
            p.alias for d in route.dependant.dependencies for p in d.query_params
        }
        assert ({"limit", "cursor"} <= query) == read.paging, read.path


def test_sites_answer_alike(
    client: TestClient,
    routed: TestClient,
    officer: Actor,
    make_user: Callable[..., Actor],
    answered_fast: list[str],
) -> None:
    sensitive = make_site(client, officer, "Stadium")
    official = make_site(client, officer, "Market", classification="OFFICIAL")
    for name in "ABCDE":
        make_site(client, officer, f"Site {name}")
    reader = make_user(Role.VIEWER, clearance="OFFICIAL")
    for actor in (officer, reader):
        client.get(f"{API}/sites/{official['id']}", headers=actor.headers)  # the first read fills the principal cache
        answered_fast.clear()
        _same(client, routed, f"{API}/sites/{official['id']}", actor.headers)
        hidden = _same(client, routed, f"{API}/sites/{sensitive['id']}", actor.headers)
        assert hidden.status_code == (200 if actor is officer else 404)
        assert _same(client, routed, f"{API}/sites/no-such-site", actor.headers).status_code == 404
        first = _same(client, routed, f"{API}/sites?limit=2", actor.headers)
        cursor = first.json()["next_cursor"]
        _same(client, routed, f"{API}/sites?limit=2&cursor={cursor}", actor.headers)
        _same(client, routed, f"{API}/sites", actor.headers)
        assert answered_fast == [
            f"{API}/sites/{official['id']}",
            f"{API}/sites/{sensitive['id']}",
            f"{API}/sites/no-such-site",
            f"{API}/sites",
            f"{API}/sites",
            f"{API}/sites",
        ]
    assert "Stadium" not in client.get(f"{API}/sites", headers=reader.headers).text


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("?limit=0", None),
        ("?limit=201", None),
        ("?limit=abc", None),
        ("?limit=2&limit=3", None),
        ("?cursor=", None),
        ("?stauts=open", None),
        ("?category=crowded_place", None),
        ("", "text/csv"),
        ("", "application/geo+json"),
        ("", "application/xml"),
        ("", "application/json;q=0, */*;q=0"),
    ],
)
def test_what_the_fast_path_does_not_take_goes_to_the_route(
    client: TestClient,
    routed: TestClient,
    officer: Actor,
    answered_fast: list[str],
    query: str,
    accept: str | None,
) -> None:
    make_site(client, officer, "Stadium")
    headers = officer.headers | ({"Accept": accept} if accept else {})
    client.get(f"{API}/sites", headers=officer.headers)
    answered_fast.clear()
    served = _same(client, routed, f"{API}/sites{query}", headers)
    assert served.status_code in {200, 406, 422}
    assert answered_fast == []


def test_a_forged_cursor_is_refused_alike(
    client: TestClient, routed: TestClient, officer: Actor, answered_fast: list[str]
) -> None:
    client.get(f"{API}/sites", headers=officer.headers)
    answered_fast.clear()
    assert _same(client, routed, f"{API}/sites?cursor=forged", officer.headers).status_code == 422
    assert answered_fast == [f"{API}/sites"]  # a well-formed parameter: the work itself refuses the cursor


def test_callers_the_route_must_judge(
    client: TestClient, routed: TestClient, officer: Actor, make_api_key: Callable[..., Actor], answered_fast: list[str]
) -> None:
    site = make_site(client, officer, "Stadium")
    path = f"{API}/sites/{site['id']}"
    assert _same(client, routed, path, {}).status_code == 401
    assert _same(client, routed, path, {"Authorization": "Bearer not-a-token"}).status_code == 401
    assert _same(client, routed, path, {"Authorization": f"Basic {officer.token}"}).status_code == 401
    prevent_only = make_api_key(["prevent:read"])
    client.get(f"{API}/prevent/items", headers=prevent_only.headers)  # known to the principal cache from here on
    assert answered_fast == [f"{API}/prevent/items"]  # its first read too: the fast path read who it is
    answered_fast.clear()
    assert _same(client, routed, path, prevent_only.headers).status_code == 403
    assert answered_fast == []


@pytest.mark.parametrize(
    ("scopes", "path", "status"),
    [
        (["prepare:read"], "/me", 200),  # a Kept read: KeptReads reads the key, keeps nothing for it, passes it on
        (["prevent:read"], "/prevent/items", 200),  # answered on the fast path
        (["prepare:read"], "/sites/{site}", 403),  # the fast path reads the key, and passes it on to be refused
    ],
)
def test_a_keys_first_use_is_recorded_whichever_layer_reads_it(
    client: TestClient,
    database: Database,
    officer: Actor,
    make_api_key: Callable[..., Actor],
    scopes: list[str],
    path: str,
    status: int,
) -> None:
    """The principal cache says a key's last use is due once a minute, to the first to ask; a middleware that reads
    the key and passes the request on hands that on to the route (`deps.hand_on`), or the use is never recorded."""
    site = make_site(client, officer, "Stadium")
    key = make_api_key(scopes)
    identity.PRINCIPALS.clear()
    assert client.get(API + path.format(site=site["id"]), headers=key.headers).status_code == status
    with database.session(write=False) as session:
        assert session.get(ApiKey, key.user_id).last_used_at is not None  # type: ignore[union-attr]


def test_requests_that_find_a_lapsed_principal_read_it_once(
    live_server: str, client: TestClient, officer: Actor, monkeypatch: pytest.MonkeyPatch, answered_fast: list[str]
) -> None:
    """A busy token after a pause in its use: the requests in flight that find its cache entry gone share one read of
    it, and are answered on the fast path; each going to its route instead held a session of its own, and every hot
    read then queued behind them (README "Performance": 256 connections after a pause)."""
    path = f"{API}/sites/{make_site(client, officer, 'Stadium')['id']}"
    reads: list[str] = []
    load = identity._load_principal

    def slow_load(session: Any, token: str) -> Any:
        reads.append(token)
        time.sleep(0.05)  # long enough that the others arrive while it runs
        return load(session, token)

    monkeypatch.setattr(identity, "_load_principal", slow_load)
    identity.PRINCIPALS.clear()  # the entry has lapsed
    answered_fast.clear()

    async def together() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
            return await asyncio.gather(*(http.get(path, headers=officer.headers) for _ in range(24)))

    responses = in_own_loop(together())
    assert [r.status_code for r in responses] == [200] * 24
    assert reads.count(officer.token) == 1
    assert answered_fast == [path] * 24


def test_a_hot_read_on_sqlite_takes_no_slot_of_the_gate(
    client: TestClient, database: Database, officer: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a hot read runs start to end on the event loop, on an engine only the loop uses: with every slot of
    the gate held by routes' sessions it is still answered at once. On PostgreSQL it holds a session while the
    server answers, so the gate bounds it like any request's (and a full gate is a 503 after the queue's wait)."""
    path = f"{API}/sites/{make_site(client, officer, 'Stadium')['id']}"
    assert client.get(path, headers=officer.headers).status_code == 200  # the principal is cached from here on
    monkeypatch.setattr(database, "_gate", asyncio.Semaphore(0))  # every slot held
    monkeypatch.setattr(database.settings, "db_queue_timeout_seconds", 0.2)
    answer = client.get(path, headers=officer.headers)
    assert answer.status_code == (200 if database.settings.is_sqlite else 503)


def test_a_revoked_token_is_refused_at_once(
    client: TestClient, officer: Actor, make_user: Callable[..., Actor]
) -> None:
    site = make_site(client, officer, "Market", classification="OFFICIAL")
    reader = make_user(Role.VIEWER)
    assert client.get(f"{API}/sites/{site['id']}", headers=reader.headers).status_code == 200
    assert identity.cached_principal(reader.token) is not None  # the next read would take the fast path
    assert client.delete(f"{API}/auth/token", headers=reader.headers).status_code == 204
    assert client.get(f"{API}/sites/{site['id']}", headers=reader.headers).status_code == 401


def test_a_partner_read_is_disclosed_and_counted_either_way(
    client: TestClient,
    routed: TestClient,
    database: Database,
    officer: Actor,
    emt: Actor,
    make_api_key: Callable[..., Actor],
    answered_fast: list[str],
) -> None:
    site = make_site(client, officer, "Stadium")
    plan = make_approved_prevent_plan(client, officer, emt)
    make_prevent_item(client, officer, plan["id"], classification="OFFICIAL-SENSITIVE")
    partner = make_api_key(["protect:read", "prevent:read"], clearance="OFFICIAL-SENSITIVE")
    client.get(f"{API}/sites/{site['id']}", headers=partner.headers)
    answered_fast.clear()
    for path in (f"{API}/sites/{site['id']}", f"{API}/sites", f"{API}/prevent/items?limit=5"):
        before = _disclosures(database)
        served = client.get(path, headers=partner.headers)
        assert _disclosures(database) == before + 1, path
        routed_answer = routed.get(path, headers=partner.headers)
        assert _disclosures(database) == before + 2, path
        assert served.status_code == routed_answer.status_code == 200 and served.content == routed_answer.content
        assert _remaining(served) == _remaining(routed_answer) + 1  # one count each, in turn
    assert len(answered_fast) == 3


def test_a_partner_read_of_one_site_logs_what_its_body_shows(
    client: TestClient, database: Database, officer: Actor, make_api_key: Callable[..., Actor]
) -> None:
    """The site's work names what it disclosed (so the log need not parse the body): it must be what a parse finds."""
    sensitive = make_site(client, officer, "Stadium")
    official = make_site(client, officer, "Market", classification="OFFICIAL")
    partner = make_api_key(["protect:read"], clearance="OFFICIAL-SENSITIVE")
    for site in (sensitive, official, sensitive):
        before = _disclosures(database)
        response = client.get(f"{API}/sites/{site['id']}", headers=partner.headers)
        found = disclosure.sensitive_ids(response.content, response.headers["content-type"])
        assert _disclosures(database) == before + (1 if found else 0)
        assert found == ([site["id"]] if site is sensitive else [])
        if found:
            with database.session(write=False) as session:
                event = (
                    session.execute(
                        select(AuditEvent).where(AuditEvent.action == "disclosure").order_by(AuditEvent.id.desc())
                    )
                    .scalars()
                    .first()
                )
            assert event is not None and event.after is not None and event.after["ids"] == found


def test_the_partner_rate_limit_holds_on_the_fast_path(
    settings: Settings, database: Database, officer: Actor, make_api_key: Callable[..., Actor], client: TestClient
) -> None:
    site = make_site(client, officer, "Market", classification="OFFICIAL")
    partner = make_api_key(["protect:read"])
    limited = settings.model_copy(update={"partner_rate_limit": 3})
    with TestClient(create_app(limited, database)) as served:
        answers = [served.get(f"{API}/sites/{site['id']}", headers=partner.headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].headers["content-type"] == "application/problem+json"
    assert int(answers[3].headers["retry-after"]) >= 1


@pytest.mark.parametrize("on", [False, True])
def test_fastapis_own_telemetry_is_asked_for_only_when_turned_on(
    settings: Settings, database: Database, on: bool
) -> None:
    """FastAPI asks on every request whether an OpenTelemetry provider is configured, in each of the product's two
    apps (the site and the API mounted in it), unless told not to trace, measure or log: `CONTEST_TELEMETRY`."""
    site = create_app(settings.model_copy(update={"telemetry": on}), database)
    apps = [site, *(r.app for r in site.routes if isinstance(getattr(r, "app", None), FastAPI))]
    assert len(apps) == 2
    asked: list[FastAPI] = []
    for app in apps:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("opentelemetry.trace.get_tracer_provider", lambda app=app: asked.append(app))
            app._native_telemetry.enabled()  # what FastAPI.__call__ asks first
    assert asked == (apps if on else [])
