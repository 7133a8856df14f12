"""The event side of one gateway process: its log, its cursors, and what a caller sees.

Created in the app's ``cleanup_ctx`` (the Redis reader task lives as long as the app)
and reached from resolvers through the request's app (:func:`service_of`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.auth import Caller
from gateway.errors import InvalidCursorError
from gateway.sources import Source, Sources
from providers.models import RecordingEventKind

from .cursors import EventCursors
from .log import FROM_START, Accept, EventLog
from .memory import MemoryEventLog
from .model import EventOrigin, LogEntry, StoredEvent
from .redis_log import RedisEventLog

if TYPE_CHECKING:
    from .settings import EventSettings

log = logging.getLogger("gateway.events")


@dataclass(frozen=True, slots=True)
class EventMatch:
    """A ``RecordingEventFilter`` with its global IDs decoded to vendor keys; ``None``
    fields match anything. Account keys are ``(provider, provider account id)``;
    call, conference and recording keys add the native id."""

    providers: frozenset[str] | None = None
    accounts: frozenset[tuple[str, str]] | None = None
    kinds: frozenset[RecordingEventKind] | None = None
    call: tuple[str, str, str] | None = None
    conference: tuple[str, str, str] | None = None
    recording: tuple[str, str, str] | None = None

    def matches(self, event: StoredEvent) -> bool:
        account = (event.provider, event.provider_account_id)
        return (
            (self.providers is None or event.provider in self.providers)
            and (self.accounts is None or account in self.accounts)
            and (self.kinds is None or event.kind in self.kinds)
            and (self.call is None or self.call == (*account, event.provider_call_id))
            and (
                self.conference is None
                or self.conference == (*account, event.provider_conference_id)
            )
            and (
                self.recording is None or self.recording == (*account, event.provider_recording_id)
            )
        )


class EventService:
    def __init__(self, log: EventLog, cursors: EventCursors, sources: Sources) -> None:
        self.log = log
        self.cursors = cursors
        self.sources = sources

    @classmethod
    def build(
        cls, settings: EventSettings, sources: Sources, cursor_secret: bytes | None
    ) -> EventService:
        event_log: EventLog
        common: dict[str, Any] = {
            "max_events": settings.max_events,
            "max_age": settings.max_age,
            "dedupe_ttl": settings.dedupe_ttl,
            "queue_size": settings.subscriber_queue,
        }
        if settings.backend == "redis":
            assert settings.url is not None  # checked by the settings
            event_log = RedisEventLog(settings.url.reveal(), stream=settings.stream, **common)
        else:
            event_log = MemoryEventLog(**common)
        return cls(event_log, EventCursors(cursor_secret), sources)

    # -- visibility ------------------------------------------------------------------

    def source_of(self, event: StoredEvent) -> Source | None:
        """The configured account of an event; ``None`` when this gateway no longer
        serves it (such events are shown to nobody)."""
        source = self.sources.by_name(event.account_name)
        if source is None or source.account.provider_account_id != event.provider_account_id:
            return None
        return source

    def acceptor(self, caller: Caller, match: EventMatch) -> Accept:
        def accept(entry: LogEntry) -> bool:
            event = entry.event
            return (
                caller.can_see(event.account_name)
                and self.source_of(event) is not None
                and match.matches(event)
            )

        return accept

    # -- cursors ---------------------------------------------------------------------

    def cursor(self, position: str, caller: Caller) -> str:
        return self.cursors.encode(self.log.log_id, position, caller.identity)

    def position(self, cursor: str, caller: Caller) -> str:
        """The log position a cursor names; :data:`FROM_START` for a cursor of another
        log (an embedded log before a restart: every event it holds was missed)."""
        found = self.cursors.decode(cursor, caller.identity)
        if found.log_id != self.log.log_id or found.position == FROM_START:
            return FROM_START
        try:
            self.log.order_key(found.position)
        except ValueError:
            raise InvalidCursorError("invalid event cursor: unreadable position") from None
        return found.position

    # -- appends ---------------------------------------------------------------------

    async def record(
        self,
        kind: RecordingEventKind,
        source: Source,
        *,
        provider_recording_id: str | None,
        provider_call_id: str | None = None,
        provider_conference_id: str | None = None,
        duration_seconds: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> LogEntry | None:
        """Append a ``GATEWAY`` event: something our own mutation did."""
        now = datetime.now(UTC)
        event = StoredEvent(
            kind=kind,
            origin=EventOrigin.GATEWAY,
            provider=source.provider,
            account_name=source.name,
            provider_account_id=source.account.provider_account_id,
            provider_recording_id=provider_recording_id,
            occurred_at=now,
            received_at=now,
            provider_call_id=provider_call_id,
            provider_conference_id=provider_conference_id,
            duration_seconds=duration_seconds,
            extra=extra or {},
        )
        return await self.log.append(event)

    async def append_all(self, events: Iterable[tuple[StoredEvent, str | None]]) -> int:
        """Append in order; returns how many were new (the rest were replays)."""
        appended = 0
        for event, key in events:
            if await self.log.append(event, key) is not None:
                appended += 1
        return appended


EVENTS = web.AppKey("events", EventService)


def service_of(request: Any) -> EventService:
    """The app's event service, from a resolver's ``info.context.request``."""
    if request is None:
        raise RuntimeError("events need the aiohttp request in the context")
    return request.app[EVENTS]  # type: ignore[no-any-return]
