"""GATEWAY-origin events: what our own mutations did, appended to the same log as the
vendors' webhooks (called from :func:`gateway.audit.record`, the one path every mutation
outcome takes).

Only successful, real changes become events: ``deleteRecording`` -> DELETED,
``deleteRecordings`` / ``retention`` (not a dry run) -> DELETED per recording actually
deleted, ``startRecording`` -> STARTED, ``pause``/``resume``/``stopRecording`` ->
PAUSED/RESUMED/STOPPED. An event log that cannot take the append does not undo or fail
the mutation (it already happened at the vendor): the failure is logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.errors import InvalidIdError
from gateway.ids import GlobalId, decode_id
from providers.models import RecordingEventKind

from .service import EVENTS, EventService

if TYPE_CHECKING:
    from gateway.audit import MutationOutcome
    from gateway.context import GatewayContext

log = logging.getLogger("gateway.events")

KINDS = {
    "deleteRecording": RecordingEventKind.DELETED,
    "deleteRecordings": RecordingEventKind.DELETED,
    "retention": RecordingEventKind.DELETED,
    "startRecording": RecordingEventKind.STARTED,
    "pauseRecording": RecordingEventKind.PAUSED,
    "resumeRecording": RecordingEventKind.RESUMED,
    "stopRecording": RecordingEventKind.STOPPED,
}
_BULK = frozenset({"deleteRecordings", "retention"})


def _service(ctx: GatewayContext) -> EventService | None:
    app = getattr(ctx.request, "app", None)
    if not isinstance(app, web.Application):
        return None  # e.g. the retention command, which runs outside a server
    return app.get(EVENTS)


def _ids(targets: Any) -> list[GlobalId]:
    out = []
    for raw in targets:
        try:
            out.append(decode_id(raw))
        except InvalidIdError:
            continue
    return out


async def append_outcome(ctx: GatewayContext, outcome: MutationOutcome) -> None:
    kind = KINDS.get(outcome.operation)
    if kind is None or outcome.outcome not in ("ok", "partial"):
        return
    service = _service(ctx)
    if service is None:
        return
    try:
        if outcome.operation in _BULK:
            # ``targets`` lists the deleted first (``details["deleted"]`` of them), then
            # those already gone, then the failed ones (gateway.resolvers.mutations).
            deleted = _ids(list(outcome.targets)[: int(outcome.details.get("deleted", 0))])
            for gid in deleted:
                source = service.sources.by_vendor_key(gid.provider, gid.provider_account_id)
                if source is not None:
                    await service.record(kind, source, provider_recording_id=gid.native_id)
        else:
            await _append_one(service, kind, outcome)
    except Exception:
        log.exception("%s: could not append its %s event", outcome.operation, kind.name)


async def _append_one(service: EventService, kind: RecordingEventKind, outcome: Any) -> None:
    ids = {gid.type_name: gid for gid in _ids(outcome.targets)}
    recording = outcome.recordings[0] if outcome.recordings else None
    anchor = ids.get("Recording") or ids.get("Call") or ids.get("Conference")
    if anchor is None:
        return
    source = service.sources.by_vendor_key(anchor.provider, anchor.provider_account_id)
    if source is None:
        return
    recording_id = (
        recording.provider_recording_id
        if recording is not None
        else (ids["Recording"].native_id if "Recording" in ids else None)
    )
    call = ids["Call"].native_id if "Call" in ids else None
    conference = ids["Conference"].native_id if "Conference" in ids else None
    if recording is not None:
        call = call or recording.provider_call_id
        conference = conference or recording.provider_conference_id
    await service.record(
        kind,
        source,
        provider_recording_id=recording_id,
        provider_call_id=call,
        provider_conference_id=conference,
        duration_seconds=recording.duration_seconds if recording is not None else None,
        extra={"operation": outcome.operation},
    )
