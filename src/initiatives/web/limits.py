"""Refuse request bodies over the upload limit while they arrive, also when no Content-Length was sent
(chunked uploads), so an oversize upload is never spooled to disk whole."""

from __future__ import annotations

from typing import Any

from initiatives.web.errors import PayloadTooLarge

# Multipart framing (boundaries, part headers, the CSRF field) on top of the files themselves.
OVERHEAD = 64 * 1024


class BodyLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit + OVERHEAD
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge(f"request body is over the limit of {self.limit:,} bytes")
            return message

        await self.app(scope, counted, send)
