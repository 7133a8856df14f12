"""While the slowest first page is in flight, pages that already arrived are read up to
their source's even share of ``first``: lazily mapped items get mapped in time the caller
waits anyway, and the merged answer is unchanged."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from gateway.paging import Position, merge
from gateway.sources import Source
from providers._lazy import LazyItems
from providers.models import Page, PageRequest
from tests.gateway.test_merge_property import EPOCH, Item, sort_key, source_stub


async def test_early_pages_are_read_up_to_their_share_before_the_last_arrives() -> None:
    names = ("early", "middle", "late")
    raw = {
        name: [Item(EPOCH - timedelta(minutes=3 * i + k), name, i) for i in range(30)]
        for k, name in enumerate(names)
    }
    mapped: dict[str, int] = dict.fromkeys(names, 0)
    late_may_answer = asyncio.Event()
    early_pages_in = asyncio.Event()

    def mapper(name: str) -> object:
        def map_one(item: Item) -> Item:
            mapped[name] += 1
            return item

        return map_one

    async def fetch(source: Source, request: PageRequest) -> Page[Item]:
        if source.name == "late":
            early_pages_in.set()
            await late_may_answer.wait()
        return Page(LazyItems(raw[source.name], mapper(source.name)), None)  # type: ignore[arg-type]

    sources = [source_stub(name) for name in names]
    positions = {name: Position(None, 30) for name in names}
    merging = asyncio.create_task(merge(sources, positions, 20, fetch, sort_key=sort_key))
    await early_pages_in.wait()
    await asyncio.sleep(0)  # let the early fetches' results be taken in
    assert mapped == {"early": 7, "middle": 7, "late": 0}  # ceil(20 / 3)

    late_may_answer.set()
    page = await merging
    everything = sorted((i for items in raw.values() for i in items), key=sort_key, reverse=True)
    assert page.items == everything[:20]
    assert mapped["late"] == 7
    assert all(count <= 8 for count in mapped.values())  # share, plus one look-ahead head
