from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from providers._sim import SimulatorServer
from providers.config import ClientOptions
from providers.freeclimb import FreeClimbBackend, FreeClimbSimulator

ANCHOR = datetime(2024, 6, 10, 16, 0, tzinfo=UTC)
FAST = ClientOptions(timeout=5.0, read_retries=2, backoff_base=0.001, max_retry_after=0.05)


@pytest.fixture
def sim() -> FreeClimbSimulator:
    return FreeClimbSimulator(seed=7, anchor=ANCHOR)


@pytest.fixture
async def server(sim: FreeClimbSimulator) -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(sim) as srv:
        yield srv


@pytest.fixture
def settings(server: SimulatorServer) -> dict[str, str]:
    return server.account_settings()[0]


@pytest.fixture
async def backend(
    server: SimulatorServer, sim: FreeClimbSimulator
) -> AsyncIterator[FreeClimbBackend]:
    settings = dict(server.account_settings()[0])
    secrets = list(sim.primary.signing_secrets)
    b = FreeClimbBackend("support", {**settings, "signing_secrets": secrets}, FAST)
    yield b
    await b.aclose()


@pytest.fixture
async def http(settings: dict[str, str]) -> AsyncIterator[aiohttp.ClientSession]:
    """A raw authenticated session, for wire-level checks of the simulator."""
    auth = aiohttp.encode_basic_auth(settings["account_id"], settings["api_key"])
    async with aiohttp.ClientSession(headers={"Authorization": auth}) as session:
        yield session
