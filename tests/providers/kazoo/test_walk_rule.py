"""The overlapping window walk against a scripted Kazoo view: the same rows and positions
as one request at a time, the documented extra-request bound, errors and cancellation.

The simulator-backed proof is in ``test_walk_concurrency``; here every window's rows,
failures and hangs are chosen, so that edge cases happen on purpose."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Sequence
from typing import Any

import pytest

from providers.errors import UnavailableError
from providers.kazoo import paging
from providers.kazoo.paging import WINDOW, Position
from providers.kazoo.wire import Envelope

HI = 63_900_000_000
LO = HI - 365 * 86400


async def sequential_walk(
    fetch: paging.Fetch, pos: Position | None, size: int, max_requests: int = 16
) -> tuple[list[dict[str, Any]], Position | None]:
    """The walk as it was before windows overlapped: one request at a time."""
    rows: list[dict[str, Any]] = []
    requests = 0
    while pos is not None and len(rows) < size and requests < max_requests:
        envelope = await fetch(pos, size - len(rows))
        requests += 1
        rows.extend(paging.rows_of(envelope, "rows"))
        key = paging.next_key(envelope)
        if key is not None and key != pos.key:
            pos = dataclasses.replace(pos, key=key)
        else:
            pos = paging.previous_window(pos)
    return rows, pos


class View:
    """Windows newest first, each a list of view rows (``True``: kept by the filter).
    Like crossbar: ``page_size`` view rows from the start key, filtered afterwards."""

    def __init__(
        self,
        windows: Sequence[Sequence[bool]],
        *,
        fail: frozenset[int] = frozenset(),
        hang: frozenset[int] = frozenset(),
    ) -> None:
        self.windows = [list(w) for w in windows]
        self.fail = fail
        self.hang = hang
        self.asked: list[tuple[int, str | None, int]] = []
        self.waiting: list[int] = []
        self.all_hanging = asyncio.Event()
        self.cancelled: list[int] = []
        self.index: dict[int, int] = {}
        pos = self.start()
        for i in range(len(windows)):
            assert pos is not None
            self.index[pos.to] = i
            pos = paging.previous_window(pos)

    def start(self) -> Position:
        lo = HI - len(self.windows) * (WINDOW + 1) + 1
        first = paging.first_position("rec", lo, HI)
        assert first is not None
        return first

    async def fetch(self, pos: Position, size: int) -> Envelope:
        w = self.index[pos.to]
        self.asked.append((w, pos.key, size))
        await asyncio.sleep(0)
        if w in self.fail:
            raise UnavailableError(f"window {w} failed", provider="kazoo")
        if w in self.hang:
            self.waiting.append(w)
            if len(self.waiting) == len(self.hang):
                self.all_hanging.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.append(w)
                raise
        begin = int(pos.key or 0)
        view = self.windows[w][begin : begin + size]
        data = [{"id": f"{w}-{begin + i}"} for i, keep in enumerate(view) if keep]
        envelope: dict[str, Any] = {"data": data}
        if begin + size < len(self.windows[w]):
            envelope["next_start_key"] = str(begin + size)
        return envelope  # type: ignore[return-value]


def dense(*counts: int) -> list[list[bool]]:
    return [[True] * n for n in counts]


@pytest.mark.parametrize(
    ("batch", "missing", "rows", "windows", "expected"),
    [
        (0, 500, 0, 0, 1),  # the newest window is always asked alone
        (1, 415, 85, 1, 5),  # density: 415 missing at 85 a window
        (1, 70, 430, 1, 1),  # one more window surely suffices
        (1, 10, 0, 3, 1),  # nothing seen yet: the doubling floor
        (2, 10, 0, 3, 2),
        (3, 10, 0, 3, 4),
        (4, 10, 0, 3, 8),
        (5, 10, 0, 3, 8),  # capped
        (2, 250, 250, 6, 6),
        (1, None, 40, 2, 1),  # scan before its first answer
    ],
)
def test_batch_size_rule(
    batch: int, missing: int | None, rows: int, windows: int, expected: int
) -> None:
    assert paging.batch_size(batch, missing, rows, windows, 8) == expected


async def test_an_overshooting_window_is_asked_again_exactly() -> None:
    view = View(dense(3, 4, 20, 20, 0, 0))
    rows, pos = await paging.walk(view.fetch, view.start(), 10, "rows", concurrency=8)
    ref = View(dense(3, 4, 20, 20, 0, 0))
    assert (rows, pos) == await sequential_walk(ref.fetch, ref.start(), 10)
    assert pos is not None and pos.key == "3"
    # the newest window alone; then 3 windows (7 missing at 3 a window) asked for 7 rows;
    # window 2 has 7 > 3 missing rows, so it is asked again for 3; window 3 is unread
    assert view.asked == [(0, None, 10), (1, None, 7), (2, None, 7), (3, None, 7), (2, None, 3)]
    assert ref.asked == [(0, None, 10), (1, None, 7), (2, None, 3)]
    assert len(view.asked) - len(ref.asked) <= 3 - 1  # last batch size - 1


async def test_unread_windows_neither_fail_the_listing_nor_stay_in_flight() -> None:
    view = View(dense(3, 20, 0, 0, 0, 0), fail=frozenset({2}), hang=frozenset({3}))
    rows, pos = await paging.walk(view.fetch, view.start(), 10, "rows", concurrency=8)
    assert [r["id"] for r in rows] == [f"0-{i}" for i in range(3)] + [f"1-{i}" for i in range(7)]
    assert pos is not None and pos.key == "7"
    assert [w for w, _, _ in view.asked] == [0, 1, 2, 3]
    assert view.cancelled == [3]
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


async def test_a_read_window_that_fails_fails_the_listing_and_cancels_the_rest() -> None:
    view = View(dense(1, 0, 2, 0, 0, 0, 0), fail=frozenset({2}), hang=frozenset({3, 4}))
    with pytest.raises(UnavailableError, match="window 2 failed"):
        await paging.walk(view.fetch, view.start(), 50, "rows", concurrency=8)
    assert sorted(view.cancelled) == [3, 4]
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


async def test_cancelling_the_listing_cancels_its_requests() -> None:
    view = View(dense(1, 0, 0, 0), hang=frozenset({1, 2}))
    task = asyncio.ensure_future(paging.walk(view.fetch, view.start(), 50, "rows", concurrency=8))
    await view.all_hanging.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(view.cancelled) == [1, 2]
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


def _random_view(rng: random.Random, filtered: bool) -> list[list[bool]]:
    windows = []
    for _ in range(rng.randint(1, 14)):
        n = rng.choice([0, 0, 1, 3, 10, 40, 120])
        keep = rng.choice([0.2, 0.6]) if filtered else 1.0
        windows.append([rng.random() < keep for _ in range(n)])
    return windows


async def _remainder(view: View, pos: Position | None) -> list[str]:
    rows, end = await sequential_walk(view.fetch, pos, 10**6, max_requests=10**6)
    assert end is None
    return [r["id"] for r in rows]


@pytest.mark.parametrize("filtered", [False, True])
async def test_same_rows_and_positions_as_one_request_at_a_time(filtered: bool) -> None:
    rng = random.Random(2600 + filtered)
    for _ in range(300):
        windows = _random_view(rng, filtered)
        size = rng.choice([1, 2, 5, 17, 50, 100, 400])
        concurrency = rng.choice([2, 3, 8])
        budget = rng.choice([3, 16])
        ours, ref = View(windows), View(windows)
        rows, pos = await paging.walk(
            ours.fetch, ours.start(), size, "rows", max_requests=budget, concurrency=concurrency
        )
        ref_rows, ref_pos = await sequential_walk(ref.fetch, ref.start(), size, budget)
        read = len(ours.asked)
        if not filtered:
            assert (rows, pos) == (ref_rows, ref_pos)
            assert read <= len(ref.asked) + concurrency - 1
        elif len(ref.asked) < budget:  # neither walk stopped for its budget
            # the same rows; a position that may sit further on, past filtered-out rows only
            assert rows == ref_rows
            assert await _remainder(View(windows), pos) == await _remainder(View(windows), ref_pos)
        assert len(rows) <= size and read <= budget + concurrency - 1


async def test_one_at_a_time_is_the_old_walk_request_for_request() -> None:
    rng = random.Random(7)
    for _ in range(100):
        windows = _random_view(rng, rng.random() < 0.5)
        size = rng.choice([1, 5, 50, 400])
        ours, ref = View(windows), View(windows)
        got = await paging.walk(ours.fetch, ours.start(), size, "rows")
        assert got == await sequential_walk(ref.fetch, ref.start(), size)
        assert ours.asked == ref.asked
