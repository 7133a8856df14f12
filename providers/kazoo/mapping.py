"""Kazoo wire -> domain model.

Kazoo times are Gregorian seconds (Unix + 62167219200) except the CDR's Unix-microsecond
``channel_created_time``; CDR listing rows carry numbers as strings. Unknown fields are
kept in ``extra``; envelope keys (``auth_token``!) never reach a mapper.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from providers._build import builder
from providers._coerce import Leftovers, number
from providers.models import Call, Conference, Recording, RecordingStatus

from .client import PROVIDER
from .wire import CdrDoc, CdrRow, ConferenceDoc, RecordingDoc

GREGORIAN_OFFSET = 62167219200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_gregorian(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds()) + GREGORIAN_OFFSET


def from_gregorian(value: Any) -> datetime | None:
    if type(value) is int:
        seconds = value
    elif type(value) is str and value.isdigit() and value.isascii() and len(value) < 16:
        seconds = int(value)  # CDR rows stringify every number
    else:
        return _from_gregorian_slow(value)
    if seconds < GREGORIAN_OFFSET:
        return None
    try:
        # Whole seconds: exactly what the timedelta arithmetic below gives, in half the time.
        return datetime.fromtimestamp(seconds - GREGORIAN_OFFSET, UTC)
    except (OverflowError, ValueError, OSError):
        return _from_gregorian_slow(value)  # out of range: fails as it always has


def _from_gregorian_slow(value: Any) -> datetime | None:
    """The general :func:`from_gregorian` (and the reference its fast path is tested to)."""
    seconds = number(value)
    if seconds is None or seconds < GREGORIAN_OFFSET:
        return None
    return _EPOCH + timedelta(seconds=seconds - GREGORIAN_OFFSET)


def text(value: Any) -> str | None:
    """A non-empty string (CDR rows use ``""`` for missing)."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


#: Never in ``extra``, whatever the mapper: CouchDB internals and credentials.
_HIDDEN = frozenset({"_id", "_rev", "auth_token"})


class _Leftovers(Leftovers):
    """Also hides CouchDB's ``pvt_*`` fields, and strips credentials from ``url`` on read."""

    __slots__ = ()

    def _hides(self, key: object) -> bool:
        return key in self._hidden or (isinstance(key, str) and key.startswith("pvt_"))

    def _reveal(self, key: str, value: Any) -> Any:
        return _redact_url(value) if key == "url" else value


def _redact_url(value: Any) -> Any:
    """External storage URLs may embed credentials: keep only scheme, host and path."""
    if not isinstance(value, str):
        return value
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


_RECORDING_HIDDEN = _HIDDEN | {
    "id",
    "cdr_id",
    "start",
    "duration",
    "duration_ms",
    "content_type",
    "origin",
}


# The mappers below run once per listed row, so they spell out the common case (a
# non-empty string, an int) inline and leave every other value to the helper above that
# decides it; ``tests/providers/test_mapping_reference.py`` holds them to the mappers as
# they were. Models are built positionally through ``providers._build`` (mypy checks the
# arguments against the fields).
_new_recording = builder(Recording)
_new_call = builder(Call)


def recording(doc: RecordingDoc | Mapping[str, Any], account_name: str) -> Recording:
    """``created_at`` is when Kazoo wrote the doc (recording start + duration): the
    listing's sort and ``created_from/to`` key (``pvt_created``) is that moment."""
    raw: Mapping[str, Any] = doc
    rec_id = raw.get("id", "")
    if type(rec_id) is not str:
        rec_id = str(rec_id)
    start = from_gregorian(raw.get("start"))
    ms = raw.get("duration_ms")
    ms = float(ms) if type(ms) is int else number(ms)
    secs = raw.get("duration")
    secs = float(secs) if type(secs) is int else number(secs)
    duration = ms / 1000 if ms is not None else secs
    whole = secs if secs is not None else (int(ms / 1000) if ms is not None else 0.0)
    end = start + timedelta(seconds=duration) if start and duration is not None else None
    created = start + timedelta(seconds=whole) if start else _month_of(rec_id)
    ccv = raw.get("custom_channel_vars")
    conference = ccv.get("conference_id") if isinstance(ccv, dict) else None
    mime = raw.get("content_type")
    if not (type(mime) is str and mime):
        mime = text(mime)
        read_only = raw.get("_read_only")
        if mime is None and isinstance(read_only, dict):
            types = read_only.get("content_types")
            if isinstance(types, list) and types:
                mime = text(types[0])
    cdr_id = raw.get("cdr_id")
    origin = raw.get("origin")
    return _new_recording(
        PROVIDER,
        account_name,
        rec_id,
        created,
        RecordingStatus.COMPLETED,
        cdr_id if type(cdr_id) is str and cdr_id else text(cdr_id),
        None if conference is None else text(conference),
        duration,  # duration_seconds
        None,  # channels
        origin if type(origin) is str and origin else text(origin),
        mime,  # mime_type
        None,  # updated_at
        start,  # start_time
        end,  # end_time
        None,  # price
        None,  # error_code
        _Leftovers(raw, _RECORDING_HIDDEN),
    )


def _month_of(prefixed_id: str) -> datetime:
    """Kazoo ids start with the ``YYYYMM`` of their monthly database."""
    try:
        return datetime(int(prefixed_id[:4]), int(prefixed_id[4:6]), 1, tzinfo=UTC)
    except ValueError:
        return _EPOCH


