"""One webhook attempt over HTTP with httpx: to the address the URL policy checked (the request
goes to that IP, with the host's name in ``Host`` and in TLS's SNI and certificate check, so a
DNS answer changed since the check cannot redirect it), no redirects followed (a 3xx is a failed
attempt), one deadline for the whole attempt, and at most ``body_limit`` bytes of the answer read.

One sender (one connection pool) per subscription: connections are keyed by address, so sharing
a pool between subscriptions could hand one host's TLS connection to another host on the same IP.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx

from threadline.application.webhooks.ports import AttemptResult

BODY_LIMIT = 4096


def _pinned(url: str, address: str) -> tuple[str, str]:
    """The URL with its host replaced by the address, and the Host header's value."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    return parts._replace(netloc=netloc).geturl(), host_header


class HttpWebhookSender:
    def __init__(self, *, body_limit: int = BODY_LIMIT, max_connections: int = 16) -> None:
        self._body_limit = body_limit
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,  # never through a proxy the environment names: the address is checked
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    async def send(
        self, url: str, addresses: Sequence[str], headers: dict[str, str], body: bytes, timeout: float
    ) -> AttemptResult:
        """To the first of the checked addresses that takes the connection, within ``timeout``."""
        started = time.monotonic()
        result = AttemptResult(None, "no address", None, 0.0)
        for address in addresses:
            left = timeout - (time.monotonic() - started)
            if left <= 0:
                break
            result = await self._send_to(url, address, headers, body, left, started)
            if not result.error or not result.error.startswith("connection failed"):
                return result
        return result

    async def _send_to(
        self, url: str, address: str, headers: dict[str, str], body: bytes, timeout: float, started: float
    ) -> AttemptResult:
        pinned, host = _pinned(url, address)
        hostname = urlsplit(url).hostname or ""
        sent = False

        def elapsed() -> float:
            return round((time.monotonic() - started) * 1000, 3)

        try:
            async with asyncio.timeout(timeout):
                request = self._client.build_request(
                    "POST",
                    pinned,
                    content=body,
                    headers={**headers, "host": host},
                    timeout=timeout,
                    extensions={"sni_hostname": hostname},
                )
                sent = True
                response = await self._client.send(request, stream=True)
                try:
                    answer = await self._read_some(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            return AttemptResult(None, f"timeout after {timeout:g} s", None, elapsed(), outcome_unknown=sent)
        except httpx.TimeoutException as error:
            unknown = not isinstance(error, (httpx.ConnectTimeout, httpx.PoolTimeout))
            return AttemptResult(
                None, f"timeout: {type(error).__name__}", None, elapsed(), outcome_unknown=unknown
            )
        except httpx.ConnectError as error:
            return AttemptResult(None, f"connection failed: {error}"[:1000], None, elapsed())
        except httpx.HTTPError as error:
            return AttemptResult(
                None, f"{type(error).__name__}: {error}"[:1000], None, elapsed(), outcome_unknown=True
            )
        code = response.status_code
        if 200 <= code < 300:
            return AttemptResult(code, None, answer, elapsed())
        reason = "redirect not followed" if 300 <= code < 400 else f"status {code}"
        return AttemptResult(code, reason, answer, elapsed())

    async def _read_some(self, response: httpx.Response) -> str:
        """The start of the answer, as received (not decompressed): never the whole of a huge one."""
        kept = bytearray()
        async for chunk in response.aiter_raw():
            kept.extend(chunk[: self._body_limit - len(kept)])
            if len(kept) >= self._body_limit:
                break
        return kept.decode("utf-8", errors="replace")

    async def close(self) -> None:
        await self._client.aclose()
