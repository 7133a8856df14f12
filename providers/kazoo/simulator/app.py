"""Routes of the Kazoo simulator (Crossbar v2 paths, 4.3 flavour)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from providers._sim import fault_middleware, mp3_bytes, range_response, wav_bytes

from . import channels, render
from .store import GREGORIAN_OFFSET, SimAccount, SimRecording

if TYPE_CHECKING:
    from . import KazooSimulator

_PREFIXED = re.compile(r"\d{6}-")
_CONFERENCE_ACTIONS = ("lock", "unlock", "dial", "play", "record")
SIM_KEY: web.AppKey[KazooSimulator] = web.AppKey("kazoo_simulator")
ACCOUNT_KEY: web.RequestKey[SimAccount | None] = web.RequestKey("kazoo_account")
TOKEN_KEY: web.RequestKey[str] = web.RequestKey("kazoo_token")


def build(sim: KazooSimulator) -> web.Application:
    middlewares: list[Any] = [
        fault_middleware(sim.request_log, sim.faults, sim.render_error),
        _auth_middleware(sim),
    ]
    app = web.Application(middlewares=middlewares)
    app[SIM_KEY] = sim
    r = app.router
    r.add_put("/v2/api_auth", api_auth)
    r.add_put("/v2/user_auth", user_auth)
    a = "/v2/accounts/{account_id}"
    r.add_get(f"{a}/recordings", list_recordings)
    r.add_get(f"{a}/recordings/{{rid}}", get_recording)
    r.add_delete(f"{a}/recordings/{{rid}}", delete_recording)
    r.add_get(f"{a}/users/{{uid}}/recordings", list_user_recordings)
    r.add_get(f"{a}/cdrs", list_cdrs)
    r.add_get(f"{a}/cdrs/{{cid}}", get_cdr)
    r.add_get(f"{a}/conferences", list_conferences)
    r.add_get(f"{a}/conferences/{{cid}}", get_conference)
    r.add_put(f"{a}/conferences/{{cid}}", conference_action)
    channels.install(app, a)
    return app


def _sim(request: web.Request) -> KazooSimulator:
    return request.app[SIM_KEY]


def _auth_middleware(sim: KazooSimulator) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        account_in_url = request.match_info.get("account_id")
        account: SimAccount | None = None
        token = request.headers.get("X-Auth-Token", "")
        if account_in_url is not None:
            owner = sim.token_account(token)
            if owner is None:
                return render.error(sim.now, 401)
            if owner.id != account_in_url:
                return render.error(sim.now, 403, auth_token=token)
            account = owner
        if not sim.take_token(request.remote or "", account.id if account else ""):
            return render.error(sim.now, 429, auth_token=token if account else "")
        request[ACCOUNT_KEY] = account
        request[TOKEN_KEY] = token
        response: web.StreamResponse = await handler(request)
        return response

    return middleware


def _account(request: web.Request) -> SimAccount:
    account = request[ACCOUNT_KEY]
    assert account is not None
    return account


def _now_greg(request: web.Request) -> int:
    return int(_sim(request).now()) + GREGORIAN_OFFSET


# -- auth -----------------------------------------------------------------------------


async def _auth_data(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


async def api_auth(request: web.Request) -> web.Response:
    sim = _sim(request)
    data = await _auth_data(request)
    key = data.get("api_key")
    account = next((a for a in sim.store.accounts.values() if a.api_key == key), None)
    return _issue(sim, account)


async def user_auth(request: web.Request) -> web.Response:
    sim = _sim(request)
    data = await _auth_data(request)
    method = data.get("method", "md5")
    creds = data.get("credentials")
    account = None
    for acc in sim.store.accounts.values():
        named = data.get("account_name") == acc.name or data.get("account_realm") == acc.realm
        expected = acc.sha_credentials() if method == "sha" else acc.md5_credentials()
        if named and creds == expected:
            account = acc
    return _issue(sim, account)


def _issue(sim: KazooSimulator, account: SimAccount | None) -> web.Response:
    if account is None:
        return render.error(sim.now, 401, "invalid credentials")
    token = sim.issue_token(account)
    data = {
        "account_id": account.id,
        "owner_id": next(iter(account.users)),
        "reseller_id": account.id,
        "is_reseller": False,
        "language": "en-us",
        "apps": [],
    }
    return render.respond(sim.now, data, status=201, auth_token=token)


# -- recordings ----------------------------------------------------------------------


def _listing_row(rec: SimRecording) -> dict[str, Any]:
    types = ["audio/x-wav" if rec.media == "wav" else "audio/mpeg"] if rec.media else []
    return {**rec.doc, "_read_only": {"content_types": types}}


def _paged(
    request: web.Request, rows: list[tuple[render.Key, dict[str, Any]]], windowed: bool = True
) -> web.Response:
    sim = _sim(request)
    token = request[TOKEN_KEY]
    try:
        bounds = render.window(request.query, _now_greg(request)) if windowed else None
        data, keys = render.page(rows, request.query, bounds)
    except render.BadRequest as exc:
        return render.validation_error(sim.now, exc.field, exc.rule, exc.message, token)
    return render.respond(sim.now, data, auth_token=token, extra=keys)


async def list_recordings(request: web.Request) -> web.Response:
    recs = [r for r in _account(request).recordings.values() if not r.deleted]
    return _paged(request, [((r.created, 0, r.id), _listing_row(r)) for r in recs])


async def list_user_recordings(request: web.Request) -> web.Response:
    account = _account(request)
    uid = request.match_info["uid"]
    if uid not in account.users:
        return render.bad_identifier(_sim(request).now, uid, request[TOKEN_KEY])
    recs = [
        r for r in account.recordings.values() if not r.deleted and r.doc.get("owner_id") == uid
    ]
    return _paged(request, [((r.created, 0, r.id), _listing_row(r)) for r in recs])


def _find_recording(request: web.Request) -> SimRecording | web.Response:
    sim = _sim(request)
    rid = request.match_info["rid"]
    if not _PREFIXED.match(rid):
        return render.error(sim.now, 404, "bad identifier", [rid], auth_token=request[TOKEN_KEY])
    rec = _account(request).recordings.get(rid)
    if rec is None or rec.deleted:
        return render.bad_identifier(sim.now, rid, request[TOKEN_KEY])
    return rec


async def get_recording(request: web.Request) -> web.Response:
    sim = _sim(request)
    found = _find_recording(request)
    if isinstance(found, web.Response):
        return found
    accept = (request.query.get("accept") or request.headers.get("Accept") or "").lower()
    if "audio/mpeg" in accept or "audio/mp3" in accept:
        return _media(request, found)
    if accept and not any(t in accept for t in ("json", "*/*")):
        return render.error(sim.now, 406, auth_token=request[TOKEN_KEY])
    return render.respond(sim.now, found.doc, auth_token=request[TOKEN_KEY], revision=_rev(found))


def _rev(rec: SimRecording) -> str:
    return f"{2 if rec.media else 1}-{rec.doc['id'][-32:]}"


def _media(request: web.Request, rec: SimRecording) -> web.Response:
    sim = _sim(request)
    if rec.media is None:
        return render.error(
            sim.now,
            404,
            "bad_identifier",
            {"details": rec.id, "message": "bad identifier"},
            auth_token=request[TOKEN_KEY],
        )
    seconds = float(rec.doc["duration_ms"]) / 1000
    if rec.media == "wav":
        body, ctype = wav_bytes(seconds, seed=rec.created), "audio/x-wav"
    else:
        body, ctype = mp3_bytes(seconds), "audio/mpeg"
    disposition = "inline" if request.query.get("inline") == "true" else "attachment"
    return range_response(
        request, body, ctype, {"Content-Disposition": f"{disposition}; filename={rec.doc['name']}"}
    )


async def delete_recording(request: web.Request) -> web.Response:
    found = _find_recording(request)
    if isinstance(found, web.Response):
        return found
    if request.query.get("should_soft_delete") == "false":
        del _account(request).recordings[found.id]
    else:
        found.deleted = True
    data = {**found.doc, "_read_only": {"deleted": True}}
    return render.respond(_sim(request).now, data, auth_token=request[TOKEN_KEY])


# -- CDRs ----------------------------------------------------------------------------


async def list_cdrs(request: web.Request) -> web.Response:
    cdrs = _account(request).cdrs.values()
    return _paged(request, [((c.created, 0, c.row["id"]), c.row) for c in cdrs])


async def get_cdr(request: web.Request) -> web.Response:
    sim = _sim(request)
    cid = request.match_info["cid"]
    if not _PREFIXED.match(cid):
        return render.error(
            sim.now, 404, "could not find cdr with supplied id", {}, auth_token=request[TOKEN_KEY]
        )
    cdr = _account(request).cdrs.get(cid)
    if cdr is None:
        return render.bad_identifier(sim.now, cid, request[TOKEN_KEY])
    return render.respond(sim.now, cdr.doc, auth_token=request[TOKEN_KEY])


# -- conferences ---------------------------------------------------------------------

_CONFERENCE_LIST_KEYS = (
    "id",
    "name",
    "owner_id",
    "member",
    "moderator",
    "ui_flags",
    "conference_numbers",
    "flags",
)


def _realtime(recording: bool) -> dict[str, Any]:
    members = 2 if recording else 0
    return {
        "members": members,
        "moderators": 1 if recording else 0,
        "duration": 0,
        "is_locked": False,
    }


async def list_conferences(request: web.Request) -> web.Response:
    rows = []
    for conf in _account(request).conferences.values():
        row = {k: conf.doc[k] for k in _CONFERENCE_LIST_KEYS if k in conf.doc}
        row["_read_only"] = _realtime(conf.recording)
        rows.append(((conf.created, 0, conf.doc["id"]), row))
    return _paged(request, rows, windowed=False)


async def get_conference(request: web.Request) -> web.Response:
    sim = _sim(request)
    cid = request.match_info["cid"]
    conf = _account(request).conferences.get(cid)
    if conf is None:
        return render.bad_identifier(sim.now, cid, request[TOKEN_KEY])
    read_only = {**_realtime(conf.recording), "participants": []}
    return render.respond(
        sim.now, {**conf.doc, "_read_only": read_only}, auth_token=request[TOKEN_KEY]
    )


async def conference_action(request: web.Request) -> web.Response:
    sim = _sim(request)
    token = request[TOKEN_KEY]
    cid = request.match_info["cid"]
    account = _account(request)
    conf = account.conferences.get(cid)
    if conf is None:
        return render.bad_identifier(sim.now, cid, token)
    try:
        body = await request.json()
    except ValueError:
        body = None
    action = body.get("action") if isinstance(body, dict) else None
    if action not in _CONFERENCE_ACTIONS:
        return render.validation_error(
            sim.now, "action", "enum", "Value not found in enumerated list of values", token
        )
    if action != "record":
        return render.respond(sim.now, f"{action} requested", status=202, auth_token=token)
    data = body.get("data") if isinstance(body, dict) else None
    what = data.get("action") if isinstance(data, dict) else None
    if what is None:
        return render.validation_error(sim.now, "action", "required", "Field is required", token)
    if what not in ("start", "stop"):
        return render.validation_error(
            sim.now, "action", "enum", "Value not found in enumerated list of values", token
        )
    if what == "start":
        conf.recording = True
    elif conf.recording:
        conf.recording = False
        sim.conference_recording_finished(account, cid)
    text = "starting recording" if what == "start" else "stopping recording"
    return render.respond(sim.now, text, status=202, auth_token=token)
