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

from providers._coerce import Leftovers, number
from providers.kazoo.client import PROVIDER
from providers.kazoo.wire import CdrDoc, CdrRow, ConferenceDoc, RecordingDoc
from providers.models import Call, Conference, Recording, RecordingStatus

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


def recording(doc: RecordingDoc | Mapping[str, Any], account_name: str) -> Recording:
    """``created_at`` is when Kazoo wrote the doc (recording start + duration): the
    listing's sort and ``created_from/to`` key (``pvt_created``) is that moment."""
    raw: Mapping[str, Any] = doc
    rec_id = str(raw.get("id", ""))
    start = from_gregorian(raw.get("start"))
    ms = number(raw.get("duration_ms"))
    secs = number(raw.get("duration"))
    duration = ms / 1000 if ms is not None else secs
    whole = secs if secs is not None else (int(ms / 1000) if ms is not None else 0.0)
    end = start + timedelta(seconds=duration) if start and duration is not None else None
    created = start + timedelta(seconds=whole) if start else _month_of(rec_id)
    ccv = raw.get("custom_channel_vars")
    conference = ccv.get("conference_id") if isinstance(ccv, dict) else None
    mime = text(raw.get("content_type"))
    read_only = raw.get("_read_only")
    if mime is None and isinstance(read_only, dict):
        types = read_only.get("content_types")
        if isinstance(types, list) and types:
            mime = text(types[0])
    return Recording(
        provider=PROVIDER,
        account_name=account_name,
        provider_recording_id=rec_id,
        created_at=created,
        status=RecordingStatus.COMPLETED,
        provider_call_id=text(raw.get("cdr_id")),
        provider_conference_id=text(conference),
        duration_seconds=duration,
        source=text(raw.get("origin")),
        mime_type=mime,
        start_time=start,
        end_time=end,
        extra=_Leftovers(raw, _RECORDING_HIDDEN),
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
    duration = number(raw.get("duration_seconds"))
    return _call(raw, account_name, start, duration)


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
    return Call(
        provider=PROVIDER,
        account_name=account_name,
        provider_call_id=str(raw.get("id", "")),
        from_number=text(raw.get("caller_id_number")) or text(raw.get("from")),
        to_number=text(raw.get("callee_id_number"))
        or text(raw.get("dialed_number"))
        or text(raw.get("to")),
        direction=text(raw.get("direction")) or text(raw.get("call_direction")),
        # CDRs exist only for finished legs.
        status="completed",
        start_time=start,
        end_time=end,
        duration_seconds=duration,
        extra=_Leftovers(raw, _CDR_HIDDEN),
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
    if is_channel(row):
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
