"""The MI5 threat level RSS feed: fetch it carefully, parse it defensively, record only real changes.

A failed poll (bot-challenge page, empty body, 5xx, timeout, malformed or hostile XML, unknown level word,
oversized body) changes nothing but the feed's health. Nothing here raises: `poll` returns what happened.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, ParseError

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from sqlalchemy import text
from sqlmodel import Session

from app.core import safe_urls as urls
from app.core.clock import LONDON, as_utc, utcnow
from app.core.errors import AppError
from app.core.settings import Settings
from app.models.feeds import Feed, LevelRead, PollResult
from app.models.threat_level import ThreatLevel, ThreatLevelCreate, ThreatScope
from app.services import feeds, threat_level

log = logging.getLogger("contest_hub.feeds")

USER_AGENT = "CONTEST-Hub/1.0 (+threat level feed reader)"
APPLY_LOCK_KEY = 0x0C0_7E57_F33D  # serialises compare-and-record of feed levels on PostgreSQL


class FeedError(Exception):
    """Why a poll failed, in words an administrator can act on."""


@dataclass
class Fetched:
    """One HTTP answer: the body (None when 304 Not Modified) and the validators for the next poll."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Reading:
    """What the feed says: the level per scope, and when it was published."""

    levels: dict[ThreatScope, ThreatLevel] = field(default_factory=dict)
    published_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None


MAX_REDIRECTS = 3
_REDIRECTS = {301, 302, 303, 307, 308}


def _pinned(url: str, address: urls.IpAddress) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL with its host replaced by the checked address, the Host header, and the TLS name to check."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = literal + (f":{parts.port}" if parts.port else "")
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return pinned, {"Host": host_header}, extensions


def fetch(
    url: str,
    settings: Settings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    policy: urls.UrlPolicy | None = None,
) -> Fetched:
    """GET the feed with timeouts, a byte cap while streaming, and a conditional request; raise FeedError.

    Every hop (the URL and each redirect, at most MAX_REDIRECTS) is resolved and checked against the policy,
    and the connection goes to the address that was checked. Errors are plain reasons, never exception text.
    """
    policy = policy or urls.UrlPolicy.from_settings(settings)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/xml;q=0.9, text/xml;q=0.8"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(settings.feed_timeout_seconds, connect=min(5.0, settings.feed_timeout_seconds))
    cap = settings.feed_max_bytes
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                try:
                    address = urls.checked_address(url, policy)
                except urls.AddressNotAllowed:
                    raise FeedError(urls.NOT_ALLOWED) from None
                except (OSError, UnicodeError, ValueError):
                    raise FeedError("could not connect") from None
                pinned, host, extensions = _pinned(url, address)
                request = client.build_request("GET", pinned, headers={**headers, **host}, extensions=extensions)
                response = client.send(request, stream=True)
                try:
                    if response.status_code in _REDIRECTS and response.headers.get("location"):
                        url = urljoin(url, response.headers["location"])
                        continue
                    return _read(response, cap, etag, last_modified)
                finally:
                    response.close()
            raise FeedError("too many redirects")
    except httpx.TimeoutException:
        raise FeedError("timed out") from None
    except httpx.HTTPError:
        raise FeedError("could not connect") from None


