"""Simulator checklist items, over raw HTTP on loopback."""

from __future__ import annotations

import aiohttp
import pytest

from providers._sim import SimulatorServer
from providers.signalwire import SignalWireSimulator

from .conftest import ANCHOR, api, basic


async def test_auth_failures_and_their_bodies(settings: dict[str, str]) -> None:
    url = api(settings, "/Recordings.json")
    async with aiohttp.ClientSession() as anon:
        async with anon.get(url) as resp:
            assert resp.status == 401
            body = await resp.json()
        assert body["code"] == 20003 and body["status"] == 401
        assert set(body) == {"code", "message", "more_info", "status"}
        bad = basic(settings["project_id"], "wrong")
        async with anon.get(url, headers=bad) as resp:
            assert resp.status == 401


async def test_other_projects_path_is_401_or_configured_403(server: SimulatorServer) -> None:
    mine, other = server.account_settings()[:2]
    auth = basic(mine["project_id"], mine["api_token"])
    async with (
        aiohttp.ClientSession(headers=auth) as s,
        s.get(api(other, "/Recordings.json")) as resp,
    ):
        assert resp.status == 401
    async with SimulatorServer(
        SignalWireSimulator(7, anchor=ANCHOR, foreign_account_status=403)
    ) as srv:
        mine, other = srv.account_settings()[:2]
        auth = basic(mine["project_id"], mine["api_token"])
        async with (
            aiohttp.ClientSession(headers=auth) as s,
            s.get(api(other, "/Calls.json")) as resp,
        ):
            assert resp.status == 403


async def test_media_is_public_json_is_not(
    settings: dict[str, str], sim: SignalWireSimulator
) -> None:
    sid = next(r.sid for r in sim.primary.live_recordings() if r.status == "completed")
    async with aiohttp.ClientSession() as anon:
        for suffix, ctype, magic in (
            ("", "audio/x-wav", b"RIFF"),
            (".wav", "audio/x-wav", b"RIFF"),
            (".mp3", "audio/mpeg", b"\xff\xfb"),
        ):
            async with anon.get(api(settings, f"/Recordings/{sid}{suffix}")) as resp:
                assert resp.status == 200 and resp.content_type == ctype
                assert (await resp.read()).startswith(magic)
        async with anon.get(api(settings, f"/Recordings/{sid}.json")) as resp:
            assert resp.status == 401
        async with anon.get(
            api(settings, f"/Recordings/{sid}.wav"), headers={"Range": "bytes=0-3"}
        ) as resp:
            assert resp.status == 206 and await resp.read() == b"RIFF"


@pytest.mark.parametrize(
    "sid", ["00000000-0000-4000-8000-000000000000", "RE123", "not-a-uuid.json"]
)
async def test_404_body_for_unknown_and_non_uuid_sids(
    http: aiohttp.ClientSession, settings: dict[str, str], sid: str
) -> None:
    path = sid if sid.endswith(".json") else f"{sid}.json"
    async with http.get(api(settings, f"/Recordings/{path}")) as resp:
        assert resp.status == 404
        body = await resp.json()
    assert body["code"] == 20404 and body["status"] == 404


async def test_paging_envelope_and_edge_cases(
    http: aiohttp.ClientSession, settings: dict[str, str]
) -> None:
    async with http.get(api(settings, "/Recordings.json?PageSize=25")) as resp:
        first = await resp.json()
    assert set(first) == {
        "uri",
        "first_page_uri",
        "next_page_uri",
        "previous_page_uri",
        "page",
        "page_size",
        "recordings",
    }
    assert first["page"] == 0 and first["previous_page_uri"] is None
    assert (
        "Page=1" in first["next_page_uri"]
        and "PageToken=PA" + first["recordings"][-1]["sid"] in first["next_page_uri"]
    )
    assert ".json" not in first["next_page_uri"]
    seen = [r["sid"] for r in first["recordings"]]
    uri = first["next_page_uri"]
    while uri:
        async with http.get(settings["base_url"] + uri) as resp:  # links answer without .json
            page = await resp.json()
        assert page["previous_page_uri"] is not None
        seen += [r["sid"] for r in page["recordings"]]
        uri = page["next_page_uri"]
    assert len(seen) == len(set(seen)) == 60
    assert "next_page_uri" in page and page["next_page_uri"] is None
    for query in ("PageSize=0", "PageSize=1001", "Page=1&PageSize=5", "Page=1&PageToken=PAnope"):
        async with http.get(api(settings, f"/Recordings.json?{query}")) as resp:
            assert resp.status == 400, query
    empty = api(settings, "/Recordings.json?CallSid=00000000-0000-4000-8000-000000000000")
    async with http.get(empty) as resp:
        body = await resp.json()
    assert body["recordings"] == [] and body["next_page_uri"] is None


async def test_newest_first_with_unique_timestamps_over_90_days(
    http: aiohttp.ClientSession, settings: dict[str, str]
) -> None:
    from providers.signalwire.mapping import parse_date

    async with http.get(api(settings, "/Recordings.json?PageSize=1000")) as resp:
        recs = (await resp.json())["recordings"]
    times = [parse_date(r["date_created"]) for r in recs]
    assert times == sorted(times, reverse=True) and len(set(times)) == len(times)
    assert all(t is not None for t in times)
    assert (times[0] - times[-1]).days > 60  # type: ignore[operator]
    assert {r["status"] for r in recs} >= {"completed", "in-progress"}
    assert any(r["call_sid"] is None and r["conference_sid"] for r in recs)
    assert isinstance(recs[0]["duration"], int | None) and isinstance(recs[0]["channels"], str)


