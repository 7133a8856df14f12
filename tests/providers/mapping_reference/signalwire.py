"""SignalWire wire objects -> :mod:`providers.models`.

Tolerant by design: nulls everywhere, numbers as int or string, RFC 2822 dates with the
odd four-letter month of SignalWire's doc samples (``Sept``), unknown enum values kept.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from providers._coerce import Leftovers
from providers._coerce import number as to_float
from providers._coerce import whole_number as to_int
from providers.models import Call, Conference, Money, Recording, RecordingStatus
from providers.signalwire.wire import CallWire, ConferenceWire, RecordingWire

from ._dates import rfc1123_utc

PROVIDER = "signalwire"
#: What ``open_media`` streams (the ``.wav`` rendition).
MEDIA_TYPE = "audio/x-wav"

#: SignalWire and Twilio recording statuses onto ours. ``resumed`` is SignalWire-only and
#: means recording again.
STATUSES: dict[str, RecordingStatus] = {
    "queued": RecordingStatus.PROCESSING,
    "in-progress": RecordingStatus.IN_PROGRESS,
    "resumed": RecordingStatus.IN_PROGRESS,
    "paused": RecordingStatus.PAUSED,
    "stopped": RecordingStatus.STOPPED,
    "processing": RecordingStatus.PROCESSING,
    "completed": RecordingStatus.COMPLETED,
    "absent": RecordingStatus.ABSENT,
    "failed": RecordingStatus.FAILED,
    "deleted": RecordingStatus.DELETED,
}

#: Recording sources in the LaML family's canonical (Twilio) spelling; SignalWire writes
#: ``OutBoundApi``, ``StartCallRecordingApi`` and ``StartConferenceRecording``.
SOURCES: dict[str, str] = {
    "dialverb": "DialVerb",
    "conference": "Conference",
    "outboundapi": "OutboundAPI",
    "trunking": "Trunking",
    "recordverb": "RecordVerb",
    "startcallrecordingapi": "StartCallRecordingAPI",
    "startconferencerecording": "StartConferenceRecordingAPI",
    "startconferencerecordingapi": "StartConferenceRecordingAPI",
}

# Mapped fields (never copied to ``extra``) and fields that are credentials.
_RECORDING_KEYS = frozenset(
    {
        "sid",
        "call_sid",
        "conference_sid",
        "channels",
        "date_created",
        "date_updated",
        "start_time",
        "end_time",
        "duration",
        "price",
        "price_unit",
        "source",
        "status",
        "error_code",
    }
)
_CALL_KEYS = frozenset(
    {"sid", "from", "to", "direction", "status", "start_time", "end_time", "duration"}
)
_CONFERENCE_KEYS = frozenset({"sid", "friendly_name", "status", "date_created", "date_updated"})
_SECRET_KEYS = frozenset({"auth_token", "signing_key", "api_token", "password"})
_RECORDING_HIDDEN = _RECORDING_KEYS | _SECRET_KEYS
_CALL_HIDDEN = _CALL_KEYS | {"parent_call_sid"} | _SECRET_KEYS
_CONFERENCE_HIDDEN = _CONFERENCE_KEYS | _SECRET_KEYS
_EPOCH = datetime.fromtimestamp(0, UTC)

_LONG_MONTH = re.compile(r"\b(Sept|June|July)\b")


def parse_date(value: Any) -> datetime | None:
    """RFC 2822 (``Mon, 10 Jun 2024 16:00:00 +0000``) or ISO 8601 -> aware UTC datetime."""
    if type(value) is str:
        # What SignalWire sends; everything else takes the general path below.
        parsed = rfc1123_utc(value)
        if parsed is not None:
            return parsed
    return _parse_date_slow(value)


def _parse_date_slow(value: Any) -> datetime | None:
    """The general :func:`parse_date` (and the reference its fast path is tested to)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = _LONG_MONTH.sub(lambda m: m.group(1)[:3], value.strip())
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_date(value: datetime) -> str:
    """RFC 2822 with a numeric zone, as SignalWire writes it (never ``GMT``)."""
    return email.utils.format_datetime(value.astimezone(UTC).replace(microsecond=0))


