"""JSON answers as Discord sends them."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

# Discord's answers pass through Google's load balancer; discord.py treats a 429 without a
# Via header as a Cloudflare ban and gives up instead of waiting.
VIA = "1.1 google"


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py only parses bodies whose content type is exactly application/json.
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={**(headers or {}), "Content-Type": "application/json", "Via": VIA},
    )


def error(status: int, code: int, message: str, problems: list[str] | None = None) -> web.Response:
    """A Discord error body: ``message`` and ``code``, with form errors when there are problems."""
    body: dict[str, Any] = {"message": message, "code": code}
    if problems:
        body["errors"] = {"_errors": [{"code": "INVALID", "message": m} for m in problems]}
    return json_response(body, status)
