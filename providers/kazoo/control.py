"""Kazoo recording control, a mixin of :class:`~.backend.KazooBackend`: a live call's
``record_call`` metaflow and a conference's ``record`` action (see :mod:`.writes`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers._coerce import number
from providers.errors import (
    InvalidStateError,
    MalformedResponseError,
    NotFoundError,
    UnsupportedError,
)
from providers.models import Recording, RecordingAction, RecordingTarget, StartRecordingOptions

from . import writes
from .client import CDR_ID, CHANNEL_ID, HEX32, PROVIDER, KazooClient
from .wire import Envelope


class RecordingControl:
    if TYPE_CHECKING:  # provided by KazooBackend
        client: KazooClient

        def _not_found(self, what: str, ident: str) -> NotFoundError: ...

    async def start_recording(
        self, target: RecordingTarget, options: StartRecordingOptions
    ) -> Recording | None:
        """Kazoo only acknowledges (202): the recording doc appears when it stops."""
        if target.provider_conference_id is not None:
            writes.conference_start(options)
            await self._conference_record(target.provider_conference_id, "start")
            return None
        assert target.provider_call_id is not None
        data = writes.record_call_start(options)
        await self._record_call(target.provider_call_id, data)
        return None

    async def control_recording(
        self, target: RecordingTarget, action: RecordingAction
    ) -> Recording | None:
        if action is not RecordingAction.STOP:
            raise UnsupportedError(
                f"kazoo cannot {action.value} a recording: it has no pause/resume",
                provider=PROVIDER,
                capability=f"{action.value}_recording",
            )
        if target.provider_conference_id is not None:
            await self._conference_record(target.provider_conference_id, "stop")
        else:
            assert target.provider_call_id is not None
            await self._record_call(target.provider_call_id, {"action": "stop"})
        return None

    async def _record_call(self, call_id: str, data: Mapping[str, Any]) -> None:
        """A finished call (CDR id) has no channel left to record."""
        if CDR_ID.fullmatch(call_id):
            raise InvalidStateError(
                f"kazoo: call {call_id!r} has ended (it is a CDR, not a live channel)",
                provider=PROVIDER,
            )
        if not CHANNEL_ID.fullmatch(call_id):
            raise self._not_found("live call", call_id)
        await self.client.channel_metaflow(call_id, "record_call", data)

    async def _conference_record(self, conference_id: str, action: str) -> None:
        if not HEX32.fullmatch(conference_id):
            raise self._not_found("conference", conference_id)
        await self.client.conference_record(conference_id, action)


def channel_rows(envelope: Envelope) -> list[dict[str, Any]]:
    """Live channel rows, newest first (Kazoo lists them in no particular order)."""
    data = envelope.get("data")
    if not isinstance(data, list):
        raise MalformedResponseError("kazoo: GET /channels returned no list", provider=PROVIDER)
    rows = [r for r in data if isinstance(r, dict) and isinstance(r.get("uuid"), str)]
    rows.sort(key=lambda r: (number(r.get("timestamp")) or 0, str(r["uuid"])), reverse=True)
    return rows
