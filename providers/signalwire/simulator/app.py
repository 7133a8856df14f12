"""The SignalWire Compatibility (LaML) REST API as an aiohttp app.

Live-call recording control (start, pause/resume/stop, status callbacks) is the
:class:`~.control.RecordingControl` mixin in ``control.py``; its choices are listed here too.

Choices where the notes say "unconfirmed" (see also ``store.py`` and ``render.py``):

* Routes answer under both ``/api/laml/2010-04-01`` (SignalWire) and ``/2010-04-01`` (what
  the ``twilio``/``signalwire`` SDKs call when pointed at a bare host); links in answers use
  the prefix the request came in on.
* Path AccountSid != authenticated project -> 401 code 20003 like Twilio
  (``foreign_account_status=403`` switches to 403 code 20403).
* The per-call recordings list ``GET Calls/{sid}/Recordings.json`` and per-call
  ``GET``/``DELETE Calls/{sid}/Recordings/{sid}.json`` are served (Twilio has them and the
  Call's ``subresource_uris`` points there), although SignalWire's spec omits them.
* ``PageSize`` outside 1..1000, ``Page`` > 0 without a ``PageToken``, or a ``PageToken``
  naming no known item -> 400 code 10000. ``PageToken`` is ``PA<last sid>`` (next) or
  ``PB<first sid>`` (previous); it keeps its place when items are deleted.
* Paging links (``uri``, ``first_page_uri``, ``next_page_uri``, ``previous_page_uri``) carry
  no ``.json``, as the real service's do; lists answer with or without ``.json``.
* Date filters accept ``YYYY-MM-DD`` (whole UTC day: ``DateCreated>`` = on/after its
  midnight, ``DateCreated<`` = on or before that day, ``DateCreated`` = that day), RFC 2822
  and ISO 8601 instants (inclusive bounds, exact match for ``DateCreated``); anything else
  -> 400 code 10000.
* Invalid recording transitions (anything on a completed/absent recording) -> 400 code
  10000; pausing a paused or resuming an in-progress recording is a no-op. ``stopped``
  completes the recording at once (status ``completed``, or ``absent`` under 1 s).
* Starting a recording -> 201. Media: ``.wav`` and no extension -> ``audio/x-wav``,
  ``.mp3`` -> ``audio/mpeg``, Range honoured, no auth; unknown, deleted or non-UUID -> 404.
* Rate limiting (``write_rate_limit=(capacity, per_second)``) applies to POSTs only, as the
  platform's limits do: 429 with code 20429 and ``Retry-After``.
* Status callbacks carry the eight documented fields, plus ``ConferenceSid`` for
  conference recordings; sent with both ``X-SignalWire-Signature`` and
  ``X-Twilio-Signature``.
* ``RecordingStatusCallbackEvent`` also accepts ``paused``, ``resumed`` and ``stopped``
  (Twilio-style; SignalWire documents only ``in-progress completed absent``): when asked
  for, pausing, resuming and stopping each send a callback whose ``RecordingStatus`` is
  that event, and a stop then sends ``completed`` (or ``absent``) as usual. Updating a
  recording of another call or conference than the path's -> 404 code 20404.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from aiohttp import web

from providers._sim import (
    Faults,
    RequestLog,
    TokenBucket,
    fault_middleware,
    mp3_bytes,
    range_response,
    wav_bytes,
)
from providers.signalwire.simulator import render
from providers.signalwire.simulator.control import RecordingControl
from providers.signalwire.simulator.listing import list_response
from providers.signalwire.simulator.store import SimCall, SimProject, SimRecording, Store
from providers.signalwire.simulator.webhooks import CallbackSender

_CODES = {400: 10000, 401: 20003, 403: 20403, 404: 20404, 405: 20001, 429: 20429}


def render_error(
    status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    code = _CODES.get(status, 20504 if status >= 500 else 20001)
    return render.error(status, code, message, headers=dict(headers or {}))


class SignalWireSimulator(RecordingControl):
    provider: ClassVar[str] = "signalwire"

    def __init__(
        self,
        seed: int = 0,
        *,
        anchor: datetime | None = None,
        recordings: int = 60,
        types: str = "signalwire",
        foreign_account_status: int = 401,
        write_rate_limit: tuple[float, float] | None = None,
        status_callback: str | None = None,
    ) -> None:
        self.store = Store(seed, anchor, recordings)
        self.anchor = self.store.anchor
        self.types = types
        self.foreign_account_status = foreign_account_status
        self.bucket = TokenBucket(*write_rate_limit) if write_rate_limit else None
        self.default_status_callback = status_callback
        self.request_log = RequestLog()
        self.faults = Faults()
        self.callbacks = CallbackSender()
        self._public_root = "http://127.0.0.1"
        self._media: dict[tuple[str, str], bytes] = {}

    # -- test hooks ------------------------------------------------------------------

    @property
    def primary(self) -> SimProject:
        return next(iter(self.store.projects.values()))

    def account_settings(self, root_url: str) -> list[dict[str, str]]:
        return [
            {
                "base_url": root_url.rstrip("/"),
                "project_id": p.sid,
                "api_token": p.token,
                "signing_key": p.signing_key,
            }
            for p in self.store.projects.values()
        ]

    def connect_webhooks(self, account_index: int, webhook_url: str) -> dict[str, Any]:
        """Callbacks go to each recording's ``RecordingStatusCallback``; they are signed
        with the project's signing key, which ``account_settings`` already gives."""
        return {}

    def live_calls(self) -> list[SimCall]:
        return [c for c in self.primary.calls.values() if c.status == "in-progress"]

    async def end_call(self, call_sid: str) -> None:
        """Hang up a live call: its active recordings complete (with callbacks)."""
        for project in self.store.projects.values():
            call = project.calls.get(call_sid)
            if call is None or call.status != "in-progress":
                continue
            call.status, call.end = "completed", self.now()
            for rec in project.live_recordings():
                if rec.call_sid == call_sid and rec.status in ("in-progress", "paused"):
                    self._finish(project, rec)

    async def drain_callbacks(self) -> None:
        await self.callbacks.drain()

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)

    # -- app -------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(
            middlewares=[fault_middleware(self.request_log, self.faults, render_error)]
        )
        for p in render.PREFIXES:
            a = p + "/Accounts/{account}"
            ext = r"{ext:(\.json)?}"
            r = app.router
            r.add_get(a + ext, self.get_account)
            r.add_get(a + "/Recordings" + ext, self.list_recordings)
            r.add_get(a + "/Recordings/{sid}", self.get_recording)
            r.add_delete(a + "/Recordings/{sid}", self.delete_recording)
            r.add_get(a + "/Calls" + ext, self.list_calls)
            r.add_get(a + "/Calls/{sid}", self.get_call)
            r.add_get(a + "/Calls/{parent}/Recordings" + ext, self.list_call_recordings)
            r.add_post(a + "/Calls/{parent}/Recordings" + ext, self.start_recording)
            r.add_get(a + "/Calls/{parent}/Recordings/{sid}", self.get_child_recording)
            r.add_post(a + "/Calls/{parent}/Recordings/{sid}", self.update_recording)
            r.add_delete(a + "/Calls/{parent}/Recordings/{sid}", self.delete_child_recording)
            r.add_get(a + "/Conferences" + ext, self.list_conferences)
            r.add_get(a + "/Conferences/{sid}", self.get_conference)
            r.add_get(a + "/Conferences/{parent}/Recordings" + ext, self.list_conf_recordings)
            r.add_get(a + "/Conferences/{parent}/Recordings/{sid}", self.get_child_recording)
            r.add_post(a + "/Conferences/{parent}/Recordings/{sid}", self.update_recording)
            r.add_delete(a + "/Conferences/{parent}/Recordings/{sid}", self.delete_child_recording)
        return app

    # -- auth ------------------------------------------------------------------------

    def _auth(self, request: web.Request) -> SimProject | web.Response:
        self._public_root = str(request.url.origin())
        header = request.headers.get("Authorization", "")
        project = None
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user = password = ""
            found = self.store.projects.get(user)
            if found is not None and found.token == password:
                project = found
        if project is None:
            return render.error(401, 20003, "Authentication Error - invalid username")
        if project.sid != request.match_info["account"]:
            status = self.foreign_account_status
            code = 20403 if status == 403 else 20003
            return render.error(status, code, "Authentication Error - No credentials provided")
        if request.method == "POST" and self.bucket is not None:
            allowed, wait = self.bucket.take()
            if not allowed:
                return render.error(
                    429, 20429, "Too Many Requests", headers={"Retry-After": f"{wait:.0f}"}
                )
        return project

    @staticmethod
    def _prefix(request: web.Request) -> str:
        return next(p for p in render.PREFIXES if request.path.startswith(p + "/"))

    # -- recordings ------------------------------------------------------------------

    async def get_account(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        # The real resource carries auth_token: clients must never surface it.
        prefix = self._prefix(request)
        return web.json_response(
            {
                "sid": project.sid,
                "friendly_name": project.space,
                "status": "active",
                "type": "Full",
                "auth_token": project.token,
                "owner_account_sid": project.sid,
                "date_created": render.date(self.anchor - timedelta(days=400)),
                "date_updated": render.date(self.anchor - timedelta(days=400)),
                "uri": f"{prefix}/Accounts/{project.sid}.json",
                "subresource_uris": {},
            }
        )

    async def list_recordings(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        return self._list_recordings(request, project.live_recordings())

    async def list_call_recordings(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        parent = request.match_info["parent"]
        if parent not in project.calls:
            return render.not_found(request)
        recs = [r for r in project.live_recordings() if r.call_sid == parent]
        return self._list_recordings(request, recs)

    async def list_conf_recordings(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        parent = request.match_info["parent"]
        if parent not in project.conferences:
            return render.not_found(request)
        recs = [r for r in project.live_recordings() if r.conference_sid == parent]
        return self._list_recordings(request, recs)

    def _list_recordings(self, request: web.Request, recs: list[SimRecording]) -> web.Response:
        prefix = self._prefix(request)
        project = self.store.projects[request.match_info["account"]]
        return list_response(
            request,
            "recordings",
            recs,
            lambda r: render.recording(r, prefix, self.types),
            tombstones=project.recordings,
            filters={"CallSid": "call_sid", "ConferenceSid": "conference_sid"},
            date_attr="created",
        )

    def _find(self, request: web.Request) -> tuple[SimProject, SimRecording, str] | None:
        """The recording named by ``{sid}`` (with its extension) in the path's project."""
        sid, dot, ext = request.match_info["sid"].partition(".")
        project = self.store.projects.get(request.match_info["account"])
        rec = project.recordings.get(sid) if project else None
        if project is None or rec is None or rec.deleted:
            return None
        parent = request.match_info.get("parent")
        if parent is not None and parent not in (rec.call_sid, rec.conference_sid):
            return None
        return project, rec, (ext if dot else "")

    async def get_recording(self, request: web.Request) -> web.StreamResponse:
        found = self._find(request)
        ext = request.match_info["sid"].partition(".")[2]
        if ext == "json":
            project = self._auth(request)
            if isinstance(project, web.Response):
                return project
        if found is None or found[2] not in ("", "json", "wav", "mp3"):
            return render.not_found(request)
        _, rec, ext = found
        if ext == "json":
            return web.json_response(render.recording(rec, self._prefix(request), self.types))
        seconds = float(rec.duration or 1)
        key = (rec.sid, ext or "wav")
        if key not in self._media:
            self._media[key] = (
                mp3_bytes(seconds) if ext == "mp3" else wav_bytes(seconds, seed=len(rec.sid))
            )
        ctype = "audio/mpeg" if ext == "mp3" else "audio/x-wav"
        return range_response(request, self._media[key], ctype)

    async def get_child_recording(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        found = self._find(request)
        if found is None or found[2] != "json":
            return render.not_found(request)
        return web.json_response(render.recording(found[1], self._prefix(request), self.types))

    async def delete_recording(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        found = self._find(request)
        if found is None or found[2] not in ("", "json"):
            return render.not_found(request)
        found[1].deleted = True
        return web.Response(status=204)

    delete_child_recording = delete_recording

    # -- calls and conferences -------------------------------------------------------

    async def list_calls(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        prefix = self._prefix(request)
        return list_response(
            request,
            "calls",
            list(project.calls.values()),
            lambda c: render.call(c, prefix, self.types),
            tombstones=project.calls,
            filters={"Status": "status", "To": "to_number", "From": "from_number"},
            date_attr="start",
            date_param="StartTime",
        )

    async def get_call(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        sid, _, ext = request.match_info["sid"].partition(".")
        call = project.calls.get(sid)
        if call is None or ext != "json":
            return render.not_found(request)
        return web.json_response(render.call(call, self._prefix(request), self.types))

    async def list_conferences(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        prefix = self._prefix(request)
        return list_response(
            request,
            "conferences",
            list(project.conferences.values()),
            lambda c: render.conference(c, prefix),
            tombstones=project.conferences,
            filters={"Status": "status", "FriendlyName": "name"},
            date_attr="created",
        )

    async def get_conference(self, request: web.Request) -> web.Response:
        project = self._auth(request)
        if isinstance(project, web.Response):
            return project
        sid, _, ext = request.match_info["sid"].partition(".")
        conf = project.conferences.get(sid)
        if conf is None or ext != "json":
            return render.not_found(request)
        return web.json_response(render.conference(conf, self._prefix(request)))
