"""The checks a single-target mutation makes before its one vendor request.

In the order :mod:`gateway.resolvers.mutations` runs them: the caller's scope
(``ForbiddenError``), the input (``InvalidInputError`` naming the field), that the target
is in an account the caller may see (otherwise ``NotFoundError``, exactly as for an ID
that names nothing), that the provider has the capability (``UnsupportedError``), then the
by-ID read of the target and, for a recording, that it is still live (``ConflictError``).
A failed check raises :class:`Refused`, which carries the union member to answer; none of
them sends a vendor request except :func:`load_target`'s read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.errors import InvalidIdError
from gateway.ids import decode_id
from gateway.loaders import load
from gateway.sources import Source
from gateway.types import mutation_errors as errs
from gateway.types.mutations import StartRecordingInput
from providers import models as m
from providers.base import Capability
from providers.errors import ProviderError

if TYPE_CHECKING:
    from gateway.context import GatewayContext

WRITE, DELETE = "write", "delete"

_ACTIVE = frozenset({m.RecordingStatus.IN_PROGRESS, m.RecordingStatus.PAUSED})
_TYPE_OF = {"recordingId": "Recording", "callId": "Call", "conferenceId": "Conference"}


@dataclass(slots=True)
class Named:
    """The one target an input names: which field, the raw ID, its account."""

    field: str
    raw: str
    native: str
    source: Source


class Refused(Exception):
    """Carries the union member a mutation answers instead of going on."""

    def __init__(self, problem: errs.Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def require_scope(ctx: GatewayContext, scope: str) -> None:
    if not ctx.caller.has_scope(scope):
        raise Refused(errs.forbidden(scope))


def named_target(ctx: GatewayContext, given: dict[str, str | None]) -> Named:
    """The one ID of ``given`` (field -> raw ID or ``None``), decoded and visible."""
    present = [(k, v) for k, v in given.items() if v is not None]
    if len(present) != 1:
        names = " or ".join(f"`{k}`" for k in given)
        raise Refused(errs.invalid("input", f"give exactly one of {names}"))
    field, raw = present[0]
    try:
        gid = decode_id(raw, expected=_TYPE_OF[field])
    except InvalidIdError as exc:
        raise Refused(errs.invalid(field, exc.message)) from None
    source = ctx.visible_source(gid.provider, gid.provider_account_id)
    if source is None:
        raise Refused(errs.not_found(raw, _TYPE_OF[field].lower()))
    return Named(field, raw, gid.native_id, source)


def require_capability(named: Named, capability: Capability) -> None:
    if capability not in named.source.backend.capabilities:
        name = (capability.name or "").lower()
        raise Refused(
            errs.unsupported(
                f"{named.source.provider} cannot {name.replace('_', ' ')}",
                named.source.provider,
                capability=name,
            )
        )


async def load_target(ctx: GatewayContext, named: Named) -> Any:
    """The target itself (one by-ID read through the request's loaders)."""
    loader: Any = {
        "recordingId": ctx.loaders.recording,
        "callId": ctx.loaders.call,
        "conferenceId": ctx.loaders.conference,
    }[named.field]
    try:
        found = await load(loader, (named.source.name, named.native))
    except ProviderError as exc:
        raise Refused(errs.from_provider_error(exc, named.source.provider)) from None
    if found is None:
        raise Refused(errs.not_found(named.raw, _TYPE_OF[named.field].lower()))
    return found


def start_options(
    ctx: GatewayContext, source: Source, inp: StartRecordingInput
) -> m.StartRecordingOptions:
    """``startRecording``'s input as the backend's options; ``providerOptions`` must be
    an object (its keys and values are the backend's to check)."""
    provider_options: Any = inp.provider_options if inp.provider_options is not None else {}
    if not isinstance(provider_options, dict):
        raise Refused(errs.invalid("providerOptions", "`providerOptions` must be an object"))
    events: list[Any] | None = inp.status_callback_events
    return m.StartRecordingOptions(
        channels=inp.channels,
        track=inp.track.value if inp.track is not None else None,
        trim_silence=inp.trim,
        time_limit_seconds=inp.time_limit_seconds,
        format=inp.format.value if inp.format is not None else None,
        status_callback_url=inp.status_callback_url,
        status_callback_events=tuple(e.value for e in events) if events is not None else None,
        provider_options=provider_options,
        default_status_callback_url=f"{ctx.server.base_url}/webhooks/{source.name}",
    )


def live_recording_target(rec: m.Recording) -> m.RecordingTarget:
    """A recording by ID: only a live one can change, and the vendor needs its parent."""
    if rec.status not in _ACTIVE:
        raise Refused(
            errs.conflict(f"the recording is {rec.status.name}, no longer live", rec.status)
        )
    if rec.provider_call_id:
        return m.RecordingTarget(
            provider_call_id=rec.provider_call_id, provider_recording_id=rec.provider_recording_id
        )
    if rec.provider_conference_id:
        return m.RecordingTarget(
            provider_conference_id=rec.provider_conference_id,
            provider_recording_id=rec.provider_recording_id,
        )
    raise Refused(errs.conflict("the recording belongs to no call or conference", rec.status))
