"""SignalWire: the calls and conferences of a page of recordings (see :mod:`providers._lookups`).

Calls: ``Calls.json`` with ``StartTime>`` and ``StartTime<`` (RFC 2822, inclusive) over
the recordings' window, 1,000 a page, at most :data:`CALL_PAGES` pages. A call begins
before its recordings, so bounding the start from both sides loses only calls that began
more than :data:`providers._lookups.BEFORE` earlier; live calls are listed too.
Conferences: one page of ``Conferences.json`` created on or before the window's last day
(``DateCreated<`` takes whole days), newest first; then per-id reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from providers._lookups import resolve, window
from providers.models import Call, Conference, Recording

from .client import MAX_PAGE_SIZE, Cursor, SignalWireClient, is_sid
from .mapping import format_date, to_call, to_conference

#: Call listing pages (of 1,000) one batch reads at most before reading by id.
CALL_PAGES = 2
#: Conference listing pages one batch reads.
CONFERENCE_PAGES = 1


def _pick(items: Sequence[Any], ids: Mapping[str, Any]) -> list[Any]:
    return [item for item in items if item.get("sid") in ids]


async def calls_for_recordings(
    client: SignalWireClient,
    account_name: str,
    recordings: Sequence[Recording],
    by_id: Callable[[Sequence[str]], Awaitable[Sequence[Call | None]]],
) -> list[Call | None]:
    async def listed(ids: Mapping[str, list[Recording]]) -> dict[str, Call]:
        span = window([r for recs in ids.values() for r in recs])
        filters = [("StartTime>", format_date(span.start)), ("StartTime<", format_date(span.end))]
        found: dict[str, Call] = {}
        cursor: Cursor | None = None
        for _ in range(CALL_PAGES):
            page = await client.list_calls(MAX_PAGE_SIZE, cursor, filters)
            for wire in _pick(page.items, ids):
                call = to_call(wire, account_name)
                found[call.provider_call_id] = call
            cursor = page.next
            if cursor is None or len(found) == len(ids):
                break
        return found

    return await resolve(recordings, "provider_call_id", is_sid, listed, by_id)


async def conferences_for_recordings(
    client: SignalWireClient,
    account_name: str,
    recordings: Sequence[Recording],
    by_id: Callable[[Sequence[str]], Awaitable[Sequence[Conference | None]]],
) -> list[Conference | None]:
    async def listed(ids: Mapping[str, list[Recording]]) -> dict[str, Conference]:
        span = window([r for recs in ids.values() for r in recs])
        filters = [("DateCreated<", span.last.date().isoformat())]
        found: dict[str, Conference] = {}
        cursor: Cursor | None = None
        for _ in range(CONFERENCE_PAGES):
            page = await client.list_conferences(MAX_PAGE_SIZE, cursor, filters)
            for wire in _pick(page.items, ids):
                conf = to_conference(wire, account_name)
                found[conf.provider_conference_id] = conf
            cursor = page.next
            if cursor is None or len(found) == len(ids):
                break
        return found

    return await resolve(recordings, "provider_conference_id", is_sid, listed, by_id)
