"""Kazoo's 31-day windows walked with overlapping requests, against the simulator.

Rows and page tokens must be those of the one-request-at-a-time walk, paging must list
everything once, extra requests must stay within the bound :mod:`providers.kazoo.paging`
documents, and round trips must overlap. Overlap is read from the simulator's side: an
outermost middleware records when each listing request arrived and when it was answered,
and a request's *round* is one more than the latest round answered before it arrived."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web

from providers._sim import SimulatorServer
from providers.config import ClientOptions
from providers.errors import UpstreamError
from providers.kazoo import KazooBackend, KazooSimulator, paging
from providers.kazoo.mapping import GREGORIAN_OFFSET
from providers.kazoo.paging import Position
from providers.kazoo.wire import Envelope
from providers.models import PageRequest, RecordingQuery

from .conftest import ANCHOR, FAST
from .test_walk_rule import sequential_walk

#: The benchmark's dataset (``bench/simulators.py``): 250 recordings, seed 7.
BENCH_ANCHOR = datetime(2025, 6, 1, 12, tzinfo=UTC)
DATASETS = {
    "sparse": (20, ANCHOR),  # ~7 recordings a window
    "bench": (250, BENCH_ANCHOR),  # ~85 a window, 3 windows of 12 hold data
    "dense": (400, ANCHOR),  # ~135 recordings, ~670 CDRs a window
}
CONCURRENCY = ClientOptions().max_concurrency


class Timeline:
    """(arrived, answered, path, query) of each request, recorded outside every other
    middleware, so injected latency is inside the span."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float, str, str]] = []
        self.fail: Callable[[web.Request], bool] = lambda request: False

    def install(self, sim: KazooSimulator) -> None:
        build = sim.make_app

        def make_app() -> web.Application:
            app = build()
            app.middlewares.insert(0, self.middleware)
            return app

        sim.make_app = make_app  # type: ignore[method-assign]

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        arrived = asyncio.get_running_loop().time()
        try:
            if self.fail(request):
                body = {"status": "error", "error": "503", "message": "datastore_fault"}
                return web.json_response(body, status=503)
            return await handler(request)
        finally:
            answered = asyncio.get_running_loop().time()
            self.spans.append((arrived, answered, request.path, request.query_string))

    def of(self, path_end: str) -> list[tuple[float, float, str, str]]:
        return sorted(s for s in self.spans if s[2].endswith(path_end))

    def rounds(self, path_end: str) -> int:
        spans = self.of(path_end)
        depth: list[int] = []
        for i, (arrived, _, _, _) in enumerate(spans):
            done = [depth[j] for j in range(i) if spans[j][1] <= arrived]
            depth.append(1 + max(done, default=0))
        return max(depth, default=0)

    def peak(self, path_end: str) -> int:
        spans = self.of(path_end)
        return max((sum(a <= t < b for a, b, _, _ in spans) for t, _, _, _ in spans), default=0)


@dataclasses.dataclass
class Setup:
    name: str
    sim: KazooSimulator
    server: SimulatorServer
    timeline: Timeline

    def backend(self, concurrency: int = CONCURRENCY, **settings: Any) -> KazooBackend:
        options = dataclasses.replace(FAST, max_concurrency=concurrency)
        return KazooBackend("pbx", {**self.server.account_settings()[0], **settings}, options)

    def start(self, scope: str) -> Position:
        """The first position of a 365-day listing on the simulator's clock."""
        hi = int(self.sim.now()) + GREGORIAN_OFFSET + 1
        pos = paging.first_position(scope, hi - 365 * 86400, hi)
        assert pos is not None
        return pos


async def _setup(name: str) -> AsyncIterator[Setup]:
    recordings, anchor = DATASETS[name]
    sim = KazooSimulator(7, anchor=anchor, recordings=recordings)
    timeline = Timeline()
    timeline.install(sim)
    async with SimulatorServer(sim) as server:
        yield Setup(name, sim, server, timeline)


@pytest.fixture(params=list(DATASETS))
async def setup(request: pytest.FixtureRequest) -> AsyncIterator[Setup]:
    async for s in _setup(request.param):
        yield s


@pytest.fixture
async def bench() -> AsyncIterator[Setup]:
    async for s in _setup("bench"):
        yield s


class Counted:
    def __init__(self, fetch: paging.Fetch) -> None:
        self.fetch = fetch
        self.calls = 0

    async def __call__(self, pos: Position, size: int) -> Envelope:
        self.calls += 1
        return await self.fetch(pos, size)


