"""Host names to addresses with the event loop's resolver (``getaddrinfo`` off the loop's thread)."""

from __future__ import annotations

import asyncio
import socket


class DnsResolver:
    async def resolve(self, host: str, port: int) -> list[str]:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, ValueError, OSError):  # ValueError: a NUL in the name
            return []
        addresses: list[str] = []
        for _family, _type, _proto, _name, address in found:
            if str(address[0]) not in addresses:
                addresses.append(str(address[0]))
        return addresses
