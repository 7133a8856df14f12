"""The official ``freeclimb`` SDK (PyPI, 5.4.x) talks to the simulator unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import freeclimb
import pytest
from freeclimb.api import default_api

from providers._sim import SimulatorServer
from providers.freeclimb import FreeClimbSimulator

from .conftest import ANCHOR


def sdk_session(settings: dict[str, str]) -> dict[str, Any]:
    """List every page, fetch one, download it, delete it, then see it gone (sync)."""
    config = freeclimb.Configuration(
        host=settings["base_url"], username=settings["account_id"], password=settings["api_key"]
    )
    with freeclimb.ApiClient(config) as client:
        api = default_api.DefaultApi(client)
        page = api.list_recordings()
        ids = [r.recording_id for r in page.recordings]
        while page.next_page_uri:
            page = api.get_next_page(page)
            ids += [r.recording_id for r in page.recordings]
        by_call = api.list_call_recordings(call_id=api.list_calls().calls[0].call_id)
        fetched = api.get_a_recording(ids[0])
        audio = api.download_a_recording_file(ids[0])
        api.delete_a_recording(ids[0])
        try:
            api.get_a_recording(ids[0])
            gone_status = 200
        except freeclimb.ApiException as exc:
            gone_status = exc.status
        conference = api.list_conferences().conferences[0]
        return {
            "ids": ids,
            "fetched": fetched,
            "audio": bytes(audio),
            "gone_status": gone_status,
            "by_call": by_call,
            "conference": conference,
        }


async def test_official_sdk_lists_pages_fetches_downloads_and_deletes() -> None:
    sim = FreeClimbSimulator(seed=11, anchor=ANCHOR, page_size=9)
    async with SimulatorServer(sim) as srv:
        settings = srv.account_settings()[0]
        expected = [r.recording_id for r in sim.primary.recordings_newest_first()]
        first = sim.primary.recordings_newest_first()[0]
        audio = sim.audio(first)
        got = await asyncio.to_thread(sdk_session, settings)
    assert got["ids"] == expected
    assert len(expected) == 60
    assert got["fetched"].recording_id == first.recording_id
    assert got["fetched"].duration_sec == first.duration
    assert got["audio"] == audio
    assert got["audio"][:4] == b"RIFF"
    assert got["gone_status"] == 404
    assert first.deleted
    cursors = [e for e in sim.request_log.entries if "cursor=" in e.query]
    assert len(cursors) == 6  # 60 recordings in pages of 9: nextPageUri followed verbatim
    assert sim.request_log.count("DELETE") == 1
    assert got["by_call"].total == len(got["by_call"].recordings)
    assert got["conference"].status.value == "inProgress"  # the newest: the live bridge


async def test_sdk_breaks_on_string_durations_which_is_why_ints_are_default() -> None:
    sim = FreeClimbSimulator(seed=11, anchor=ANCHOR, recordings=3, duration_as_string=True)
    async with SimulatorServer(sim) as srv:
        settings = srv.account_settings()[0]
        with pytest.raises(Exception, match=r"(?i)valid integer|int"):
            await asyncio.to_thread(sdk_session, settings)
