"""Headless Chromium (Debian's package, never a downloaded browser) driven by Playwright,
and the running gateway over every simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.events.conftest import start_gateway  # noqa: F401  (gateway with webhooks)
from tests.gateway.conftest import gateway  # noqa: F401  (the running gateway fixture)

CHROMIUM = Path("/usr/bin/chromium")
#: Without the background-networking flags Chromium phones home at start (and this
#: machine refuses it, noisily); none of them change how a page renders.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            await instance.close()
