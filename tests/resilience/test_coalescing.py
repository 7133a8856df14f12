"""Single-flight: identical upstream reads in flight at once share one request; nothing is
kept once it completes."""

from __future__ import annotations

import asyncio

import pytest

from gateway.resilience import SingleFlight
from gateway.resilience.singleflight import LeaderGone
from tests.resilience.conftest import RECORDINGS, GatewayFactory, failures

TRAVERSE = "{ accounts { calls(first: 5) { nodes { id recordings(first: 3) { nodes { id } } } } } }"


@pytest.mark.parametrize("coalesce", [True, False])
async def test_identical_concurrent_reads_share_one_request(
    make_gateway: GatewayFactory, coalesce: bool
) -> None:
    gw = await make_gateway(server={"coalesce_reads": coalesce})
    for server in gw.simulators.values():
        server.simulator.faults.latency = 0.2
    single = dict.fromkeys(gw.simulators, 0)
    body = await gw.query(RECORDINGS % 10)
    for p in gw.simulators:
        single[p] = gw.count(p)
        gw.simulators[p].simulator.request_log.clear()
    bodies = await asyncio.gather(*(gw.query(RECORDINGS % 10) for _ in range(10)))
    assert all(b == body for b in bodies)
    for p in gw.simulators:
        assert gw.count(p) == (single[p] if coalesce else 10 * single[p]), p


async def test_nested_reads_coalesce_and_nothing_is_kept_afterwards(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway()
    for server in gw.simulators.values():
        server.simulator.faults.latency = 0.1
    first = await gw.query(TRAVERSE)
    once = {p: gw.count(p) for p in gw.simulators}
    assert all(once.values())
    bodies = await asyncio.gather(*(gw.query(TRAVERSE) for _ in range(8)))
    assert all(b == first for b in bodies)
    assert {p: gw.count(p) for p in gw.simulators} == {p: 2 * n for p, n in once.items()}
    # Completed: the next identical query asks again (no cache, nothing stale).
    await gw.query(TRAVERSE)
    assert {p: gw.count(p) for p in gw.simulators} == {p: 3 * n for p, n in once.items()}


async def test_different_arguments_are_different_requests(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway()
    gw.simulators["signalwire"].simulator.faults.latency = 0.1
    bodies = await asyncio.gather(*(gw.query(RECORDINGS % (10 + i)) for i in range(5)))
    assert all(failures(b) == {} for b in bodies)
    assert gw.count("signalwire") == 5


async def test_a_cancelled_leader_hands_over_to_a_waiter() -> None:
    flights = SingleFlight()
    calls = 0
    release = asyncio.Event()

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return calls

    leader = asyncio.create_task(flights.run("k", fetch))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(flights.run("k", fetch))
    await asyncio.sleep(0)
    leader.cancel()
    await asyncio.sleep(0)
    release.set()
    assert await waiter == 2  # it started over and led the second request
    assert len(flights) == 0
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_failures_are_shared_and_not_kept() -> None:
    flights = SingleFlight()
    gate = asyncio.Event()
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        await gate.wait()
        raise ValueError("vendor said no")

    tasks = [asyncio.create_task(flights.run(("src", "k"), failing)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in results)
    assert calls == 1
    assert len(flights) == 0
    assert not isinstance(results[0], LeaderGone)


async def test_forget_starts_new_requests_after_a_write() -> None:
    flights = SingleFlight()
    gate = asyncio.Event()
    calls = 0

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        await gate.wait()
        return calls

    before = asyncio.create_task(flights.run(("pbx", "recordings"), fetch))
    await asyncio.sleep(0)
    flights.forget("pbx")
    after = asyncio.create_task(flights.run(("pbx", "recordings"), fetch))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(before, after)
    assert calls == 2  # the read after the write did not join the one before it
