"""Kazoo ``object`` webhooks: authentication by URL secret, and payload parsing.

Kazoo does not sign webhooks (no HMAC, only ``X-Hook-ID``/``X-Account-ID`` headers), so a
webhook is accepted only when the URL it was delivered to carries the account's
``webhook_secret`` as the ``secret`` query parameter (configure the Kazoo webhook's
``uri`` as ``https://gateway.example.com/webhooks/<account>?secret=<webhook_secret>``)
and names this account. Without a configured secret every webhook is refused. The
backend then re-fetches the referenced recording over the authenticated API, so a leaked
URL can at worst make it look up ids of its own account.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

import orjson

from providers.errors import WebhookRejectedError
from providers.models import Recording, RecordingEvent, RecordingEventKind, WebhookRequest

from .client import PROVIDER, RECORDING_ID, KazooConfig
from .wire import ObjectWebhook

SECRET_PARAM = "secret"  # noqa: S105 (a parameter name)

#: ``call_recording`` object actions that are recording events; others are ignored.
KINDS: Mapping[str, RecordingEventKind] = {
    "doc_created": RecordingEventKind.COMPLETED,
    "doc_deleted": RecordingEventKind.DELETED,
}


def _reject(reason: str) -> WebhookRejectedError:
    return WebhookRejectedError(f"kazoo webhook rejected: {reason}", provider=PROVIDER)


def verify(request: WebhookRequest, config: KazooConfig) -> None:
    if config.webhook_secret is None:
        raise _reject(
            "no webhook_secret is configured for this account (Kazoo webhooks are "
            "unsigned, so they are accepted only with a secret in the URL)"
        )
    given = [v for k, v in parse_qsl(urlsplit(request.url).query) if k == SECRET_PARAM]
    if not given:
        raise _reject(f"the webhook URL has no {SECRET_PARAM!r} query parameter")
    expected = config.webhook_secret.reveal().encode()
    if not hmac.compare_digest(given[0].encode(), expected):
        raise _reject(f"the {SECRET_PARAM!r} query parameter does not match")
    account = _headers(request.headers).get("x-account-id")
    if account is not None and account != config.account_id:
        raise _reject("X-Account-ID names another account")


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def parse(request: WebhookRequest, config: KazooConfig) -> ObjectWebhook:
    """The payload, from the query (verb ``get``), a JSON body or a form body."""
    raw = _raw(request)
    payload: ObjectWebhook = {}
    for key in ("id", "account_id", "action", "type"):
        value = raw.get(key)
        if isinstance(value, str):
            payload[key] = value
    if payload.get("account_id", config.account_id) != config.account_id:
        raise _reject("the payload names another account")
    return payload


#: Payload keys that are typed event fields or our own URL secret.
_PAYLOAD_KEYS = frozenset({"id", "account_id", "action", "type", SECRET_PARAM})


def custom_data(request: WebhookRequest) -> dict[str, object]:
    """What the hook's ``custom_data`` merged into the payload (every key beyond the four
    of an ``object`` event), as sent."""
    return {k: v for k, v in _raw(request).items() if k not in _PAYLOAD_KEYS}


def _raw(request: WebhookRequest) -> dict[str, object]:
    if request.method.upper() == "GET":
        pairs = [(k, v) for k, v in parse_qsl(urlsplit(request.url).query) if k != SECRET_PARAM]
        raw: object = dict(pairs)
    else:
        content_type = _headers(request.headers).get("content-type", "")
        body = request.body.decode("utf-8", errors="replace")
        if "json" in content_type or body.lstrip().startswith("{"):
            try:
                raw = orjson.loads(request.body)
            except orjson.JSONDecodeError as exc:
                raise _reject("the body is not valid JSON") from exc
        else:
            raw = dict(parse_qsl(body, keep_blank_values=True))
    if not isinstance(raw, dict):
        raise _reject("the payload is not an object")
    return {str(k): v for k, v in raw.items()}


def hook_id(request: WebhookRequest) -> str | None:
    return _headers(request.headers).get("x-hook-id")


def recording_action(payload: ObjectWebhook) -> tuple[RecordingEventKind, str] | None:
    """(event kind, recording id) of a ``call_recording`` action we report, else None."""
    kind = KINDS.get(payload.get("action", ""))
    if payload.get("type") != "call_recording" or kind is None:
        return None
    rec_id = payload.get("id", "")
    if not RECORDING_ID.fullmatch(rec_id):
        raise _reject("malformed recording id")
    return kind, rec_id


def event(
    request: WebhookRequest,
    payload: ObjectWebhook,
    kind: RecordingEventKind,
    rec_id: str,
    account_name: str,
    recording: Recording | None,
) -> RecordingEvent:
    return RecordingEvent(
        provider=PROVIDER,
        account_name=account_name,
        kind=kind,
        provider_recording_id=rec_id,
        occurred_at=request.received_at,
        provider_call_id=recording.provider_call_id if recording else None,
        provider_conference_id=recording.provider_conference_id if recording else None,
        duration_seconds=recording.duration_seconds if recording else None,
        recording=recording,
        extra={
            **custom_data(request),
            "hook_id": hook_id(request),
            "action": payload.get("action"),
            "type": payload.get("type"),
        },
        # Kazoo sends no event id (X-Hook-ID names the hook, not the delivery) and
        # retries with the same payload; a doc is created or deleted once.
        key=f"{PROVIDER}:{payload.get('account_id', '')}:{kind.value}:{rec_id}",
    )
