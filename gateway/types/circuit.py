"""The circuit breakers' state, as ``providers { circuit circuits { ... } }`` shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.resilience.breaker import CircuitState as DomainCircuitState

if TYPE_CHECKING:
    from .account import Account

CircuitState = strawberry.enum(
    DomainCircuitState,
    name="CircuitState",
    description="CLOSED: requests flow. OPEN: the source failed repeatedly and is skipped "
    "(UPSTREAM_UNAVAILABLE) until a probe. HALF_OPEN: one probe request is in flight.",
)

_SEVERITY = {
    DomainCircuitState.CLOSED: 0,
    DomainCircuitState.HALF_OPEN: 1,
    DomainCircuitState.OPEN: 2,
}


def worst(states: list[DomainCircuitState]) -> DomainCircuitState:
    return max(states, key=_SEVERITY.__getitem__, default=DomainCircuitState.CLOSED)


@strawberry.type(description="One account's circuit breaker.")
class AccountCircuit:
    account: Annotated[Account, strawberry.lazy("gateway.types.account")]
    state: CircuitState
    consecutive_failures: int = strawberry.field(
        description="Failures in a row (timeouts, 5xx, connection errors, garbage)."
    )
    retry_after: float | None = strawberry.field(
        description="While not CLOSED: seconds until the next probe may go."
    )
