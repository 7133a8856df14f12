"""Page tokens and the walk over Kazoo's 31-day listing windows.

Kazoo only lists ``created_from..created_to`` (Gregorian seconds, at most 31 days + 1 h
apart, else 400 ``date_range``; the default is the last 31 days). To list "everything,
newest first" a backend walks windows backwards from now, paging each with
``start_key``/``next_start_key``, until a lower bound (the query's or
``max_history_days``). A page token records where the walk stands: the scope, the lower
bound, the current window and the vendor start key, as base64url JSON; never a URL.

Overlapping windows. :func:`walk` returns what reading one request at a time returns (the
first ``size`` rows from the position on, and the position right after the last of them),
but asks for older windows' first pages ahead, so that round trips overlap:

* The first window is asked alone: a page of recent items costs one request.
* Whenever the walk reaches a window not asked for yet, it asks for a *batch* of that and
  the next windows at once, each with ``page_size`` = the rows still missing. The ``k``-th
  such batch has ``max(2**(k-1), estimate)`` windows, ``estimate`` being ⌈rows missing ÷
  rows per window read so far⌉ (0 while every window read was empty), capped by
  ``concurrency`` (the account's ``ClientOptions.max_concurrency``) and by the windows the
  request budget can still reach. The estimate sizes a batch to the data's density (a
  window that surely suffices is asked alone); the doubling floor crosses a run of empty
  or sparse windows in a logarithmic number of rounds.
* Answers are read in window order. A first page asked ahead with ``page_size`` *p* is used
  when it has no more rows than are missing once the walk gets to it: it is then the very
  answer a one-at-a-time walk gets (when Kazoo filters rows after paging, it may cover
  more of the window than that walk's page: the same rows follow, and a token taken after
  it skips only rows the filter drops). Otherwise the page must end inside it, at a row
  whose ``start_key`` Kazoo did not give, so the window is asked again with the exact size
  (the page then ends in that window: no later window is read). Further pages inside a
  window follow ``next_start_key`` one by one. :func:`scan` asks a fixed page size, so
  every answer asked ahead is usable.
* Once the page is full or the budget spent, unread answers are dropped and requests still
  in flight are cancelled and awaited. A failed request fails the listing only if the walk
  reads its answer, with the exception a one-at-a-time walk would raise.

Cost. ``max_requests`` counts the answers used: without filters these are exactly the
requests of a one-at-a-time walk, so both stop at the same place. Requests whose answers
go unused (never read, or asked again with the exact size) come on top: at most ``b - 1``
per call, ``b`` ≤ ``concurrency`` being the size of the last batch (whose first window is
always used), so at most 7 with the default concurrency of 8.
Sequential rounds: one per batch, plus one per page read inside a window or window asked
again; the 12 windows of a 365-day walk with data only in the newest three take 3 rounds
(1 + 5 + 6 windows), and 12 empty windows 5 rounds (1 + 1 + 2 + 4 + 4), instead of 12.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from providers.errors import InvalidTokenError, MalformedResponseError

from .client import PROVIDER
from .wire import Envelope

#: Window span; stays under Kazoo's default ``crossbar.maximum_range`` of 2,682,000 s.
WINDOW = 31 * 86400
#: Upstream requests one listing call may spend before returning a (short) page.
MAX_REQUESTS_PER_PAGE = 16
_MAX_KEY = 2000


@dataclasses.dataclass(frozen=True, slots=True)
class Position:
    scope: str
    lo: int
    frm: int
    to: int
    key: str | None = None

    def params(self) -> list[tuple[str, str]]:
        out = [("created_from", str(self.frm)), ("created_to", str(self.to))]
        if self.key is not None:
            out.append(("start_key", self.key))
        return out


def first_position(scope: str, lo: int, hi: int) -> Position | None:
    if lo > hi:
        return None
    return Position(scope, lo, max(lo, hi - WINDOW), hi)


def previous_window(pos: Position) -> Position | None:
    to = pos.frm - 1
    if to < pos.lo:
        return None
    return Position(pos.scope, pos.lo, max(pos.lo, to - WINDOW), to)


def encode(pos: Position) -> str:
    raw = orjson.dumps({"s": pos.scope, "l": pos.lo, "f": pos.frm, "t": pos.to, "k": pos.key})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def decode(token: str, scope: str) -> Position:
    """Parse a token this module issued for ``scope``; anything else is refused."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        obj = orjson.loads(raw)
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise InvalidTokenError("kazoo: page token is not valid", provider=PROVIDER) from exc
    if (
        not isinstance(obj, dict)
        or set(obj) != {"s", "l", "f", "t", "k"}
        or obj["s"] != scope
        or not all(_is_int(obj[k]) for k in ("l", "f", "t"))
        or not obj["l"] <= obj["f"] <= obj["t"]
        or obj["t"] - obj["f"] > WINDOW
        or not (obj["k"] is None or (isinstance(obj["k"], str) and 0 < len(obj["k"]) < _MAX_KEY))
    ):
        raise InvalidTokenError("kazoo: page token is not valid", provider=PROVIDER)
    return Position(scope, obj["l"], obj["f"], obj["t"], obj["k"])


def rows_of(envelope: Envelope, what: str) -> list[dict[str, Any]]:
    data = envelope.get("data")
    if not isinstance(data, list):
        raise MalformedResponseError(f"kazoo: {what} listing data is not a list", provider=PROVIDER)
    return [row for row in data if isinstance(row, dict)]


def next_key(envelope: Envelope) -> str | None:
    key = envelope.get("next_start_key")
    return key if isinstance(key, str) and key else None


