"""``RecordingEvent`` and its connection (DESIGN §7).

The GraphQL root of an event is the log's :class:`~gateway.events.model.LogEntry`: its
fields are read from the stored event, and ``recording``, ``call`` and ``conference`` are
loaded through the request's loaders (a subscription gives each event fresh ones, so a
COMPLETED event shows the recording as it is now, not as an earlier event saw it).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from gateway.context import Info
from gateway.events.model import EventOrigin as DomainEventOrigin
from gateway.events.model import LogEntry
from gateway.events.service import service_of
from gateway.ids import encode_id
from gateway.loaders import load
from gateway.resolvers.references import call_or_reference, conference_or_reference
from providers.models import RecordingEventKind as DomainEventKind

from .enums import Provider
from .node import Node
from .pagination import PageInfo

if TYPE_CHECKING:
    from .account import Account
    from .call import Call
    from .conference import Conference
    from .recording import Recording

AccountT = Annotated["Account", strawberry.lazy("gateway.types.account")]
CallT = Annotated["Call", strawberry.lazy("gateway.types.call")]
ConferenceT = Annotated["Conference", strawberry.lazy("gateway.types.conference")]
RecordingT = Annotated["Recording", strawberry.lazy("gateway.types.recording")]

RecordingEventKind = strawberry.enum(
    DomainEventKind, name="RecordingEventKind", description="What happened to a recording."
)
EventOrigin = strawberry.enum(
    DomainEventOrigin,
    name="EventOrigin",
    description="WEBHOOK: a vendor told us. GATEWAY: our own mutation did it.",
)


@strawberry.type(description="Something that happened to a recording, in log order.")
class RecordingEvent(Node):
    @strawberry.field
    def id(self, parent: strawberry.Parent[LogEntry], info: Info) -> strawberry.ID:
        event = parent.event
        native = f"{service_of(info.context.request).log.log_id}/{parent.position}"
        return strawberry.ID(
            encode_id("RecordingEvent", event.provider, event.provider_account_id, native)
        )

    @strawberry.field(
        description="Resume here: `recordingEvents(after:)` continues with the next event. "
        "Valid only for the caller it was issued to."
    )
    def cursor(self, parent: strawberry.Parent[LogEntry], info: Info) -> str:
        service = service_of(info.context.request)
        return service.cursor(parent.position, info.context.caller)

    @strawberry.field
    def kind(self, parent: strawberry.Parent[LogEntry]) -> RecordingEventKind:
        return parent.event.kind

    @strawberry.field(description="When it happened, as the vendor says (else `receivedAt`).")
    def occurred_at(self, parent: strawberry.Parent[LogEntry]) -> datetime:
        return parent.event.occurred_at

    @strawberry.field(description="When the gateway received or did it.")
    def received_at(self, parent: strawberry.Parent[LogEntry]) -> datetime:
        return parent.event.received_at

    @strawberry.field
    def provider(self, parent: strawberry.Parent[LogEntry]) -> Provider:
        return parent.event.provider

    @strawberry.field
    def account(self, parent: strawberry.Parent[LogEntry], info: Info) -> AccountT:
        return info.context.source(parent.event.account_name).account

    @strawberry.field
    def provider_recording_id(self, parent: strawberry.Parent[LogEntry]) -> str | None:
        return parent.event.provider_recording_id

    @strawberry.field(description="The recording as it is now; null once it is gone.")
    async def recording(self, parent: strawberry.Parent[LogEntry], info: Info) -> RecordingT | None:
        event = parent.event
        if not event.provider_recording_id:
            return None
        loader = info.context.loaders.recording
        return await load(loader, (event.account_name, event.provider_recording_id))

    # A reference when only the event's own ids are selected (gateway.resolvers.references).
    @strawberry.field
    def call(self, parent: strawberry.Parent[LogEntry], info: Info) -> CallT | None:
        event = parent.event
        if not event.provider_call_id:
            return None
        return call_or_reference(info, event.provider, event.account_name, event.provider_call_id)

    @strawberry.field
    def conference(self, parent: strawberry.Parent[LogEntry], info: Info) -> ConferenceT | None:
        event = parent.event
        if not event.provider_conference_id:
            return None
        return conference_or_reference(
            info, event.provider, event.account_name, event.provider_conference_id
        )

    @strawberry.field
    def duration_seconds(self, parent: strawberry.Parent[LogEntry]) -> float | None:
        return parent.event.duration_seconds

    @strawberry.field
    def origin(self, parent: strawberry.Parent[LogEntry]) -> EventOrigin:
        return parent.event.origin

    @strawberry.field(description="Vendor parameters with no place in this schema, as sent.")
    def provider_data(self, parent: strawberry.Parent[LogEntry]) -> JSON | None:
        extra: dict[str, Any] = dict(parent.event.extra)
        return extra or None

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, LogEntry)


@strawberry.type
class RecordingEventEdge:
    node: RecordingEvent
    cursor: str


@strawberry.type(description="Events in log order (oldest first).")
class RecordingEventConnection:
    edges: list[RecordingEventEdge]
    nodes: list[RecordingEvent]
    page_info: PageInfo = strawberry.field(
        description="`endCursor` is never null: with no events it names where the read "
        "ended, so `recordingEvents(after: endCursor)` (query or subscription) continues "
        "with exactly the events that come next."
    )


@strawberry.input(description="Filters on events; all given fields must match.")
class RecordingEventFilter:
    providers: list[Provider] | None = None
    account_ids: list[strawberry.ID] | None = None
    kinds: list[RecordingEventKind] | None = None
    call_id: strawberry.ID | None = None
    conference_id: strawberry.ID | None = None
    recording_id: strawberry.ID | None = None