SIZES = {
    ("sparse", "rec"): [1, 4, 9, 30],
    ("sparse", "cdr"): [9, 50],
    ("bench", "rec"): [7, 90, 200, 500],
    ("bench", "cdr"): [60, 300, 500],
    ("dense", "rec"): [50, 130, 300, 500],
    ("dense", "cdr"): [120, 500],
}


@pytest.mark.parametrize("scope", ["rec", "cdr"])
async def test_pages_and_tokens_equal_the_one_at_a_time_walk(setup: Setup, scope: str) -> None:
    backend = setup.backend()
    try:
        client = backend.client
        if scope == "rec":
            what, listed = "recordings", set(setup.sim.accounts[0].recordings)

            async def fetch(at: Position, size: int) -> Envelope:
                return await client.list_recordings([("page_size", str(size)), *at.params()])
        else:
            what, listed = "cdrs", set(setup.sim.accounts[0].cdrs)

            async def fetch(at: Position, size: int) -> Envelope:
                return await client.list_cdrs([("page_size", str(size)), *at.params()])

        for size in SIZES[setup.name, scope]:
            ids: list[str] = []
            pos: Position | None = setup.start(scope)
            while pos is not None:
                ours, ref = Counted(fetch), Counted(fetch)
                rows, nxt = await paging.walk(ours, pos, size, what, concurrency=CONCURRENCY)
                assert (rows, nxt) == await sequential_walk(ref, pos, size), (size, pos)
                assert ours.calls <= ref.calls + CONCURRENCY - 1
                if nxt is not None:
                    assert paging.decode(paging.encode(nxt), scope) == nxt
                ids += [row["id"] for row in rows]
                pos = nxt
            assert len(ids) == len(set(ids)) and set(ids) == listed, size
    finally:
        await backend.aclose()


async def test_paging_the_backend_lists_every_recording_once(setup: Setup) -> None:
    backend = setup.backend()
    try:
        for size in (7, 90, 500):
            items, token = [], None
            while True:
                page = await backend.list_recordings(RecordingQuery(), PageRequest(size, token))
                assert len(page.items) == size or page.next_token is None
                items += page.items
                if (token := page.next_token) is None:
                    break
            ids = [r.provider_recording_id for r in items]
            assert len(ids) == len(set(ids)), size
            assert set(ids) == set(setup.sim.accounts[0].recordings), size
            created = [r.created_at for r in items]
            assert created == sorted(created, reverse=True)
    finally:
        await backend.aclose()


async def _pages(backend: KazooBackend, query: RecordingQuery, size: int) -> list[list[str]]:
    pages, token = [], None
    while True:
        page = await backend.list_recordings(query, PageRequest(size, token))
        pages.append([r.provider_recording_id for r in page.items])
        if (token := page.next_token) is None:
            return pages


async def test_a_filtered_listing_pages_like_before(bench: Setup) -> None:
    """Kazoo filters after paging: answers asked ahead may cover more of a window than
    the one-at-a-time walk's pages, yet every page holds the same recordings."""
    ours, ref = bench.backend(), bench.backend(concurrency=1)
    try:
        conference = next(iter(bench.sim.accounts[0].conferences))
        query = RecordingQuery(provider_conference_id=conference)
        for size in (2, 5, 40):
            got, want = await _pages(ours, query, size), await _pages(ref, query, size)
            assert got == want and sum(map(len, got)) > 5, size
    finally:
        await ours.aclose()
        await ref.aclose()


async def test_bench_first_500_overlaps_its_windows(bench: Setup) -> None:
    ours, ref = bench.backend(), bench.backend(concurrency=1)
    try:
        await ours.client.ensure_token()
        await ref.client.ensure_token()
        bench.sim.faults.latency = 0.05
        got = {}
        for name, backend in (("ours", ours), ("ref", ref)):
            for path, call in (
                ("/recordings", lambda b: b.list_recordings(RecordingQuery(), PageRequest(500))),
                ("/cdrs", lambda b: b.list_calls(PageRequest(500))),
            ):
                bench.timeline.spans.clear()
                page = await call(backend)
                tl = bench.timeline
                got[name, path] = (page.items, len(tl.of(path)), tl.rounds(path), tl.peak(path))
        items, requests, rounds, peak = got["ours", "/recordings"]
        ref_items, ref_requests, ref_rounds, ref_peak = got["ref", "/recordings"]
        assert items == ref_items and len(items) == 250
        # 12 windows for 365 days, data in the newest three; one at a time: 12 rounds
        assert (ref_requests, ref_rounds, ref_peak) == (12, 12, 1)
        # overlapped: the newest alone, then 5 (415 missing at 85 a window), then the last 6
        assert (requests, rounds, peak) == (12, 3, 6)
        cdr_items, cdr_requests, cdr_rounds, _ = got["ours", "/cdrs"]
        live = len(bench.sim.live_channels())  # live calls come first, then 500 CDRs
        assert cdr_items == got["ref", "/cdrs"][0] and len(cdr_items) == 500 + live
        # the newest window holds ~430 CDRs: one more window surely suffices, asked alone
        assert (cdr_requests, cdr_rounds) == got["ref", "/cdrs"][1:3] == (2, 2)
    finally:
        bench.sim.faults.latency = 0
        await ours.aclose()
        await ref.aclose()


