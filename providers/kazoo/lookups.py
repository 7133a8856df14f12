"""Kazoo: the calls and conferences of a page of recordings (see :mod:`providers._lookups`).

Calls are CDRs, listed by the moment the CDR was written (the call's end), in windows
of at most 31 days. A call ends after each of its recordings ends, so each id is looked
for in [latest recording end - :data:`SKEW`, that + :data:`CALL_TAIL`]; the ids' spans
are covered by few windows (:func:`.paging.cover`), each asked once with
``filter_id`` = JSON array of its ids (Kazoo filters after paging, so a busy window may
take a second page; at most :data:`PAGES_PER_WINDOW`). Ids without the ``YYYYMM-``
prefix are live calls: one ``GET /channels`` answers them all. Conferences: one page of
``GET /conferences`` (their docs carry no dates); then per-id reads for what was missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta

import orjson

from providers._lookups import recording_end, resolve
from providers.models import Call, Conference, Recording

from . import mapping, paging
from .client import CDR_ID, CHANNEL_ID, HEX32, KazooClient
from .control import channel_rows
from .paging import Position

#: Clock skew allowed between a recording's end and its call's CDR (seconds).
SKEW = 120
#: How long after its latest recording ends a call may still end and be listed: CDRs
#: are filtered by id upstream, so a generous margin costs rows, not requests.
CALL_TAIL = timedelta(hours=2)
#: CDR pages one window may take (``filter_id`` applies after paging).
PAGES_PER_WINDOW = 2
#: Rows per CDR or conference listing page.
PAGE_SIZE = 500


def window_cap(max_history_days: int) -> int:
    """Windows one batch lists at most (the rest is read by id): the history's."""
    return max_history_days // 31 + 2


def call_listing(max_history_days: int) -> int:
    """Worst-case listing requests of one ``calls_for_recordings`` batch."""
    return window_cap(max_history_days) * PAGES_PER_WINDOW + 1  # + GET /channels


async def calls_for_recordings(
    client: KazooClient,
    account_name: str,
    recordings: Sequence[Recording],
    by_id: Callable[[Sequence[str]], Awaitable[Sequence[Call | None]]],
    *,
    max_history_days: int,
) -> list[Call | None]:
    async def listed(ids: Mapping[str, list[Recording]]) -> dict[str, Call]:
        intervals: dict[str, tuple[int, int]] = {}
        live = []
        for ident, recs in ids.items():
            if not CDR_ID.fullmatch(ident):
                live.append(ident)
                continue
            ended = max(recording_end(r) for r in recs)
            lo = mapping.to_gregorian(ended) - SKEW
            intervals[ident] = (lo, lo + SKEW + int(CALL_TAIL.total_seconds()))
        plan = paging.cover(intervals)[: window_cap(max_history_days)]
        jobs: list[Awaitable[list[Call]]] = [
            _window(client, account_name, lo, hi, keys, intervals) for lo, hi, keys in plan
        ]
        if live:
            jobs.append(_channels(client, account_name))
        found: dict[str, Call] = {}
        for calls in await asyncio.gather(*jobs):
            found.update((c.provider_call_id, c) for c in calls if c.provider_call_id in ids)
        return found

    def valid(ident: str) -> bool:
        return CHANNEL_ID.fullmatch(ident) is not None

    return await resolve(recordings, "provider_call_id", valid, listed, by_id)


async def _window(
    client: KazooClient,
    account_name: str,
    frm: int,
    to: int,
    keys: list[str],
    intervals: Mapping[str, tuple[int, int]],
) -> list[Call]:
    """The CDRs of ``keys`` within one window, narrowed to the keys' own spans."""
    frm = max(frm, min(intervals[k][0] for k in keys))
    to = min(to, max(intervals[k][1] for k in keys))
    flt = ("filter_id", orjson.dumps(keys).decode())
    out: list[Call] = []
    key: str | None = None
    for _ in range(PAGES_PER_WINDOW):
        at = Position("cdr", frm, frm, to, key)
        envelope = await client.list_cdrs([("page_size", str(PAGE_SIZE)), *at.params(), flt])
        out.extend(
            mapping.call_from_row(row, account_name) for row in paging.rows_of(envelope, "cdrs")
        )
        nxt = paging.next_key(envelope)
        if nxt is None or nxt == key or len(out) >= len(keys):
            break
        key = nxt
    return out


async def _channels(client: KazooClient, account_name: str) -> list[Call]:
    rows = channel_rows(await client.list_channels())
    return [mapping.call_from_channel(row, account_name) for row in rows]


async def conferences_for_recordings(
    client: KazooClient,
    account_name: str,
    recordings: Sequence[Recording],
    by_id: Callable[[Sequence[str]], Awaitable[Sequence[Conference | None]]],
) -> list[Conference | None]:
    async def listed(ids: Mapping[str, list[Recording]]) -> dict[str, Conference]:
        envelope = await client.list_conferences([("page_size", str(PAGE_SIZE))])
        rows = paging.rows_of(envelope, "conferences")
        confs = (mapping.conference(row, account_name) for row in rows if row.get("id") in ids)
        return {c.provider_conference_id: c for c in confs}

    def valid(ident: str) -> bool:
        return HEX32.fullmatch(ident) is not None

    return await resolve(recordings, "provider_conference_id", valid, listed, by_id)
