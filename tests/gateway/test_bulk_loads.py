"""``BulkLoads``: a page's keys as one job keeps every promise ``DataLoader.load`` per
key kept (one batch per tick, shared in-flight keys, failures per key, a fresh try after
a failure or a cancellation)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from strawberry.dataloader import DataLoader
from strawberry.exceptions import WrongNumberOfResultsReturned

from gateway.bulk_loads import BulkLoads
from gateway.loaders import load_now


class Vendor:
    """A batch function that records its calls; ``bad*`` keys fail alone."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.gate: asyncio.Event | None = None
        self.shape: str = "ok"

    async def batch(self, keys: list[str]) -> list[Any]:
        self.calls.append(list(keys))
        if self.gate is not None:
            await self.gate.wait()
        if self.shape == "raise":
            raise RuntimeError("vendor down")
        if self.shape == "short":
            return [k.upper() for k in keys[:-1]]
        return [ValueError(k) if k.startswith("bad") else k.upper() for k in keys]


async def test_pages_of_one_tick_make_one_batch() -> None:
    vendor = Vendor()
    loader: DataLoader[str, Any] = DataLoader(vendor.batch)
    bulk = BulkLoads()
    first = bulk.load(loader, ["a", "b", "a"])
    second = bulk.load(loader, ["c", "b", "d"])  # "b" is in flight: not asked twice
    assert first is not None and second is not None
    await asyncio.gather(first, second)
    assert vendor.calls == [["a", "b", "c", "d"]]
    assert [load_now(loader, k) for k in "abcd"] == ["A", "B", "C", "D"]
    assert bulk.load(loader, ["a", "d"]) is None  # all loaded: nothing to do
    assert vendor.calls == [["a", "b", "c", "d"]]


async def test_a_load_of_a_key_in_flight_waits_for_the_job() -> None:
    vendor = Vendor()
    vendor.gate = asyncio.Event()
    loader: DataLoader[str, Any] = DataLoader(vendor.batch)
    job = BulkLoads().load(loader, ["a"])
    assert job is not None
    single = asyncio.ensure_future(loader.load("a"))
    await asyncio.sleep(0)
    assert not single.done()
    vendor.gate.set()
    await job
    assert await single == "A"
    assert vendor.calls == [["a"]]


async def test_failures_stay_with_their_keys() -> None:
    vendor = Vendor()
    loader: DataLoader[str, Any] = DataLoader(vendor.batch)
    job = BulkLoads().load(loader, ["a", "bad1"])
    assert job is not None
    await job  # a key's failure is not the job's
    assert load_now(loader, "a") == "A"
    with pytest.raises(ValueError, match="bad1"):
        load_now(loader, "bad1")
    with pytest.raises(ValueError, match="bad1"):
        await load_now(loader, "bad1")  # evicted after the failure: asked again
    assert vendor.calls == [["a", "bad1"], ["bad1"]]


@pytest.mark.parametrize(
    ("shape", "error"), [("raise", RuntimeError), ("short", WrongNumberOfResultsReturned)]
)
async def test_a_failed_batch_fails_every_key(shape: str, error: type[Exception]) -> None:
    vendor = Vendor()
    vendor.shape = shape
    loader: DataLoader[str, Any] = DataLoader(vendor.batch)
    job = BulkLoads().load(loader, ["a", "b"])
    assert job is not None
    await job
    for key in "ab":
        with pytest.raises(error):
            load_now(loader, key)


async def test_a_cancelled_job_leaves_keys_to_load_afresh() -> None:
    vendor = Vendor()
    vendor.gate = asyncio.Event()
    loader: DataLoader[str, Any] = DataLoader(vendor.batch)
    job = BulkLoads().load(loader, ["a"])
    assert job is not None
    await asyncio.sleep(0.01)  # the batch is running, waiting on the vendor
    assert vendor.calls == [["a"]]
    pending = loader.cache_map.get("a")
    assert pending is not None
    dispatch = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in dispatch:
        task.cancel()
    await asyncio.gather(*dispatch, return_exceptions=True)
    assert pending.cancelled()
    vendor.gate.set()
    assert await load_now(loader, "a") == "A"  # a cancelled future is not an answer
    assert vendor.calls == [["a"], ["a"]]
