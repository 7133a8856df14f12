"""Client-side rate limits per vendor account: a token bucket, and one ``Retry-After``
pause for every request of the account instead of one wait per request."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time

import pytest

from providers._limits import DOCUMENTED_LIMITS, effective_limit
from providers._sim import FaultKind, SimulatorServer
from providers.config import ClientOptions
from providers.models import PageRequest, RecordingQuery
from tests.conftest import FAST_OPTIONS, make_backend
from tests.resilience.conftest import RECORDINGS, GatewayFactory, failures


def test_defaults_come_from_the_vendors_documented_limits() -> None:
    assert effective_limit("kazoo", ClientOptions()) == DOCUMENTED_LIMITS["kazoo"] == (100, 10)
    assert effective_limit("signalwire", ClientOptions()) == (13_800, 10)
    assert effective_limit("freeclimb", ClientOptions()) is None  # none documented
    assert effective_limit("kazoo", ClientOptions(rate_limit=0)) is None
    assert effective_limit("freeclimb", ClientOptions(rate_limit=5)) == (5, 1.0)
    assert effective_limit("kazoo", ClientOptions(rate_limit_period=20)) == (100, 20)


@pytest.mark.parametrize("provider_name", ["freeclimb"])
async def test_the_token_bucket_spaces_requests(sim_server: SimulatorServer) -> None:
    """12 per-id reads at once through a bucket of 4 per second: 4 go at once, the other
    8 follow at the bucket's rate."""
    options = dataclasses.replace(FAST_OPTIONS, rate_limit=4, rate_limit_period=1)
    backend = make_backend("freeclimb", sim_server.account_settings()[0], options)
    try:
        page = await backend.list_recordings(RecordingQuery(), PageRequest(12))
        ids = [r.provider_recording_id for r in page.items][:12]
        log = sim_server.simulator.request_log
        log.clear()
        await asyncio.sleep(1.1)  # the listing's token drains
        started = time.monotonic()
        found = await backend.get_recordings(ids)
        elapsed = time.monotonic() - started
    finally:
        await backend.aclose()
    assert all(r is not None for r in found)
    times = sorted(e.at - started for e in log.entries)
    assert len(times) == 12
    assert sum(1 for t in times if t < 0.2) <= 4
    assert elapsed >= 1.8, elapsed  # (12 - 4) / 4 per second, less scheduling slack


async def test_concurrent_queries_under_a_429_send_one_request_per_window(
    make_gateway: GatewayFactory,
) -> None:
    window = 1.0
    gw = await make_gateway(
        server={"operation_timeout": 3.5, "coalesce_reads": False, "breaker_failures": 0},
        account={"max_retry_after": 5.0, "read_retries": 5},
    )
    sim = gw.simulators["signalwire"].simulator
    sim.faults.outage, sim.faults.retry_after = FaultKind.RATE_LIMIT, window
    first = asyncio.create_task(gw.timed(RECORDINGS % 10))
    await asyncio.sleep(0.1)  # its 429 has paused the account
    assert gw.count("signalwire") == 1
    results = await asyncio.gather(first, *(gw.timed(RECORDINGS % (11 + i)) for i in range(20)))
    times = sorted(e.at for e in sim.request_log.entries)
    # Without the shared pause: 21 operations x 4 attempts. With it: the first 429, then
    # at most one probe per Retry-After window until the deadline.
    assert len(times) <= 1 + 3.5 / window, times
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= window * 0.9 for gap in gaps), gaps
    for elapsed, body in results:
        assert elapsed < 3.5 + 0.5
        failure = failures(body)["signalwire"]
        assert failure["code"] == "UPSTREAM_RATE_LIMITED"
        assert 0 < failure["retryAfter"] <= window


async def test_after_the_pause_one_probe_goes_first(make_gateway: GatewayFactory) -> None:
    latency = 0.2
    gw = await make_gateway(
        server={"operation_timeout": 3.0, "coalesce_reads": False},
        account={"max_retry_after": 5.0},
    )
    sim = gw.simulators["signalwire"].simulator
    sim.faults.retry_after, sim.faults.latency = 0.5, latency
    sim.faults.inject(FaultKind.RATE_LIMIT)
    first = asyncio.create_task(gw.query(RECORDINGS % 10))
    await asyncio.sleep(latency + 0.1)  # the 429 is in: the account is paused
    bodies = await asyncio.gather(first, *(gw.query(RECORDINGS % (20 + i)) for i in range(10)))
    assert all(failures(body) == {} for body in bodies)
    entries = sim.request_log.entries
    assert [e.status for e in entries].count(429) == 1
    assert len(entries) == 12
    # After the pause one request went alone (the probe); the others only after its
    # answer, so they were answered at least one latency later.
    probe, rest = entries[1], entries[2:]
    assert min(e.at for e in rest) - probe.at >= latency * 0.75
