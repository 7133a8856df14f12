"""Live calls of the Kazoo simulator: ``/channels`` and the ``record_call`` metaflow.

Kazoo's live calls are its channels (``GET /v2/accounts/{A}/channels``, not paginated;
``GET``/``PUT /channels/{uuid}``). Each seeded account has a few answered channels that
started minutes before the simulator's clock, so the demo always has calls to record.
Choices where the notes say "unconfirmed" (or are silent):

* Channel rows carry exactly the documented keys (``answered``, ``authorizing_id``,
  ``authorizing_type``, ``destination``, ``direction``, ``other_leg``, ``owner_id``,
  ``presence_id``, ``timestamp`` (Gregorian start), ``username``, ``uuid``); ``GET
  /channels/{uuid}`` answers the same object; an unknown uuid -> 404 ``bad_identifier``.
* ``PUT /channels/{uuid}`` takes ``{"action": "metaflow", "data": {"data": {"module":
  "record_call", "data": {...}}}}`` and answers **202** with ``data: "processing
  request"``; ``module: "hangup"`` (or ``action: "hangup"``) ends the channel. Other
  modules/actions -> 400 ``enum``; a ``record_call`` parameter of the wrong type or value
  -> 400 validation error naming ``data.<param>``.
* ``record_call`` ``action``: ``start`` on a channel already recording and ``stop`` on
  one that is not are accepted no-ops (metaflows are fire-and-forget); ``toggle`` (the
  default) flips. Stopping (or hanging up) writes a ``call_recording`` doc (``call_id`` =
  the uuid, ``cdr_id`` = ``YYYYMM-<uuid>``, duration capped at ``time_limit``, recordings
  shorter than ``record_min_sec`` are discarded) and fires ``doc_created`` to the
  account's object webhooks.
* With ``url``, the audio is also sent there (unsigned, like every Kazoo request) with
  ``method`` (``put`` default) to ``{url}call_recording_{call_id}.{ext}?from=..&to=..
  &call_id=..&cdr_id=..&account_id=..`` when the URL has no query string (else to the URL
  as given): the "status callback" Kazoo has for a recording. Kazoo sends nothing when a
  recording starts; pause/resume do not exist.
"""

from __future__ import annotations

import dataclasses
import random
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from providers._sim import mp3_bytes, wav_bytes

from . import render
from .store import GREGORIAN_OFFSET, SimAccount, SimRecording, Store, month_prefix

if TYPE_CHECKING:
    from . import KazooSimulator

_ENUM = "Value not found in enumerated list of values"
_ACTIONS = ("transfer", "hangup", "callflow", "intercept", "metaflow")
_RECORD_ACTIONS = ("start", "stop", "toggle")
_TYPES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "format": (str, "string"),
    "label": (str, "string"),
    "media_name": (str, "string"),
    "method": (str, "string"),
    "origin": (str, "string"),
    "url": (str, "string"),
    "time_limit": (int, "integer"),
    "record_min_sec": (int, "integer"),
    "record_sample_rate": (int, "integer"),
    "record_on_answer": (bool, "boolean"),
    "record_on_bridge": (bool, "boolean"),
    "should_follow_transfer": (bool, "boolean"),
}


@dataclasses.dataclass(slots=True)
class SimChannel:
    row: dict[str, Any]
    #: ``record_call`` parameters and the Gregorian second it started, while recording.
    recording: dict[str, Any] | None = None
    started: int = 0

    @property
    def uuid(self) -> str:
        return str(self.row["uuid"])


@dataclasses.dataclass(frozen=True, slots=True)
class Upload:
    url: str
    method: str
    content_type: str
    size: int
    status: int | None


