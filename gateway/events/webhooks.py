"""``POST /webhooks/{account}``: a vendor's callback in, durable events out.

The backend of the named account verifies the request as its vendor signs it and turns
it into events (``ProviderBackend.parse_webhook``); this handler only frames it:

* the body is read up to ``max_webhook_bytes`` (413 beyond, nothing parsed);
* the URL handed to verification is the one the vendor called: ``[server] public_url``
  plus the path and query as received (SignalWire signs the URL), else this request's;
* rejected (forged, stale, another account's) -> 403; unknown account -> 404; every
  event already in the log (a replay or a vendor retry) -> 409; the log or the vendor
  unreachable -> 503, so that the vendor retries; otherwise 200 once every new event is
  appended (``{"accepted": n}``; 0 for an authentic callback about something else).

Nothing logged here holds a secret: no URL (Kazoo's carries one), no header, no body;
the rejection reasons are built by the providers without secret values.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiohttp import web

from providers.base import Capability
from providers.errors import ProviderError, WebhookRejectedError
from providers.models import WebhookRequest

from .model import StoredEvent
from .service import EventService

log = logging.getLogger("gateway.events.webhooks")


def _answer(status: int, message: str, **extra: object) -> web.Response:
    return web.json_response({"status": status, "message": message, **extra}, status=status)


async def _read_capped(request: web.Request, limit: int) -> bytes | None:
    """The body, or ``None`` when it is longer than ``limit`` (read no further)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = await request.content.read(limit + 1)
    return None if len(body) > limit else body


def vendor_url(request: web.Request, public_url: str | None) -> str:
    if public_url:
        return public_url.rstrip("/") + request.raw_path
    return f"{request.scheme}://{request.host}{request.raw_path}"


async def receive_webhook(
    request: web.Request, service: EventService, *, public_url: str | None, max_bytes: int
) -> web.Response:
    name = request.match_info["account"]
    source = service.sources.by_name(name)
    if source is None or Capability.WEBHOOKS not in source.backend.capabilities:
        return _answer(404, "no account of that name takes webhooks")
    body = await _read_capped(request, max_bytes)
    if body is None:
        log.info("webhook for %s refused: body over %d bytes", name, max_bytes)
        return _answer(413, f"body over {max_bytes} bytes")
    received_at = datetime.now(UTC)
    inbound = WebhookRequest(
        method=request.method,
        url=vendor_url(request, public_url),
        headers=dict(request.headers),
        body=body,
        received_at=received_at,
    )
    try:
        events = await source.backend.parse_webhook(inbound)
    except WebhookRejectedError as exc:
        log.info("webhook for %s rejected: %s", name, exc.message)
        return _answer(403, "webhook rejected")
    except ProviderError as exc:
        log.warning("webhook for %s not processed: %s (%s)", name, exc.code, exc.message)
        return _answer(503, "try again later")
    provider_account_id = source.account.provider_account_id
    stored = [
        (
            StoredEvent.from_webhook(event, provider_account_id, received_at),
            f"{name}:{event.key}" if event.key else None,
        )
        for event in events
    ]
    try:
        appended = await service.append_all(stored)
    except Exception:
        log.exception("webhook for %s: the event log refused the append", name)
        return _answer(503, "try again later")
    if stored and appended == 0:
        log.info("webhook for %s refused: a replay of %d known event(s)", name, len(stored))
        return _answer(409, "already received")
    return _answer(200, "ok", accepted=appended)