_CDR_HIDDEN = _HIDDEN | {
    "id",
    "caller_id_number",
    "callee_id_number",
    "direction",
    "call_direction",
    "duration_seconds",
    "timestamp",
}
_CONFERENCE_HIDDEN = _HIDDEN | {"id", "name", "bridge_password"}


def call_from_row(row: CdrRow | Mapping[str, Any], account_name: str) -> Call:
    """A ``GET /cdrs`` row: ``timestamp`` (a string) is the call START."""
    raw: Mapping[str, Any] = row
    start = from_gregorian(raw.get("timestamp"))
    duration = raw.get("duration_seconds")
    if type(duration) is str and duration.isdigit() and duration.isascii() and len(duration) < 16:
        seconds: float | None = float(duration)  # CDR rows stringify every number
    else:
        seconds = number(duration)
    return _call(raw, account_name, start, seconds)


def call_from_doc(doc: CdrDoc | Mapping[str, Any], account_name: str) -> Call:
    """A full CDR: ``timestamp`` is the call END; ``channel_created_time`` Unix µs."""
    raw: Mapping[str, Any] = doc
    duration = number(raw.get("duration_seconds"))
    end = from_gregorian(raw.get("timestamp"))
    created_us = number(raw.get("channel_created_time"))
    if created_us is not None:
        start: datetime | None = _EPOCH + timedelta(microseconds=created_us)
    elif end is not None and duration is not None:
        start = end - timedelta(seconds=duration)
    else:
        start = None
    return _call(raw, account_name, start, duration, end)


def _call(
    raw: Mapping[str, Any],
    account_name: str,
    start: datetime | None,
    duration: float | None,
    end: datetime | None = None,
) -> Call:
    if end is None and start is not None and duration is not None:
        end = start + timedelta(seconds=duration)
    call_id = raw.get("id", "")
    caller = raw.get("caller_id_number")
    callee = raw.get("callee_id_number")
    direction = raw.get("direction")
    return _new_call(
        PROVIDER,
        account_name,
        call_id if type(call_id) is str else str(call_id),
        (caller if type(caller) is str and caller else text(caller)) or text(raw.get("from")),
        (callee if type(callee) is str and callee else text(callee))
        or text(raw.get("dialed_number"))
        or text(raw.get("to")),
        (direction if type(direction) is str and direction else text(direction))
        or text(raw.get("call_direction")),
        "completed",  # status: CDRs exist only for finished legs
        start,  # start_time
        end,  # end_time
        duration,  # duration_seconds
        None,  # parent_call_id
        _Leftovers(raw, _CDR_HIDDEN),
    )


_CHANNEL_HIDDEN = _HIDDEN | {"uuid", "timestamp", "direction", "destination"}


def is_channel(row: Mapping[str, Any]) -> bool:
    """A ``/channels`` row (live call) rather than a CDR row: it has ``uuid``, no ``id``."""
    return "uuid" in row and "id" not in row


def call_from_channel(row: Mapping[str, Any], account_name: str) -> Call:
    """A live channel: ``uuid`` is its call id, ``timestamp`` (Gregorian) its start."""
    return Call(
        provider=PROVIDER,
        account_name=account_name,
        provider_call_id=str(row.get("uuid", "")),
        from_number=text(row.get("caller_id_number")) or text(row.get("username")),
        to_number=text(row.get("callee_id_number")) or text(row.get("destination")),
        direction=text(row.get("direction")),
        status="in-progress" if row.get("answered") else "ringing",
        start_time=from_gregorian(row.get("timestamp")),
        extra=_Leftovers(row, _CHANNEL_HIDDEN),
    )


def call_from_any(row: Mapping[str, Any], account_name: str) -> Call:
    """A ``/calls`` page item: a live channel or a CDR row."""
    if "uuid" in row and "id" not in row:  # is_channel, without a call per row
        return call_from_channel(row, account_name)
    return call_from_row(row, account_name)


def conference(doc: ConferenceDoc | Mapping[str, Any], account_name: str) -> Conference:
    """Kazoo conferences are configuration docs; ``status`` reflects the realtime
    ``_read_only.members`` count (``in-progress`` when anyone is in it)."""
    raw: Mapping[str, Any] = doc
    read_only = raw.get("_read_only")
    status = None
    if isinstance(read_only, dict):
        members = number(read_only.get("members"))
        moderators = number(read_only.get("moderators"))
        if members is not None or moderators is not None:
            status = "in-progress" if (members or 0) + (moderators or 0) > 0 else "idle"
    return Conference(
        provider=PROVIDER,
        account_name=account_name,
        provider_conference_id=str(raw.get("id", "")),
        name=text(raw.get("name")),
        status=status,
        extra=_conference_extra(raw),
    )


def _conference_extra(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """Conference docs hold access secrets (``bridge_password``, member/moderator
    ``pins``): they never leave the backend."""
    without_pins: dict[str, Any] = {}
    for role in ("member", "moderator"):
        value = raw.get(role)
        if isinstance(value, dict):
            without_pins[role] = {k: v for k, v in value.items() if k != "pins"}
    return _Leftovers(raw, _CONFERENCE_HIDDEN, without_pins)