def to_str(value: Any) -> str | None:
    if type(value) is str:
        return value or None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float):
        return str(value)
    return None


def recording_status(raw: Any) -> RecordingStatus:
    """Unknown statuses become PROCESSING (not final, not failed); the raw value stays in
    ``extra["status"]``."""
    if type(raw) is str and raw in STATUSES:
        return STATUSES[raw]
    if isinstance(raw, str):
        return STATUSES.get(raw.strip().lower(), RecordingStatus.PROCESSING)
    return RecordingStatus.PROCESSING


def recording_source(raw: Any) -> str | None:
    if not isinstance(raw, str) or not raw:
        return None
    return SOURCES.get(raw.replace("_", "").replace("-", "").lower(), raw)


def _price(amount: Any, unit: Any) -> Money | None:
    text = to_str(amount)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return Money(value, unit if isinstance(unit, str) and unit else "USD")


def to_recording(wire: RecordingWire, account_name: str) -> Recording:
    raw: Mapping[str, Any] = wire
    start_text = raw.get("start_time")
    start = parse_date(start_text)
    # date_created is usually the very same string as start_time, and date_updated
    # often the same as date_created: parse each distinct string once.
    created_text = raw.get("date_created")
    created = start if created_text == start_text else parse_date(created_text)
    updated_text = raw.get("date_updated")
    updated = created if updated_text == created_text else parse_date(updated_text)
    status = raw.get("status")
    source = raw.get("source")
    canonical_source = recording_source(source)
    if canonical_source != source and isinstance(source, str):
        tail = {"status": status, "vendor_source": source}
    else:
        tail = {"status": status}
    return Recording(
        provider=PROVIDER,
        account_name=account_name,
        provider_recording_id=str(raw.get("sid")),
        created_at=created or start or _EPOCH,
        status=recording_status(status),
        provider_call_id=to_str(raw.get("call_sid")),
        provider_conference_id=to_str(raw.get("conference_sid")),
        duration_seconds=to_float(raw.get("duration")),
        channels=to_int(raw.get("channels")) or to_int(raw.get("channel")),
        source=canonical_source,
        mime_type=MEDIA_TYPE,
        updated_at=updated,
        start_time=start,
        end_time=parse_date(raw.get("end_time")),
        price=_price(raw.get("price"), raw.get("price_unit")),
        error_code=to_str(raw.get("error_code")),
        extra=Leftovers(raw, _RECORDING_HIDDEN, tail),
    )


def to_call(wire: CallWire, account_name: str) -> Call:
    raw: Mapping[str, Any] = wire
    return Call(
        provider=PROVIDER,
        account_name=account_name,
        provider_call_id=str(raw.get("sid")),
        from_number=to_str(raw.get("from")),
        to_number=to_str(raw.get("to")),
        direction=to_str(raw.get("direction")),
        status=to_str(raw.get("status")),
        start_time=parse_date(raw.get("start_time")),
        end_time=parse_date(raw.get("end_time")),
        duration_seconds=to_float(raw.get("duration")),
        parent_call_id=to_str(raw.get("parent_call_sid")),
        extra=Leftovers(raw, _CALL_HIDDEN),
    )


def to_conference(wire: ConferenceWire, account_name: str) -> Conference:
    raw: Mapping[str, Any] = wire
    created_text = raw.get("date_created")
    created = parse_date(created_text)
    updated_text = raw.get("date_updated")
    updated = created if updated_text == created_text else parse_date(updated_text)
    return Conference(
        provider=PROVIDER,
        account_name=account_name,
        provider_conference_id=str(raw.get("sid")),
        name=to_str(raw.get("friendly_name")),
        status=to_str(raw.get("status")),
        created_at=created,
        updated_at=updated,
        extra=Leftovers(raw, _CONFERENCE_HIDDEN),
    )
