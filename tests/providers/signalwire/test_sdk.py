"""The official ``twilio`` client, unchanged, against the simulator: pointing its ``api``
domain at the simulator's root makes it call ``/2010-04-01/Accounts/...``."""

from __future__ import annotations

import asyncio

from twilio.rest import Client

from providers._sim import SimulatorServer
from providers.signalwire import SignalWireSimulator


def twilio_client(server: SimulatorServer) -> Client:
    settings = server.account_settings()[0]
    client = Client(settings["project_id"], settings["api_token"])
    client.api.base_url = server.root_url
    return client


def exercise(client: Client, live_call: str) -> dict[str, object]:
    account = client.api.v2010.account
    listed = account.recordings.list(page_size=7)
    first = account.recordings(listed[0].sid).fetch()
    deleted = account.recordings(listed[-1].sid).delete()
    after = account.recordings.list(page_size=1000)
    started = account.calls(live_call).recordings.create(
        recording_channels="dual", recording_status_callback_event=["in-progress", "completed"]
    )
    stopped = account.calls(live_call).recordings(started.sid).update(status="stopped")
    return {
        "listed": [r.sid for r in listed],
        "first": first,
        "deleted": deleted,
        "after": [r.sid for r in after],
        "started": started,
        "stopped": stopped,
    }


async def test_twilio_client_lists_fetches_deletes_and_starts(
    server: SimulatorServer, sim: SignalWireSimulator
) -> None:
    live = sim.live_calls()[0].sid
    out = await asyncio.to_thread(exercise, twilio_client(server), live)
    listed = out["listed"]
    assert isinstance(listed, list) and len(listed) == 60 == len(set(listed))
    assert sim.request_log.count("GET", "/2010-04-01/Accounts/") >= 9  # paged by 7
    assert all(not e.path.startswith("/api/laml") for e in sim.request_log.entries)
    first = out["first"]
    assert first.sid == listed[0] and first.date_created.tzinfo is not None  # type: ignore[attr-defined]
    assert out["deleted"] is True and listed[-1] not in out["after"]  # type: ignore[operator]
    started = out["started"]
    assert started.status == "in-progress" and started.channels == 2  # type: ignore[attr-defined]
    assert out["stopped"].status in ("completed", "absent")  # type: ignore[attr-defined]
