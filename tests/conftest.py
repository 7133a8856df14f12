"""Fixtures shared by every test folder: simulators on loopback and real backends."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from providers import registry
from providers._sim import SimulatorServer
from providers.base import ProviderBackend
from providers.config import ClientOptions

#: Fixed so that datasets are identical run to run; close to "now" so that vendors whose
#: default listing window is relative to the current time (Kazoo) see the data.
ANCHOR = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

#: More than one FreeClimb page (it has a fixed page size), so paging is exercised everywhere.
CONTRACT_RECORDINGS = 120

FAST_OPTIONS = ClientOptions(
    timeout=5.0, connect_timeout=2.0, read_retries=2, backoff_base=0.01, max_retry_after=1.0
)


@pytest.fixture(params=registry.names())
def provider_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def sim_server(provider_name: str) -> AsyncIterator[SimulatorServer]:
    factory = registry.get(provider_name).load_simulator()
    simulator = factory(3, anchor=ANCHOR, recordings=CONTRACT_RECORDINGS)  # type: ignore[call-arg]
    async with SimulatorServer(simulator) as server:
        yield server


def make_backend(
    provider_name: str, settings: dict[str, str], options: ClientOptions = FAST_OPTIONS
) -> ProviderBackend:
    factory = registry.get(provider_name).load_backend()
    return factory("primary", settings, options)


@pytest.fixture
async def backend(
    provider_name: str, sim_server: SimulatorServer
) -> AsyncIterator[ProviderBackend]:
    instance = make_backend(provider_name, sim_server.account_settings()[0])
    try:
        yield instance
    finally:
        await instance.aclose()


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real ``redis-server`` for the whole session (see ``tests/redis_server.py``)."""
    from tests.redis_server import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """The session's Redis, emptied before this test."""
    from tests.redis_server import flushall

    flushall(redis_server_url)
    return redis_server_url


@pytest.fixture
def quiet_gc() -> Iterator[None]:
    """For tests that time operations against a deadline of about a second, in the same
    process as the whole test session. A full collection of that session's heap (hundreds
    of tests in, on a 2-core CI machine) can stall the event loop for most of a second and
    spend an operation's deadline before it asks its vendors (seen in a clean CI run:
    ``not asked: the operation's deadline passed``; a full collection after 600 tests
    measured 0.6 s on this VM). Everything alive before the test is
    frozen out of the collector while it runs; a deployed gateway freezes its start-up
    heap the same way (``gateway.cli._tune_gc``)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
