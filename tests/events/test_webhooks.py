"""``POST /webhooks/{account}`` for each vendor, against the real route and log: valid
callbacks become events (and nothing else), forged, stale and replayed ones get 4xx and
append nothing, and nothing logged holds a secret."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest

from providers.freeclimb.webhooks import sign
from providers.signalwire.webhooks import sign_form

from .conftest import EventGateway, StartGateway

RECORDING = "recording { providerRecordingId status }"


async def post(gw: EventGateway, url: str, body: bytes, headers: dict[str, str]) -> int:
    async with gw.session.post(url, data=body, headers=headers) as resp:
        await resp.read()
        return resp.status


async def count(gw: EventGateway) -> int:
    return len((await gw.events())["nodes"])


# -- FreeClimb -----------------------------------------------------------------------


async def freeclimb_call_recorded(gw: EventGateway) -> tuple[Any, Any, Any]:
    sim = gw.sim("freeclimb")
    call_id = sim.create_live_call(status_callback_url=gw.webhook_url("freeclimb"))
    sim.start_record_call(call_id)
    sim.primary.calls[call_id].recording_started -= timedelta(seconds=30)
    rec = await sim.end_call(call_id)
    return sim, call_id, rec


async def test_freeclimb_valid_callback_is_one_event(start_gateway: StartGateway) -> None:
    gw = await start_gateway(providers=["freeclimb"])
    sim, call_id, rec = await freeclimb_call_recorded(gw)
    assert sim.deliveries[-1].status == 200
    [event] = (await gw.events())["nodes"]
    assert event["kind"] == "COMPLETED" and event["origin"] == "WEBHOOK"
    assert event["provider"] == "FREECLIMB" and event["account"] == {"name": "freeclimb"}
    assert event["providerRecordingId"] == rec.recording_id
    assert event["call"] == {"providerCallId": call_id}
    assert event["durationSeconds"] == rec.duration
    data = event["providerData"]
    # Every other parameter FreeClimb sent, as sent; never the vendor media link.
    assert data["requestType"] == "callStatus" and data["callStatus"] == "completed"
    assert data["direction"] == "inbound" and data["from"].startswith("+1")
    assert {"to", "queueId", "recordingSize", "recordingFormat"} <= set(data)
    assert "recordingUrl" not in data and "accountId" not in data
    body = await gw.query(f"{{ recordingEvents(first: 10) {{ nodes {{ {RECORDING} }} }} }}")
    assert body["data"]["recordingEvents"]["nodes"][0]["recording"] == {
        "providerRecordingId": rec.recording_id,
        "status": "COMPLETED",
    }


async def test_freeclimb_conference_recording_status(start_gateway: StartGateway) -> None:
    gw = await start_gateway(providers=["freeclimb"])
    sim = gw.sim("freeclimb")
    leg = sim.create_live_call()
    conference = sim.create_conference(
        alias="sync", status_callback_url=gw.webhook_url("freeclimb")
    )
    rec = await sim.end_conference(conference, last_call_id=leg)
    [event] = (await gw.events())["nodes"]
    assert event["conference"] == {"providerConferenceId": conference}
    assert event["call"] is None  # the leg that triggered it is not the recording's call
    assert event["providerRecordingId"] == rec.recording_id
    assert event["providerData"]["callId"] == leg
    assert event["providerData"]["status"] == "empty"


async def test_freeclimb_replayed_forged_and_stale(
    start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gw = await start_gateway(providers=["freeclimb"])
    sim, _, _ = await freeclimb_call_recorded(gw)
    delivered = sim.deliveries[-1]
    url = gw.webhook_url("freeclimb")
    # Replayed byte for byte, and replayed with a fresh signature (a vendor retry).
    assert await post(gw, url, delivered.body, dict(delivered.headers)) == 409
    body, headers = sim.signed(orjson.loads(delivered.body))
    assert await post(gw, url, body, headers) == 409
    # Forged: an edited body under the original signature; a secret nobody configured.
    edited = delivered.body.replace(b'"recordingDurationSec":', b'"recordingDurationSec":1')
    assert await post(gw, url, edited, dict(delivered.headers)) == 403
    fresh = orjson.loads(delivered.body) | {"recordingId": "RE" + "ab" * 20}
    raw = orjson.dumps(fresh)
    forged = {"FreeClimb-Signature": sign(raw, ["sigsec_" + "0" * 40], int(time.time()))}
    assert await post(gw, url, raw, forged) == 403
    assert await post(gw, url, raw, {}) == 403  # unsigned
    # Stale: correctly signed, an hour ago (tolerance 300 s).
    stale = {"FreeClimb-Signature": sign(raw, sim.primary.signing_secrets, int(time.time()) - 3600)}
    assert await post(gw, url, raw, stale) == 403
    # Rotation: either active secret alone is enough.
    rotated = {"FreeClimb-Signature": sign(raw, sim.primary.signing_secrets[1:], int(time.time()))}
    assert await post(gw, url, raw, rotated) == 200
    nodes = (await gw.events())["nodes"]
    assert [n["providerRecordingId"] for n in nodes][1:] == [fresh["recordingId"]]
    assert len(nodes) == 2
    for secret in sim.primary.signing_secrets:
        assert secret not in caplog.text
    assert "rejected" in caplog.text


# -- SignalWire ----------------------------------------------------------------------


def signalwire_params(gw: EventGateway, status: str = "completed") -> list[tuple[str, str]]:
    sim = gw.sim("signalwire")
    project = sim.primary
    rec = next(r for r in project.recordings.values() if r.call_sid)
    return [
        ("AccountSid", project.sid),
        ("CallSid", rec.call_sid),
        ("RecordingSid", rec.sid),
        ("RecordingUrl", f"{gw.simulators['signalwire'].root_url}/Recordings/{rec.sid}"),
        ("RecordingStatus", status),
        ("RecordingDuration", "42"),
        ("RecordingChannels", "2"),
        ("RecordingSource", "StartCallRecordingApi"),
        ("RecordingTrack", "both"),
    ]


def signalwire_post(gw: EventGateway, params: list[tuple[str, str]], key: str | None = None):
    url = gw.webhook_url("signalwire", "tenant=acme")
    key = key or gw.sim("signalwire").primary.signing_key
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-SignalWire-Signature": sign_form(key, url, params),
    }
    return url, urlencode(params).encode(), headers


async def test_signalwire_valid_callbacks(start_gateway: StartGateway) -> None:
    gw = await start_gateway(providers=["signalwire"])
    for status in ("in-progress", "completed"):
        url, body, headers = signalwire_post(gw, signalwire_params(gw, status))
        assert await post(gw, url, body, headers) == 200
    started, completed = (await gw.events())["nodes"]
    params = dict(signalwire_params(gw))
    assert (started["kind"], completed["kind"]) == ("STARTED", "COMPLETED")
    assert completed["providerRecordingId"] == params["RecordingSid"]
    assert completed["call"] == {"providerCallId": params["CallSid"]}
    assert completed["durationSeconds"] == 42
    assert completed["providerData"] == {
        "RecordingChannels": 2,
        "RecordingSource": "StartCallRecordingAPI",
        "RecordingTrack": "both",
    }


async def test_signalwire_replayed_forged_and_stale(
    start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gw = await start_gateway(providers=["signalwire"])
    params = signalwire_params(gw)
    url, body, headers = signalwire_post(gw, params)
    assert await post(gw, url, body, headers) == 200
    # Replayed, and replayed with the parameters in another order (same event).
    assert await post(gw, url, body, headers) == 409
    url, body2, headers2 = signalwire_post(gw, list(reversed(params)))
    assert await post(gw, url, body2, headers2) == 409
    # Forged: another key; an edited parameter under the original signature; a
    # signature for another URL.
    _, other, forged = signalwire_post(gw, signalwire_params(gw, "absent"), key="PSK_" + "1" * 32)
    assert await post(gw, url, other, forged) == 403
    edited = body.replace(b"RecordingDuration=42", b"RecordingDuration=43")
    assert await post(gw, url, edited, headers) == 403
    assert await post(gw, gw.webhook_url("signalwire"), body, headers) == 403
    # Stale: SignalWire signs no timestamp, so an old callback is only recognisable as
    # a replay of one already received: still refused.
    assert await post(gw, url, body, headers) == 409
    assert await count(gw) == 1
    assert gw.sim("signalwire").primary.signing_key not in caplog.text


# -- Kazoo ---------------------------------------------------------------------------


async def test_kazoo_valid_callback(start_gateway: StartGateway) -> None:
    gw = await start_gateway(providers=["kazoo"])
    sim = gw.sim("kazoo")
    rec_id = await sim.finish_recording()
    assert [d.status for d in sim.deliveries] == [200]
    [event] = (
        await gw.query(
            f"{{ recordingEvents(first: 10) {{ nodes {{ kind providerData {RECORDING} }} }} }}"
        )
    )["data"]["recordingEvents"]["nodes"]
    assert event["kind"] == "COMPLETED"
    assert event["recording"]["providerRecordingId"] == rec_id
    assert event["providerData"]["hook_id"] == sim.hooks[0].id
    assert event["providerData"]["type"] == "call_recording"


async def test_kazoo_replayed_forged_and_stale(
    start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gw = await start_gateway(providers=["kazoo"])
    sim = gw.sim("kazoo")
    account = sim.accounts[0].id
    rec_id = await sim.finish_recording()
    # Replayed (Kazoo itself retries on 4xx: every attempt is refused).
    [again] = await sim.emit(account, "doc_created", rec_id)
    assert again.status == 409
    payload = {
        "id": rec_id,
        "account_id": account,
        "action": "doc_created",
        "type": "call_recording",
    }
    form = {"Content-Type": "application/x-www-form-urlencoded", "X-Account-ID": account}
    body = urlencode(payload).encode()
    # Forged: no secret, a wrong one, another account named in the payload.
    assert await post(gw, gw.webhook_url("kazoo"), body, form) == 403
    assert await post(gw, gw.webhook_url("kazoo", "secret=guess"), body, form) == 403
    other = urlencode(payload | {"account_id": "f" * 32}).encode()
    secret = gw.settings.accounts[0].vendor["webhook_secret"]
    good_url = gw.webhook_url("kazoo", f"secret={secret}")
    assert await post(gw, good_url, other, {"Content-Type": form["Content-Type"]}) == 403
    # Stale: Kazoo sends no timestamp; an old delivery is a replay, refused as one.
    assert await post(gw, good_url, body, form) == 409
    assert await count(gw) == 1
    assert secret not in caplog.text


# -- every vendor --------------------------------------------------------------------


async def test_body_cap_and_unknown_account(start_gateway: StartGateway) -> None:
    gw = await start_gateway(providers=["signalwire"], events={"max_webhook_bytes": 512})
    params = [*signalwire_params(gw), ("Padding", "x" * 600)]
    url, body, headers = signalwire_post(gw, params)
    assert await post(gw, url, body, headers) == 413
    assert await post(gw, gw.webhook_url("nobody"), b"{}", {}) == 404
    assert await count(gw) == 0