def seed_channels(account: SimAccount, now_greg: int, seed: int, count: int = 3) -> None:
    """``count`` answered calls in progress, started 2-12 minutes before ``now_greg``."""
    rng = random.Random(f"kazoo-channels-{seed}-{account.id}")
    owners = list(account.users)
    for i in range(count):
        uuid = "-".join(
            "".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12)
        )
        user = f"user_{rng.choice('abcdefghijklmnopqrstuvwxyz')}{rng.randint(100, 999)}"
        account.channels[uuid] = SimChannel(
            {
                "answered": True,
                "authorizing_id": "".join(rng.choice("0123456789abcdef") for _ in range(32)),
                "authorizing_type": "device",
                "destination": f"+1312555{rng.randint(1000, 9999)}",
                "direction": "inbound" if i % 2 else "outbound",
                "other_leg": f"{rng.getrandbits(32):08x}-{rng.getrandbits(32):08x}@10.26.0.91",
                "owner_id": owners[i % len(owners)],
                "presence_id": f"{user}@{account.realm}",
                "timestamp": now_greg - 120 - 300 * i - rng.randint(0, 60),
                "username": user,
                "uuid": uuid,
            }
        )


def install(app: web.Application, prefix: str) -> None:
    app.router.add_get(f"{prefix}/channels", list_channels)
    app.router.add_get(f"{prefix}/channels/{{uuid}}", get_channel)
    app.router.add_put(f"{prefix}/channels/{{uuid}}", channel_action)


def _ctx(request: web.Request) -> tuple[KazooSimulator, SimAccount, str]:
    from .app import ACCOUNT_KEY, SIM_KEY, TOKEN_KEY

    account = request[ACCOUNT_KEY]
    assert account is not None
    return request.app[SIM_KEY], account, request[TOKEN_KEY]


async def list_channels(request: web.Request) -> web.Response:
    sim, account, token = _ctx(request)
    rows = [dict(c.row) for c in account.channels.values()]
    return render.respond(sim.now, rows, auth_token=token)


async def get_channel(request: web.Request) -> web.Response:
    sim, account, token = _ctx(request)
    channel = account.channels.get(request.match_info["uuid"])
    if channel is None:
        return render.bad_identifier(sim.now, request.match_info["uuid"], token)
    return render.respond(sim.now, dict(channel.row), auth_token=token)


async def channel_action(request: web.Request) -> web.Response:
    sim, account, token = _ctx(request)
    uuid = request.match_info["uuid"]
    channel = account.channels.get(uuid)
    if channel is None:
        return render.bad_identifier(sim.now, uuid, token)
    try:
        body = await request.json()
    except ValueError:
        body = None
    action = body.get("action") if isinstance(body, dict) else None
    if action not in _ACTIONS:
        return render.validation_error(sim.now, "action", "enum", _ENUM, token)
    assert isinstance(body, dict)
    if action == "hangup":
        await hang_up(sim, account, uuid)
    elif action == "metaflow":
        outer = body.get("data")
        flow = outer.get("data") if isinstance(outer, dict) else None
        module = flow.get("module") if isinstance(flow, dict) else None
        params = flow.get("data", {}) if isinstance(flow, dict) else None
        if module not in ("record_call", "hangup"):
            return render.validation_error(sim.now, "data.module", "enum", _ENUM, token)
        if not isinstance(params, dict):
            return render.validation_error(sim.now, "data.data", "type", "Must be object", token)
        if module == "hangup":
            await hang_up(sim, account, uuid)
        else:
            problem = _invalid(params)
            if problem is not None:
                field, rule, message = problem
                return render.validation_error(sim.now, f"data.{field}", rule, message, token)
            await record_call(sim, account, channel, params)
    return render.respond(sim.now, "processing request", status=202, auth_token=token)


def _invalid(params: dict[str, Any]) -> tuple[str, str, str] | None:
    for key, value in params.items():
        if key == "action":
            if value not in _RECORD_ACTIONS:
                return key, "enum", _ENUM
            continue
        expected = _TYPES.get(key)
        if expected is None:
            continue  # Kazoo's schemas let unknown keys through
        kind, name = expected
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return key, "type", f"Value is not of type {name}"
    if params.get("format", "mp3") not in ("mp3", "wav"):
        return "format", "enum", _ENUM
    if params.get("method", "put") not in ("put", "post"):
        return "method", "enum", _ENUM
    if params.get("time_limit", 1) < 1:
        return "time_limit", "minimum", "Value must be at least 1"
    return None


