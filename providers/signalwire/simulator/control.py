"""Live-call recording control: start a recording on a call, and pause, resume or stop
call and conference recordings (with their status callbacks).

A mixin of :class:`~.app.SignalWireSimulator`; the choices it settles are listed in
:mod:`.app`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from providers.signalwire.simulator import render
from providers.signalwire.simulator.store import SimProject, SimRecording, Store
from providers.signalwire.simulator.webhooks import CallbackSender


class RecordingControl:
    if TYPE_CHECKING:  # provided by SignalWireSimulator
        store: Store
        types: str
        default_status_callback: str | None
        callbacks: CallbackSender
        _public_root: str

        def now(self) -> datetime: ...
        def _auth(self, request: web.Request) -> SimProject | web.Response: ...
        @staticmethod
        def _prefix(request: web.Request) -> str: ...
        def _find(self, request: web.Request) -> tuple[SimProject, SimRecording, str] | None: ...

    async def start_recording(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        call = project.calls.get(request.match_info["parent"])
        if call is None:
            return render.not_found(request)
        if call.status != "in-progress":
            return render.error(400, 21220, "Call is not in-progress. Cannot start recording.")
        form = await request.post()
        channels = str(form.get("RecordingChannels", "mono"))
        events = " ".join(str(v) for v in form.getall("RecordingStatusCallbackEvent", []))
        created = self.store.unique(self.now())
        rec = SimRecording(
            sid=self.store.seeded.uuid(),
            account_sid=project.sid,
            call_sid=call.sid,
            conference_sid=None,
            created=created,
            duration=None,
            channels=2 if channels == "dual" else 1,
            source="StartCallRecordingApi",
            status="in-progress",
            price=None,
            end=None,
            updated=created,
            trim=str(form.get("Trim", "do-not-trim")),
            track=str(form.get("RecordingTrack", "both")),
            callback_url=str(form.get("RecordingStatusCallback", ""))
            or self.default_status_callback,
            callback_events=frozenset(events.replace(",", " ").split()) or frozenset({"completed"}),
            callback_method=str(form.get("RecordingStatusCallbackMethod", "POST")),
        )
        project.recordings[rec.sid] = rec
        self._callback(project, rec)
        body = render.recording(rec, self._prefix(request), self.types)
        return web.json_response(body, status=201)

    async def update_recording(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        found = self._find(request)
        if found is None or found[2] != "json":
            return render.not_found(request)
        rec = found[1]
        status = str((await request.post()).get("Status", ""))
        if status not in ("paused", "in-progress", "stopped"):
            return render.error(400, 10000, f"Invalid Status {status!r}")
        if rec.status not in ("in-progress", "paused"):
            return render.error(400, 10000, f"Recording is {rec.status}; cannot set {status}")
        now = self.now()
        if status == "paused" and rec.status == "in-progress":
            rec.status, rec.paused_at = "paused", now
            self._callback(project, rec, "paused")
        elif status == "in-progress" and rec.status == "paused" and rec.paused_at:
            rec.paused_seconds += (now - rec.paused_at).total_seconds()
            rec.status, rec.paused_at = "in-progress", None
            self._callback(project, rec, "resumed")
        elif status == "stopped":
            self._callback(project, rec, "stopped")
            self._finish(project, rec)
        rec.updated = max(rec.updated, now)
        return web.json_response(render.recording(rec, self._prefix(request), self.types))

    def _finish(self, project: SimProject, rec: SimRecording) -> None:
        now = self.now()
        if rec.paused_at is not None:
            rec.paused_seconds += (now - rec.paused_at).total_seconds()
            rec.paused_at = None
        seconds = max(0, int((now - rec.created).total_seconds() - rec.paused_seconds))
        rec.duration, rec.end, rec.updated = seconds, now, now
        rec.status = "completed" if seconds >= 1 else "absent"
        rec.price = f"-{0.0025 * (1 + seconds // 60):.4f}"
        self._callback(project, rec)

    def _callback(self, project: SimProject, rec: SimRecording, event: str | None = None) -> None:
        """``event`` defaults to the recording's status (``in-progress``, ``completed``,
        ``absent``); ``paused``/``resumed``/``stopped`` are sent only when asked for."""
        event = event or rec.status
        if not rec.callback_url or event not in rec.callback_events:
            return
        root = f"{self._public_root}{render.PREFIXES[0]}"
        media = f"{root}/Accounts/{project.sid}/Recordings/{rec.sid}"
        params = [
            ("AccountSid", project.sid),
            ("CallSid", rec.call_sid or ""),
            ("RecordingSid", rec.sid),
            ("RecordingUrl", media),
            ("RecordingStatus", event),
            ("RecordingDuration", str(rec.duration or 0)),
            ("RecordingChannels", str(rec.channels)),
            ("RecordingSource", rec.source),
        ]
        if rec.conference_sid:
            params.append(("ConferenceSid", rec.conference_sid))
        self.callbacks.send(rec.callback_url, rec.callback_method, params, project.signing_key)
