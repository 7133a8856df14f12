"""SignalWire recording control, a mixin of :class:`~.backend.SignalWireBackend`: start a
call's recording (``POST Calls/{CallSid}/Recordings.json``, the form from :mod:`.writes`)
and pause, resume or stop a call's or conference's recording (``POST
{Calls|Conferences}/{Sid}/Recordings/{Sid}.json`` with a ``Status``; without a recording
SID, the parent's live one). Conference recordings cannot be started over REST.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.errors import InvalidRequestError, InvalidStateError, UnsupportedError
from providers.models import (
    Recording,
    RecordingAction,
    RecordingStatus,
    RecordingTarget,
    StartRecordingOptions,
)

from .client import ListPage, SignalWireClient
from .mapping import PROVIDER, to_recording
from .writes import start_form

_ACTIVE = frozenset({RecordingStatus.IN_PROGRESS, RecordingStatus.PAUSED})
_ACTION_STATUS = {
    RecordingAction.STOP: "stopped",
    RecordingAction.PAUSE: "paused",
    RecordingAction.RESUME: "in-progress",
}


class RecordingControl:
    if TYPE_CHECKING:  # provided by SignalWireBackend
        client: SignalWireClient
        account_name: str

        def _recordings(self, listed: ListPage) -> list[Recording]: ...

        @staticmethod
        def _require_sid(sid: str, what: str) -> None: ...

    async def start_recording(
        self, target: RecordingTarget, options: StartRecordingOptions
    ) -> Recording | None:
        if target.provider_call_id is None:
            raise UnsupportedError(
                "signalwire: conference recordings cannot be started over REST "
                "(no create endpoint; use <Conference record=...> in cXML)",
                provider=PROVIDER,
                capability="start_conference_recording",
            )
        form = start_form(options)
        self._require_sid(target.provider_call_id, "call")
        wire = await self.client.start_call_recording(target.provider_call_id, dict(form))
        return to_recording(wire, self.account_name)

    async def control_recording(
        self, target: RecordingTarget, action: RecordingAction
    ) -> Recording | None:
        if target.provider_call_id is not None:
            parent, parent_sid, param = "Calls", target.provider_call_id, "CallSid"
        else:
            assert target.provider_conference_id is not None
            parent, parent_sid, param = (
                "Conferences",
                target.provider_conference_id,
                "ConferenceSid",
            )
        self._require_sid(parent_sid, parent[:-1].lower())
        sid = target.provider_recording_id
        if sid is None:
            sid = await self._active_recording(param, parent_sid)
        self._require_sid(sid, "recording")
        try:
            wire = await self.client.update_recording(
                parent, parent_sid, sid, _ACTION_STATUS[action]
            )
        except InvalidStateError:
            raise
        except InvalidRequestError as exc:
            # Our form is always valid, so a refusal means the transition is not allowed.
            raise InvalidStateError(
                exc.message, provider=PROVIDER, status=exc.status, vendor_code=exc.vendor_code
            ) from exc
        return to_recording(wire, self.account_name)

    async def _active_recording(self, param: str, parent_sid: str) -> str:
        listed = await self.client.list_recordings([(param, parent_sid)], 50)
        for rec in self._recordings(listed):
            if rec.status in _ACTIVE:
                return rec.provider_recording_id
        raise InvalidStateError(
            f"signalwire: no active recording on {param[:-3].lower()} {parent_sid}",
            provider=PROVIDER,
        )
