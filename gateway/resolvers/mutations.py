"""The root ``Mutation`` (DESIGN §6): delete, bulk delete, start/pause/resume/stop.

Each mutation checks, in this order and before any upstream request: the caller's scope
(``ForbiddenError``), its input (``InvalidInputError`` naming the field), that the target
is in an account the caller may see (otherwise ``NotFoundError``, exactly as for an ID
that names nothing) and that the provider has the capability (``UnsupportedError``); the
checks live in :mod:`gateway.resolvers.write_checks`. Only then does it read the target
(one by-ID request) and write, once: writes are never retried, and a write that timed out
answers ``UpstreamError`` with ``outcomeUnknown``. Every outcome, success or not, goes
through :func:`gateway.audit.record`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import strawberry

from gateway import audit, retention
from gateway.context import Info
from gateway.ids import encode_id
from gateway.sources import Source
from gateway.types import mutation_errors as errs
from gateway.types.mutations import (
    DeleteFailure,
    DeleteRecordingResult,
    DeleteRecordingsInput,
    DeleteRecordingsResult,
    RecordingControlInput,
    RecordingControlled,
    RecordingControlResult,
    RecordingDeleted,
    RecordingsDeleted,
    StartRecordingInput,
)
from gateway.types.pagination import ProviderFailure
from providers import models as m
from providers.base import Capability
from providers.errors import ProviderError

from .write_checks import (
    DELETE,
    WRITE,
    Named,
    Refused,
    live_recording_target,
    load_target,
    named_target,
    require_capability,
    require_scope,
    start_options,
)

if TYPE_CHECKING:
    from gateway.context import GatewayContext

_AFTER = {
    m.RecordingAction.PAUSE: m.RecordingStatus.PAUSED,
    m.RecordingAction.RESUME: m.RecordingStatus.IN_PROGRESS,
    m.RecordingAction.STOP: m.RecordingStatus.STOPPED,
}
_NEEDS = {
    m.RecordingAction.PAUSE: Capability.PAUSE_RECORDING,
    m.RecordingAction.RESUME: Capability.RESUME_RECORDING,
    m.RecordingAction.STOP: Capability.STOP_RECORDING,
}


def _recording_gid(source: Source, recording_id: str) -> str:
    account = source.account
    return encode_id("Recording", account.provider, account.provider_account_id, recording_id)


async def _audit(
    ctx: GatewayContext,
    operation: str,
    targets: Sequence[str],
    answer: Any,
    named: Named | None = None,
    recording: m.Recording | None = None,
) -> None:
    outcome = "ok" if not isinstance(answer, errs.UserError) else answer.code
    if recording is not None and named is not None:
        gid = _recording_gid(named.source, recording.provider_recording_id)
        if gid not in targets:
            targets = [*targets, gid]
    targets = list(targets)
    await audit.record(
        ctx,
        audit.MutationOutcome(
            operation=operation,
            targets=targets,
            outcome=outcome,
            provider=named.source.provider if named else None,
            account=named.source.name if named else None,
            status=getattr(answer, "status", None) if outcome == "ok" else None,
            recordings=[recording] if recording is not None else [],
        ),
    )


# -- deleteRecording -------------------------------------------------------------------


async def delete_recording(ctx: GatewayContext, raw_id: str) -> Any:
    named: Named | None = None
    try:
        require_scope(ctx, DELETE)
        named = named_target(ctx, {"recordingId": raw_id})
        require_capability(named, Capability.DELETE_RECORDING)
        try:
            await named.source.backend.delete_recording(named.native)
        except ProviderError as exc:
            raise Refused(
                errs.from_provider_error(exc, named.source.provider, target_id=raw_id)
            ) from None
        finally:
            ctx.sources.upstream.wrote(named.source.name)
        answer: Any = RecordingDeleted(
            id=strawberry.ID(raw_id),
            provider_recording_id=named.native,
            provider=named.source.provider,
        )
    except Refused as refused:
        answer = refused.problem
        if isinstance(answer, errs.InvalidInputProblem) and answer.field == "recordingId":
            answer.field = "id"
    await _audit(ctx, "deleteRecording", [raw_id], answer, named)
    return answer


# -- start / pause / resume / stop ------------------------------------------------------


async def start_recording(ctx: GatewayContext, inp: StartRecordingInput) -> Any:
    named: Named | None = None
    recording: m.Recording | None = None
    try:
        require_scope(ctx, WRITE)
        named = named_target(ctx, {"callId": inp.call_id, "conferenceId": inp.conference_id})
        on_call = named.field == "callId"
        require_capability(
            named,
            Capability.START_CALL_RECORDING if on_call else Capability.START_CONFERENCE_RECORDING,
        )
        options = start_options(ctx, named.source, inp)
        parent = await load_target(ctx, named)
        target = (
            m.RecordingTarget(provider_call_id=named.native)
            if on_call
            else m.RecordingTarget(provider_conference_id=named.native)
        )
        try:
            recording = await named.source.backend.start_recording(target, options)
        except ProviderError as exc:
            raise Refused(errs.from_provider_error(exc, named.source.provider)) from None
        finally:
            ctx.sources.upstream.wrote(named.source.name)
        answer: Any = RecordingControlled.of(
            recording,
            call=parent if on_call else None,
            conference=None if on_call else parent,
            status=recording.status if recording is not None else m.RecordingStatus.IN_PROGRESS,
        )
    except Refused as refused:
        answer = refused.problem
    targets = [t for t in (inp.call_id, inp.conference_id) if t is not None]
    await _audit(ctx, "startRecording", targets, answer, named, recording)
    return answer


async def control_recording(
    ctx: GatewayContext, inp: RecordingControlInput, action: m.RecordingAction
) -> Any:
    operation = f"{action.value}Recording"
    named: Named | None = None
    recording: m.Recording | None = None
    try:
        require_scope(ctx, WRITE)
        named = named_target(
            ctx,
            {
                "recordingId": inp.recording_id,
                "callId": inp.call_id,
                "conferenceId": inp.conference_id,
            },
        )
        require_capability(named, _NEEDS[action])
        found = await load_target(ctx, named)
        call = found if named.field == "callId" else None
        conference = found if named.field == "conferenceId" else None
        if isinstance(found, m.Recording):
            target = live_recording_target(found)
        elif call is not None:
            target = m.RecordingTarget(provider_call_id=named.native)
        else:
            target = m.RecordingTarget(provider_conference_id=named.native)
        try:
            recording = await named.source.backend.control_recording(target, action)
        except ProviderError as exc:
            raise Refused(errs.from_provider_error(exc, named.source.provider)) from None
        finally:
            ctx.sources.upstream.wrote(named.source.name)
        if recording is None and isinstance(found, m.Recording):
            recording = found
            status = _AFTER[action]
        else:
            status = recording.status if recording is not None else _AFTER[action]
        answer: Any = RecordingControlled.of(recording, call, conference, status=status)
    except Refused as refused:
        answer = refused.problem
    targets = [t for t in (inp.recording_id, inp.call_id, inp.conference_id) if t is not None]
    await _audit(ctx, operation, targets, answer, named, recording)
    return answer


# -- deleteRecordings --------------------------------------------------------------------


async def delete_recordings(ctx: GatewayContext, inp: DeleteRecordingsInput) -> Any:
    if not ctx.caller.has_scope(DELETE):
        answer: Any = errs.forbidden(DELETE)
        await _audit(ctx, "deleteRecordings", list(inp.ids or ()), answer)
        return answer
    try:
        result = await retention.delete_recordings(
            ctx,
            ids=list(inp.ids) if inp.ids is not None else None,
            filter=inp.filter,
            dry_run=inp.dry_run,
            limit=inp.limit,
        )
    except retention.RetentionInputError as exc:
        answer = errs.invalid(exc.field, exc.message)
        await _audit(ctx, "deleteRecordings", list(inp.ids or ()), answer)
        return answer
    await record_retention(ctx, "deleteRecordings", result)
    return recordings_deleted(result)


async def record_retention(
    ctx: GatewayContext, operation: str, result: retention.RetentionResult
) -> None:
    """The audit line of a bulk delete (shared with ``recgw retention``)."""
    targets = [t.global_id for t in result.deleted] + result.already_gone
    targets += [t.global_id for t, _ in result.failed]
    outcome = "dry_run" if result.dry_run else ("ok" if result.ok else "partial")
    await audit.record(
        ctx,
        audit.MutationOutcome(
            operation=operation,
            targets=targets,
            outcome=outcome,
            recordings=result.recordings if not result.dry_run else [],
            details={
                "dry_run": result.dry_run,
                "deleted": len(result.deleted),
                "already_gone": len(result.already_gone),
                "failed": len(result.failed),
                "unlisted_accounts": [f.source.name for f in result.failures],
                "has_more": result.has_more,
            },
        ),
    )


def recordings_deleted(result: retention.RetentionResult) -> RecordingsDeleted:
    def deleted(t: retention.Target) -> RecordingDeleted:
        return RecordingDeleted(
            id=strawberry.ID(t.global_id),
            provider_recording_id=t.recording_id,
            provider=t.source.provider,
        )

    return RecordingsDeleted(
        dry_run=result.dry_run,
        matched=result.matched,
        deleted=[deleted(t) for t in result.deleted],
        already_gone=[strawberry.ID(g) for g in result.already_gone],
        failed=[
            DeleteFailure(
                id=strawberry.ID(t.global_id),
                error=errs.from_provider_error(exc, t.source.provider, target_id=t.global_id),
            )
            for t, exc in result.failed
        ],
        failures=[
            ProviderFailure(
                provider=f.source.provider,
                account_id=strawberry.ID(f.source.global_id),
                code=f.error.code,
                message=f.error.message,
            )
            for f in result.failures
        ],
        has_more=result.has_more,
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Delete one recording (scope `delete`). Gone afterwards from every "
        "listing and from `node`, whatever the vendor's own flavour of delete."
    )
    async def delete_recording(self, info: Info, id: strawberry.ID) -> DeleteRecordingResult:
        return await delete_recording(info.context, id)

    @strawberry.mutation(
        description="Retention jobs (scope `delete`): by IDs or by filter, dry run by default."
    )
    async def delete_recordings(
        self, info: Info, input: DeleteRecordingsInput
    ) -> DeleteRecordingsResult:
        return await delete_recordings(info.context, input)

    @strawberry.mutation(description="Start recording a live call or conference (scope `write`).")
    async def start_recording(
        self, info: Info, input: StartRecordingInput
    ) -> RecordingControlResult:
        return await start_recording(info.context, input)

    @strawberry.mutation(description="Pause a live recording (scope `write`).")
    async def pause_recording(
        self, info: Info, input: RecordingControlInput
    ) -> RecordingControlResult:
        return await control_recording(info.context, input, m.RecordingAction.PAUSE)

    @strawberry.mutation(description="Resume a paused recording (scope `write`).")
    async def resume_recording(
        self, info: Info, input: RecordingControlInput
    ) -> RecordingControlResult:
        return await control_recording(info.context, input, m.RecordingAction.RESUME)

    @strawberry.mutation(description="Stop a live recording (scope `write`).")
    async def stop_recording(
        self, info: Info, input: RecordingControlInput
    ) -> RecordingControlResult:
        return await control_recording(info.context, input, m.RecordingAction.STOP)
