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

from providers._build import builder
from providers._coerce import Leftovers, number
from providers._dates import rfc1123_utc
from providers.models import Call, Conference, Recording, RecordingStatus

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


# The mappers below run once per listed row, so they spell out the common case (a
# non-empty string, an int, FreeClimb's ISO twin) inline and leave every other value to
# the helper above that decides it; ``tests/providers/test_mapping_reference.py`` holds
# them to the mappers as they were. Models are built positionally through
# ``providers._build`` (mypy checks the arguments against the fields).
_new_recording = builder(Recording)
_new_call = builder(Call)


def _when(iso: Any, rfc1123: Any) -> datetime | None:
    """:func:`when` of a row's ``<key>ISO`` and ``<key>`` values."""
    if type(iso) is str:
        try:
            parsed = _fromisoformat(iso.strip())
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo is UTC else _to_utc(parsed)
    # parse_iso is None for anything but a string: the RFC 1123 field decides.
    return parse_rfc1123(rfc1123)


def _text(value: Any) -> str | None:
    """:func:`text`, with the common non-empty string answered first."""
    return value if type(value) is str and value.strip() else text(value)


_fromisoformat = datetime.fromisoformat


def to_recording(raw: Mapping[str, Any], account_name: str) -> Recording | None:
    """``None`` when the item has no id or no creation date (nothing to point at)."""
    recording_id = raw.get("recordingId")
    if not (type(recording_id) is str and recording_id.strip()):
        recording_id = text(recording_id)
    created_iso = raw.get("dateCreatedISO")
    created_gmt = raw.get("dateCreated")
    created = _when(created_iso, created_gmt)
    if recording_id is None or created is None:
        return None
    updated_iso = raw.get("dateUpdatedISO")
    updated_gmt = raw.get("dateUpdated")
    if updated_iso == created_iso and updated_gmt == created_gmt:
        updated: datetime | None = created  # usually the same strings: parse them once
    else:
        updated = _when(updated_iso, updated_gmt)
    call_id = raw.get("callId")
    if not (type(call_id) is str and call_id.strip()):
        call_id = text(call_id)
    conference_id = raw.get("conferenceId")
    if not (type(conference_id) is str and conference_id.strip()):
        conference_id = text(conference_id)
    duration = raw.get("durationSec")
    mime_type = raw.get("mimeType")
    return _new_recording(
        PROVIDER,
        account_name,
        recording_id,
        created,
        RecordingStatus.DELETED if raw.get("deleted") is True else RecordingStatus.COMPLETED,
        call_id,
        conference_id,
        float(duration) if type(duration) is int else number(duration),
        1,  # channels
        "conference" if conference_id else "call" if call_id else None,  # source
        (mime_type if type(mime_type) is str and mime_type.strip() else text(mime_type))
        or "audio/wav",
        updated,  # updated_at
        None,  # start_time
        None,  # end_time
        None,  # price
        None,  # error_code
        Leftovers(raw, _RECORDING_KEYS),
    )


def to_call(raw: Mapping[str, Any], account_name: str) -> Call | None:
    call_id = raw.get("callId")
    if not (type(call_id) is str and call_id.strip()):
        call_id = text(call_id)
        if call_id is None:
            return None
    duration = raw.get("duration")
    return _new_call(
        PROVIDER,
        account_name,
        call_id,
        _text(raw.get("from")),
        _text(raw.get("to")),
        _text(raw.get("direction")),
        _text(raw.get("status")),
        _when(raw.get("startTimeISO"), raw.get("startTime")),
        _when(raw.get("endTimeISO"), raw.get("endTime")),
        float(duration) if type(duration) is int else number(duration),
        _text(raw.get("parentCallId")),
        Leftovers(raw, _CALL_KEYS),
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