Fetch = Callable[[Position, int], Awaitable[Envelope]]


def batch_size(batch: int, missing: int | None, rows: int, windows: int, limit: int) -> int:
    """Windows to ask for at once the ``batch``-th time (0 first) the walk reaches a window
    not yet asked for, after reading ``rows`` rows from ``windows`` windows; ``missing`` is
    how many rows it still wants (``None``: unknown). The rule is in the module docstring."""
    if batch == 0:
        return 1
    floor = 1 << (batch - 1)
    estimate = -(-missing * windows // rows) if missing and rows and windows else 0
    return max(1, min(limit, max(floor, estimate)))


class _Ahead:
    """First pages of the next windows, asked for in batches before the walk needs them.

    Use as ``async with``: leaving cancels and awaits whatever is still in flight."""

    def __init__(self, fetch: Fetch, limit: int) -> None:
        self._fetch = fetch
        self._limit = max(1, limit)
        self._queue: deque[tuple[Position, asyncio.Task[Envelope]]] = deque()
        self._tasks: list[asyncio.Task[Envelope]] = []
        self._batches = 0
        self.windows = 0

    async def __aenter__(self) -> _Ahead:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    async def first_page(
        self, pos: Position, size: int, missing: int | None, rows: int, budget: int | None
    ) -> Envelope:
        """The answer for the first page of window ``pos``; if it was not asked for yet,
        asks for a batch of windows from ``pos`` on, ``size`` rows each, at most ``budget``
        (``None``: down to the lower bound). Raises what that request raised."""
        if not self._queue or self._queue[0][0] != pos:
            self._drop()
            count = batch_size(self._batches, missing, rows, self.windows, self._limit)
            self._batches += 1
            at: Position | None = pos
            for _ in range(max(1, count if budget is None else min(count, budget))):
                if at is None:
                    break
                task = asyncio.ensure_future(self._fetch(at, size))
                task.add_done_callback(_retrieve)
                self._tasks.append(task)
                self._queue.append((at, task))
                at = previous_window(at)
        _, task = self._queue.popleft()
        self.windows += 1
        return await task

    def _drop(self) -> None:
        while self._queue:
            self._queue.popleft()[1].cancel()


def _retrieve(task: asyncio.Task[Envelope]) -> None:
    """Mark a dropped request's failure as seen (the walk may never read it)."""
    if not task.cancelled():
        task.exception()


async def walk(
    fetch: Fetch,
    pos: Position | None,
    size: int,
    what: str,
    *,
    max_requests: int = MAX_REQUESTS_PER_PAGE,
    concurrency: int = 1,
) -> tuple[list[dict[str, Any]], Position | None]:
    """Collect up to ``size`` rows from ``pos`` on, newest first, moving to the previous
    window whenever one is exhausted. Stops as soon as ``size`` rows are in (so the
    newest page never costs a request per month of history) or after reading
    ``max_requests`` answers; returns the rows and where the next page starts (``None``:
    nothing older). Up to ``concurrency`` windows are asked for at once (module docstring)."""
    rows: list[dict[str, Any]] = []
    used = 0
    async with _Ahead(fetch, concurrency) as ahead:
        while pos is not None and len(rows) < size and used < max_requests:
            missing = size - len(rows)
            page: list[dict[str, Any]] | None = None
            if pos.key is None:
                budget = max_requests - used
                envelope = await ahead.first_page(pos, missing, missing, len(rows), budget)
                page = rows_of(envelope, what)
                if len(page) > missing:  # asked ahead for more than is missing now:
                    page = None  # the page ends inside this window; ask it exactly
            if page is None:
                envelope = await fetch(pos, missing)
                page = rows_of(envelope, what)
            used += 1
            rows.extend(page)
            key = next_key(envelope)
            if key is not None and key != pos.key:
                pos = dataclasses.replace(pos, key=key)
            else:
                pos = previous_window(pos)
    return rows, pos


async def scan(
    fetch: Fetch,
    pos: Position | None,
    what: str,
    take: Callable[[list[dict[str, Any]]], int],
    *,
    page_size: int,
    concurrency: int = 1,
) -> None:
    """Hand every page of rows from ``pos`` on, newest first, to ``take``, which answers how
    many more rows it wants at least (0: done). ``fetch`` asks for ``page_size`` rows, so
    every answer asked ahead is usable; windows are asked ahead as in :func:`walk`."""
    rows = 0
    missing: int | None = None
    async with _Ahead(fetch, concurrency) as ahead:
        while pos is not None and missing != 0:
            if pos.key is None:
                envelope = await ahead.first_page(pos, page_size, missing, rows, None)
            else:
                envelope = await fetch(pos, page_size)
            page = rows_of(envelope, what)
            rows += len(page)
            missing = take(page)
            key = next_key(envelope)
            if key is not None and key != pos.key:
                pos = dataclasses.replace(pos, key=key)
            else:
                pos = previous_window(pos)


def cover(intervals: dict[str, tuple[int, int]]) -> list[tuple[int, int, list[str]]]:
    """Few windows (each at most ``WINDOW`` long, newest first) covering every interval,
    each with the keys whose interval meets it: the batch plan for recordings by call."""
    out: list[tuple[int, int, list[str]]] = []
    if not intervals:
        return out
    top = max(hi for _, hi in intervals.values())
    while True:
        frm = top - WINDOW
        keys = [k for k, (lo, hi) in intervals.items() if lo <= top and hi >= frm]
        if keys:
            out.append((frm, top, keys))
        below = [min(hi, frm - 1) for lo, hi in intervals.values() if lo < frm]
        if not below:
            return out
        top = max(below)
