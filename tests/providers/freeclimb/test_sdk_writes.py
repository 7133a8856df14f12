"""The official ``freeclimb`` SDK against the simulator's live calls: it lists the seeded
calls in progress (``active=True``) and ends one with ``update_a_live_call``; a recording
started with PerCL on it is then finished and shows up, and deleting it twice answers
code 77 the second time."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import freeclimb
from freeclimb.api import default_api
from freeclimb.models.update_call_request import UpdateCallRequest
from freeclimb.models.update_call_request_status import UpdateCallRequestStatus

from providers._sim import SimulatorServer
from providers.freeclimb import FreeClimbSimulator

from .conftest import ANCHOR


def sdk_session(settings: dict[str, str], live_id: str) -> dict[str, Any]:
    config = freeclimb.Configuration(
        host=settings["base_url"], username=settings["account_id"], password=settings["api_key"]
    )
    with freeclimb.ApiClient(config) as client:
        api = default_api.DefaultApi(client)
        active = [c.call_id for c in api.list_calls(active=True).calls]
        api.update_a_live_call(live_id, UpdateCallRequest(status=UpdateCallRequestStatus.COMPLETED))
        for _ in range(50):  # the hang-up is processed after the 202, as upstream
            recordings = api.list_call_recordings(call_id=live_id).recordings
            if recordings:
                break
            time.sleep(0.02)
        first = recordings[0].recording_id if recordings else None
        if first is not None:
            api.delete_a_recording(first)
        try:
            if first is not None:
                api.delete_a_recording(first)
            second: Any = None
        except freeclimb.ApiException as exc:
            second = (exc.status, exc.body)
        return {"active": active, "recordings": recordings, "second": second}


async def test_sdk_ends_a_live_call_and_deletes_its_recording() -> None:
    sim = FreeClimbSimulator(seed=5, anchor=ANCHOR)
    async with SimulatorServer(sim) as srv:
        live = [c.call_id for c in sim.primary.calls.values() if c.status == "inProgress"]
        assert len(live) == 3
        sim.start_record_call(live[0])  # PerCL StartRecordCall (no REST equivalent)
        got = await asyncio.to_thread(sdk_session, srv.account_settings()[0], live[0])
    assert set(got["active"]) == set(live)
    assert sim.primary.calls[live[0]].status == "completed"
    (recording,) = got["recordings"] or [None]
    assert recording is not None and recording.call_id == live[0]
    assert (
        got["second"] is not None
        and got["second"][0] == 404
        and '"code":77' in got["second"][1].replace(" ", "")
    )
