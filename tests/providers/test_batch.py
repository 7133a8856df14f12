"""``gather_bounded``: order, sharing, the bound, and cancellation on a failure."""

from __future__ import annotations

import asyncio

import pytest

from providers._batch import gather_bounded
from providers.errors import UnavailableError


async def test_results_follow_keys_and_duplicates_share_one_fetch() -> None:
    fetched: list[str] = []
    in_flight = peak = 0

    async def fetch(key: str) -> str:
        nonlocal in_flight, peak
        fetched.append(key)
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        return key.upper()

    keys = ["a", "b", "a", "c", "d", "e", "b"]
    assert await gather_bounded(keys, fetch, limit=2) == [k.upper() for k in keys]
    assert sorted(fetched) == ["a", "b", "c", "d", "e"]
    assert peak == 2


async def test_a_failure_propagates_as_itself_and_cancels_the_rest() -> None:
    cancelled: list[str] = []

    async def fetch(key: str) -> str:
        if key == "bad":
            raise UnavailableError("down", provider="test")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(key)
            raise
        return key

    with pytest.raises(UnavailableError, match="down"):
        await gather_bounded(["slow1", "bad", "slow2"], fetch, limit=8)
    assert sorted(cancelled) == ["slow1", "slow2"]
