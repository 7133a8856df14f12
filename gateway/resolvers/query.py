"""The root ``Query``, composed of one mixin per area."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from gateway.context import Info
from gateway.ids import decode_id
from gateway.resilience import Upstream
from gateway.sources import Source
from gateway.types.account import Account
from gateway.types.call import Call
from gateway.types.circuit import AccountCircuit, CircuitState, worst
from gateway.types.conference import Conference
from gateway.types.enums import Capability, Provider, SourceHealth
from gateway.types.inputs import RecordingFilter
from gateway.types.node import Node
from gateway.types.pagination import Connection
from gateway.types.recording import Recording
from providers import registry

from . import connections
from .nodes import resolve_node, resolve_nodes


@strawberry.type(description="A provider backend known to this gateway.")
class ProviderInfo:
    name: Provider
    title: str
    capabilities: list[Capability]
    native_filters: list[str] = strawberry.field(
        description="RecordingFilter fields this provider applies upstream; "
        "the gateway applies the others itself."
    )
    accounts: list[Account]
    health: SourceHealth
    circuit: CircuitState = strawberry.field(
        description="The worst circuit-breaker state among this provider's accounts."
    )
    circuits: list[AccountCircuit] = strawberry.field(description="Each account's circuit breaker.")


def _health(states: list[bool | None]) -> SourceHealth:
    """Worst of the provider's accounts; UNKNOWN until one of them was asked."""
    if any(state is False for state in states):
        return SourceHealth.DOWN
    if any(state is True for state in states):
        return SourceHealth.UP
    return SourceHealth.UNKNOWN


def _circuits(upstream: Upstream, mine: list[Source]) -> dict[str, Any]:
    circuits = []
    for source in mine:
        breaker = upstream.breaker(source)
        circuits.append(
            AccountCircuit(
                account=source.account,
                state=breaker.state,
                consecutive_failures=breaker.consecutive,
                retry_after=breaker.retry_after(),
            )
        )
    return {"circuit": worst([c.state for c in circuits]), "circuits": circuits}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global ID; null if it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="Objects by global ID, in order; at most 500.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        return await resolve_nodes(info, list(ids))


@strawberry.type
class AccountQuery:
    @strawberry.field(description="Accounts the caller may see.")
    def accounts(self, info: Info) -> list[Account]:
        return [s.account for s in info.context.visible_sources()]

    @strawberry.field
    def account(self, info: Info, id: strawberry.ID) -> Account | None:
        source = connections.source_of(info.context, decode_id(id, expected="Account"))
        return source.account if source is not None else None


@strawberry.type
class RecordingQuery:
    @strawberry.field(
        description="Recordings of every visible account, newest first, in one connection."
    )
    async def recordings(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: RecordingFilter | None = None,
    ) -> Connection[Annotated[Recording, strawberry.lazy("gateway.types.recording")]]:
        return await connections.recordings(info, first, after, filter)


@strawberry.type
class ProviderQuery:
    @strawberry.field(description="Registered providers, what they can do, and their accounts.")
    def providers(self, info: Info) -> list[ProviderInfo]:
        sources = info.context.visible_sources()
        out = []
        for spec in registry.specs():
            factory = spec.load_backend()
            mine = [s for s in sources if s.provider == spec.name]
            out.append(
                ProviderInfo(
                    name=spec.name,
                    title=spec.title,
                    capabilities=[c.name.lower() for c in factory.capabilities if c.name],
                    native_filters=sorted(
                        connections.FILTER_NAMES[f] for f in factory.native_filters
                    ),
                    accounts=[s.account for s in mine],
                    health=_health([info.context.sources.health(s.name) for s in mine]),
                    **_circuits(info.context.sources.upstream, mine),
                )
            )
        return out


@strawberry.type
class Query(NodeQuery, AccountQuery, RecordingQuery, ProviderQuery):
    pass


__all__ = ["Call", "Conference", "Query"]