def _read(response: httpx.Response, cap: int, etag: str | None, last_modified: str | None) -> Fetched:
    if response.status_code == 304:
        return Fetched(None, etag, last_modified)
    if response.status_code != 200:
        raise FeedError(f"the feed server answered {response.status_code}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise FeedError("too large")
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > cap:
            raise FeedError("too large")
    return Fetched(bytes(body), response.headers.get("etag"), response.headers.get("last-modified"))


_LEVEL_WORDS = "|".join(level.value for level in ThreatLevel)
_TITLE = re.compile(r"threat level\s*:\s*([A-Za-z]+)", re.IGNORECASE)
_UK = re.compile(r"national threat level is\s+([A-Za-z]+)", re.IGNORECASE)
_NI = re.compile(r"Northern Ireland-related terrorism is\s+([A-Za-z]+)", re.IGNORECASE)
_PUB_DATE = re.compile(r"^[A-Za-z]+,\s*([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})\s*-\s*(\d{1,2}):(\d{2})$")


def _level(word: str, where: str) -> ThreatLevel:
    try:
        return ThreatLevel(word.upper())
    except ValueError:
        raise FeedError(f"unknown threat level in the {where} (expected one of {_LEVEL_WORDS})") from None


def parse_pub_date(value: str) -> datetime | None:
    """MI5's `Tuesday, March 05, 2024 -  02:52` (UK local time), or an RFC 822 date; None if neither."""
    value = " ".join(value.split())
    match = _PUB_DATE.match(value)
    if match:
        try:
            local = datetime.strptime(" ".join(match.groups()), "%B %d %Y %H %M")
        except ValueError:
            return None
        return as_utc(local.replace(tzinfo=LONDON))
    try:
        return as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def _text(item: Element, tag: str) -> str:
    node = item.find(tag)
    return " ".join((node.text or "").split()) if node is not None else ""


def parse(body: bytes) -> Reading:
    """Read the UK and Northern Ireland levels from the feed's item; raise FeedError for anything else."""
    if not body.strip():
        raise FeedError("not an RSS feed (empty body)")
    head = body[:5000].lower()
    if b"<rss" not in head and (b"<html" in head or b"just a moment" in head):
        raise FeedError("not an RSS feed (an HTML page, perhaps a bot challenge)")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError("not an RSS feed (hostile XML refused)") from exc
    except (ParseError, ValueError) as exc:
        raise FeedError("not an RSS feed (malformed XML)") from exc
    item = root.find("./channel/item") if root.tag == "rss" else None
    if item is None:
        raise FeedError("not an RSS feed")
    title, description = _text(item, "title"), _text(item, "description")
    reading = Reading(published_at=parse_pub_date(_text(item, "pubDate")))
    uk_title, uk_text = _TITLE.search(title), _UK.search(description)
    if not uk_title and not uk_text:
        raise FeedError("no UK threat level in the feed")
    uk = [_level(m.group(1), where) for m, where in ((uk_title, "title"), (uk_text, "description")) if m]
    if len(set(uk)) > 1:
        raise FeedError(f"the title says {uk[0].value} but the description says {uk[1].value}")
    reading.levels[ThreatScope.UK] = uk[0]
    ni = _NI.search(description)
    if ni:
        reading.levels[ThreatScope.NORTHERN_IRELAND] = _level(ni.group(1), "description")
    return reading


def apply(session: Session, feed: Feed, reading: Reading) -> PollResult:
    """Record each level that differs from the current one for its scope; the same level again records nothing.

    A change takes effect at the item's pubDate, unless that is not after the level in force (then: now), so the
    feed's level always becomes the current one and the next poll finds nothing to record.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPLY_LOCK_KEY})
    now = utcnow()
    levels, recorded = [], 0
    published = reading.published_at if reading.published_at and reading.published_at <= now else None
    with session.begin_nested():
        for scope, level in reading.levels.items():
            current = threat_level.latest(session, scope)
            changed = current is None or current.level != level
            if changed:
                after_current = current is None or (published and published > as_utc(current.effective_from))
                data = ThreatLevelCreate(
                    scope=scope,
                    level=level,
                    effective_from=published if after_current else now,
                    note=f"Read from the {feed.name} feed.",
                )
                threat_level.create(
                    session, data, actor=None, source=feed.name, feed_id=feed.id, recorded_by=f"feed:{feed.name}"
                )
                recorded += 1
            levels.append(LevelRead(scope=scope, level=level, changed=changed))
    feeds.record_success(session, feed)
    return PollResult(
        feed_id=feed.id,
        outcome="changed" if recorded else "unchanged",
        levels=levels,
        changes_recorded=recorded,
        published_at=reading.published_at,
        status=feeds.status_of(feed),
    )


def fail(session: Session, feed: Feed, error: str) -> PollResult:
    """Record a failed poll on the feed's health alone."""
    feeds.record_failure(session, feed, error)
    return PollResult(feed_id=feed.id, outcome="failed", error=error, status=feeds.status_of(feed))


def fetch_and_parse(feed: Feed, settings: Settings) -> Fetched | Reading | str:
    """The network half of a poll (no database): a Reading, a 304 (Fetched), or the error text."""
    try:
        fetched = fetch(feed.url or "", settings, etag=feed.http_etag, last_modified=feed.http_last_modified)
        if fetched.body is None:
            return fetched
        reading = parse(fetched.body)
    except FeedError as exc:
        return str(exc)
    except Exception:  # a feed must never crash its caller
        log.exception("unexpected error polling feed %s", feed.id)
        return "could not read the feed"
    reading.etag, reading.last_modified = fetched.etag, fetched.last_modified
    return reading


def record_outcome(session: Session, feed: Feed, outcome: Fetched | Reading | str) -> PollResult:
    """The database half of a poll: record levels and health; never raises for the feed's faults."""
    if isinstance(outcome, str):
        return fail(session, feed, outcome)
    if isinstance(outcome, Fetched):
        feeds.record_success(session, feed)
        return PollResult(feed_id=feed.id, outcome="not_modified", status=feeds.status_of(feed))
    try:
        result = apply(session, feed, outcome)
    except AppError as exc:
        return fail(session, feed, f"Not recorded: {exc.detail}")
    feed.http_etag, feed.http_last_modified = outcome.etag, outcome.last_modified
    session.flush()
    return result


def poll(session: Session, feed: Feed, settings: Settings) -> PollResult:
    """Poll now: fetch, parse, record. Returns the outcome; the feed's health is updated either way."""
    return record_outcome(session, feed, fetch_and_parse(feed, settings))