async def test_a_window_asked_for_too_many_rows_is_asked_again(bench: Setup) -> None:
    backend = bench.backend()
    try:
        await backend.client.ensure_token()
        bench.timeline.spans.clear()
        page = await backend.list_recordings(RecordingQuery(), PageRequest(200))
        assert len(page.items) == 200 and page.next_token is not None
        queries = [parse_qs(q) for *_, q in bench.timeline.of("/recordings")]
        by_window = [(q["created_to"][0], q["page_size"][0]) for q in queries]
        assert len(by_window) == 4 and len({to for to, _ in by_window}) == 3
        resume = paging.decode(page.next_token, "rec")
        asked_twice = [size for to, size in by_window if to == str(resume.to)]
        assert len(asked_twice) == 2 and resume.key is not None  # ahead, then exactly
    finally:
        await backend.aclose()


async def test_empty_history_takes_few_rounds(bench: Setup) -> None:
    oldest = min(r.created for r in bench.sim.accounts[0].recordings.values())
    backend = bench.backend(max_history_days=500)
    try:
        await backend.client.ensure_token()
        bench.sim.faults.latency = 0.05
        before = datetime.fromtimestamp(oldest - GREGORIAN_OFFSET - 1, UTC)
        page = await backend.list_recordings(RecordingQuery(created_before=before), PageRequest(9))
        assert page.items == () and page.next_token is None
        spans = bench.timeline.of("/recordings")
        windows = {q.split("created_to=")[1].split("&")[0] for *_, q in spans}
        # ~410 days below ``before``: 14 windows, each asked once, in batches 1, 1, 2, 4, 6
        assert 9 <= len(spans) == len(windows) <= 16
        assert bench.timeline.rounds("/recordings") == 5
    finally:
        bench.sim.faults.latency = 0
        await backend.aclose()


def _fetch_tasks() -> list[asyncio.Task[Any]]:
    return [
        t
        for t in asyncio.all_tasks()
        if not t.done() and "fetch" in getattr(t.get_coro(), "__qualname__", "")
    ]


async def test_a_failing_window_fails_the_listing_as_before(bench: Setup) -> None:
    hi = int(bench.sim.now()) + GREGORIAN_OFFSET
    third = range(hi - 63 * 86400, hi - 61 * 86400)  # the third window's created_to
    bench.timeline.fail = lambda request: int(request.query.get("created_to", 0)) in third
    errors = []
    for concurrency in (CONCURRENCY, 1):
        backend = bench.backend(concurrency)
        try:
            with pytest.raises(UpstreamError) as info:
                await backend.list_recordings(RecordingQuery(), PageRequest(500))
            errors.append(info.value)
            assert _fetch_tasks() == []
            ok = await backend.list_recordings(RecordingQuery(), PageRequest(100))
            assert len(ok.items) == 100  # the windows before the sick one still answer
        finally:
            await backend.aclose()
    assert type(errors[0]) is type(errors[1])
    assert str(errors[0]) == str(errors[1])


async def test_recordings_by_conference_answers_as_before(bench: Setup) -> None:
    ours, ref = bench.backend(), bench.backend(concurrency=1)
    try:
        conferences = list((await ours.list_conferences(PageRequest(50))).items)
        for first in (1, 3, 50):
            bench.timeline.spans.clear()
            got = await ours.recordings_by_conference(conferences, first)
            ours_requests = len(bench.timeline.of("/recordings"))
            bench.timeline.spans.clear()
            want = await ref.recordings_by_conference(conferences, first)
            assert got == want and any(got), first
            assert ours_requests <= len(bench.timeline.of("/recordings")) + CONCURRENCY - 1
    finally:
        await ours.aclose()
        await ref.aclose()
