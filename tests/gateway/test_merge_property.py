"""Property: paging the k-way merge with any ``first`` yields every item exactly once, in
order, whatever the sources' page shapes, and even when sources fail now and then.

The sources here are in-memory stand-ins that keep the backend paging promises (newest
first; a token re-fetches the same page; pages may be short, empty or oversized), so the
property exercises ``gateway.paging`` itself over far more shapes than the simulators have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.cursors import CursorCodec
from gateway.paging import Position, decode_cursor, encode_cursor, fingerprint, merge
from gateway.settings import AccountSettings
from gateway.sources import Source
from providers.config import ClientOptions
from providers.errors import UnavailableError
from providers.models import Account, Page, PageRequest

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    created_at: datetime
    source: str
    n: int


@dataclass
class FakeSource:
    """Pages of irregular length cut at fixed offsets; token = index of the page."""

    name: str
    items: list[Item]
    cuts: list[int]
    failures: list[bool] = field(default_factory=list)
    calls: int = 0

    def page(self, request: PageRequest) -> Page[Item]:
        self.calls += 1
        if self.failures and self.failures.pop(0):
            raise UnavailableError("flaky", provider=self.name)
        index = int(request.token or 0)
        start, end = self.cuts[index], self.cuts[index + 1]
        more = index + 2 < len(self.cuts)
        return Page(tuple(self.items[start:end]), str(index + 1) if more else None)


@dataclass(frozen=True)
class NoBackend:
    """Only what ``Source`` reads; the merge itself talks to ``FakeSource`` through fetch."""

    account: Account


def source_stub(name: str) -> Source:
    settings = AccountSettings(name, "fake", ClientOptions(), {})
    backend = NoBackend(Account("fake", name, name, name))
    return Source(settings, backend)  # type: ignore[arg-type]


@st.composite
def datasets(draw: st.DrawFn) -> list[FakeSource]:
    count = draw(st.integers(1, 4))
    out = []
    for s in range(count):
        times = sorted(draw(st.lists(st.integers(0, 500), min_size=0, max_size=40)), reverse=True)
        items = [Item(EPOCH + timedelta(minutes=t), f"s{s}", i) for i, t in enumerate(times)]
        inner = set(draw(st.lists(st.integers(0, len(items)), max_size=8))) - {0, len(items)}
        cut_points = [0, *sorted(inner), len(items)]
        # a trailing empty page with a token before it is legal (filter-after-paging vendors)
        if draw(st.booleans()):
            cut_points.append(len(items))
        failures = draw(st.lists(st.booleans(), max_size=6))
        out.append(FakeSource(f"s{s}", items, cut_points, failures))
    return out


def sort_key(item: Item) -> Any:
    return (item.created_at, item.source, -item.n)


@settings(max_examples=150, deadline=None)
@given(sources=datasets(), first=st.integers(1, 15), keep_odd=st.booleans())
async def test_paging_yields_every_item_once_in_order(
    sources: list[FakeSource], first: int, keep_odd: bool
) -> None:
    codec = CursorCodec(b"k" * 32)
    stubs = [source_stub(s.name) for s in sources]
    by_name = {s.name: s for s in sources}
    fp = fingerprint("recordings", stubs, None)

    def keep(item: Item) -> bool:
        return not keep_odd or item.n % 2 == 1

    async def fetch(stub: Source, request: PageRequest) -> Page[Item]:
        return by_name[stub.name].page(request)

    expected = sorted((i for s in sources for i in s.items if keep(i)), key=sort_key, reverse=True)
    positions = {s.name: Position(None, 10) for s in stubs}
    seen: list[Item] = []
    for _ in range(500):
        result = await merge(stubs, positions, first, fetch, sort_key=sort_key, keep=keep)
        assert len(result.items) <= first
        if not result.failures:
            assert len(result.items) == first or not result.has_next
        seen.extend(result.items)
        if not result.has_next:
            break
        state = result.state(-1) if result.items else {n: p.dump() for n, p in positions.items()}
        cursor = encode_cursor(codec, fp, state)
        positions = decode_cursor(codec, cursor, fp, stubs)
    else:
        raise AssertionError("paging did not end")
    assert len(set(seen)) == len(seen)
    assert sorted(seen, key=sort_key, reverse=True) == expected


@settings(max_examples=100, deadline=None)
@given(sources=datasets(), first=st.integers(1, 15))
async def test_without_failures_the_pages_concatenate_in_global_order(
    sources: list[FakeSource], first: int
) -> None:
    for s in sources:
        s.failures.clear()
    stubs = [source_stub(s.name) for s in sources]
    by_name = {s.name: s for s in sources}

    async def fetch(stub: Source, request: PageRequest) -> Page[Item]:
        return by_name[stub.name].page(request)

    positions = {s.name: Position(None, 10) for s in stubs}
    seen: list[Item] = []
    while True:
        result = await merge(stubs, positions, first, fetch, sort_key=sort_key)
        seen.extend(result.items)
        if not result.has_next:
            break
        assert result.items, "a page with more to come must not be empty without failures"
        positions = {n: Position.load(v) for n, v in result.state(-1).items()}
    expected = sorted((i for s in sources for i in s.items), key=sort_key, reverse=True)
    assert seen == expected


@settings(max_examples=100, deadline=None)
@given(sources=datasets(), first=st.integers(1, 15), keep_odd=st.booleans())
async def test_every_edge_cursor_resumes_right_after_its_item(
    sources: list[FakeSource], first: int, keep_odd: bool
) -> None:
    """Not just the end cursor: the position snapshot of each item is exact."""
    for s in sources:
        s.failures.clear()
    stubs = [source_stub(s.name) for s in sources]
    by_name = {s.name: s for s in sources}

    def keep(item: Item) -> bool:
        return item.n % 2 == 1 or not keep_odd

    async def fetch(stub: Source, request: PageRequest) -> Page[Item]:
        return by_name[stub.name].page(request)

    expected = sorted((i for s in sources for i in s.items if keep(i)), key=sort_key, reverse=True)
    start = {s.name: Position(None, 10) for s in stubs}
    result = await merge(stubs, start, first, fetch, sort_key=sort_key, keep=keep)
    assert result.items == expected[:first]
    for index in range(len(result.items)):
        resumed = {n: Position.load(v) for n, v in result.state(index).items()}
        rest = await merge(stubs, resumed, len(expected), fetch, sort_key=sort_key, keep=keep)
        assert rest.items == expected[index + 1 :]
