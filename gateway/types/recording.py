from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from gateway.context import Info
from gateway.loaders import load_now
from gateway.media import media_url
from gateway.resolvers import connections
from gateway.resolvers.references import references_only
from providers import models as m
from providers.base import Capability as DomainCapability

from .enums import Provider, RecordingStatus
from .node import Node

if TYPE_CHECKING:
    from .account import Account
    from .call import Call
    from .conference import Conference

AccountT = Annotated["Account", strawberry.lazy("gateway.types.account")]
CallT = Annotated["Call", strawberry.lazy("gateway.types.call")]
ConferenceT = Annotated["Conference", strawberry.lazy("gateway.types.conference")]


@strawberry.type(description="An amount charged by the provider (negative = charge).")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, m.Money)


@strawberry.type(description="Where to fetch the audio, through the gateway.")
class RecordingMedia:
    url: str = strawberry.field(description="Signed gateway link; needs no provider credentials.")
    mime_type: str | None


@strawberry.type(description="A call or conference recording at a provider.")
class Recording(Node):
    provider_recording_id: str
    provider: Provider
    status: RecordingStatus
    duration_seconds: float | None
    channels: int | None
    source: str | None
    mime_type: str | None
    created_at: datetime
    updated_at: datetime | None
    start_time: datetime | None
    end_time: datetime | None
    price: Money | None
    error_code: str | None

    @strawberry.field
    def id(self, parent: strawberry.Parent[m.Recording], info: Info) -> strawberry.ID:
        return strawberry.ID(
            connections.global_id(info, "Recording", parent, parent.provider_recording_id)
        )

    @strawberry.field
    def account(self, parent: strawberry.Parent[m.Recording], info: Info) -> AccountT:
        return info.context.source(parent.account_name).account

    # Sync resolvers that may return an awaitable: no coroutine per recording when the
    # page prefetched its calls and conferences (``gateway.resolvers.prefetch``).
    @strawberry.field
    def call(self, parent: strawberry.Parent[m.Recording], info: Info) -> CallT | None:
        if not parent.provider_call_id:
            return None
        if references_only(info):
            return m.Call(parent.provider, parent.account_name, parent.provider_call_id)
        return load_now(info.context.loaders.call, (parent.account_name, parent.provider_call_id))

    @strawberry.field
    def conference(self, parent: strawberry.Parent[m.Recording], info: Info) -> ConferenceT | None:
        if not parent.provider_conference_id:
            return None
        if references_only(info):
            return m.Conference(parent.provider, parent.account_name, parent.provider_conference_id)
        return load_now(
            info.context.loaders.conference,
            (parent.account_name, parent.provider_conference_id),
        )

    @strawberry.field
    def media(self, parent: strawberry.Parent[m.Recording], info: Info) -> RecordingMedia | None:
        info.context.require_scope("media")
        source = info.context.source(parent.account_name)
        if DomainCapability.MEDIA_DOWNLOAD not in source.backend.capabilities:
            return None
        if parent.status is m.RecordingStatus.DELETED:
            return None
        return RecordingMedia(url=media_url(info.context, parent), mime_type=parent.mime_type)

    @strawberry.field(description="Vendor fields with no place in this schema, as sent.")
    def provider_data(self, parent: strawberry.Parent[m.Recording]) -> JSON | None:
        extra: dict[str, Any] = dict(parent.extra)
        return extra or None

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, m.Recording)
