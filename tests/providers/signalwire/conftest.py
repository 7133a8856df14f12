"""SignalWire simulator on loopback and a real backend pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from providers._sim import SimulatorServer
from providers.config import ClientOptions
from providers.signalwire import SignalWireBackend, SignalWireSimulator

ANCHOR = datetime(2024, 6, 10, 16, 0, tzinfo=UTC)
FAST = ClientOptions(timeout=5.0, read_retries=1, backoff_base=0.01, max_retry_after=1.0)


@pytest.fixture
def sim() -> SignalWireSimulator:
    return SignalWireSimulator(7, anchor=ANCHOR, recordings=60)


@pytest.fixture
async def server(sim: SignalWireSimulator) -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(sim) as srv:
        yield srv


@pytest.fixture
def settings(server: SimulatorServer) -> dict[str, str]:
    return server.account_settings()[0]


@pytest.fixture
async def backend(settings: dict[str, str]) -> AsyncIterator[SignalWireBackend]:
    b = SignalWireBackend("primary", settings, FAST)
    yield b
    await b.aclose()


@pytest.fixture
async def http(settings: dict[str, str]) -> AsyncIterator[aiohttp.ClientSession]:
    """A raw session authenticated as the primary project."""
    auth = basic(settings["project_id"], settings["api_token"])
    async with aiohttp.ClientSession(headers=auth) as session:
        yield session


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(user, password)}


def api(settings: dict[str, str], path: str = "") -> str:
    return f"{settings['base_url']}/api/laml/2010-04-01/Accounts/{settings['project_id']}{path}"
