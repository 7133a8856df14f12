"""``/media/{token}``: recording audio streamed through the gateway.

The token is signed with the cursor key and names only the local account and the
recording id, so a link works without provider credentials and cannot be pointed at
anything else. Audio is streamed chunk by chunk (bounded memory), with ``Range`` passed
through to the vendor.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from aiohttp import web

from providers.errors import NotFoundError, ProviderError, UnsupportedError

from .errors import InvalidCursorError

if TYPE_CHECKING:
    from providers.models import Recording

    from .context import GatewayContext
    from .cursors import CursorCodec
    from .sources import Sources

MEDIA_LINK_TTL_SECONDS = 3600
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def media_url(ctx: GatewayContext, recording: Recording) -> str:
    expires = int(time.time()) + MEDIA_LINK_TTL_SECONDS
    token = ctx.cursors.encode(
        ["media", recording.account_name, recording.provider_recording_id, expires]
    )
    return f"{public_base_url(ctx)}/media/{token}"


def public_base_url(ctx: GatewayContext) -> str:
    """``server.public_url`` when configured, else the origin the client used."""
    if ctx.server.public_url:
        return ctx.server.public_url.rstrip("/")
    if isinstance(ctx.request, web.Request):
        return str(ctx.request.url.origin())
    return ctx.server.base_url


async def serve_media(
    request: web.Request, codec: CursorCodec, sources: Sources
) -> web.StreamResponse:
    try:
        payload = codec.decode(request.match_info["token"])
    except InvalidCursorError:
        raise web.HTTPNotFound(text="unknown or tampered media link") from None
    if not (isinstance(payload, list) and len(payload) == 4 and payload[0] == "media"):
        raise web.HTTPNotFound(text="unknown or tampered media link")
    _, account_name, recording_id, expires = payload
    if not isinstance(expires, int) or expires < time.time():
        raise web.HTTPGone(text="media link expired; query the recording again")
    source = sources.by_name(str(account_name))
    if source is None:
        raise web.HTTPNotFound(text="unknown account")
    byte_range = _parse_range(request.headers.get("Range"))
    try:
        stream = await source.backend.open_media(str(recording_id), byte_range=byte_range)
    except NotFoundError:
        raise web.HTTPNotFound(text="recording not found") from None
    except UnsupportedError:
        raise web.HTTPNotImplemented(text="this provider does not serve media") from None
    except ProviderError as exc:
        raise web.HTTPBadGateway(text=f"{exc.code}: provider could not serve media") from None
    response = web.StreamResponse(status=stream.status)
    response.content_type = stream.content_type.split(";")[0]
    if stream.content_length is not None:
        response.content_length = stream.content_length
    if stream.content_range:
        response.headers["Content-Range"] = stream.content_range
    response.headers["Accept-Ranges"] = "bytes"
    try:
        await response.prepare(request)
        async for chunk in stream.iter_chunks():
            await response.write(chunk)
        await response.write_eof()
    finally:
        await stream.aclose()
    return response


def _parse_range(header: str | None) -> tuple[int, int | None] | None:
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    start, end = int(match.group(1)), match.group(2)
    return (start, int(end) if end else None)
