"""Where the platform may connect out to: public http(s) addresses only.

Administrators type robot and webhook URLs; the worker then POSTs to them from
inside the network. Unchecked, that is a server-side request forgery: a
"robot" at ``http://127.0.0.1:5432/`` or ``http://169.254.169.254/`` reaches
what only the server can. So a URL is refused when its host is, or resolves
to, a loopback, private, link-local, shared, multicast, unspecified or reserved
address — IPv4 or IPv6, IPv4-mapped / 6to4 / NAT64 included, and IPv4 however
spelled (``2130706433``, ``0x7f.1``, ``0177.0.0.1``) — or when it is not
http(s), carries user info (``http://good@evil/``) or odd characters.

The check runs twice: when the URL is saved (:func:`url_problem`, a field error)
and at delivery (:func:`resolve_public`), because DNS may answer differently
later; delivery then connects to the very address it checked (no second
lookup to rebind). ``ROBOT_ALLOW_PRIVATE_URLS=true`` lifts the address rule
(tests against a local receiver, an intranet gateway on purpose).
"""
from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$")
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_BAD_CHARACTERS = re.compile(r"[\s\\\x00-\x1f\x7f]")


class AddressRefused(ValueError):
    """The URL may not be connected to; the message says why (no URL in it: it holds tokens)."""


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and any(ip in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_reserved or ip.is_unspecified)


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form a resolver accepts (None for a name)."""
    host = host.rstrip(".").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise AddressRefused("the host is not a valid address") from None
    return None


def parse_url(url: str) -> SplitResult:
    """The URL's parts; AddressRefused when no plain http(s) URL."""
    if _BAD_CHARACTERS.search(url or ""):
        raise AddressRefused("spaces, backslashes and control characters are not allowed")
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https"):
        raise AddressRefused("only http and https addresses")
    if "@" in parts.netloc or parts.username is not None:
        raise AddressRefused("user names and passwords in the address are not allowed")
    try:
        port = parts.port
    except ValueError:
        raise AddressRefused("the port is not a number from 1 to 65535") from None
    if not parts.hostname or port == 0:
        raise AddressRefused("the address has no host")
    return parts


def host_of(parts: SplitResult) -> str:
    """The host name of parts from :func:`parse_url`, which refuses addresses without one."""
    if not parts.hostname:
        raise AddressRefused("the address has no host")
    return parts.hostname


def _check_host(host: str) -> IPAddress | None:
    ip = literal_address(host)
    if ip is not None:
        if not is_public(ip):
            raise AddressRefused("the host is a loopback, private or reserved address")
        return ip
    if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(_LOCAL_NAMES):
        raise AddressRefused("the host is a local name")
    return None


def url_problem(url: str, allow_private: bool = False) -> str | None:
    """Why ``url`` may not be saved as a robot or webhook address (None: it may).

    A name that does not resolve now is accepted (the robot's host may be down
    or DNS unreachable from here); delivery checks again."""
    try:
        parts = parse_url(url)
        if allow_private:
            return None
        if _check_host(host_of(parts)) is None:
            for ip in _resolve(host_of(parts), parts.port or 443):
                if not is_public(ip):
                    raise AddressRefused("the host resolves to a loopback, private or reserved address")
    except AddressRefused as exc:
        return str(exc)
    except OSError:
        return None
    return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def resolve_public(url: str, allow_private: bool = False) -> tuple[SplitResult, str]:
    """(parts, address to connect to) of ``url``: every address the host resolves to
    must be public (unless ``allow_private``). Raises AddressRefused, or OSError
    when the name does not resolve."""
    parts = parse_url(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ip = None if allow_private else _check_host(host_of(parts))
    if ip is None:
        addresses = _resolve(host_of(parts), port)
        if not allow_private and not all(is_public(a) for a in addresses):
            raise AddressRefused("the host resolves to a loopback, private or reserved address")
        ip = addresses[0]
    return parts, str(ip)
