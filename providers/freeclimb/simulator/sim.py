"""The FreeClimb simulator object: seeded accounts, options, simulated PerCL."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from aiohttp import web

from providers._sim import Faults, RequestLog, Seeded, fault_middleware

from . import render
from .app import PREFIX, Routes, make_wav
from .store import (
    SimAccount,
    SimCall,
    SimConference,
    SimRecording,
    new_id,
    seed_account,
    seed_live,
)
from .webhooks import Delivery, post, signed_request

DEFAULT_PAGE_SIZE = 100


class FreeClimbSimulator:
    """See the package docstring for behaviour and the unconfirmed choices."""

    provider: ClassVar[str] = "freeclimb"

    def __init__(
        self,
        seed: int = 0,
        *,
        anchor: datetime | None = None,
        recordings: int = 60,
        page_size: int = DEFAULT_PAGE_SIZE,
        duration_as_string: bool = False,
        keep_deleted_metadata: bool = False,
        forbid_other_account: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.request_log = RequestLog()
        self.faults = Faults()
        self.page_size = page_size
        self.duration_as_string = duration_as_string
        self.keep_deleted_metadata = keep_deleted_metadata
        self.forbid_other_account = forbid_other_account
        self.clock = clock
        self.root_url = "https://www.freeclimb.com"
        self.deliveries: list[Delivery] = []
        self._seeded = Seeded(seed, anchor)
        self.anchor = self._seeded.anchor
        primary = seed_account(self._seeded, recordings)
        other = seed_account(self._seeded, max(3, recordings // 10))
        self.accounts: dict[str, SimAccount] = {a.account_id: a for a in (primary, other)}
        for account in self.accounts.values():
            seed_live(account, self.now(), seed)
        self._audio: dict[str, bytes] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def primary(self) -> SimAccount:
        return next(iter(self.accounts.values()))

    def make_app(self) -> web.Application:
        # Typed Any: the toolkit's middleware type is narrower than aiohttp's protocol.
        faults = fault_middleware(self.request_log, self.faults, render.render_error)
        app = web.Application(middlewares=[faults])
        Routes(self).install(app)
        app.on_cleanup.append(self._drain)
        return app

    def account_settings(self, root_url: str) -> list[dict[str, str]]:
        self.root_url = root_url.rstrip("/")
        return [
            {
                "base_url": f"{self.root_url}{PREFIX}",
                "account_id": a.account_id,
                "api_key": a.api_key,
            }
            for a in self.accounts.values()
        ]

    def connect_webhooks(self, account_index: int, webhook_url: str) -> dict[str, Any]:
        """FreeClimb callbacks go where each PerCL command or call says (nothing to
        register); they are signed with the account's active signing secrets."""
        account = list(self.accounts.values())[account_index]
        return {"signing_secrets": list(account.signing_secrets)}

    # -- helpers ---------------------------------------------------------------------

    def now(self) -> datetime:
        now = datetime.fromtimestamp(self.clock(), UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def audio(self, rec: SimRecording) -> bytes:
        if rec.recording_id not in self._audio:
            self._audio[rec.recording_id] = make_wav(rec)
        return self._audio[rec.recording_id]

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, _app: web.Application) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _account(self, account_id: str | None) -> SimAccount:
        return self.primary if account_id is None else self.accounts[account_id]

    def _find_call(self, call_id: str) -> tuple[SimAccount, SimCall]:
        for account in self.accounts.values():
            if call_id in account.calls:
                return account, account.calls[call_id]
        raise KeyError(call_id)

    def _find_conference(self, conference_id: str) -> tuple[SimAccount, SimConference]:
        for account in self.accounts.values():
            if conference_id in account.conferences:
                return account, account.conferences[conference_id]
        raise KeyError(conference_id)

    def recording_url(self, rec: SimRecording) -> str:
        path = f"/Accounts/{rec.account_id}/Recordings/{rec.recording_id}/Download"
        return f"{self.root_url}{PREFIX}{path}"

    def signed(
        self, payload: dict[str, Any], account_id: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """Body and headers of a webhook signed with every active secret of the account."""
        return signed_request(payload, self._account(account_id).signing_secrets, self.clock)

    async def deliver(
        self, url: str, payload: dict[str, Any], account_id: str | None = None
    ) -> Delivery:
        body, headers = self.signed(payload, account_id)
        delivery = await post(url, body, headers)
        self.deliveries.append(delivery)
        return delivery

    # -- simulated PerCL -------------------------------------------------------------

    def create_live_call(
        self, *, account_id: str | None = None, status_callback_url: str | None = None
    ) -> str:
        """An answered inbound call in progress now (PerCL needs a live call)."""
        account = self._account(account_id)
        now = self.now()
        template = next(iter(account.calls.values()))
        call = SimCall(
            call_id=new_id(self._seeded, "CA"),
            account_id=account.account_id,
            from_number=self._seeded.phone(),
            to_number=template.to_number,
            direction="inbound",
            status="inProgress",
            created=now,
            updated=now,
            start=now,
            connect=now,
            end=None,
            phone_number_id=template.phone_number_id,
            application_id=template.application_id,
            revision=2,
            status_callback_url=status_callback_url,
        )
        account.calls[call.call_id] = call
        return call.call_id

    def start_record_call(self, call_id: str) -> None:
        """PerCL ``StartRecordCall``: records the rest of the call."""
        _, call = self._find_call(call_id)
        if call.status != "inProgress":
            raise ValueError(f"call {call_id} is not in progress")
        call.recording_started = self.now()

    def _new_recording(
        self,
        account: SimAccount,
        started: datetime,
        duration: int,
        *,
        call_id: str | None = None,
        conference_id: str | None = None,
    ) -> SimRecording:
        rec = SimRecording(
            recording_id=new_id(self._seeded, "RE"),
            account_id=account.account_id,
            created=started,
            duration=duration,
            call_id=call_id,
            conference_id=conference_id,
        )
        account.recordings[rec.recording_id] = rec
        return rec

    def _call_fields(self, account: SimAccount, call: SimCall) -> dict[str, Any]:
        return {
            "accountId": account.account_id,
            "callId": call.call_id,
            "from": call.from_number,
            "to": call.to_number,
            "callStatus": call.status,
            "direction": call.direction,
            "conferenceId": None,
            "queueId": None,
            "parentCallId": call.parent_call_id,
        }

    def _recording_fields(self, rec: SimRecording) -> dict[str, Any]:
        return {
            "recordingId": rec.recording_id,
            "recordingUrl": self.recording_url(rec),
            "recordingSize": str(len(self.audio(rec))),
            "recordingFormat": "audio/wav",
            "recordingDurationSec": rec.duration,
        }

    async def end_call(self, call_id: str, *, status: str = "completed") -> SimRecording | None:
        """Hang up; a ``StartRecordCall`` recording is finished and reported on the call's
        ``callStatus`` webhook (to ``status_callback_url`` when one was given)."""
        account, call = self._find_call(call_id)
        now = self.now()
        call.status, call.end, call.updated = status, now, now
        call.revision += 1
        rec = None
        payload = {"requestType": "callStatus", **self._call_fields(account, call)}
        if call.recording_started is not None:
            seconds = math.ceil((now - call.recording_started).total_seconds())
            rec = self._new_recording(account, call.recording_started, seconds, call_id=call_id)
            payload |= self._recording_fields(rec)
            call.recording_started = None
        if call.status_callback_url:
            await self.deliver(call.status_callback_url, payload, account.account_id)
        return rec

    async def record_utterance(
        self, call_id: str, action_url: str, *, seconds: int = 4, privacy_mode: bool = False
    ) -> SimRecording:
        """PerCL ``RecordUtterance``: a short recording posted to ``actionUrl`` (``record``)."""
        account, call = self._find_call(call_id)
        if call.status != "inProgress":
            raise ValueError(f"call {call_id} is not in progress")
        started = self.now() - timedelta(seconds=seconds)
        rec = self._new_recording(account, started, seconds, call_id=call_id)
        payload = {
            "requestType": "record",
            **self._call_fields(account, call),
            **self._recording_fields(rec),
            "termReason": "silence",
            "privacyMode": privacy_mode,
        }
        await self.deliver(action_url, payload, account.account_id)
        return rec

    def create_conference(
        self,
        *,
        alias: str,
        status_callback_url: str,
        record: bool = True,
        account_id: str | None = None,
    ) -> str:
        """A conference created with ``record: true`` (PerCL ``CreateConference``)."""
        account = self._account(account_id)
        now = self.now()
        conf = SimConference(
            conference_id=new_id(self._seeded, "CF"),
            account_id=account.account_id,
            alias=alias,
            status="inProgress",
            record=record,
            created=now,
            updated=now,
            status_callback_url=status_callback_url,
        )
        account.conferences[conf.conference_id] = conf
        return conf.conference_id

    async def end_conference(self, conference_id: str, *, last_call_id: str) -> SimRecording | None:
        """The last participant leaves: the recording is processed and reported as
        ``conferenceRecordingStatus`` on the conference's ``statusCallbackUrl``."""
        account, conf = self._find_conference(conference_id)
        now = self.now()
        conf.status, conf.updated = "empty", now
        conf.revision += 1
        if not conf.record:
            return None
        seconds = max(1, math.ceil((now - conf.created).total_seconds()))
        rec = self._new_recording(account, conf.created, seconds, conference_id=conference_id)
        _, call = self._find_call(last_call_id)
        payload = {
            "requestType": "conferenceRecordingStatus",
            **self._call_fields(account, call),
            "conferenceId": conference_id,
            "status": conf.status,
            "recordingId": rec.recording_id,
            "recordingUrl": self.recording_url(rec),
            "recordingDurationSec": rec.duration,
        }
        await self.deliver(conf.status_callback_url, payload, account.account_id)
        return rec
