"""The audit trail of writes: every mutation outcome passes through :func:`record`.

One structured line per mutation on the ``gateway.audit`` logger: who (the caller's
name and kind, never a credential), what (the operation and the global IDs it targeted),
and how it ended (``ok``, ``dry_run``, ``partial`` or the error code of the union member
it answered). The structured fields travel in ``extra={"audit": {...}}`` for a JSON
formatter; the message is readable on its own.

:func:`record` is also the one place to hook anything else that must follow every write
(e.g. appending a GATEWAY event to the event log): it gets the whole
:class:`MutationOutcome`, including the domain objects involved.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from providers.models import Recording, RecordingStatus

from .events.gateway_events import append_outcome

if TYPE_CHECKING:
    from .context import GatewayContext

log = logging.getLogger("gateway.audit")

_EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class MutationOutcome:
    """What one mutation did.

    ``targets`` are the global IDs the caller named (or, for bulk deletes, those it
    acted on); ``outcome`` is ``ok``, ``dry_run``, ``partial`` (a bulk delete with
    failures) or the ``code`` of the error member answered. ``account`` is the
    ``[[accounts]]`` name when one account was involved; ``status`` the recording's
    status afterwards when known; ``recordings`` the recordings affected, as known.
    """

    operation: str
    targets: Sequence[str]
    outcome: str
    provider: str | None = None
    account: str | None = None
    status: RecordingStatus | None = None
    recordings: Sequence[Recording] = ()
    details: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


async def record(ctx: GatewayContext, outcome: MutationOutcome) -> None:
    """Log one mutation outcome (the single path every mutation's result takes)."""
    caller = ctx.caller
    entry: dict[str, Any] = {
        "caller": caller.name,
        "caller_kind": caller.kind,
        "request_id": ctx.request_id,
        "operation": outcome.operation,
        "targets": list(outcome.targets),
        "outcome": outcome.outcome,
    }
    if outcome.provider is not None:
        entry["provider"] = outcome.provider
    if outcome.account is not None:
        entry["account"] = outcome.account
    if outcome.status is not None:
        entry["status"] = outcome.status.name
    entry.update(outcome.details)
    level = logging.INFO if outcome.outcome in ("ok", "dry_run") else logging.WARNING
    log.log(
        level,
        "%s by %s on %s -> %s",
        outcome.operation,
        caller.name,
        ", ".join(outcome.targets) if len(outcome.targets) <= 5 else f"{len(outcome.targets)} IDs",
        outcome.outcome,
        extra={"audit": entry},
    )
    await append_outcome(ctx, outcome)
