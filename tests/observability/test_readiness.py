"""``/readyz``: credentials checked at start without blocking it, then judged from the
answers the gateway gets anyway; failing accounts named, their credentials never."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from providers._sim import FaultKind
from tests.observability.conftest import Observed, total

WRONG_KEY = "sekrit-wrong-key-1234"


@pytest.fixture
def extra_accounts(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return list(getattr(request, "param", []))


WRONG_FREECLIMB = [
    {"like": "freeclimb", "name": "bad-fc", "provider": "freeclimb", "api_key": WRONG_KEY}
]
WRONG_KAZOO = [{"like": "kazoo", "name": "bad-kz", "provider": "kazoo", "api_key": WRONG_KEY}]


@pytest.mark.parametrize("extra_accounts", [WRONG_FREECLIMB, WRONG_KAZOO], indirect=True)
async def test_wrong_credentials_make_it_unready_and_are_named(
    observed: Observed, extra_accounts: list[dict[str, Any]]
) -> None:
    bad = extra_accounts[0]["name"]
    status, body = await observed.settled()
    assert status == 503
    assert body["status"] == "not ready"
    assert body["accounts"] == {
        "freeclimb": "ok",
        "kazoo": "ok",
        "signalwire": "ok",
        bad: "unauthorized",
    }
    assert body["failing"] == {bad: {"state": "unauthorized", "code": "UPSTREAM_AUTH_FAILED"}}
    assert WRONG_KEY not in str(body)
    ready = (await observed.metrics())["recgw_account_ready"]
    assert total(ready, account=bad) == 0
    assert total(ready, account="freeclimb") == 1


async def test_an_authentication_failure_in_traffic_makes_it_unready_until_fixed(
    observed: Observed,
) -> None:
    status, body = await observed.settled()
    assert (status, body["status"]) == (200, "ready")
    signalwire = observed.simulators["signalwire"].simulator
    signalwire.faults.outage = FaultKind.BAD_AUTH  # the vendor starts refusing the token
    answer = await observed.query(
        "{ recordings(first: 3) { nodes { id } failures { accountId code } } }"
    )
    (failure,) = answer["data"]["recordings"]["failures"]
    assert failure["code"] == "UPSTREAM_AUTH_FAILED"
    status, body = await observed.readyz()
    assert status == 503
    assert body["failing"] == {
        "signalwire": {"state": "unauthorized", "code": "UPSTREAM_AUTH_FAILED"}
    }
    # Fixed upstream: the background re-check (every 0.2 s here) notices with no traffic.
    signalwire.faults.reset()
    async with asyncio.timeout(5):
        while True:
            if (await observed.readyz())[0] == 200:
                break
            await asyncio.sleep(0.05)
    _, body = await observed.readyz()
    assert body == {
        "status": "ready",
        "accounts": {"freeclimb": "ok", "kazoo": "ok", "signalwire": "ok"},
    }


async def test_an_unavailable_vendor_is_degraded_not_unready(observed: Observed) -> None:
    await observed.settled()
    observed.simulators["kazoo"].simulator.faults.outage = FaultKind.SERVER_ERROR
    await observed.query("{ recordings(first: 3) { nodes { id } failures { code } } }")
    status, body = await observed.readyz()
    assert status == 200
    assert body["status"] == "degraded"
    assert body["failing"] == {"kazoo": {"state": "unavailable", "code": "UPSTREAM_UNAVAILABLE"}}


@pytest.mark.parametrize("upstream_latency", [0.5])
async def test_start_is_not_blocked_by_the_checks(observed: Observed) -> None:
    """Every vendor takes 0.5 s to answer: the app is up and answers at once, not ready
    while it is still checking, and ready once the checks are in."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, body = await observed.readyz()
    assert loop.time() - started < 0.4
    assert status == 503
    assert body["status"] == "not ready"
    assert set(body["accounts"].values()) == {"checking"}
    assert body["failing"]["kazoo"] == {"state": "checking", "code": None}
    status, body = await observed.settled()
    assert status == 200
