"""aiohttp routes of the FreeClimb simulator, mounted under ``/apiserver``."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import orjson
from aiohttp import web

from providers._sim import Handler, range_response, wav_bytes

from . import render
from .store import SimAccount, SimCall, SimConference, SimRecording

if TYPE_CHECKING:
    from .sim import FreeClimbSimulator

PREFIX = "/apiserver"
ACCOUNT_KEY = web.RequestKey("freeclimb_account", SimAccount)
_A = PREFIX + "/Accounts/{account_id}"
_LIVE = frozenset({"queued", "ringing", "inProgress"})


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _parse_time(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise web.HTTPBadRequest(reason="Invalid time, expected YYYY-MM-DD hh:mm:ss") from exc


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise web.HTTPBadRequest(reason="Invalid date, expected YYYY-MM-DD") from exc


class Routes:
    def __init__(self, sim: FreeClimbSimulator) -> None:
        self.sim = sim

    def install(self, app: web.Application) -> None:
        app.middlewares.append(self.auth_middleware)
        r = app.router
        r.add_get(_A + "/Recordings", self.list_recordings)
        r.add_get(_A + "/Recordings/{recording_id}", self.get_recording)
        r.add_delete(_A + "/Recordings/{recording_id}", self.delete_recording)
        r.add_get(_A + "/Recordings/{recording_id}/Download", self.media)
        r.add_get(_A + "/Recordings/{recording_id}/Stream", self.media)
        r.add_get(_A + "/Calls", self.list_calls)
        r.add_get(_A + "/Calls/{call_id}", self.get_call)
        r.add_post(_A + "/Calls/{call_id}", self.update_call)
        r.add_get(_A + "/Calls/{call_id}/Recordings", self.list_call_recordings)
        r.add_get(_A + "/Conferences", self.list_conferences)
        r.add_get(_A + "/Conferences/{conference_id}", self.get_conference)
        r.add_get(_A + "/Conferences/{conference_id}/Recordings", self.list_conf_recordings)

    # -- auth ------------------------------------------------------------------------

    @web.middleware
    async def auth_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        caller = self._authenticate(request.headers.get("Authorization", ""))
        if caller is None:
            return render.error(401)
        wanted = request.match_info.get("account_id")
        if wanted is not None and wanted != caller.account_id:
            if self.sim.forbid_other_account:
                return render.error(403)
            return render.error(404)
        request[ACCOUNT_KEY] = caller
        return await handler(request)

    def _authenticate(self, header: str) -> SimAccount | None:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        account = self.sim.accounts.get(user)
        if account is None or not hmac.compare_digest(account.api_key, password):
            return None
        return account

    # -- paging ----------------------------------------------------------------------

    def _page(
        self,
        request: web.Request,
        scope: str,
        key: str,
        select: Callable[[dict[str, str]], list[Any]],
        shape: Callable[[Any], dict[str, Any]],
    ) -> web.Response:
        """Offset pages behind an opaque cursor: hex of ``scope|offset|filters``. The
        cursor carries the filters, so ``nextPageUri`` holds nothing else."""
        filters = {k: v for k, v in request.query.items() if k != "cursor"}
        offset = 0
        cursor = request.query.get("cursor")
        if cursor is not None:
            try:
                got_scope, raw_offset, raw_filters = bytes.fromhex(cursor).decode().split("|", 2)
                offset = int(raw_offset)
            except ValueError:
                return render.error(400, "Invalid cursor")
            if got_scope != scope or offset < 0:
                return render.error(400, "Invalid cursor")
            filters = dict(parse_qsl(raw_filters))
        items = select(filters)
        size = self.sim.page_size
        chunk = items[offset : offset + size]
        next_uri = None
        if offset + size < len(items):
            state = f"{scope}|{offset + size}|{urlencode(sorted(filters.items()))}"
            path = request.path.removeprefix(PREFIX)
            next_uri = f"{path}?cursor={state.encode().hex()}"
        body = render.envelope(
            key,
            [shape(item) for item in chunk],
            total=len(items),
            offset=offset,
            page_size=size,
            next_page_uri=next_uri,
        )
        return render.json_response(body)

    # -- recordings ------------------------------------------------------------------

    def _select_recordings(
        self, account: SimAccount, filters: dict[str, str], **fixed: str
    ) -> list[SimRecording]:
        filters = {**filters, **fixed}
        call_id = filters.get("callId")
        conference_id = filters.get("conferenceId")
        day = _parse_day(filters["dateCreated"]) if "dateCreated" in filters else None
        start = _parse_time(filters["startTime"]) if "startTime" in filters else None
        end = _parse_time(filters["endTime"]) if "endTime" in filters else None
        out = []
        for rec in account.recordings_newest_first():
            created = _second(rec.created)
            if (
                (rec.deleted and not self.sim.keep_deleted_metadata)
                or (call_id is not None and rec.call_id != call_id)
                or (conference_id is not None and rec.conference_id != conference_id)
                or (day is not None and created.date() != day)
                or (start is not None and created < start)
                or (end is not None and created > end)
            ):
                continue
            out.append(rec)
        return out

    def _shape_recording(self, rec: SimRecording) -> dict[str, Any]:
        return render.recording(rec, duration_as_string=self.sim.duration_as_string)

    async def list_recordings(self, request: web.Request) -> web.Response:
        account = request[ACCOUNT_KEY]
        return self._page(
            request,
            "recordings",
            "recordings",
            lambda f: self._select_recordings(account, f),
            self._shape_recording,
        )

    async def list_call_recordings(self, request: web.Request) -> web.Response:
        account = request[ACCOUNT_KEY]
        call_id = request.match_info["call_id"]
        if call_id not in account.calls:
            return render.error(404, "Call Not Found")
        return self._page(
            request,
            f"calls/{call_id}/recordings",
            "recordings",
            # The call sub-collection has no callId/conferenceId filter of its own.
            lambda f: self._select_recordings(
                account, {k: v for k, v in f.items() if k != "conferenceId"}, callId=call_id
            ),
            self._shape_recording,
        )

    async def list_conf_recordings(self, request: web.Request) -> web.Response:
        account = request[ACCOUNT_KEY]
        conference_id = request.match_info["conference_id"]
        if conference_id not in account.conferences:
            return render.error(404, "Conference Not Found")
        return self._page(
            request,
            f"conferences/{conference_id}/recordings",
            "recordings",
            lambda f: self._select_recordings(account, f, conferenceId=conference_id),
            self._shape_recording,
        )

    def _recording(self, request: web.Request) -> SimRecording | web.Response:
        rec = request[ACCOUNT_KEY].recordings.get(request.match_info["recording_id"])
        if rec is None:
            return render.error(404, "Recording Not Found, Check recordingId", code=68)
        return rec

    async def get_recording(self, request: web.Request) -> web.Response:
        rec = self._recording(request)
        if isinstance(rec, web.Response):
            return rec
        if rec.deleted and not self.sim.keep_deleted_metadata:
            return render.error(404, "Resource Has Been Deleted", code=77)
        return render.json_response(self._shape_recording(rec))

    async def delete_recording(self, request: web.Request) -> web.Response:
        rec = self._recording(request)
        if isinstance(rec, web.Response):
            return rec
        if rec.deleted:
            return render.error(404, "Resource Has Been Deleted", code=77)
        rec.deleted = True
        rec.revision += 1
        rec.updated = self.sim.now()
        return web.Response(status=204)

    async def media(self, request: web.Request) -> web.Response:
        rec = self._recording(request)
        if isinstance(rec, web.Response):
            return rec
        if rec.deleted:
            return render.error(404, "Resource Has Been Deleted", code=77)
        disposition = "attachment" if request.path.endswith("/Download") else "inline"
        return range_response(
            request,
            self.sim.audio(rec),
            "audio/wav",
            {"Content-Disposition": f'{disposition}; filename="{rec.recording_id}.wav"'},
        )

    # -- calls -----------------------------------------------------------------------

    def _select_calls(self, account: SimAccount, f: dict[str, str]) -> list[SimCall]:
        start = _parse_time(f["startTime"]) if "startTime" in f else None
        end = _parse_time(f["endTime"]) if "endTime" in f else None
        active = f.get("active", "").lower() == "true"
        out = []
        for c in account.calls_newest_first():
            if (
                (active and c.status not in _LIVE)
                or ("status" in f and c.status != f["status"])
                or ("from" in f and c.from_number != f["from"])
                or ("to" in f and c.to_number != f["to"])
                or ("parentCallId" in f and c.parent_call_id != f["parentCallId"])
                or (start is not None and (c.start is None or _second(c.start) < start))
                or (end is not None and (c.end is None or _second(c.end) > end))
            ):
                continue
            out.append(c)
        return out

    async def list_calls(self, request: web.Request) -> web.Response:
        account = request[ACCOUNT_KEY]
        return self._page(
            request, "calls", "calls", lambda f: self._select_calls(account, f), render.call
        )

    async def get_call(self, request: web.Request) -> web.Response:
        c = request[ACCOUNT_KEY].calls.get(request.match_info["call_id"])
        if c is None:
            return render.error(404, "Call Not Found")
        return render.json_response(render.call(c))

    async def update_call(self, request: web.Request) -> web.Response:
        account = request[ACCOUNT_KEY]
        c = account.calls.get(request.match_info["call_id"])
        if c is None or c.status not in _LIVE:
            # Documented: POSTing to a completed call is a 404.
            return render.error(404, "Call Not Found Or No Longer Active")
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return render.error(400, "Request Body Is Not JSON")
        status = body.get("status") if isinstance(body, dict) else None
        if status not in ("canceled", "completed"):
            return render.error(400, "status must be canceled or completed")
        self.sim.spawn(self.sim.end_call(c.call_id, status=status))
        return web.Response(status=202)

    # -- conferences -----------------------------------------------------------------

    def _select_conferences(self, account: SimAccount, f: dict[str, str]) -> list[SimConference]:
        created = _parse_day(f["dateCreated"]) if "dateCreated" in f else None
        updated = _parse_day(f["dateUpdated"]) if "dateUpdated" in f else None
        return [
            c
            for c in account.conferences_newest_first()
            if ("status" not in f or c.status == f["status"])
            and ("alias" not in f or c.alias == f["alias"])
            and (created is None or c.created.date() == created)
            and (updated is None or c.updated.date() == updated)
        ]

    async def list_conferences(self, request: web.Request) -> web.Response:
        account = request[ACCOUNT_KEY]
        return self._page(
            request,
            "conferences",
            "conferences",
            lambda f: self._select_conferences(account, f),
            render.conference,
        )

    async def get_conference(self, request: web.Request) -> web.Response:
        c = request[ACCOUNT_KEY].conferences.get(request.match_info["conference_id"])
        if c is None:
            return render.error(404, "Conference Not Found")
        return render.json_response(render.conference(c))


def make_wav(rec: SimRecording) -> bytes:
    return wav_bytes(min(rec.duration, 2), seed=int(rec.recording_id[2:10], 16))
