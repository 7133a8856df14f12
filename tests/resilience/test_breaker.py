"""Circuit breaker per source: after N consecutive failures the source is skipped at once,
sends nothing until one probe after the cool-down, and closes when the probe succeeds."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.resilience import CircuitBreaker, CircuitOpenError, CircuitState
from providers._sim import FaultKind
from providers.errors import NotFoundError, RateLimitedError, UnavailableError
from tests.resilience.conftest import RECORDINGS, GatewayFactory, failures

HEALTH = """{ providers { name health circuit
  circuits { account { name } state consecutiveFailures retryAfter } } }"""
COOLDOWN = 1.0


def _signalwire(body: dict) -> dict:
    return next(p for p in body["data"]["providers"] if p["name"] == "SIGNALWIRE")


async def test_a_tripped_breaker_sends_nothing_until_its_probe(
    make_gateway: GatewayFactory,
) -> None:
    # SignalWire: one listing page is one request, so the probe is one request.
    gw = await make_gateway(
        server={"breaker_failures": 3, "breaker_cooldown": COOLDOWN, "coalesce_reads": False},
        account={"read_retries": 0},
    )
    sim = gw.simulators["signalwire"].simulator
    sim.faults.outage = FaultKind.SERVER_ERROR
    for i in range(3):
        body = await gw.query(RECORDINGS % (10 + i))
        assert failures(body)["signalwire"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert failures(body)["signalwire"]["retryAfter"] is None  # the vendor was asked
    sent = gw.count("signalwire")
    assert sent >= 3

    # Open: skipped at once, no request, a retryAfter up to the cool-down.
    opened_at = time.monotonic()
    bodies = await asyncio.gather(*(gw.query(RECORDINGS % (20 + i)) for i in range(10)))
    for body in bodies:
        failure = failures(body)["signalwire"]
        assert failure["code"] == "UPSTREAM_UNAVAILABLE"
        assert 0 < failure["retryAfter"] <= COOLDOWN
        assert {n["provider"] for n in body["data"]["recordings"]["nodes"]} == {
            "FREECLIMB",
            "KAZOO",
        }
    assert gw.count("signalwire") == sent
    signalwire = _signalwire(await gw.query(HEALTH))
    assert signalwire["health"] == "DOWN"
    assert signalwire["circuit"] == "OPEN"
    assert signalwire["circuits"][0]["state"] == "OPEN"
    assert signalwire["circuits"][0]["consecutiveFailures"] >= 3
    async with gw.session.get(f"{gw.url}/readyz") as resp:
        assert (await resp.json())["circuits"]["signalwire"] == "open"
    async with gw.session.get(f"{gw.url}/metrics") as resp:
        assert (
            'recgw_circuit_state{account="signalwire",provider="signalwire"} 2.0'
            in await resp.text()
        )

    # After the cool-down: the vendor is back; one probe goes (its operation waits for
    # it), operations arriving meanwhile still skip the source, and success closes.
    sim.faults.reset()
    await asyncio.sleep(max(0.0, COOLDOWN - (time.monotonic() - opened_at)) + 0.05)
    sim.faults.latency = 0.3
    probe = asyncio.create_task(gw.query(RECORDINGS % 30))
    await asyncio.sleep(0.1)
    during = await gw.query(RECORDINGS % 31)
    assert failures(during)["signalwire"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert failures(await probe) == {}
    assert gw.count("signalwire") == sent + 1
    signalwire = _signalwire(await gw.query(HEALTH))
    assert (signalwire["health"], signalwire["circuit"]) == ("UP", "CLOSED")
    assert failures(await gw.query(RECORDINGS % 32)) == {}


async def test_a_failed_probe_opens_again(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(
        server={"breaker_failures": 2, "breaker_cooldown": 0.5}, account={"read_retries": 0}
    )
    sim = gw.simulators["signalwire"].simulator
    sim.faults.outage = FaultKind.GARBAGE
    for i in range(2):
        assert failures(await gw.query(RECORDINGS % (10 + i)))["signalwire"]["code"] == (
            "UPSTREAM_GARBAGE"
        )
    await asyncio.sleep(0.55)
    sent = gw.count("signalwire")
    assert failures(await gw.query(RECORDINGS % 12))["signalwire"]["code"] == "UPSTREAM_GARBAGE"
    assert gw.count("signalwire") == sent + 1  # the probe
    again = failures(await gw.query(RECORDINGS % 13))["signalwire"]
    assert again["code"] == "UPSTREAM_UNAVAILABLE" and again["retryAfter"] > 0.3
    assert gw.count("signalwire") == sent + 1


async def test_answers_that_prove_the_vendor_alive_do_not_trip_it(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(server={"breaker_failures": 2}, account={"read_retries": 0})
    gw.simulators["freeclimb"].simulator.faults.outage = FaultKind.BAD_AUTH
    for i in range(4):
        code = failures(await gw.query(RECORDINGS % (10 + i)))["freeclimb"]["code"]
        assert code == "UPSTREAM_AUTH_FAILED"
    assert gw.count("freeclimb") == 4
    freeclimb = next(
        p for p in (await gw.query(HEALTH))["data"]["providers"] if p["name"] == "FREECLIMB"
    )
    assert freeclimb["circuit"] == "CLOSED"


async def test_breaker_off_when_failures_is_zero(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(server={"breaker_failures": 0}, account={"read_retries": 0})
    gw.simulators["kazoo"].simulator.faults.outage = FaultKind.SERVER_ERROR
    for i in range(8):
        await gw.query(RECORDINGS % (10 + i))
    assert gw.count("kazoo") >= 8


def test_breaker_states_in_isolation() -> None:
    breaker = CircuitBreaker("pbx", "kazoo", failures=2, cooldown=0.05)
    down = UnavailableError("503", provider="kazoo", status=503)
    assert breaker.admit() is False
    breaker.record(down, probe=False)
    breaker.record(RateLimitedError("429", provider="kazoo"), probe=False)  # neutral
    assert breaker.state is CircuitState.CLOSED
    breaker.record(down, probe=False)
    assert breaker.state is CircuitState.OPEN
    with pytest.raises(CircuitOpenError) as raised:
        breaker.admit()
    assert raised.value.code == "UPSTREAM_UNAVAILABLE"
    assert 0 < raised.value.retry_after <= 0.05
    time.sleep(0.06)
    assert breaker.admit() is True  # the probe
    assert breaker.state is CircuitState.HALF_OPEN
    with pytest.raises(CircuitOpenError):
        breaker.admit()  # one probe at a time
    breaker.abandon(probe=True)  # cancelled: the next request probes instead
    assert breaker.admit() is True
    breaker.record(NotFoundError("404", provider="kazoo", status=404), probe=True)
    assert breaker.state is CircuitState.CLOSED
    assert breaker.consecutive == 0
