"""Cursor paging over one or many sources: a k-way merge of upstream pages.

Each source is read at a *position*: the backend page token, the page size it was asked
with, and how many raw items of that page were already consumed. Sources list newest
first, so repeatedly taking the newest head among the sources yields one newest-first
list in which every item appears exactly once across pages. The position vector after
each item is what that item's cursor carries (signed by :mod:`gateway.cursors`).

A source that fails is reported and keeps its position, so the next page resumes it
where it stopped and nothing is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson

from providers.errors import ProviderError
from providers.models import Page, PageRequest

from .cursors import CursorCodec
from .errors import InvalidCursorError
from .sources import Source

T = TypeVar("T")

Fetch = Callable[[Source, PageRequest], Awaitable[Page[T]]]
_MIN_UPSTREAM_PAGE = 10
_MAX_UPSTREAM_PAGE = 1000


@dataclass(slots=True)
class Position:
    token: str | None
    size: int
    offset: int = 0
    done: bool = False

    def dump(self) -> Any:
        return 0 if self.done else [self.token, self.size, self.offset]

    @classmethod
    def load(cls, raw: Any) -> Position:
        if raw == 0:
            return cls(None, _MIN_UPSTREAM_PAGE, done=True)
        if (
            isinstance(raw, list)
            and len(raw) == 3
            and (raw[0] is None or isinstance(raw[0], str))
            and all(isinstance(v, int) and not isinstance(v, bool) for v in raw[1:])
            and _MIN_UPSTREAM_PAGE <= raw[1] <= _MAX_UPSTREAM_PAGE
            and raw[2] >= 0
        ):
            return cls(raw[0], raw[1], raw[2])
        raise InvalidCursorError("invalid cursor: unreadable position")


class ScanLimitError(ProviderError):
    """A source read as many pages as one page of results may read (``[limits]
    max_scan_pages``) while the gateway filtered them itself. It keeps its position: the
    next page (``after`` the last cursor) goes on from there."""

    code = "SCAN_LIMIT"

    def __init__(self, pages: int) -> None:
        super().__init__(
            f"stopped after reading {pages} upstream pages for this page (a filter the "
            "vendor cannot apply); ask for the next page to read on"
        )


@dataclass(frozen=True, slots=True)
class SourceFailure:
    source: Source
    error: ProviderError


@dataclass(slots=True)
class MergedPage(Generic[T]):
    items: list[T]
    #: Source names, in the order of each snapshot's dumped positions.
    names: tuple[str, ...]
    #: Per item, every source's dumped position after that item was taken.
    snapshots: list[tuple[Any, ...]]
    has_next: bool
    failures: list[SourceFailure] = field(default_factory=list)

    def state(self, index: int) -> dict[str, Any]:
        """The position vector a cursor after ``items[index]`` carries."""
        return dict(zip(self.names, self.snapshots[index], strict=True))


def fingerprint(kind: str, sources: Sequence[Source], args: Any) -> str:
    """Binds a cursor to the query it was issued for (and the set of sources)."""
    blob = orjson.dumps([kind, sorted(s.name for s in sources), args], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(blob).hexdigest()[:16]


def encode_cursor(codec: CursorCodec, fp: str, state: dict[str, Any]) -> str:
    return codec.encode({"v": 1, "f": fp, "p": state})


def decode_cursor(
    codec: CursorCodec, cursor: str, fp: str, sources: Sequence[Source]
) -> dict[str, Position]:
    payload = codec.decode(cursor)
    if not isinstance(payload, dict) or payload.get("v") != 1:
        raise InvalidCursorError("invalid cursor: unknown version")
    if payload.get("f") != fp:
        raise InvalidCursorError(
            "cursor was issued for a different query (arguments or accounts changed)"
        )
    raw = payload.get("p")
    if not isinstance(raw, dict) or set(raw) != {s.name for s in sources}:
        raise InvalidCursorError("invalid cursor: positions do not match the sources")
    return {name: Position.load(value) for name, value in raw.items()}


def upstream_page_size(first: int) -> int:
    return max(_MIN_UPSTREAM_PAGE, min(first, _MAX_UPSTREAM_PAGE))


async def merge(
    sources: Sequence[Source],
    positions: dict[str, Position],
    first: int,
    fetch: Fetch[T],
    *,
    sort_key: Callable[[T], Any],
    keep: Callable[[T], bool] = lambda _: True,
) -> MergedPage[T]:
    """Take the ``first`` newest items (that ``keep`` accepts) across ``sources``."""
    pages: dict[str, Page[T]] = {}
    failures: list[SourceFailure] = []
    by_name = {s.name: s for s in sources}

    def head_in_page(name: str) -> T | None:
        """The next kept item of the page in hand, or None when it has to be fetched."""
        pos, page = positions[name], pages.get(name)
        if page is None:
            return None
        while (item := _item_at(page.items, pos.offset)) is not None:
            if keep(item):
                return item
            pos.offset += 1
        _advance(pos, page)
        del pages[name]
        return None

    async def head(source: Source, warm: int) -> T | None:
        pos = positions[source.name]
        while not pos.done:
            found = head_in_page(source.name)
            if found is not None:
                return found
            if pos.done:
                break
            page = pages[source.name] = await fetch(source, PageRequest(pos.size, pos.token))
            if warm:
                _item_at(page.items, pos.offset + warm - 1)
                warm = 0
        return None

    async def safe_head(source: Source, warm: int = 0) -> T | None:
        try:
            return await head(source, warm)
        except ProviderError as exc:
            failures.append(SourceFailure(source, exc))
            return None

    active = [s for s in sources if not positions[s.name].done]
    # Until the slowest first page arrives there is nothing to merge, so each page that
    # arrives is read (mapped, if lazy) up to its source's even share of ``first`` right
    # away: work the merge does anyway unless the sources are very uneven, moved off the
    # time the caller waits for (see docs/architecture.md, "The hot path").
    share = -(-first // len(active)) if active else 0
    found = await asyncio.gather(*(safe_head(s, share) for s in active))
    # name -> (sort key, rank, name, item) of each source's next item; a source leaves when
    # empty. Equal keys go to the earlier source: ranks are unique, so items never compare.
    heads = {
        s.name: (sort_key(item), -rank, s.name, item)
        for rank, (s, item) in enumerate(zip(active, found, strict=True))
        if item is not None
    }
    items: list[T] = []
    # Only the source just taken from moves between two items (its offset, then its
    # next head), so each snapshot re-dumps that one position and shares the rest.
    dumped = {n: p.dump() for n, p in positions.items()}
    snapshots: list[tuple[Any, ...]] = []
    previous: str | None = None
    while heads and len(items) < first:
        _, rank, name, taken = max(heads.values())
        items.append(taken)
        pos = positions[name]
        pos.offset += 1
        page = pages[name]
        following = _item_at(page.items, pos.offset)
        if following is None:
            _advance(pos, page)
            del pages[name]
        if previous is not None:
            dumped[previous] = positions[previous].dump()
        dumped[name] = pos.dump()
        snapshots.append(tuple(dumped.values()))
        previous = name
        if len(items) == first:
            break
        item = following if following is not None and keep(following) else head_in_page(name)
        if item is None:
            item = await safe_head(by_name[name])
        if item is None:
            del heads[name]
        else:
            heads[name] = (sort_key(item), rank, name, item)
    return MergedPage(
        items=items,
        names=tuple(dumped),
        snapshots=snapshots,
        has_next=any(not p.done for p in positions.values()),
        failures=failures,
    )


def _item_at(items: Sequence[T], index: int) -> T | None:
    """``items[index]``, None past the end; never asks a lazily mapped page its length."""
    try:
        return items[index]
    except IndexError:
        return None


def _advance(pos: Position, page: Page[Any]) -> None:
    if page.next_token is None:
        pos.done = True
    else:
        pos.token, pos.offset = page.next_token, 0
