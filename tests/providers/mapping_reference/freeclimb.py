"""FreeClimb JSON -> domain model.

Tolerant by design: any field may be missing, ``null`` or ``""``; numbers may arrive as
strings (the reference page types ``durationSec`` as a string, the SDK as an int); dates
come as RFC 1123 ``GMT`` strings with optional RFC 3339 ``*ISO`` twins (preferred, they
carry milliseconds). Unknown fields land in ``extra``.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from providers._coerce import Leftovers, number
from providers.models import Call, Conference, Recording, RecordingStatus

from ._dates import rfc1123_utc

PROVIDER = "freeclimb"

_RECORDING_KEYS = frozenset(
    {
        "uri",
        "dateCreated",
        "dateUpdated",
        "dateCreatedISO",
        "dateUpdatedISO",
        "recordingId",
        "accountId",
        "callId",
        "conferenceId",
        "durationSec",
        "deleted",
        "mimeType",
    }
)
_CALL_KEYS = frozenset(
    {
        "uri",
        "callId",
        "accountId",
        "from",
        "to",
        "direction",
        "status",
        "startTime",
        "startTimeISO",
        "endTime",
        "endTimeISO",
        "duration",
        "parentCallId",
    }
)
_CONFERENCE_KEYS = frozenset(
    {
        "uri",
        "conferenceId",
        "accountId",
        "alias",
        "status",
        "dateCreated",
        "dateCreatedISO",
        "dateUpdated",
        "dateUpdatedISO",
    }
)


def text(value: Any) -> str | None:
    """A non-empty string, or ``None`` (FreeClimb uses both ``null`` and ``""`` for "none")."""
    if isinstance(value, str) and value.strip():
        return value
    return None


def parse_rfc1123(value: Any) -> datetime | None:
    """``Mon, 10 Jun 2024 16:00:00 GMT`` -> aware UTC datetime."""
    if type(value) is str:
        # What FreeClimb sends; everything else takes the general path below.
        parsed = rfc1123_utc(value)
        if parsed is not None:
            return parsed
    return _parse_rfc1123_slow(value)


def _parse_rfc1123_slow(value: Any) -> datetime | None:
    """The general :func:`parse_rfc1123` (and the reference its fast path is tested to)."""
    if not text(value):
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_iso(value: Any) -> datetime | None:
    """``2024-06-10T16:00:00.412Z`` -> aware UTC datetime."""
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        # FreeClimb's "Z" comes back as datetime.UTC itself: nothing to convert.
        return parsed if parsed.tzinfo is UTC else _to_utc(parsed)
    return _parse_iso_slow(value)


def _parse_iso_slow(value: Any) -> datetime | None:
    """The general :func:`parse_iso` (and the reference its fast path is tested to)."""
    if not text(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return _to_utc(parsed)


def _to_utc(parsed: datetime) -> datetime:
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def when(raw: Mapping[str, Any], key: str) -> datetime | None:
    """The ``*ISO`` twin when present and valid, else the RFC 1123 field."""
    return parse_iso(raw.get(key + "ISO")) or parse_rfc1123(raw.get(key))


def to_recording(raw: Mapping[str, Any], account_name: str) -> Recording | None:
    """``None`` when the item has no id or no creation date (nothing to point at)."""
    recording_id = text(raw.get("recordingId"))
    created = when(raw, "dateCreated")
    if recording_id is None or created is None:
        return None
    deleted = raw.get("deleted") is True
    call_id = text(raw.get("callId"))
    conference_id = text(raw.get("conferenceId"))
    return Recording(
        provider=PROVIDER,
        account_name=account_name,
        provider_recording_id=recording_id,
        created_at=created,
        status=RecordingStatus.DELETED if deleted else RecordingStatus.COMPLETED,
        provider_call_id=call_id,
        provider_conference_id=conference_id,
        duration_seconds=number(raw.get("durationSec")),
        channels=1,
        source="conference" if conference_id else "call" if call_id else None,
        mime_type=text(raw.get("mimeType")) or "audio/wav",
        updated_at=when(raw, "dateUpdated"),
        extra=Leftovers(raw, _RECORDING_KEYS),
    )


def to_call(raw: Mapping[str, Any], account_name: str) -> Call | None:
    call_id = text(raw.get("callId"))
    if call_id is None:
        return None
    return Call(
        provider=PROVIDER,
        account_name=account_name,
        provider_call_id=call_id,
        from_number=text(raw.get("from")),
        to_number=text(raw.get("to")),
        direction=text(raw.get("direction")),
        status=text(raw.get("status")),
        start_time=when(raw, "startTime"),
        end_time=when(raw, "endTime"),
        duration_seconds=number(raw.get("duration")),
        parent_call_id=text(raw.get("parentCallId")),
        extra=Leftovers(raw, _CALL_KEYS),
    )


def to_conference(raw: Mapping[str, Any], account_name: str) -> Conference | None:
    conference_id = text(raw.get("conferenceId"))
    if conference_id is None:
        return None
    return Conference(
        provider=PROVIDER,
        account_name=account_name,
        provider_conference_id=conference_id,
        name=text(raw.get("alias")),
        status=text(raw.get("status")),
        created_at=when(raw, "dateCreated"),
        updated_at=when(raw, "dateUpdated"),
        extra=Leftovers(raw, _CONFERENCE_KEYS),
    )
