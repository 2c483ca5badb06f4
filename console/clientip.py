"""The client's IP address, the one place it is worked out (sign-in lockout, audit, API tokens).

Without proxies the client is ``REMOTE_ADDR``. Behind a load balancer every request comes from
the balancer's address, so the lockout of one client would lock out everyone: then the client is
read from ``X-Forwarded-For``, which each proxy extends with the address it received the request
from. Only the hops our own proxies appended can be believed (the client may send any header it
likes), so the address is the *right-most untrusted* one of ``X-Forwarded-For + REMOTE_ADDR``:

- ``MPP_TRUSTED_PROXY_COUNT`` (env ``TRUSTED_PROXY_COUNT``): how many proxies of ours stand in
  front of the app (0, the default: trust none and use ``REMOTE_ADDR``);
- ``MPP_TRUSTED_PROXIES`` (env ``TRUSTED_PROXIES``): addresses or networks (CIDR) of our proxies;
  a hop from one of them is skipped too, whatever the count.

This module imports no app. ``AXES_CLIENT_IP_CALLABLE`` points at :func:`client_ip`.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4096)  # the same few addresses (proxies, busy clients) come again and again
def _parse_address(raw: str) -> str | None:
    """A canonical IP from one header entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``)."""
    value = raw.strip().strip('"')
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has several colons
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for item in (s.strip() for s in spec):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: “{item}” is not an IP address or network (CIDR)."
            ) from exc
    return tuple(networks)


def trusted_networks() -> tuple[IPNetwork, ...]:
    """``MPP_TRUSTED_PROXIES`` parsed (a list of addresses or CIDR networks)."""
    return _networks(tuple(getattr(settings, "MPP_TRUSTED_PROXIES", ()) or ()))


def _is_trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == net.version and ip in net for net in networks)


def client_ip_from(
    *,
    remote_addr: str | None,
    forwarded_for: str | None,
    proxy_count: int = 0,
    networks: tuple[IPNetwork, ...] = (),
) -> str | None:
    """The client address of a request, given its ``REMOTE_ADDR`` and ``X-Forwarded-For``.

    The chain is ``X-Forwarded-For`` hops then ``REMOTE_ADDR``; from the right, the first
    ``proxy_count`` hops and any hop inside ``networks`` are our proxies; the next one is the
    client. An unparsable hop ends the walk (a forged entry is never returned): the last
    address seen is used. With nothing trusted, ``REMOTE_ADDR`` is returned as it is.
    """
    remote = _parse_address(remote_addr or "")
    if proxy_count <= 0 and not networks:
        return remote
    if remote is None:
        return None
    hops = [entry for entry in (forwarded_for or "").split(",") if entry.strip()]
    chain: list[str | None] = [_parse_address(entry) for entry in hops] + [remote]
    chosen = remote
    for position, address in enumerate(reversed(chain)):
        if address is None:
            break
        chosen = address
        if position < proxy_count or _is_trusted(address, networks):
            continue
        break
    return chosen


def client_ip(request: Any) -> str | None:
    """The client address of ``request`` under the trusted-proxy settings (None if unknown)."""
    meta = getattr(request, "META", {}) or {}
    return client_ip_from(
        remote_addr=meta.get("REMOTE_ADDR"),
        forwarded_for=meta.get("HTTP_X_FORWARDED_FOR"),
        proxy_count=int(getattr(settings, "MPP_TRUSTED_PROXY_COUNT", 0) or 0),
        networks=trusted_networks(),
    )
