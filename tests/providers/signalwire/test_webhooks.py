"""Signature worked examples from the notes, verbatim, and webhook parsing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from providers.config import ClientOptions
from providers.errors import WebhookRejectedError
from providers.models import RecordingEventKind, WebhookRequest
from providers.signalwire import SignalWireBackend
from providers.signalwire.webhooks import sign_form, sign_json, verify

KEY = "PSK_7d1e5c3a9b2f4e6d8c0a1b3e5f7d9c2a"
URL = "https://hooks.example.com/signalwire/recording-status?tenant=acme"
PARAMS = {
    "AccountSid": "6b0d4f2e-1c3a-4e5b-9d7f-0a2c4e6b8d10",
    "CallSid": "3f9a1c7e-5b2d-4a6f-8e0c-1d3b5f7a9c2e",
    "RecordingSid": "a7c5e3b1-9d8f-4e2c-b6a4-0f1e2d3c4b5a",
    "RecordingUrl": "https://example.signalwire.com/api/laml/2010-04-01/Accounts/6b0d4f2e-1c3a-4e5b-9d7f-0a2c4e6b8d10/Recordings/a7c5e3b1-9d8f-4e2c-b6a4-0f1e2d3c4b5a",
    "RecordingStatus": "completed",
    "RecordingDuration": "42",
    "RecordingChannels": "1",
    "RecordingSource": "StartCallRecordingApi",
}
SIGNATURE = "QnMqM44jQeW3DOQJIxYn811d2nQ="
NOW = datetime(2024, 6, 10, 16, 0, 5, tzinfo=UTC)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def request(url: str, body: bytes, headers: dict[str, str], method: str = "POST") -> WebhookRequest:
    return WebhookRequest(method=method, url=url, headers=headers, body=body, received_at=NOW)


def backend(signing_key: str | None = KEY) -> SignalWireBackend:
    settings = {
        "base_url": "https://example.signalwire.com",
        "project_id": PARAMS["AccountSid"],
        "api_token": "PTsecret",
    }
    if signing_key is not None:
        settings["signing_key"] = signing_key
    return SignalWireBackend("sales", settings, ClientOptions())


def test_scheme_b_worked_example() -> None:
    assert sign_form(KEY, URL, list(PARAMS.items())) == SIGNATURE
    # The twilio package's validator agrees (decoded values, not the wire form).
    assert RequestValidator(KEY).validate(URL, PARAMS, SIGNATURE)


def test_scheme_a_worked_example() -> None:
    body = (
        b'{"event_type":"calling.call.record","params":{"call_id":'
        b'"3f9a1c7e-5b2d-4a6f-8e0c-1d3b5f7a9c2e","state":"finished"}}'
    )
    url = "https://hooks.example.com/signalwire/relay"
    assert sign_json(KEY, url, body) == "b98feb41cfc9f55bb5b85e402e0e2f964697be18"
    verify(request(url, body, {"X-SignalWire-Signature": sign_json(KEY, url, body)}), KEY)


def test_twilio_cross_check_vector() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert sign_form("12345", url, list(params.items())) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


async def test_backend_accepts_the_worked_example_and_the_twilio_alias() -> None:
    body = urlencode(PARAMS).encode()
    for header in ("X-SignalWire-Signature", "x-twilio-signature"):
        events = await backend().parse_webhook(request(URL, body, {header: SIGNATURE, **FORM}))
        assert len(events) == 1
        event = events[0]
        assert event.kind is RecordingEventKind.COMPLETED
        assert event.provider_recording_id == PARAMS["RecordingSid"]
        assert event.provider_call_id == PARAMS["CallSid"]
        assert event.duration_seconds == 42.0
        assert event.account_name == "sales" and event.occurred_at == NOW
        assert event.extra["RecordingSource"] == "StartCallRecordingAPI"


@pytest.mark.parametrize(
    ("signed_url", "received_url"),
    [
        ("https://hooks.example.com:443/cb?x=1", "https://hooks.example.com/cb?x=1"),
        ("https://hooks.example.com/cb?x=1", "https://hooks.example.com:443/cb?x=1"),
    ],
)
async def test_default_port_variants(signed_url: str, received_url: str) -> None:
    sig = sign_form(KEY, signed_url, list(PARAMS.items()))
    body = urlencode(PARAMS).encode()
    hdrs = {"X-SignalWire-Signature": sig, **FORM}
    assert await backend().parse_webhook(request(received_url, body, hdrs))


async def test_body_sha256_variant() -> None:
    body = b'{"RecordingSid":"x"}'
    url = f"https://hooks.example.com/cb?bodySHA256={hashlib.sha256(body).hexdigest()}"
    sig = sign_form(KEY, url, [])
    hdrs = {"X-SignalWire-Signature": sig, "Content-Type": "application/json"}
    assert await backend().parse_webhook(request(url, body, hdrs)) == []
    with pytest.raises(WebhookRejectedError, match="bodySHA256"):
        await backend().parse_webhook(request(url, body + b" ", hdrs))


@pytest.mark.parametrize(
    ("url", "body", "headers", "reason"),
    [
        (URL, urlencode(PARAMS).encode(), FORM, "missing"),
        (URL, urlencode({**PARAMS, "RecordingDuration": "43"}).encode(), None, "does not match"),
        (URL.replace("acme", "evil"), urlencode(PARAMS).encode(), None, "does not match"),
    ],
)
async def test_rejections_name_the_reason(
    url: str, body: bytes, headers: dict[str, str] | None, reason: str
) -> None:
    hdrs = headers if headers is not None else {"X-SignalWire-Signature": SIGNATURE, **FORM}
    with pytest.raises(WebhookRejectedError, match=reason):
        await backend().parse_webhook(request(url, body, hdrs))


async def test_wrong_key_and_missing_key() -> None:
    hdrs = {"X-SignalWire-Signature": SIGNATURE, **FORM}
    body = urlencode(PARAMS).encode()
    with pytest.raises(WebhookRejectedError):
        await backend("PSK_other").parse_webhook(request(URL, body, hdrs))
    with pytest.raises(WebhookRejectedError, match="signing_key"):
        await backend(None).parse_webhook(request(URL, body, hdrs))


async def test_authentic_but_irrelevant_webhooks_give_no_events() -> None:
    voice = {
        "AccountSid": PARAMS["AccountSid"],
        "CallSid": PARAMS["CallSid"],
        "CallStatus": "ringing",
    }
    body = urlencode(voice).encode()
    sig = sign_form(KEY, URL, list(voice.items()))
    hdrs = {"X-SignalWire-Signature": sig, **FORM}
    assert await backend().parse_webhook(request(URL, body, hdrs)) == []


async def test_in_progress_and_absent_events() -> None:
    for status, kind in (
        ("in-progress", RecordingEventKind.STARTED),
        ("absent", RecordingEventKind.ABSENT),
    ):
        params = {**PARAMS, "RecordingStatus": status}
        sig = sign_form(KEY, URL, list(params.items()))
        hdrs = {"X-SignalWire-Signature": sig, **FORM}
        events = await backend().parse_webhook(request(URL, urlencode(params).encode(), hdrs))
        assert [e.kind for e in events] == [kind]
