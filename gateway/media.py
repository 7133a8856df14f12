"""``/media/{token}``: recording audio streamed through the gateway.

The token is signed with the cursor key and names only the local account, the recording
id, its expiry and the caller it was made for, so a link works without provider
credentials, cannot be pointed at anything else, and stops working when its caller's key
is removed or loses the account or the ``media`` scope. Links are built from
``[server] public_url`` (or the bound host and port), never from a request header.
Audio is streamed chunk by chunk (bounded memory), with ``Range`` passed through to the
vendor.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from aiohttp import web

from providers.errors import NotFoundError, ProviderError, UnsupportedError

from .errors import InvalidCursorError
from .observability.observation import media_streamed

if TYPE_CHECKING:
    from providers.models import Recording

    from .auth import Authenticator
    from .context import GatewayContext
    from .cursors import CursorCodec
    from .sources import Sources

MEDIA_LINK_TTL_SECONDS = 3600
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def media_url(ctx: GatewayContext, recording: Recording) -> str:
    expires = int(time.time()) + MEDIA_LINK_TTL_SECONDS
    caller = ctx.caller
    token = ctx.cursors.encode(
        [
            "media",
            recording.account_name,
            recording.provider_recording_id,
            expires,
            caller.kind,
            caller.name,
        ]
    )
    return f"{public_base_url(ctx)}/media/{token}"


def public_base_url(ctx: GatewayContext) -> str:
    """``[server] public_url``; without it, the address this request arrived on (the
    socket's own, never a request header such as ``Host``)."""
    if ctx.server.public_url:
        return ctx.server.public_url.rstrip("/")
    transport = getattr(ctx.request, "transport", None)
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    if isinstance(sockname, tuple) and len(sockname) >= 2:
        host, port = str(sockname[0]), int(sockname[1])
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    return ctx.server.base_url


async def serve_media(
    request: web.Request, codec: CursorCodec, sources: Sources, auth: Authenticator
) -> web.StreamResponse:
    try:
        payload = codec.decode(request.match_info["token"])
    except InvalidCursorError:
        raise web.HTTPNotFound(text="unknown or tampered media link") from None
    if not (isinstance(payload, list) and len(payload) == 6 and payload[0] == "media"):
        raise web.HTTPNotFound(text="unknown or tampered media link")
    _, account_name, recording_id, expires, caller_kind, caller_name = payload
    if not isinstance(expires, int) or expires < time.time():
        raise web.HTTPGone(text="media link expired; query the recording again")
    caller = auth.current(str(caller_kind), str(caller_name))
    source = sources.by_name(str(account_name))
    if (
        source is None
        or caller is None
        or not caller.can_see(source.name)
        or not caller.has_scope("media")
    ):
        raise web.HTTPNotFound(text="unknown or tampered media link")
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
    sent = 0
    try:
        await response.prepare(request)
        async for chunk in stream.iter_chunks():
            await response.write(chunk)
            sent += len(chunk)
        await response.write_eof()
    finally:
        await stream.aclose()
        media_streamed(source.provider, source.name, sent)
    return response


def _parse_range(header: str | None) -> tuple[int, int | None] | None:
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    start, end = int(match.group(1)), match.group(2)
    return (start, int(end) if end else None)
