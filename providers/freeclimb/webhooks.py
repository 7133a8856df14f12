"""FreeClimb webhook verification and parsing.

``FreeClimb-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]``: each ``v1`` is
HMAC-SHA256 (lowercase hex) of ``f"{t}."`` + the raw body bytes under one active signing
secret (several while a secret is rotated). Like FreeClimb's docs (and unlike the SDK's
millisecond/second mix-up) the tolerance is in seconds, and one-sided: a timestamp from
the future is accepted, as the SDK does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import orjson

from providers._coerce import number
from providers.errors import WebhookRejectedError
from providers.models import RecordingEvent, RecordingEventKind

from .mapping import PROVIDER, text

SIGNATURE_HEADER = "FreeClimb-Signature"
_RECORDING_IN_URL = re.compile(r"/Recordings/(RE[0-9a-fA-F]{40})(?:/|$|\?)")
_EVENT_KEYS = frozenset({"recordingId", "callId", "conferenceId", "recordingDurationSec"})
#: Never copied to ``extra``: ``accountId`` is the event's account, and ``recordingUrl``
#: is a vendor media link (audio goes through the gateway's signed ``media`` links, which
#: need the ``media`` scope; an event subscriber may not hold it).
_HIDDEN_KEYS = frozenset({"accountId", "recordingUrl"})


def sign(body: bytes, secrets: Iterable[str], timestamp: int) -> str:
    """The header value FreeClimb would send for ``body`` (used by the simulator)."""
    parts = [f"t={timestamp}"]
    parts += [f"v1={_digest(secret, timestamp, body)}" for secret in secrets]
    return ",".join(parts)


def _digest(secret: str, timestamp: int | str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance: float,
    now: datetime,
) -> int:
    """Check the signature; returns the signed timestamp. Raises WebhookRejectedError."""
    if not secrets:
        raise WebhookRejectedError(
            f"{PROVIDER}: no signing secret configured for this account", provider=PROVIDER
        )
    value = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
    if not value:
        raise WebhookRejectedError(f"{PROVIDER}: missing {SIGNATURE_HEADER} header")
    stamps: list[str] = []
    signatures: list[str] = []
    for part in value.split(","):
        key, _, val = part.strip().partition("=")
        if key == "t":
            stamps.append(val.strip())
        elif key == "v1":
            signatures.append(val.strip().lower())
    if len(stamps) != 1 or not stamps[0].isdigit():
        raise WebhookRejectedError(f"{PROVIDER}: signature has no valid t= timestamp")
    if not signatures:
        raise WebhookRejectedError(f"{PROVIDER}: signature has no v1= value")
    timestamp = int(stamps[0])
    age = now.timestamp() - timestamp
    if age > tolerance:
        raise WebhookRejectedError(
            f"{PROVIDER}: signature timestamp is {age:.0f}s old (tolerance {tolerance:g}s)"
        )
    expected = [_digest(secret, stamps[0], body) for secret in secrets]
    if not any(hmac.compare_digest(e, s) for e in expected for s in signatures):
        raise WebhookRejectedError(f"{PROVIDER}: signature does not match any signing secret")
    return timestamp


def decode(body: bytes) -> dict[str, Any]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise WebhookRejectedError(f"{PROVIDER}: webhook body is not JSON") from exc
    if not isinstance(payload, dict):
        raise WebhookRejectedError(f"{PROVIDER}: webhook body is not a JSON object")
    return payload


def recording_id_of(payload: Mapping[str, Any]) -> str | None:
    """``recordingId``, or the id inside ``recordingUrl`` (callStatus may carry only the
    URL: that field is the one confirmed for StartRecordCall)."""
    found = text(payload.get("recordingId"))
    if found:
        return found
    url = text(payload.get("recordingUrl"))
    match = _RECORDING_IN_URL.search(url) if url else None
    return match.group(1) if match else None


def events(
    payload: Mapping[str, Any], account_name: str, occurred_at: datetime
) -> list[RecordingEvent]:
    """Recording events in an authentic payload; ``[]`` for anything else."""
    kind = payload.get("requestType")
    if kind not in ("record", "callStatus", "conferenceRecordingStatus"):
        return []
    recording_id = recording_id_of(payload)
    if recording_id is None:
        return []  # a callStatus without StartRecordCall, or an empty record result
    duration = number(payload.get("recordingDurationSec"))
    size = number(payload.get("recordingSize"))
    # Zero-length recordings are reported with empty/zero values: nothing was kept.
    empty = duration == 0 or size == 0
    conference_id = text(payload.get("conferenceId"))
    # On conferenceRecordingStatus, callId is the leg that triggered the event, not the
    # recording's call (REST shows conference recordings with an empty callId).
    call_id = None if kind == "conferenceRecordingStatus" else text(payload.get("callId"))
    extra_skip = (_EVENT_KEYS - {"callId"} if call_id is None else _EVENT_KEYS) | _HIDDEN_KEYS
    # FreeClimb sends no event id; a recording is reported once per request type, and a
    # replay or retry repeats the same body, so (account, type, recording) identifies it.
    key = f"{PROVIDER}:{text(payload.get('accountId')) or ''}:{kind}:{recording_id}"
    return [
        RecordingEvent(
            provider=PROVIDER,
            account_name=account_name,
            kind=RecordingEventKind.ABSENT if empty else RecordingEventKind.COMPLETED,
            provider_recording_id=recording_id,
            occurred_at=occurred_at,
            provider_call_id=call_id,
            provider_conference_id=conference_id,
            duration_seconds=duration,
            extra=MappingProxyType({k: v for k, v in payload.items() if k not in extra_skip}),
            key=key,
        )
    ]


def timestamp_to_datetime(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
