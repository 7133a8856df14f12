from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.context import Info
from gateway.resolvers import connections
from providers import models as m

from .node import Node
from .pagination import Connection

if TYPE_CHECKING:
    from .account import Account
    from .recording import Recording

AccountT = Annotated["Account", strawberry.lazy("gateway.types.account")]
RecordingT = Annotated["Recording", strawberry.lazy("gateway.types.recording")]


@strawberry.type(description="A call leg at a provider.")
class Call(Node):
    provider_call_id: str
    from_number: str | None = strawberry.field(name="from")
    to_number: str | None = strawberry.field(name="to")
    direction: str | None
    status: str | None
    start_time: datetime | None
    end_time: datetime | None
    duration_seconds: float | None

    @strawberry.field
    def id(self, parent: strawberry.Parent[m.Call], info: Info) -> strawberry.ID:
        return strawberry.ID(connections.global_id(info, "Call", parent, parent.provider_call_id))

    @strawberry.field
    def account(self, parent: strawberry.Parent[m.Call], info: Info) -> AccountT:
        return info.context.source(parent.account_name).account

    @strawberry.field
    def recordings(
        self,
        parent: strawberry.Parent[m.Call],
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RecordingT]:
        return connections.child_recordings(
            info, info.context.loaders.call_recordings, parent, first, after
        )

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, m.Call)
