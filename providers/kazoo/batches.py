"""Kazoo's by-parent batches, a mixin of :class:`~.backend.KazooBackend`: the recordings
of many calls or conferences from few filtered account listings.

Kazoo filters a listing by a JSON array of ids (``filter_cdr_id``,
``filter_custom_channel_vars.conference_id``), but only inside one 31-day window
(:mod:`.paging`). Calls carry times, so their recordings are asked in the few windows
their spans need (:func:`.paging.cover`); conference docs carry none, so theirs come
from one shared walk back through the history that stops once every conference has
enough (:func:`.paging.scan`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from providers._batch import gather_bounded
from providers.config import ClientOptions
from providers.models import Call, Conference, Recording

from . import mapping, paging
from .client import CDR_ID, HEX32, KazooClient
from .paging import Position
from .wire import Envelope

#: Seconds added around calls' start/end when looking for their recordings.
SLACK = 120
#: Rows per upstream page when a batch lists recordings for many calls or conferences.
BATCH_PAGE_SIZE = 500
#: The recording field that links a recording to its conference (the simulator's choice).
CONFERENCE_KEY = "custom_channel_vars.conference_id"


class RecordingBatches:
    if TYPE_CHECKING:  # provided by KazooBackend
        client: KazooClient
        account_name: str
        options: ClientOptions

        async def _bounds(self) -> tuple[int, int]: ...

    async def recordings_by_call(
        self, calls: Sequence[Call], first: int
    ) -> Sequence[Sequence[Recording]]:
        """One filtered account listing (``filter_cdr_id`` = JSON array of the batch's
        ids) per 31-day window that the calls' [start - slack, end + slack] span needs:
        usually one request for a page of calls, instead of one per call."""
        intervals: dict[str, tuple[int, int]] = {}
        for call in calls:
            cid = call.provider_call_id
            if cid in intervals or not CDR_ID.fullmatch(cid):
                continue
            if call.start_time is not None:
                end = call.end_time or call.start_time + timedelta(
                    seconds=call.duration_seconds or 0
                )
                intervals[cid] = (
                    mapping.to_gregorian(call.start_time) - SLACK,
                    mapping.to_gregorian(end) + SLACK,
                )
            else:
                intervals[cid] = month_bounds(cid)
        found: dict[str, list[Recording]] = defaultdict(list)
        plan = paging.cover(intervals)

        async def one_window(index: int) -> list[Recording]:
            frm, to, ids = plan[index]
            flt = ("filter_cdr_id", orjson.dumps(ids).decode())
            return await self._collect(frm, to, flt)

        windows = range(len(plan))
        for batch in await gather_bounded(windows, one_window, limit=self.options.max_concurrency):
            for rec in batch:
                if rec.provider_call_id is not None:
                    found[rec.provider_call_id].append(rec)
        return [_newest(found.get(c.provider_call_id, []), first) for c in calls]

    async def recordings_by_conference(
        self, conferences: Sequence[Conference], first: int
    ) -> Sequence[Sequence[Recording]]:
        """Conference docs carry no dates, so one shared walk over the history with
        ``filter_custom_channel_vars.conference_id`` = JSON array of the ids, stopping
        once every conference has ``first`` recordings (older windows asked ahead, see
        :func:`.paging.scan`)."""
        ids = list(
            dict.fromkeys(
                c.provider_conference_id
                for c in conferences
                if HEX32.fullmatch(c.provider_conference_id)
            )
        )
        found: dict[str, dict[str, Recording]] = defaultdict(dict)

        def missing() -> int:
            return sum(max(0, first - len(found[i])) for i in ids)

        if ids and missing():
            flt = (f"filter_{CONFERENCE_KEY}", orjson.dumps(ids).decode())

            async def fetch(at: Position, size: int) -> Envelope:
                return await self.client.list_recordings(
                    [("page_size", str(size)), *at.params(), flt]
                )

            def take(rows: list[dict[str, Any]]) -> int:
                for row in rows:
                    rec = mapping.recording(row, self.account_name)
                    if rec.provider_conference_id in ids:
                        found[rec.provider_conference_id][rec.provider_recording_id] = rec
                return missing()

            pos = paging.first_position("rec", *await self._bounds())
            await paging.scan(
                fetch,
                pos,
                "recordings",
                take,
                page_size=BATCH_PAGE_SIZE,
                concurrency=self.options.max_concurrency,
            )
        return [
            _newest(list(found.get(c.provider_conference_id, {}).values()), first)
            for c in conferences
        ]

    async def _collect(self, frm: int, to: int, flt: tuple[str, str]) -> list[Recording]:
        """Every recording of one window matching ``flt`` (all its pages)."""
        out: list[Recording] = []
        key: str | None = None
        for _ in range(paging.MAX_REQUESTS_PER_PAGE):
            at = Position("rec", frm, frm, to, key)
            envelope = await self.client.list_recordings(
                [("page_size", str(BATCH_PAGE_SIZE)), *at.params(), flt]
            )
            out.extend(
                mapping.recording(r, self.account_name)
                for r in paging.rows_of(envelope, "recordings")
            )
            nxt = paging.next_key(envelope)
            if nxt is None or nxt == key:
                break
            key = nxt
        return out


def _newest(recordings: Sequence[Recording], first: int) -> list[Recording]:
    unique = {r.provider_recording_id: r for r in recordings}
    ordered = sorted(
        unique.values(), key=lambda r: (r.created_at, r.provider_recording_id), reverse=True
    )
    return ordered[: max(0, first)]


def month_bounds(prefixed_id: str) -> tuple[int, int]:
    """Gregorian bounds of the ``YYYYMM`` month an id names, two days either side."""
    year, month = int(prefixed_id[:4]), int(prefixed_id[4:6])
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    two_days = 2 * 86400
    return mapping.to_gregorian(start) - two_days, mapping.to_gregorian(end) + two_days
