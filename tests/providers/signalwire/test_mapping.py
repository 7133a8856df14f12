"""Wire quirks: int-or-string numbers, RFC 2822 dates, enum spellings, secrets."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import pytest

from providers.errors import InvalidStateError, InvalidTokenError, RateLimitedError
from providers.models import RecordingStatus
from providers.signalwire.client import Cursor, parse_error
from providers.signalwire.mapping import parse_date, to_call, to_conference, to_recording
from providers.signalwire.wire import CallWire, ConferenceWire, RecordingWire

SAMPLE: dict[str, Any] = {
    "sid": "a7c5e3b1-9d8f-4e2c-b6a4-0f1e2d3c4b5a",
    "account_sid": "6b0d4f2e-1c3a-4e5b-9d7f-0a2c4e6b8d10",
    "api_version": "2010-04-01",
    "call_sid": "3f9a1c7e-5b2d-4a6f-8e0c-1d3b5f7a9c2e",
    "conference_sid": None,
    "channel": "1",
    "channels": "1",
    "date_created": "Mon, 10 Jun 2024 15:59:18 +0000",
    "date_updated": "Mon, 10 Jun 2024 16:00:02 +0000",
    "start_time": "Mon, 10 Jun 2024 15:59:18 +0000",
    "end_time": "Mon, 10 Jun 2024 16:00:00 +0000",
    "duration": 42,
    "price": "-0.0025",
    "price_unit": "USD",
    "source": "StartCallRecordingApi",
    "status": "completed",
    "error_code": None,
    "uri": "/api/laml/2010-04-01/Accounts/x/Recordings/y.json",
    "encryption_details": None,
    "trim": "do-not-trim",
}


def rec(**changes: Any) -> RecordingWire:
    return cast(RecordingWire, {**SAMPLE, **changes})


def test_notes_sample_maps_to_domain() -> None:
    r = to_recording(rec(), "acct")
    assert r.created_at == datetime(2024, 6, 10, 15, 59, 18, tzinfo=UTC)
    assert r.end_time == datetime(2024, 6, 10, 16, 0, tzinfo=UTC)
    assert r.duration_seconds == 42.0
    assert r.channels == 1
    assert r.status is RecordingStatus.COMPLETED
    assert r.price is not None and r.price.amount == Decimal("-0.0025")
    assert r.source == "StartCallRecordingAPI"
    assert r.extra["vendor_source"] == "StartCallRecordingApi"
    assert r.extra["trim"] == "do-not-trim"


@pytest.mark.parametrize(
    ("duration", "channels", "error_code"),
    [(42, "2", None), ("42", 2, 13227), ("42", "2", "13227")],
)
def test_int_or_string_numbers(duration: Any, channels: Any, error_code: Any) -> None:
    r = to_recording(rec(duration=duration, channels=channels, error_code=error_code), "a")
    assert r.duration_seconds == 42.0
    assert r.channels == 2
    assert r.error_code == (None if error_code is None else "13227")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("in-progress", RecordingStatus.IN_PROGRESS),
        ("resumed", RecordingStatus.IN_PROGRESS),
        ("paused", RecordingStatus.PAUSED),
        ("stopped", RecordingStatus.STOPPED),
        ("absent", RecordingStatus.ABSENT),
        ("queued", RecordingStatus.PROCESSING),
        ("processing", RecordingStatus.PROCESSING),
        ("deleted", RecordingStatus.DELETED),
    ],
)
def test_status_spellings(raw: str, expected: RecordingStatus) -> None:
    assert to_recording(rec(status=raw), "a").status is expected


def test_unknown_values_are_kept_never_a_crash() -> None:
    r = to_recording(
        rec(status="transcoding", source="QuantumVerb", duration="n/a", brand_new={"x": 1}),
        "a",
    )
    assert r.status is RecordingStatus.PROCESSING
    assert r.extra["status"] == "transcoding"
    assert r.source == "QuantumVerb"
    assert r.duration_seconds is None
    assert r.extra["brand_new"] == {"x": 1}


def test_nulls_everywhere() -> None:
    r = to_recording(cast(RecordingWire, {"sid": SAMPLE["sid"], "date_created": None}), "a")
    assert r.created_at.tzinfo is not None
    assert r.duration_seconds is None and r.channels is None and r.price is None


def test_lenient_dates() -> None:
    assert parse_date("Mon, 24 Sept 2018 10:00:00 +0000") == datetime(2018, 9, 24, 10, tzinfo=UTC)
    assert parse_date("Mon, 10 Jun 2024 18:00:00 +0200") == datetime(2024, 6, 10, 16, tzinfo=UTC)
    assert parse_date("2024-06-10T16:00:00Z") == datetime(2024, 6, 10, 16, tzinfo=UTC)
    assert parse_date("not a date") is None


def test_call_and_conference_mapping_drop_secrets() -> None:
    call = to_call(
        cast(
            CallWire,
            {
                "sid": SAMPLE["call_sid"],
                "from": "+13125550147",
                "to": "+13125550199",
                "duration": "83",
                "price": 0.0083,
                "direction": "outbound-dial",
                "start_time": "Mon, 10 Jun 2024 15:58:41 +0000",
                "auth_token": "tok-secret",
            },
        ),
        "a",
    )
    assert call.duration_seconds == 83.0 and call.direction == "outbound-dial"
    assert call.from_number == "+13125550147"
    assert "auth_token" not in call.extra
    conf = to_conference(
        cast(ConferenceWire, {"sid": "c", "friendly_name": "x", "auth_token": "s"}), "a"
    )
    assert conf.name == "x" and "auth_token" not in conf.extra


def test_error_body_shapes() -> None:
    std = parse_error(404, {"code": 20404, "message": "nope", "status": 404})
    assert (std.vendor_code, std.message) == ("20404", "nope")
    objs = parse_error(400, {"errors": [{"code": "30010", "message": "bad to"}]})
    assert (objs.vendor_code, objs.message) == ("30010", "bad to")
    strs = parse_error(422, {"errors": ["To is invalid", "From is invalid"]})
    assert strs.message == "To is invalid; From is invalid"
    assert parse_error(400, {"code": 21220, "message": "x"}).error_class is InvalidStateError
    assert parse_error(429, {"code": 20429, "message": "x"}).error_class is RateLimitedError


def test_page_token_round_trip_and_validation() -> None:
    cursor = Cursor(3, "PAa7c5e3b1-9d8f-4e2c-b6a4-0f1e2d3c4b5a")
    token = cursor.encode()
    assert "/" not in token and "http" not in token
    assert Cursor.decode(token) == cursor
    for bad in ("garbage", "sw1:!!!", Cursor(0, "PAx").encode(), Cursor(1, "XX").encode()):
        with pytest.raises(InvalidTokenError):
            Cursor.decode(bad)
