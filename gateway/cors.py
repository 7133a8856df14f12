"""CORS for browser callers on other origins (``[server] cors_origins``).

Only listed origins get CORS headers; a preflight from any other origin is refused with
403, so the browser never sends the request. Requests that would be "simple" (no
preflight) cannot run an operation anyway: the view takes POSTs only as
``application/json`` and GETs only with a header that needs a preflight, so a page on an
unlisted origin cannot make the gateway do anything on a user's behalf.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_ALLOWED_METHODS = "GET, POST, OPTIONS"
_ALLOWED_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "x-request-id",
        "x-requested-with",
        "apollo-require-preflight",
        "accept",
    }
)
_EXPOSED_HEADERS = "X-Request-ID, Retry-After"
_MAX_AGE = "600"


def cors_middleware(origins: tuple[str, ...]) -> Middleware:
    allowed = frozenset(o.rstrip("/") for o in origins)

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        preflight = (
            request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        )
        if preflight:
            return _preflight(request, origin, allowed)
        response = await handler(request)
        if origin is not None and origin in allowed and not response.prepared:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = _EXPOSED_HEADERS
            response.headers.add("Vary", "Origin")
        return response

    return cors


def _preflight(request: web.Request, origin: str | None, allowed: frozenset[str]) -> web.Response:
    method = request.headers.get("Access-Control-Request-Method", "")
    wanted = {
        h.strip().lower()
        for h in request.headers.get("Access-Control-Request-Headers", "").split(",")
        if h.strip()
    }
    if origin is None or origin not in allowed:
        return web.Response(status=403, text="origin not allowed", headers={"Vary": "Origin"})
    if method not in ("GET", "POST") or not wanted <= _ALLOWED_HEADERS:
        return web.Response(
            status=403, text="method or headers not allowed", headers={"Vary": "Origin"}
        )
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": _ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ", ".join(sorted(_ALLOWED_HEADERS)),
            "Access-Control-Max-Age": _MAX_AGE,
            "Vary": "Origin",
        },
    )