@pytest.mark.parametrize(
    "query",
    [
        "DateCreated>=2024-05-01&DateCreated<=2024-05-31",
        "DateCreated%3E=2024-05-01&DateCreated%3C=2024-05-31",
        "DateCreated%3E=Wed%2C%2001%20May%202024%2000%3A00%3A00%20%2B0000&DateCreated%3C=2024-05-31T23%3A59%3A59Z",
    ],
)
async def test_date_filters_raw_encoded_and_rfc2822(
    http: aiohttp.ClientSession, settings: dict[str, str], sim: SignalWireSimulator, query: str
) -> None:
    async with http.get(api(settings, f"/Recordings.json?PageSize=1000&{query}")) as resp:
        assert resp.status == 200
        got = {r["sid"] for r in (await resp.json())["recordings"]}
    expected = {
        r.sid
        for r in sim.primary.live_recordings()
        if r.created.year == 2024 and r.created.month == 5
    }
    assert got == expected and got


async def test_delete_then_404_everywhere(
    http: aiohttp.ClientSession, settings: dict[str, str], sim: SignalWireSimulator
) -> None:
    sid = sim.primary.live_recordings()[0].sid
    async with http.delete(api(settings, f"/Recordings/{sid}.json")) as resp:
        assert resp.status == 204 and await resp.read() == b""
    for suffix in (".json", "", ".mp3"):
        async with http.get(api(settings, f"/Recordings/{sid}{suffix}")) as resp:
            assert resp.status == 404
    async with http.delete(api(settings, f"/Recordings/{sid}.json")) as resp:
        assert resp.status == 404


async def test_conference_recordings_have_no_create(
    http: aiohttp.ClientSession, settings: dict[str, str], sim: SignalWireSimulator
) -> None:
    rec = next(
        r for r in sim.primary.live_recordings() if r.conference_sid and r.status == "completed"
    )
    base = f"/Conferences/{rec.conference_sid}/Recordings"
    async with http.get(api(settings, f"{base}.json")) as resp:
        assert rec.sid in {r["sid"] for r in (await resp.json())["recordings"]}
    async with http.get(api(settings, f"{base}/{rec.sid}.json")) as resp:
        body = await resp.json()
    assert (
        body["call_sid"] is None and f"/Conferences/{rec.conference_sid}/Recordings/" in body["uri"]
    )
    async with http.post(api(settings, f"{base}.json"), data={"RecordingChannels": "mono"}) as resp:
        assert resp.status == 405
    async with http.delete(api(settings, f"{base}/{rec.sid}.json")) as resp:
        assert resp.status == 204


async def test_start_only_on_live_calls_and_invalid_transitions(
    http: aiohttp.ClientSession, settings: dict[str, str], sim: SignalWireSimulator
) -> None:
    done = next(c for c in sim.primary.calls.values() if c.status == "completed")
    async with http.post(api(settings, f"/Calls/{done.sid}/Recordings.json")) as resp:
        assert resp.status == 400 and (await resp.json())["code"] == 21220
    live = sim.live_calls()[1]
    async with http.post(api(settings, f"/Calls/{live.sid}/Recordings.json")) as resp:
        assert resp.status == 201
        rec = await resp.json()
    assert rec["status"] == "in-progress"
    path = api(settings, f"/Calls/{live.sid}/Recordings/{rec['sid']}.json")
    for status, expected in (
        ("paused", "paused"),
        ("in-progress", "in-progress"),
        ("stopped", None),
    ):
        async with http.post(path, data={"Status": status}) as resp:
            assert resp.status == 200
            got = (await resp.json())["status"]
        assert expected is None or got == expected
    async with http.post(path, data={"Status": "in-progress"}) as resp:
        assert resp.status == 400 and (await resp.json())["code"] == 10000


async def test_twilio_type_convention_switch() -> None:
    async with SimulatorServer(SignalWireSimulator(7, anchor=ANCHOR, types="twilio")) as srv:
        s = srv.account_settings()[0]
        auth = basic(s["project_id"], s["api_token"])
        async with (
            aiohttp.ClientSession(headers=auth) as http,
            http.get(api(s, "/Recordings.json?Status=x")) as resp,
        ):
            rec = next(r for r in (await resp.json())["recordings"] if r["duration"] is not None)
    assert isinstance(rec["duration"], str) and isinstance(rec["channels"], int)


async def test_write_rate_limit_mode() -> None:
    sim = SignalWireSimulator(7, anchor=ANCHOR, write_rate_limit=(1, 0.001))
    async with SimulatorServer(sim) as srv:
        s = srv.account_settings()[0]
        call = sim.live_calls()[0].sid
        auth = basic(s["project_id"], s["api_token"])
        async with aiohttp.ClientSession(headers=auth) as http:
            codes = []
            for _ in range(2):
                async with http.post(api(s, f"/Calls/{call}/Recordings.json")) as resp:
                    codes.append(resp.status)
                    body = await resp.json()
            async with http.get(api(s, "/Recordings.json")) as resp:
                assert resp.status == 200  # reads are not limited
    assert codes == [201, 429] and body["code"] == 20429


async def test_both_prefixes_answer(http: aiohttp.ClientSession, settings: dict[str, str]) -> None:
    short = f"{settings['base_url']}/2010-04-01/Accounts/{settings['project_id']}/Calls.json"
    async with http.get(short) as resp:
        body = await resp.json()
    assert body["uri"].startswith("/2010-04-01/") and body["calls"]
