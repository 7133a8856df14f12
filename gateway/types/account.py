from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.context import Info
from gateway.resolvers import connections
from providers import models as m

from .enums import Provider
from .inputs import RecordingFilter
from .node import Node
from .pagination import Connection

if TYPE_CHECKING:
    from .call import Call
    from .conference import Conference
    from .recording import Recording

CallT = Annotated["Call", strawberry.lazy("gateway.types.call")]
ConferenceT = Annotated["Conference", strawberry.lazy("gateway.types.conference")]
RecordingT = Annotated["Recording", strawberry.lazy("gateway.types.recording")]


@strawberry.type(description="A configured account at one provider.")
class Account(Node):
    provider: Provider
    provider_account_id: str
    name: str = strawberry.field(description="The local label from the configuration.")

    @strawberry.field
    def id(self, parent: strawberry.Parent[m.Account]) -> strawberry.ID:
        return strawberry.ID(connections.account_global_id(parent))

    @strawberry.field
    async def calls(
        self,
        parent: strawberry.Parent[m.Account],
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CallT]:
        return await connections.calls(info, parent.account_name, first, after)

    @strawberry.field
    async def conferences(
        self,
        parent: strawberry.Parent[m.Account],
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ConferenceT]:
        return await connections.conferences(info, parent.account_name, first, after)

    @strawberry.field
    async def recordings(
        self,
        parent: strawberry.Parent[m.Account],
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: RecordingFilter | None = None,
    ) -> Connection[RecordingT]:
        return await connections.recordings(
            info, first, after, filter, within=[info.context.source(parent.account_name)]
        )

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, m.Account)
