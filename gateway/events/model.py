"""What the event log holds: one :class:`StoredEvent` per recording event, and its place
in the log (:class:`LogEntry`).

A stored event is self-contained JSON (no domain objects, no secrets): it must survive a
trip through Redis and be readable by another gateway process. It names its account
both by the ``[[accounts]]`` label (visibility: ``Caller.can_see``) and by the vendor's
account id (global IDs, which survive a renamed label).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from providers.models import RecordingEvent, RecordingEventKind


class EventOrigin(enum.Enum):
    """Who told us: a vendor's webhook, or the gateway's own mutation."""

    WEBHOOK = "webhook"
    GATEWAY = "gateway"


@dataclass(frozen=True, slots=True)
class StoredEvent:
    kind: RecordingEventKind
    origin: EventOrigin
    provider: str
    account_name: str
    provider_account_id: str
    provider_recording_id: str | None
    occurred_at: datetime
    received_at: datetime
    provider_call_id: str | None = None
    provider_conference_id: str | None = None
    duration_seconds: float | None = None
    #: Vendor parameters with no typed field, as sent (JSON-safe).
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_webhook(
        cls, event: RecordingEvent, provider_account_id: str, received_at: datetime
    ) -> StoredEvent:
        return cls(
            kind=event.kind,
            origin=EventOrigin.WEBHOOK,
            provider=event.provider,
            account_name=event.account_name,
            provider_account_id=provider_account_id,
            provider_recording_id=event.provider_recording_id,
            occurred_at=event.occurred_at,
            received_at=received_at,
            provider_call_id=event.provider_call_id,
            provider_conference_id=event.provider_conference_id,
            duration_seconds=event.duration_seconds,
            extra=dict(event.extra),
        )

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "kind": self.kind.value,
                "origin": self.origin.value,
                "provider": self.provider,
                "account": self.account_name,
                "account_id": self.provider_account_id,
                "recording": self.provider_recording_id,
                "call": self.provider_call_id,
                "conference": self.provider_conference_id,
                "duration": self.duration_seconds,
                "occurred_at": self.occurred_at.isoformat(),
                "received_at": self.received_at.isoformat(),
                "extra": self.extra,
            },
            # Vendor values are JSON already; anything else (a date in a Kazoo
            # custom_data, say) is kept as its text rather than failing the append.
            default=str,
        )

    @classmethod
    def decode(cls, data: bytes | str) -> StoredEvent:
        raw = orjson.loads(data)
        return cls(
            kind=RecordingEventKind(raw["kind"]),
            origin=EventOrigin(raw["origin"]),
            provider=raw["provider"],
            account_name=raw["account"],
            provider_account_id=raw["account_id"],
            provider_recording_id=raw["recording"],
            occurred_at=datetime.fromisoformat(raw["occurred_at"]),
            received_at=datetime.fromisoformat(raw["received_at"]),
            provider_call_id=raw["call"],
            provider_conference_id=raw["conference"],
            duration_seconds=raw["duration"],
            extra=raw["extra"] or {},
        )


@dataclass(frozen=True, slots=True)
class LogEntry:
    """An event at its position in the log. Positions are opaque text, ordered by the
    log that issued them (``EventLog.order_key``)."""

    position: str
    event: StoredEvent
