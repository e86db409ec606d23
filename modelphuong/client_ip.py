"""The client's address as login throttling (django-axes) sees it, behind reverse proxies we trust.

X-Forwarded-For is a list each proxy appends to: the client can write anything at its left end, so only the
entries our own proxies (TRUSTED_PROXIES) added are believed. Without TRUSTED_PROXIES the header is ignored.
"""

import ipaddress

from django.conf import settings


def trusted_networks(values) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """TRUSTED_PROXIES as networks: addresses ("10.0.0.2") or ranges ("10.0.0.0/8"). Raises ValueError."""
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values]


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or, when that is a trusted proxy, the nearest address in X-Forwarded-For that is not one.
    An entry that is not an address stops the walk at the last proxy that was trusted."""
    remote = request.META.get("REMOTE_ADDR")
    networks = trusted_networks(settings.TRUSTED_PROXIES)

    def trusted(address) -> bool:
        return any(address in network for network in networks)

    current = _address(remote or "")
    if current is None or not trusted(current):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        current = address
        if not trusted(address):
            break
    return str(current)
