"""Which feed URLs may be fetched: never an address inside (loopback, private, link-local ...) in production.

An administrator's feed URL must not turn the poller into a way to reach the council's own network (SSRF). The
host is resolved, every address it resolves to must be public (or the host listed in
CONTEST_FEED_ALLOWED_HOSTS), and the fetch connects to the very address that was checked, so a DNS answer that
changes between the check and the connection (rebinding) cannot swap it. Redirects are followed by hand, each hop
checked again. Numeric spellings of IPv4 (2130706433, 0x7f000001, 0177.0.0.1, 127.1) resolve as the C library
reads them, so they are checked as the addresses they are; IPv4-mapped IPv6 is checked as its IPv4 address.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.core.settings import Settings

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NOT_ALLOWED = "address not allowed"


class AddressNotAllowed(Exception):
    """The URL's host is, or resolves to, an address the feed poller may not reach."""


@dataclass(frozen=True)
class UrlPolicy:
    """Whether internal addresses may be fetched, and the hosts allowed whatever they resolve to."""

    allow_internal: bool = False
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Settings) -> UrlPolicy:
        """The policy the settings describe (internal addresses allowed by default outside production)."""
        allow = settings.feed_allow_internal_addresses
        hosts = {h.strip().lower().strip("[]") for h in settings.feed_allowed_hosts.split(",") if h.strip()}
        allow_internal = allow if allow is not None else settings.env != "production"
        return cls(allow_internal=allow_internal, allowed_hosts=frozenset(hosts))

    def host_allowed(self, host: str) -> bool:
        """Whether the host is listed, or internal addresses are allowed at all."""
        return self.allow_internal or host.lower().strip("[]") in self.allowed_hosts


def is_public(address: IpAddress) -> bool:
    """A globally routable unicast address (not loopback, private, link-local, unique-local, reserved ...)."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public(mapped)
    return address.is_global and not (
        address.is_multicast
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address the host names (an IP literal in any spelling the C library accepts, or a DNS name)."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    addresses: list[IpAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def split(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("not an http or https URL")
    return parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def checked_address(url: str, policy: UrlPolicy) -> IpAddress:
    """The address to connect to for this URL; AddressNotAllowed if any address it names is internal.

    OSError if the name does not resolve.
    """
    _scheme, host, port = split(url)
    addresses = resolve(host, port)
    if not addresses:
        raise OSError("no address")
    if not policy.host_allowed(host) and not all(is_public(a) for a in addresses):
        raise AddressNotAllowed(NOT_ALLOWED)
    return addresses[0]


def check_feed_url(url: str, policy: UrlPolicy) -> str | None:
    """Why an administrator may not save this feed URL (None if they may)."""
    try:
        _scheme, host, _port = split(url)
    except ValueError:
        return "must be an http or https URL"
    if policy.host_allowed(host):
        return None
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None and not is_public(literal):
        return "must not point at a local, private or reserved address"
    try:
        checked_address(url, policy)
    except AddressNotAllowed:
        return "must not point at a local, private or reserved address"
    except (OSError, UnicodeError):
        return None  # a name that does not resolve now is checked again at every poll
    return None
