"""One deadline per operation: a vendor that is stopped, slow, failing or refusing never
makes an operation outlast ``[server] operation_timeout`` (+ MARGIN)."""

from __future__ import annotations

import asyncio
import time

import pytest

from providers._sim import FaultKind, Faults
from tests.resilience.conftest import RECORDINGS, GatewayFactory, failures

#: What an operation may take beyond its deadline: cancelling the upstream request,
#: merging the other sources' pages and answering, on a busy 2-core VM.
MARGIN = 0.5
DEADLINE = 1.0


async def test_a_hanging_vendor_is_a_timeout_failure_within_the_deadline(
    make_gateway: GatewayFactory,
) -> None:
    # Per-request timeout 10 s and two retries: without the deadline this took 30 s.
    gw = await make_gateway(server={"operation_timeout": DEADLINE}, account={"read_retries": 2})
    _hang(gw.simulators["kazoo"].simulator.faults)
    elapsed, body = await gw.timed(RECORDINGS % 20)
    assert elapsed < DEADLINE + MARGIN, elapsed
    assert elapsed >= DEADLINE * 0.9, "the other vendors were not given the deadline"
    assert failures(body)["kazoo"]["code"] == "UPSTREAM_TIMEOUT"
    providers = {n["provider"] for n in body["data"]["recordings"]["nodes"]}
    assert providers == {"FREECLIMB", "SIGNALWIRE"}


async def test_concurrent_operations_each_end_within_their_deadline(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(
        server={"operation_timeout": DEADLINE, "breaker_failures": 0, "coalesce_reads": False}
    )
    _hang(gw.simulators["signalwire"].simulator.faults)
    results = await asyncio.gather(*(gw.timed(RECORDINGS % (10 + i)) for i in range(20)))
    for elapsed, body in results:
        assert elapsed < DEADLINE + MARGIN, elapsed
        assert failures(body)["signalwire"]["code"] == "UPSTREAM_TIMEOUT"


async def test_a_slow_vendor_answers_when_it_fits_and_fails_when_it_does_not(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(server={"operation_timeout": DEADLINE})
    gw.simulators["freeclimb"].simulator.faults.latency = 0.3
    elapsed, body = await gw.timed(RECORDINGS % 10)
    assert failures(body) == {}
    gw.simulators["freeclimb"].simulator.faults.latency = 3.0
    elapsed, body = await gw.timed(RECORDINGS % 11)
    assert elapsed < DEADLINE + MARGIN, elapsed
    assert failures(body)["freeclimb"]["code"] == "UPSTREAM_TIMEOUT"


async def test_retries_and_backoff_stop_at_the_deadline(make_gateway: GatewayFactory) -> None:
    # 5xx on every request, 6 retries with a backoff of 0.3 s doubling: 18.9 s of waiting
    # without the deadline. A retry that cannot finish in time is not started.
    gw = await make_gateway(
        server={"operation_timeout": DEADLINE, "breaker_failures": 0},
        account={"read_retries": 6, "backoff_base": 0.3},
    )
    gw.simulators["signalwire"].simulator.faults.outage = FaultKind.SERVER_ERROR
    elapsed, body = await gw.timed(RECORDINGS % 10)
    assert elapsed < DEADLINE + MARGIN, elapsed
    assert failures(body)["signalwire"]["code"] == "UPSTREAM_UNAVAILABLE"
    # 0.3 + 0.6 fit in 1 s, the next wait (1.2 s) does not: three attempts.
    assert gw.count("signalwire") == 3


async def test_a_retry_after_beyond_the_deadline_fails_at_once(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(
        server={"operation_timeout": DEADLINE}, account={"max_retry_after": 10.0}
    )
    faults = gw.simulators["kazoo"].simulator.faults
    faults.outage, faults.retry_after = FaultKind.RATE_LIMIT, 4
    elapsed, body = await gw.timed(RECORDINGS % 10)
    assert elapsed < DEADLINE / 2, "waited for a Retry-After that cannot fit"
    failure = failures(body)["kazoo"]
    assert failure["code"] == "UPSTREAM_RATE_LIMITED"
    assert failure["retryAfter"] == pytest.approx(4, abs=0.5)


async def test_no_deadline_when_turned_off(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(server={"operation_timeout": 0}, account={"timeout": 1.5})
    gw.simulators["kazoo"].simulator.faults.latency = 1.2
    started = time.monotonic()
    body = await gw.query(RECORDINGS % 10)
    assert time.monotonic() - started >= 1.2
    assert failures(body) == {}


def _hang(faults: Faults) -> None:
    """Hold every request (longer than any deadline here, short enough to stop quickly)."""
    faults.outage, faults.hang_seconds = FaultKind.HANG, 2.5
