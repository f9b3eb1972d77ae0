"""Where a webhook may point (DESIGN §16): http(s) only, and a host whose every address is public — no loopback,
private, link-local, unspecified, multicast or reserved address — unless private targets are allowed (tests).
Checked when subscribing and again before every delivery (a name may resolve elsewhere later)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Resolve = Callable[[str, int], Iterable[str]]
MAX_URL_LENGTH = 2_000


class UrlRefused(ValueError):
    """A webhook URL this installation will not call."""


def resolve_host(host: str, port: int) -> list[str]:
    try:
        return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    except (socket.gaierror, UnicodeError) as error:
        raise UrlRefused(f"the host {host!r} cannot be resolved") from error


def check_url(url: str, *, allow_private: bool, resolve: Resolve = resolve_host) -> str:
    """The URL if it may be called; else UrlRefused saying why."""
    _host_and_port(url)
    if not allow_private:
        addresses(url, allow_private=False, resolve=resolve)
    return url


def addresses(url: str, *, allow_private: bool, resolve: Resolve = resolve_host) -> list[str]:
    """The addresses to connect to for the URL, every one of them allowed; else UrlRefused. The sender connects
    to one of these, not to what the name resolves to a moment later (a name can be rebound in between)."""
    host, port = _host_and_port(url)
    found = list(dict.fromkeys(resolve(host, port)))
    if not found:
        raise UrlRefused(f"the host {host!r} cannot be resolved")
    if not allow_private:
        for address in found:
            _require_public(host, address)
    return found


def _host_and_port(url: str) -> tuple[str, int]:
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"a webhook URL has at most {MAX_URL_LENGTH} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("a webhook URL must be http or https")
    try:
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:  # a port out of range or not a number
        raise UrlRefused("the URL's port is not valid") from error
    if not host:
        raise UrlRefused("a webhook URL needs a host")
    if parts.username or parts.password:
        raise UrlRefused("a webhook URL carries no credentials")
    return host, port


def _require_public(host: str, address: str) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone index is not part of the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        raise UrlRefused(f"{host} resolves to {ip}, a loopback, private, link-local or reserved address")
