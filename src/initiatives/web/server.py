"""Uvicorn settings for `initiatives serve`.

With several workers uvicorn binds the listening socket itself with `socket.socket(family=...)`, whose
`proto` is 0; asyncio then skips TCP_NODELAY on accepted connections, and every keep-alive response waits
~40 ms for the client's delayed ACK (Nagle). This protocol sets TCP_NODELAY on each connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

PROTOCOL = "initiatives.web.server:NoDelayH11Protocol"


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
