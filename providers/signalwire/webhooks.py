"""Verification and parsing of SignalWire webhooks.

Two signature schemes, header ``X-SignalWire-Signature`` (alias ``X-Twilio-Signature``),
key = the project's Signing Key:

* scheme A (RELAY/SWML JSON): lowercase hex HMAC-SHA1 over ``URL + raw body``;
* scheme B (Compatibility form callbacks, which recording status callbacks use): base64
  HMAC-SHA1 over ``URL + name1 + value1 + name2 + ...`` with the decoded form fields sorted
  by name (repeated names keep their order); the URL is also tried with the default port
  added and removed; with a ``bodySHA256`` query parameter the fields part is empty and the
  parameter must equal ``sha256_hex(body)``.

As SignalWire's own validator does, A is tried first, then B.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from providers._coerce import number as to_float
from providers._coerce import whole_number as to_int
from providers.errors import WebhookRejectedError
from providers.models import RecordingEvent, RecordingEventKind, WebhookRequest

from .mapping import PROVIDER, parse_date, recording_source

SIGNATURE_HEADERS = ("x-signalwire-signature", "x-twilio-signature")

_KINDS = {
    "in-progress": RecordingEventKind.STARTED,
    "paused": RecordingEventKind.PAUSED,
    "resumed": RecordingEventKind.RESUMED,
    "stopped": RecordingEventKind.STOPPED,
    "completed": RecordingEventKind.COMPLETED,
    "absent": RecordingEventKind.ABSENT,
    "failed": RecordingEventKind.FAILED,
    "deleted": RecordingEventKind.DELETED,
}


def _hmac_sha1(key: str, text: bytes) -> bytes:
    return hmac.new(key.encode(), text, hashlib.sha1).digest()


def sign_form(key: str, url: str, params: Sequence[tuple[str, str]]) -> str:
    """Scheme B signature of a form callback (what the simulator sends)."""
    ordered = sorted(params, key=lambda kv: kv[0])  # stable: repeated names keep order
    text = url + "".join(name + value for name, value in ordered)
    return base64.b64encode(_hmac_sha1(key, text.encode())).decode()


def sign_json(key: str, url: str, body: bytes) -> str:
    """Scheme A signature of a JSON webhook."""
    return hmac.new(key.encode(), url.encode() + body, hashlib.sha1).hexdigest()


def url_variants(url: str) -> list[str]:
    """The URL as given, then with the scheme's default port removed or added."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    variants = [url]
    if default is None or parts.hostname is None:
        return variants
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    if parts.port == default:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}")))
    elif parts.port is None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}")))
    return variants


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _form_params(request: WebhookRequest) -> list[tuple[str, str]]:
    if request.method.upper() == "GET" or not request.body:
        return []
    ctype = (_header(request.headers, "content-type") or "").lower()
    if ctype and "x-www-form-urlencoded" not in ctype:
        return []
    try:
        return parse_qsl(request.body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        return []


def verify(request: WebhookRequest, key: str) -> None:
    """Raise :class:`WebhookRejectedError` unless the request is signed with ``key``."""
    signature = next(
        (v for v in (_header(request.headers, h) for h in SIGNATURE_HEADERS) if v), None
    )
    if signature is None:
        raise WebhookRejectedError(
            "signalwire: missing X-SignalWire-Signature header", provider=PROVIDER
        )
    signature = signature.strip()
    for url in url_variants(request.url):
        if hmac.compare_digest(sign_json(key, url, request.body), signature):
            return
    query = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    body_hash = query.get("bodySHA256")
    if body_hash is not None:
        actual = hashlib.sha256(request.body).hexdigest()
        if not hmac.compare_digest(actual, body_hash.lower()):
            raise WebhookRejectedError(
                "signalwire: body does not match bodySHA256", provider=PROVIDER
            )
        params: list[tuple[str, str]] = []
    else:
        params = _form_params(request)
    for url in url_variants(request.url):
        if hmac.compare_digest(sign_form(key, url, params), signature):
            return
    raise WebhookRejectedError(
        "signalwire: signature does not match the URL and body (check the signing key and "
        "that the URL is exactly the one SignalWire called)",
        provider=PROVIDER,
    )


def parse_events(
    request: WebhookRequest, account_name: str, project_id: str
) -> list[RecordingEvent]:
    """Recording status callbacks -> events; anything else (voice status callbacks
    without a recording, JSON RELAY events, another project's callbacks) -> no events.
    SignalWire sends no event time, so ``occurred_at`` is when the gateway received it."""
    params = _form_params(request) or parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
    fields = dict(params)
    sid = fields.get("RecordingSid")
    status = (fields.get("RecordingStatus") or "").lower()
    kind = _KINDS.get(status)
    if not sid or kind is None or fields.get("AccountSid", project_id) != project_id:
        return []
    # Typed fields, plus RecordingUrl: a vendor media link that needs no credentials at
    # SignalWire, so it is never passed on (audio goes through the gateway's signed
    # ``media`` links, which need the ``media`` scope).
    known = {
        "AccountSid",
        "CallSid",
        "ConferenceSid",
        "RecordingSid",
        "RecordingStatus",
        "RecordingDuration",
        "RecordingUrl",
    }
    extra: dict[str, object] = {k: v for k, v in fields.items() if k not in known}
    if "RecordingSource" in fields:
        extra["RecordingSource"] = recording_source(fields["RecordingSource"])
    if "RecordingChannels" in fields:
        extra["RecordingChannels"] = to_int(fields["RecordingChannels"])
    occurred = parse_date(fields.get("Timestamp"))
    return [
        RecordingEvent(
            provider=PROVIDER,
            account_name=account_name,
            kind=kind,
            provider_recording_id=sid,
            occurred_at=occurred or request.received_at,
            provider_call_id=fields.get("CallSid") or None,
            provider_conference_id=fields.get("ConferenceSid") or None,
            duration_seconds=to_float(fields.get("RecordingDuration")),
            extra=extra,
            key=event_key(sid, status, params),
        )
    ]


def event_key(sid: str, status: str, params: Sequence[tuple[str, str]]) -> str:
    """SignalWire sends no event id, and its signature covers no timestamp: a replay is the
    same parameters again. One callback per status per recording, so (recording, status)
    plus a digest of every parameter identifies it (two pauses of one recording that
    differ in any parameter stay two events)."""
    digest = hashlib.sha256()
    for name, value in sorted(params):
        digest.update(f"{len(name)}:{name}{len(value)}:{value}".encode())
    return f"{PROVIDER}:{sid}:{status}:{digest.hexdigest()[:32]}"
