"""Provider-neutral domain model.

Every object is a frozen, slotted dataclass so that it is cheap to build, safe to share
between concurrent resolvers, and readable as plain attributes. Attribute names are the
ones the GraphQL layer exposes (in snake_case), so no per-field translation is needed.

Conventions shared by every backend:

* datetimes are timezone-aware and in UTC;
* durations are seconds as ``float``;
* ``provider`` is the registry name of the vendor (``"freeclimb"``), ``account_name`` is
  the local label of the configured account the object was read through;
* vendor fields that have no place in the model are kept, unchanged, in ``extra``
  (never secrets: mappers drop credentials such as Kazoo's ``auth_token``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class RecordingStatus(enum.Enum):
    """Life-cycle state of a recording, the union of every vendor's states."""

    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    STOPPED = "stopped"
    PROCESSING = "processing"
    COMPLETED = "completed"
    ABSENT = "absent"
    FAILED = "failed"
    DELETED = "deleted"


class RecordingAction(enum.Enum):
    """A state change requested on a live recording."""

    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Account:
    provider: str
    account_name: str
    provider_account_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    provider: str
    account_name: str
    provider_call_id: str
    from_number: str | None = None
    to_number: str | None = None
    direction: str | None = None
    status: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration_seconds: float | None = None
    parent_call_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)


@dataclass(frozen=True, slots=True)
class Conference:
    provider: str
    account_name: str
    provider_conference_id: str
    name: str | None = None
    status: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)


@dataclass(frozen=True, slots=True)
class Recording:
    provider: str
    account_name: str
    provider_recording_id: str
    created_at: datetime
    status: RecordingStatus
    provider_call_id: str | None = None
    provider_conference_id: str | None = None
    duration_seconds: float | None = None
    channels: int | None = None
    source: str | None = None
    mime_type: str | None = None
    updated_at: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    price: Money | None = None
    error_code: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Ask for one upstream page.

    ``token`` is a value a backend previously returned as ``Page.next_token``. It is opaque
    to callers and is never a URL: backends keep only the cursor parts of vendor links and
    rebuild the URL themselves, so a forged token can never redirect a request.
    """

    size: int
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One upstream page. ``items`` may hold more or fewer than the size asked for (some
    vendors have fixed page sizes or filter after paging); ``next_token`` is ``None`` only
    when nothing follows. ``items`` may be mapped as read (``providers._lazy``): index it
    or iterate it, and ask its ``len()`` only when all of it is needed."""

    items: Sequence[T]
    next_token: str | None = None


@dataclass(frozen=True, slots=True)
class RecordingQuery:
    """Filters for a recording listing; every field is optional and they are AND-ed.

    ``created_after`` and ``created_before`` are inclusive bounds.
    """

    provider_call_id: str | None = None
    provider_conference_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    min_duration_seconds: float | None = None
    statuses: frozenset[RecordingStatus] | None = None

    def matches(self, recording: Recording) -> bool:
        """The reference semantics every backend's native filtering must agree with."""
        if (
            self.provider_call_id is not None
            and recording.provider_call_id != self.provider_call_id
        ):
            return False
        if (
            self.provider_conference_id is not None
            and recording.provider_conference_id != self.provider_conference_id
        ):
            return False
        if self.created_after is not None and recording.created_at < self.created_after:
            return False
        if self.created_before is not None and recording.created_at > self.created_before:
            return False
        if self.min_duration_seconds is not None and (
            recording.duration_seconds is None
            or recording.duration_seconds < self.min_duration_seconds
        ):
            return False
        return self.statuses is None or recording.status in self.statuses


@dataclass(frozen=True, slots=True)
class RecordingTarget:
    """What a recording-control request acts on: a live call or a conference, and
    optionally one recording of it (``None`` means the one currently active)."""

    provider_call_id: str | None = None
    provider_conference_id: str | None = None
    provider_recording_id: str | None = None

    def __post_init__(self) -> None:
        if (self.provider_call_id is None) == (self.provider_conference_id is None):
            raise ValueError("a RecordingTarget names exactly one of a call or a conference")


#: Vendor-neutral names of the recording events a status callback may be asked for.
CALLBACK_EVENTS: frozenset[str] = frozenset(
    {"started", "in_progress", "paused", "resumed", "stopped", "completed", "absent", "failed"}
)
#: ``StartRecordingOptions.track`` values.
TRACKS: frozenset[str] = frozenset({"inbound", "outbound", "both"})
#: ``StartRecordingOptions.format`` values.
AUDIO_FORMATS: frozenset[str] = frozenset({"wav", "mp3"})


@dataclass(frozen=True, slots=True)
class StartRecordingOptions:
    """How to record. ``None`` leaves a choice to the vendor's default.

    A backend maps every option it can honour and raises ``UnsupportedError`` (with
    ``option`` set) for one it cannot, and ``InvalidOptionError`` (with ``field`` set) for a
    value it refuses: nothing is dropped silently. ``status_callback_events`` holds names
    from :data:`CALLBACK_EVENTS`; ``provider_options`` holds vendor-only knobs under the
    vendor's own names (e.g. Kazoo's ``record_min_sec``), validated by the backend.
    ``default_status_callback_url`` is not a caller's option but where the gateway wants
    events by default: used (with the vendor's usual events) by a vendor that takes a
    per-recording callback when ``status_callback_url`` is not given, ignored by others.
    """

    channels: int | None = None
    track: str | None = None
    trim_silence: bool | None = None
    time_limit_seconds: int | None = None
    format: str | None = None
    status_callback_url: str | None = None
    status_callback_events: tuple[str, ...] | None = None
    provider_options: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    default_status_callback_url: str | None = None


class RecordingEventKind(enum.Enum):
    STARTED = "started"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped"
    COMPLETED = "completed"
    ABSENT = "absent"
    FAILED = "failed"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class RecordingEvent:
    """A provider webhook about a recording, normalised.

    ``key`` is the vendor's identity of the event (the same for a retried or replayed
    delivery, different for any other event): the event log refuses a second event with
    the same key. ``extra`` holds every other parameter the vendor sent, JSON-safe."""

    provider: str
    account_name: str
    kind: RecordingEventKind
    provider_recording_id: str
    occurred_at: datetime
    provider_call_id: str | None = None
    provider_conference_id: str | None = None
    duration_seconds: float | None = None
    recording: Recording | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)
    key: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """An inbound webhook as received, with nothing parsed yet: signatures are computed
    over the exact bytes and URL, so nothing may be normalised before verification."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime
