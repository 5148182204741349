"""Published warnings as XML for machines: one CAP 1.2 document per message, and an Atom (RFC 4287) feed of them.

Built from the API's JSON with ElementTree, never by formatting strings, so every field's text is escaped by the
XML library whatever it holds (`<`, `&`, `]]>`, quotes). Characters XML 1.0 cannot carry never get this far: the
API refuses them (422) when a warning is drafted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from app.core.clock import cap_datetime

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MEDIA = "application/cap+xml"
ATOM_MEDIA = "application/atom+xml"
LANGUAGE = "en-GB"


def _time(value: str) -> str:
    """An API time (RFC 3339, `Z`) as CAP writes it (`+00:00`, whole seconds)."""
    return cap_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _add(parent: ET.Element, ns: str, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    """A child element in the document's default namespace (`ns` names it for the reader; the root declares it)."""
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def cap_document(alert: dict[str, Any], *, sender_name: str) -> bytes:
    """One published message as a CAP 1.2 `<alert>` (UTF-8, with its XML declaration)."""
    root = ET.Element("alert", xmlns=CAP_NS)
    for tag, value in (
        ("identifier", alert["identifier"]),
        ("sender", alert["sender"]),
        ("sent", _time(alert["sent"])),
        ("status", alert["status"]),
        ("msgType", alert["msg_type"]),
        ("scope", alert["scope"]),
    ):
        _add(root, CAP_NS, tag, value)
    if alert["references"]:
        _add(root, CAP_NS, "references", alert["references"])
    _info(root, alert, sender_name)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _info(root: ET.Element, alert: dict[str, Any], sender_name: str) -> None:
    """CAP's `<info>`, its elements in the order the schema requires."""
    info = _add(root, CAP_NS, "info")
    _add(info, CAP_NS, "language", LANGUAGE)
    for category in alert["category"]:
        _add(info, CAP_NS, "category", category)
    _add(info, CAP_NS, "event", alert["event"])
    for tag in ("urgency", "severity", "certainty"):
        _add(info, CAP_NS, tag, alert[tag])
    if alert["expires"]:
        _add(info, CAP_NS, "expires", _time(alert["expires"]))
    _add(info, CAP_NS, "senderName", sender_name)
    _add(info, CAP_NS, "headline", alert["headline"])
    _add(info, CAP_NS, "description", alert["description"])
    if alert["instruction"]:
        _add(info, CAP_NS, "instruction", alert["instruction"])
    if alert["web"]:
        _add(info, CAP_NS, "web", alert["web"])
    _area(info, alert["area"])


def _area(info: ET.Element, area: dict[str, Any]) -> None:
    """CAP's `<area>`: the words (always), then the polygon ("lat,lon lat,lon …", closed) and circle."""
    element = _add(info, CAP_NS, "area")
    _add(element, CAP_NS, "areaDesc", area["description"])
    if area.get("polygon"):
        _add(element, CAP_NS, "polygon", " ".join(f"{lat},{lon}" for lat, lon in area["polygon"]))
    if area.get("circle"):
        circle = area["circle"]
        _add(element, CAP_NS, "circle", f"{circle['lat']},{circle['lon']} {circle['radius_km']}")


def feed_updated(alerts: Iterable[dict[str, Any]]) -> datetime:
    """When the feed last changed: its newest change of any entry (the epoch for an empty feed)."""
    times = [datetime.fromisoformat(a["updated_at"].replace("Z", "+00:00")) for a in alerts]
    return max(times, default=datetime(1970, 1, 1, tzinfo=UTC)).replace(microsecond=0)


def atom_feed(
    alerts: list[dict[str, Any]], *, base_url: str, self_url: str, title: str, author: str
) -> tuple[bytes, datetime]:
    """An Atom feed of published messages, newest first; each entry links to its CAP document and its page.

    An entry's `updated` is the message's last change (it moves when a warning is superseded or cancelled), its
    `published` when it was sent. Returns the document and its `updated` time (for Last-Modified).
    """
    updated = feed_updated(alerts)
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": LANGUAGE})
    _add(feed, ATOM_NS, "id", self_url)
    _add(feed, ATOM_NS, "title", title)
    _add(feed, ATOM_NS, "updated", updated.isoformat())
    _add(_add(feed, ATOM_NS, "author"), ATOM_NS, "name", author)
    _add(feed, ATOM_NS, "link", rel="self", type=ATOM_MEDIA, href=self_url)
    _add(feed, ATOM_NS, "link", rel="alternate", type="text/html", href=f"{base_url}/alerts")
    for alert in alerts:
        _entry(feed, alert, base_url)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True), updated


def _entry(feed: ET.Element, alert: dict[str, Any], base_url: str) -> None:
    entry = _add(feed, ATOM_NS, "entry")
    _add(entry, ATOM_NS, "id", alert["identifier"])
    prefix = "" if alert["status"] == "Actual" else f"{alert['status'].upper()}: "
    _add(entry, ATOM_NS, "title", prefix + alert["headline"])
    _add(entry, ATOM_NS, "updated", _time(alert["updated_at"]))
    _add(entry, ATOM_NS, "published", _time(alert["sent"]))
    _add(entry, ATOM_NS, "summary", alert["description"])
    _add(entry, ATOM_NS, "link", rel="alternate", type=CAP_MEDIA, href=f"{base_url}/alerts/{alert['id']}.cap")
    _add(entry, ATOM_NS, "link", rel="related", type="text/html", href=f"{base_url}/alerts/{alert['id']}")
    for category in alert["category"]:
        _add(entry, ATOM_NS, "category", term=category)
