"""The simulator's wire behaviour, item by item of the notes' "Simulator checklist"."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from providers._sim import FaultKind, SimulatorServer
from providers.freeclimb import FreeClimbSimulator

from .conftest import ANCHOR

ENVELOPE = {"total", "start", "end", "page", "numPages", "pageSize", "nextPageUri"}
RFC1123_GMT = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")


def base(settings: dict[str, str]) -> str:
    return f"{settings['base_url']}/Accounts/{settings['account_id']}"


async def get_json(http: aiohttp.ClientSession, url: str, **params: str) -> tuple[int, Any]:
    async with http.get(url, params=params) as resp:
        return resp.status, await resp.json()


def assert_error_body(body: Any, code: int) -> None:
    assert set(body) == {"code", "message", "url", "details"}
    assert body["code"] == code
    assert body["message"]
    assert body["details"] == {}
    assert body["url"].endswith(f"#{code}")


async def test_1_auth_missing_wrong_and_other_account(
    server: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    primary, other = server.account_settings()
    async with aiohttp.ClientSession() as anon:
        status, body = await get_json(anon, base(primary) + "/Recordings")
    assert status == 401
    assert_error_body(body, 50)
    assert body["message"] == "Unauthorized To Make Request"
    wrong = aiohttp.encode_basic_auth(primary["account_id"], other["api_key"])
    async with aiohttp.ClientSession(headers={"Authorization": wrong}) as bad:
        assert (await get_json(bad, base(primary) + "/Calls"))[0] == 401
    status, body = await get_json(http, base(other) + "/Recordings")
    assert status == 403
    assert_error_body(body, 50)


async def test_1_other_account_can_be_configured_as_404() -> None:
    sim = FreeClimbSimulator(seed=1, anchor=ANCHOR, recordings=5, forbid_other_account=False)
    async with SimulatorServer(sim) as srv:
        primary, other = srv.account_settings()
        auth = aiohttp.encode_basic_auth(primary["account_id"], primary["api_key"])
        async with aiohttp.ClientSession(headers={"Authorization": auth}) as http:
            assert (await get_json(http, base(other) + "/Recordings"))[0] == 404


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/Recordings/RE" + "0" * 40, 68),
        ("/Calls/CA" + "0" * 40, 60),
        ("/Conferences/CF" + "0" * 40, 60),
        ("/Calls/CA" + "0" * 40 + "/Recordings", 60),
        ("/NoSuchThing", 60),
    ],
)
async def test_2_unknown_ids_are_json_404(
    settings: dict[str, str], http: aiohttp.ClientSession, path: str, code: int
) -> None:
    status, body = await get_json(http, base(settings) + path)
    assert status == 404
    assert_error_body(body, code)


async def test_3_envelope_newest_first_and_null_on_last_page(
    settings: dict[str, str], http: aiohttp.ClientSession
) -> None:
    status, body = await get_json(http, base(settings) + "/Recordings")
    assert status == 200
    assert set(body) == ENVELOPE | {"recordings"}
    assert (body["total"], body["start"], body["end"], body["page"]) == (60, 0, 59, 0)
    assert (body["numPages"], body["pageSize"]) == (1, 100)
    assert "nextPageUri" in body
    assert body["nextPageUri"] is None
    created = [r["dateCreatedISO"] for r in body["recordings"]]
    assert created == sorted(created, reverse=True)
    assert len(set(created)) == 60
    status, empty = await get_json(http, base(settings) + "/Recordings", dateCreated="1999-01-01")
    assert (empty["total"], empty["recordings"], empty["nextPageUri"]) == (0, [], None)


async def test_3_recordings_span_90_days_with_calls_and_conferences(
    sim: FreeClimbSimulator,
) -> None:
    recs = sim.primary.recordings_newest_first()
    assert (recs[0].created - recs[-1].created).days >= 80
    assert all(r.created < ANCHOR for r in recs)
    per_call = [sum(r.call_id == c for r in recs) for c in sim.primary.calls]
    assert {0, 1}.issubset(per_call)
    assert max(per_call) >= 2
    assert any(r.conference_id for r in recs)
    for rec in recs:
        if rec.call_id:
            call = sim.primary.calls[rec.call_id]
            assert call.start is not None
            assert call.end is not None
            assert call.start <= rec.created <= call.end


async def test_4_next_page_uri_is_relative_opaque_and_keeps_filters() -> None:
    sim = FreeClimbSimulator(seed=3, anchor=ANCHOR, page_size=4)
    async with SimulatorServer(sim) as srv:
        settings = srv.account_settings()[0]
        auth = aiohttp.encode_basic_auth(settings["account_id"], settings["api_key"])
        async with aiohttp.ClientSession(headers={"Authorization": auth}) as http:
            _, first = await get_json(
                http, base(settings) + "/Recordings", startTime="2024-03-15 00:00:00"
            )
            uri = first["nextPageUri"]
            assert re.fullmatch(r"/Accounts/AC[0-9a-f]{40}/Recordings\?cursor=[0-9a-f]+", uri)
            seen = [r["recordingId"] for r in first["recordings"]]
            while uri:  # followed verbatim, relative to /apiserver, no filters re-sent
                _, page = await get_json(http, settings["base_url"] + uri)
                assert page["start"] == len(seen)
                assert page["pageSize"] == 4
                seen += [r["recordingId"] for r in page["recordings"]]
                uri = page["nextPageUri"]
            expected = [
                r.recording_id
                for r in sim.primary.recordings_newest_first()
                if r.created.replace(microsecond=0).isoformat() >= "2024-03-15T00:00:00+00:00"
            ]
            assert seen == expected
            assert first["total"] == len(expected)
            status, _body = await get_json(http, base(settings) + "/Recordings", cursor="zz")
            assert status == 400
            # A calls cursor is not a recordings cursor.
            _, calls = await get_json(http, base(settings) + "/Calls")
            cursor = calls["nextPageUri"].split("cursor=")[1]
            assert (await get_json(http, base(settings) + "/Recordings", cursor=cursor))[0] == 400


async def test_5_filters(
    sim: FreeClimbSimulator, settings: dict[str, str], http: aiohttp.ClientSession
) -> None:
    recs = sim.primary.recordings_newest_first()
    call_rec = next(r for r in recs if r.call_id)
    conf_rec = next(r for r in recs if r.conference_id)
    url = base(settings) + "/Recordings"
    _, body = await get_json(http, url, callId=call_rec.call_id or "")
    assert {r["callId"] for r in body["recordings"]} == {call_rec.call_id}
    _, body = await get_json(http, url, conferenceId=conf_rec.conference_id or "")
    assert {r["conferenceId"] for r in body["recordings"]} == {conf_rec.conference_id}
    day = call_rec.created.strftime("%Y-%m-%d")
    _, body = await get_json(http, url, dateCreated=day)
    assert call_rec.recording_id in {r["recordingId"] for r in body["recordings"]}
    assert all(r["dateCreatedISO"].startswith(day) for r in body["recordings"])
    stamp = call_rec.created.strftime("%Y-%m-%d %H:%M:%S")
    _, after = await get_json(http, url, startTime=stamp)
    _, before = await get_json(http, url, endTime=stamp)
    assert after["recordings"][-1]["recordingId"] == call_rec.recording_id
    assert before["recordings"][0]["recordingId"] == call_rec.recording_id
    assert after["total"] + before["total"] == 61
    # Sub-collections ignore other calls' recordings, even when asked for them.
    _, sub = await get_json(
        http, base(settings) + f"/Calls/{call_rec.call_id}/Recordings", callId="CA" + "1" * 40
    )
    assert {r["callId"] for r in sub["recordings"]} == {call_rec.call_id}
    _, sub = await get_json(
        http, base(settings) + f"/Conferences/{conf_rec.conference_id}/Recordings"
    )
    assert {r["conferenceId"] for r in sub["recordings"]} == {conf_rec.conference_id}
    assert (await get_json(http, url, startTime="yesterday"))[0] == 400


@pytest.mark.parametrize("kind", ["Download", "Stream"])
async def test_6_media_is_wav_authenticated_and_404s(
    sim: FreeClimbSimulator, settings: dict[str, str], http: aiohttp.ClientSession, kind: str
) -> None:
    rec = sim.primary.recordings_newest_first()[0]
    url = base(settings) + f"/Recordings/{rec.recording_id}/{kind}"
    async with http.get(url) as resp:
        assert resp.status == 200
        assert resp.content_type in ("audio/wav", "audio/x-wav")
        data = await resp.read()
        assert data[:4] == b"RIFF"
        assert data[8:12] == b"WAVE"
    async with http.get(url, headers={"Range": "bytes=0-11"}) as resp:
        assert resp.status == 206
        assert await resp.read() == data[:12]
    async with aiohttp.ClientSession() as anon, anon.get(url) as resp:
        assert resp.status == 401
    async with http.get(base(settings) + f"/Recordings/RE{'0' * 40}/{kind}") as resp:
        assert resp.status == 404
        assert (await resp.json())["code"] == 68


@pytest.mark.parametrize("keep", [False, True])
async def test_7_delete_then_get_and_delete_twice(keep: bool) -> None:
    sim = FreeClimbSimulator(seed=2, anchor=ANCHOR, recordings=8, keep_deleted_metadata=keep)
    async with SimulatorServer(sim) as srv:
        settings = srv.account_settings()[0]
        auth = aiohttp.encode_basic_auth(settings["account_id"], settings["api_key"])
        rec_id = sim.primary.recordings_newest_first()[0].recording_id
        url = base(settings) + f"/Recordings/{rec_id}"
        async with aiohttp.ClientSession(headers={"Authorization": auth}) as http:
            async with http.delete(url) as resp:
                assert resp.status == 204
                assert await resp.read() == b""
            status, body = await get_json(http, url)
            if keep:
                assert status == 200
                assert body["deleted"] is True
                assert body["revision"] == 2
            else:
                assert status == 404
                assert body["code"] == 77
            _, listing = await get_json(http, base(settings) + "/Recordings")
            assert (rec_id in {r["recordingId"] for r in listing["recordings"]}) is keep
            async with http.get(url + "/Download") as resp:
                assert resp.status == 404
                assert (await resp.json())["code"] == 77
            async with http.delete(url) as resp:
                assert resp.status == 404
                assert (await resp.json())["code"] == 77


async def test_8_dates_gmt_iso_twins_and_revision(
    settings: dict[str, str], http: aiohttp.ClientSession
) -> None:
    _, recs = await get_json(http, base(settings) + "/Recordings")
    _, calls = await get_json(http, base(settings) + "/Calls")
    _, confs = await get_json(http, base(settings) + "/Conferences")
    for rec in recs["recordings"]:
        assert RFC1123_GMT.match(rec["dateCreated"])
        assert rec["revision"] == 1
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rec["dateCreatedISO"])
        assert isinstance(rec["durationSec"], int)
    completed = [c for c in calls["calls"] if c["status"] == "completed"]
    unanswered = [c for c in calls["calls"] if c["status"] not in ("completed", "inProgress")]
    live = [c for c in calls["calls"] if c["status"] == "inProgress"]
    assert live and all(not c["endTime"] and RFC1123_GMT.match(c["connectTime"]) for c in live)
    assert completed
    assert unanswered
    assert all(RFC1123_GMT.match(c["endTime"]) for c in completed)
    assert all(c["connectTime"] == "" and c["duration"] is None for c in unanswered)
    assert all(RFC1123_GMT.match(c["dateUpdated"]) for c in confs["conferences"])


async def test_12_extra_fields_and_null_vs_empty_parent(
    settings: dict[str, str], http: aiohttp.ClientSession
) -> None:
    _, body = await get_json(http, base(settings) + "/Recordings")
    recs = body["recordings"]
    assert {"deleted", "mimeType", "downloadUrl", "dateUpdatedISO", "type"} <= set(recs[0])
    conference_call_ids = {r["callId"] for r in recs if r["conferenceId"]}
    assert conference_call_ids == {None, ""}
    assert {r["conferenceId"] for r in recs if r["callId"]} == {None}


async def test_duration_as_string_switch() -> None:
    sim = FreeClimbSimulator(seed=2, anchor=ANCHOR, recordings=4, duration_as_string=True)
    async with SimulatorServer(sim) as srv:
        settings = srv.account_settings()[0]
        auth = aiohttp.encode_basic_auth(settings["account_id"], settings["api_key"])
        async with aiohttp.ClientSession(headers={"Authorization": auth}) as http:
            _, body = await get_json(http, base(settings) + "/Recordings")
    assert all(isinstance(r["durationSec"], str) for r in body["recordings"])


async def test_deterministic_from_seed_and_anchor() -> None:
    def snapshot(sim: FreeClimbSimulator) -> list[tuple[str, str, int]]:
        return [
            (r.recording_id, r.created.isoformat(), r.duration)
            for r in sim.primary.recordings_newest_first()
        ]

    a = FreeClimbSimulator(seed=5, anchor=ANCHOR)
    b = FreeClimbSimulator(seed=5, anchor=ANCHOR)
    c = FreeClimbSimulator(seed=6, anchor=ANCHOR)
    assert snapshot(a) == snapshot(b) != snapshot(c)
    assert len(snapshot(a)) == 60
    assert a.account_settings("http://h") == b.account_settings("http://h")


async def test_faults_render_freeclimb_error_bodies(
    sim: FreeClimbSimulator, settings: dict[str, str], http: aiohttp.ClientSession
) -> None:
    sim.faults.retry_after = 7
    sim.faults.inject(FaultKind.RATE_LIMIT, FaultKind.BAD_AUTH, FaultKind.SERVER_ERROR)
    async with http.get(base(settings) + "/Recordings") as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "7"
        assert_error_body(await resp.json(), 24)
    assert (await get_json(http, base(settings) + "/Recordings"))[0] == 401
    status, body = await get_json(http, base(settings) + "/Recordings")
    assert status == 503
    assert set(body) == {"code", "message", "url", "details"}
    assert [e.status for e in sim.request_log.entries] == [429, 401, 503]
