"""Where a webhook may point: https only (http for hosts an operator allow-lists), and never at
a private, loopback or link-local address unless allow-listed, so a subscription cannot turn the
deliverer against the operator's own network (SSRF).

Checked when a subscription is created or changed, and again before every attempt against the
addresses the host resolves to then; the attempt connects to the address checked, so a DNS answer
that changes in between (rebinding) cannot slip an internal address in.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from threadline.application.webhooks.ports import AddressResolver
from threadline.domain.errors import InvalidWebhookUrl

MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    addresses: list[str]


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


@dataclass(frozen=True)
class UrlPolicy:
    allowed_hosts: frozenset[str]
    resolver: AddressResolver

    def parsed(self, url: str) -> tuple[str, int]:
        """The URL's host and port, if its form is acceptable."""
        if len(url) > MAX_URL_LENGTH:
            raise InvalidWebhookUrl(f"the URL is longer than {MAX_URL_LENGTH} characters", field="url")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise InvalidWebhookUrl(f"the URL is malformed: {error}", field="url") from None
        host = (parts.hostname or "").lower()
        if (
            parts.scheme not in ("https", "http")
            or not host
            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url)
        ):
            raise InvalidWebhookUrl("the URL must be an absolute https:// URL", field="url")
        if parts.username is not None or parts.password is not None:
            raise InvalidWebhookUrl("the URL must not carry credentials", field="url")
        if parts.fragment:
            raise InvalidWebhookUrl("the URL must not have a fragment", field="url")
        if parts.scheme == "http" and host not in self.allowed_hosts:
            raise InvalidWebhookUrl(
                f"http:// is allowed only for allow-listed hosts (THREADLINE_WEBHOOK_ALLOWED_HOSTS); "
                f"use https:// for {host}",
                field="url",
            )
        return host, port or (443 if parts.scheme == "https" else 80)

    async def target(self, url: str) -> Target:
        """The URL's host, port and the addresses an attempt may connect to."""
        host, port = self.parsed(url)
        addresses = await self.resolver.resolve(host, port)
        if not addresses:
            raise InvalidWebhookUrl(f"the host {host} does not resolve", field="url")
        if host not in self.allowed_hosts:
            refused = [address for address in addresses if _refused(address)]
            if refused:
                raise InvalidWebhookUrl(
                    f"the host {host} resolves to a private, loopback or link-local address "
                    f"({refused[0]}); only allow-listed hosts may",
                    field="url",
                )
        return Target(host, port, addresses)