async def record_call(
    sim: KazooSimulator, account: SimAccount, channel: SimChannel, params: dict[str, Any]
) -> None:
    action = params.get("action", "toggle")
    if action == "toggle":
        action = "stop" if channel.recording is not None else "start"
    if action == "start" and channel.recording is None:
        channel.recording, channel.started = dict(params), int(sim.now()) + GREGORIAN_OFFSET
    elif action == "stop" and channel.recording is not None:
        await _finish(sim, account, channel)


async def hang_up(sim: KazooSimulator, account: SimAccount, uuid: str) -> None:
    channel = account.channels.pop(uuid, None)
    if channel is not None and channel.recording is not None:
        await _finish(sim, account, channel)


async def _finish(sim: KazooSimulator, account: SimAccount, channel: SimChannel) -> None:
    params = channel.recording or {}
    channel.recording = None
    now = int(sim.now()) + GREGORIAN_OFFSET
    seconds = max(0, now - channel.started)
    if "time_limit" in params:
        seconds = min(seconds, int(params["time_limit"]))
    if seconds < int(params.get("record_min_sec", 0)):
        return
    uuid = channel.uuid
    cdr_id = f"{month_prefix(now)}-{uuid}"
    rec = _store_recording(
        sim.store,
        account,
        channel.started,
        seconds,
        call_id=uuid,
        cdr_id=cdr_id,
        media=str(params.get("format", "mp3")),
    )
    for key in ("label", "media_name", "origin"):
        if key in params:
            rec.doc["name" if key == "media_name" else key] = params[key]
    if "url" in params:
        sim.uploads.append(await _upload(account, channel, rec.doc, params))
    await sim.emit(account.id, "doc_created", rec.id)


async def _upload(
    account: SimAccount, channel: SimChannel, doc: dict[str, Any], params: dict[str, Any]
) -> Upload:
    ext = str(params.get("format", "mp3"))
    seconds = float(doc.get("duration", 1))
    body = wav_bytes(seconds) if ext == "wav" else mp3_bytes(seconds)
    ctype = "audio/x-wav" if ext == "wav" else "audio/mpeg"
    url = str(params["url"])
    if "?" not in url:
        query = urlencode(
            {
                "from": channel.row.get("username", ""),
                "to": channel.row.get("destination", ""),
                "call_id": channel.uuid,
                "cdr_id": doc.get("cdr_id", ""),
                "account_id": account.id,
            }
        )
        url = f"{url}call_recording_{channel.uuid}.{ext}?{query}"
    method = str(params.get("method", "put")).upper()
    status: int | None = None
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.request(method, url, data=body, headers={"Content-Type": ctype}) as resp,
        ):
            status = resp.status
    except (aiohttp.ClientError, TimeoutError):
        status = None
    return Upload(url, method, ctype, len(body), status)


def _store_recording(
    store: Store,
    acc: SimAccount,
    start: int,
    seconds: int,
    *,
    call_id: str,
    cdr_id: str,
    media: str,
) -> SimRecording:
    """A live call's recording that just stopped, in the format it was asked for."""
    rec = store._recording(
        acc,
        start,
        seconds * 1000,
        call_id=call_id,
        cdr_id=cdr_id,
        interaction_id=f"{start}-{store.seeded.hex(8)}",
    )
    rec.media = media
    name = f"{rec.doc['name'].rsplit('.', 1)[0]}.{media}"
    rec.doc.pop("url", None)
    rec.doc.update(
        name=name,
        media_type=media,
        content_type="audio/x-wav" if media == "wav" else "audio/mpeg",
    )
    return rec
