"""Feed URLs may not reach inside (SSRF): refused when saved, at every connection and after every redirect.

Production-like settings refuse internal addresses; these tests build such settings and serve feeds locally.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core import safe_urls
from app.core.safe_urls import UrlPolicy, is_public
from app.core.settings import Settings
from app.feeds import mi5
from app.main import create_app
from app.models.feeds import Feed, FeedKind
from tests.conftest import TEST_SECRET, assert_problem
from tests.feeds import MI5_SAMPLE, feed_server

INSIDE = [
    "http://127.0.0.1/feed.xml",
    "http://127.1/feed.xml",
    "http://localhost:8080/feed.xml",
    "http://[::1]/feed.xml",
    "http://0x7f000001/feed.xml",
    "http://2130706433/feed.xml",
    "http://0177.0.0.1/feed.xml",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/feed.xml",
    "http://172.16.0.1/feed.xml",
    "http://192.168.0.1/feed.xml",
    "http://[::ffff:127.0.0.1]/feed.xml",
    "http://[::ffff:a9fe:a9fe]/feed.xml",
    "http://[fd00::1]/feed.xml",
    "http://[fe80::1]/feed.xml",
    "http://224.0.0.1/feed.xml",
    "http://0.0.0.0/feed.xml",
    "http://100.64.0.1/feed.xml",
    "http://240.0.0.1/feed.xml",
]


def _production(settings: Settings, **extra: object) -> Settings:
    return Settings(
        env="production", database_url=settings.database_url, secret_key=TEST_SECRET, db_pool_size=4, **extra
    )


@pytest.fixture
def production_client(settings, database) -> Iterator[TestClient]:
    with TestClient(create_app(_production(settings), database)) as client:
        yield client


@pytest.fixture
def server():
    with feed_server() as running:
        yield running


def test_inside_addresses_are_not_public():
    import ipaddress

    for url in INSIDE:
        host = (
            url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
            if "[" not in url
            else url.split("[")[1].split("]")[0]
        )
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            continue
        assert not is_public(address), url
    assert is_public(ipaddress.ip_address("151.101.0.1")) and is_public(ipaddress.ip_address("2a04:4e42::1"))


@pytest.mark.parametrize("url", INSIDE)
def test_production_refuses_an_inside_url_when_a_feed_is_saved(production_client, admin, url):
    created = production_client.post(
        "/api/v1/feeds", headers=admin.headers, json={"name": "MI5", "kind": "mi5_rss", "url": url}
    )
    problem = assert_problem(created, 422)
    assert problem["errors"][0]["field"] == "url", problem
    assert "local, private or reserved" in problem["errors"][0]["message"] or "http" in problem["errors"][0]["message"]


def test_production_refuses_an_inside_url_on_update(production_client, client, admin, server):
    created = client.post(  # development allows loopback
        "/api/v1/feeds", headers=admin.headers, json={"name": "MI5", "kind": "mi5_rss", "url": server.url("/f")}
    )
    assert created.status_code == 201, created.text
    patched = production_client.patch(
        f"/api/v1/feeds/{created.json()['id']}",
        headers=admin.headers | {"If-Match": created.headers["ETag"]},
        json={"url": "http://169.254.169.254/latest/meta-data/"},
    )
    assert assert_problem(patched, 422)["errors"][0]["field"] == "url"


def test_a_listed_host_is_allowed_and_polls(settings, server):
    url = server.serve("/feed.xml", MI5_SAMPLE)
    allowed = _production(settings, feed_allowed_hosts="feeds.internal.example, 127.0.0.1")
    assert safe_urls.check_feed_url(url, UrlPolicy.from_settings(allowed)) is None
    feed = Feed(name="f", kind=FeedKind.MI5_RSS, url=url)
    assert isinstance(mi5.fetch_and_parse(feed, allowed), mi5.Reading)


def test_the_address_is_checked_again_when_polling(settings, server):
    feed = Feed(name="f", kind=FeedKind.MI5_RSS, url=server.serve("/feed.xml", MI5_SAMPLE))
    assert mi5.fetch_and_parse(feed, _production(settings)) == "address not allowed"
    assert server.hits.get("/feed.xml") is None  # never connected


def test_a_redirect_to_an_inside_address_is_refused(settings, server, monkeypatch):
    # 'feeds.example' is allowed and (here) served locally; it redirects to loopback, which is not allowed.
    real = safe_urls.resolve
    monkeypatch.setattr(
        safe_urls,
        "resolve",
        lambda host, port: real("127.0.0.1", port) if host == "feeds.example" else real(host, port),
    )
    target = server.serve("/secret", b"<secretconfig>password</secretconfig>")
    server.serve("/feed.xml", status=302, location=target)
    feed = Feed(name="f", kind=FeedKind.MI5_RSS, url=f"http://feeds.example:{server.port}/feed.xml")
    policy = _production(settings, feed_allowed_hosts="feeds.example")
    assert mi5.fetch_and_parse(feed, policy) == "address not allowed"
    assert server.hits.get("/feed.xml") == 1 and server.hits.get("/secret") is None
    # the connection went to the checked address, with the feed's own name as Host (no second DNS lookup)
    assert server.hosts == [f"feeds.example:{server.port}"]


def test_redirects_are_followed_a_few_times_each_checked(settings, server):
    final = server.serve("/feed.xml", MI5_SAMPLE)
    server.serve("/r1", status=301, location="/feed.xml")
    feed = Feed(name="f", kind=FeedKind.MI5_RSS, url=server.url("/r1"))
    assert isinstance(mi5.fetch_and_parse(feed, settings), mi5.Reading)
    for i in range(5):
        server.serve(f"/loop{i}", status=302, location=f"/loop{i + 1}")
    feed.url = server.url("/loop0")
    assert mi5.fetch_and_parse(feed, settings) == "too many redirects"
    assert final


def test_last_error_is_a_plain_reason_never_exception_text(settings, server):
    from tests.ops import free_port

    feed = Feed(name="f", kind=FeedKind.MI5_RSS, url=f"http://127.0.0.1:{free_port()}/feed.xml")
    assert mi5.fetch_and_parse(feed, settings) == "could not connect"
    feed.url = server.serve("/hang", hang_up=True)
    assert mi5.fetch_and_parse(feed, settings) == "could not connect"
    feed.url = server.serve("/secret", b"<?xml version='1.0'?><secretconfig><db>x</db></secretconfig>")
    assert mi5.fetch_and_parse(feed, settings) == "not an RSS feed"
    feed.url = server.serve("/down", b"busy", status=503)
    assert mi5.fetch_and_parse(feed, settings) == "the feed server answered 503"
