"""FreeClimb: the calls and conferences of a page of recordings (see :mod:`providers._lookups`).

Calls: ``GET /Calls?startTime=…&endTime=…`` over the recordings' window (started at or
after, ended at or before, whole seconds), following cursors for at most
:data:`CALL_PAGES` pages of 100 and stopping once every id is found. A call still in
progress has no end and is not listed with ``endTime``: it is read by id, like any call
the window missed. Conferences: FreeClimb filters them only by whole day, so one page of
the newest ``GET /Conferences`` (100), then per-id reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta

from providers._lookups import resolve, window
from providers.models import Call, Conference, Recording

from .client import FreeClimbClient, valid_id
from .mapping import to_call, to_conference

#: Call listing pages one batch reads at most (100 calls each) before reading by id.
CALL_PAGES = 5
#: Conference listing pages one batch reads (FreeClimb has no time filter for them).
CONFERENCE_PAGES = 1


def _time(moment: datetime) -> str:
    """``YYYY-MM-DD hh:mm:ss`` UTC, as the listing filters take it."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


async def calls_for_recordings(
    client: FreeClimbClient,
    account_name: str,
    recordings: Sequence[Recording],
    by_id: Callable[[Sequence[str]], Awaitable[Sequence[Call | None]]],
) -> list[Call | None]:
    async def listed(ids: Mapping[str, list[Recording]]) -> dict[str, Call]:
        span = window([r for recs in ids.values() for r in recs])
        params = {
            "startTime": _time(span.start),
            # whole seconds: one more so that a call ending within the last second counts
            "endTime": _time(span.end + timedelta(seconds=1)),
        }
        found: dict[str, Call] = {}
        cursor: str | None = None
        for _ in range(CALL_PAGES):
            page = await client.list_calls(params, cursor)
            for item in page.items:
                if item.get("callId") in ids:  # map only what was asked for
                    call = to_call(item, account_name)
                    if call is not None:
                        found[call.provider_call_id] = call
            cursor = page.cursor
            if cursor is None or len(found) == len(ids):
                break
        return found

    return await resolve(
        recordings, "provider_call_id", lambda i: valid_id("call", i), listed, by_id
    )


async def conferences_for_recordings(
    client: FreeClimbClient,
    account_name: str,
    recordings: Sequence[Recording],
    by_id: Callable[[Sequence[str]], Awaitable[Sequence[Conference | None]]],
) -> list[Conference | None]:
    async def listed(ids: Mapping[str, list[Recording]]) -> dict[str, Conference]:
        found: dict[str, Conference] = {}
        cursor: str | None = None
        for _ in range(CONFERENCE_PAGES):
            page = await client.list_conferences({}, cursor)
            for item in page.items:
                if item.get("conferenceId") in ids:
                    conf = to_conference(item, account_name)
                    if conf is not None:
                        found[conf.provider_conference_id] = conf
            cursor = page.cursor
            if cursor is None or len(found) == len(ids):
                break
        return found

    return await resolve(
        recordings,
        "provider_conference_id",
        lambda i: valid_id("conference", i),
        listed,
        by_id,
    )
