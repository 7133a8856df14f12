"""Kazoo Crossbar v2 as a :class:`providers.base.ProviderBackend`.

What the backend absorbs so that callers never see it:

* the 31-day listing window (see :mod:`.paging`): listings walk windows backwards from the
  server's "now" down to ``max_history_days`` (default 365) or the query's lower bound;
* calls are CDRs (finished legs), whose id ``YYYYMM-<call-id>`` is the ``provider_call_id``
  of calls and recordings (the recording's ``cdr_id``);
* conference recordings are linked through ``custom_channel_vars.conference_id`` (the
  simulator's choice, see its docstring);
* live calls are channels (``GET /channels``): the first calls page puts them before the
  CDRs, and ``get_calls`` reads a channel for an id without a ``YYYYMM-`` prefix;
* recording control: a live call's ``record_call`` metaflow (Konami Pro) and the
  conference ``record`` action, both start/stop (see :mod:`.writes`); no pause/resume.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import orjson

from providers._batch import gather_bounded, none_if_missing
from providers._http import HttpMediaStream, range_headers
from providers._lazy import LazyItems
from providers.base import Capability
from providers.config import ClientOptions, parse_settings, secret_fields
from providers.costs import RequestCosts
from providers.errors import (
    InvalidTokenError,
    NotFoundError,
)
from providers.models import (
    Account,
    Call,
    Conference,
    Page,
    PageRequest,
    Recording,
    RecordingEvent,
    RecordingEventKind,
    RecordingQuery,
    WebhookRequest,
)

from . import lookups, mapping, paging, webhooks
from .client import (
    CDR_ID,
    CHANNEL_ID,
    HEX32,
    PROVIDER,
    RECORDING_ID,
    KazooClient,
    KazooConfig,
)
from .control import RecordingControl, channel_rows
from .paging import Position
from .wire import Envelope

#: Seconds added around calls' start/end when looking for their recordings.
SLACK = 120
#: Rows per upstream page when a batch lists recordings for many calls or conferences.
BATCH_PAGE_SIZE = 500
_CONFERENCE_KEY = "custom_channel_vars.conference_id"


class KazooBackend(RecordingControl):
    provider: ClassVar[str] = PROVIDER
    capabilities: ClassVar[Capability] = (
        Capability.DELETE_RECORDING
        | Capability.MEDIA_DOWNLOAD
        | Capability.START_CALL_RECORDING  # live channels, record_call metaflow
        | Capability.START_CONFERENCE_RECORDING
        | Capability.STOP_RECORDING
        | Capability.WEBHOOKS
    )
    native_filters: ClassVar[frozenset[str]] = frozenset(
        {"provider_call_id", "provider_conference_id", "created_after", "created_before"}
    )

    @property
    def request_costs(self) -> RequestCosts:
        """A listing page may walk up to ``MAX_REQUESTS_PER_PAGE`` windows. A by-parent
        batch asks each 31-day window of the history its parents fall in, filtered to the
        batch's ids; priced at two pages a window, since a third needs over 1,000
        recordings of one page of calls in one month (what the gateway cannot know)."""
        return RequestCosts(
            requests_per_page=paging.MAX_REQUESTS_PER_PAGE,
            children_per_parent=2,
            children_parent_cap=self.config.max_history_days // 31 + 2,
            call_listing=lookups.call_listing(self.config.max_history_days),
            conference_listing=1,
        )

    def __init__(
        self, account_name: str, settings: Mapping[str, Any], options: ClientOptions
    ) -> None:
        where = f"accounts[{account_name}]"
        self.config = parse_settings(KazooConfig, settings, where=where)
        self.config.validate(where)
        self.account_name = account_name
        self.options = options
        self.client = KazooClient(self.config, options, account_name)

    @classmethod
    def secret_keys(cls) -> frozenset[str]:
        return secret_fields(KazooConfig)

    @property
    def account(self) -> Account:
        return Account(PROVIDER, self.account_name, self.config.account_id, self.account_name)

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- time bounds -----------------------------------------------------------------

    async def _bounds(self) -> tuple[int, int]:
        """(oldest, newest) Gregorian seconds a listing may cover, on the server clock."""
        await self.client.ensure_token()  # the auth envelope tells the server's clock
        now = mapping.GREGORIAN_OFFSET + int(self.client.server_now()) + 1
        return now - self.config.max_history_days * 86400, now

    # -- listings --------------------------------------------------------------------

    async def list_recordings(self, query: RecordingQuery, page: PageRequest) -> Page[Recording]:
        filters: list[tuple[str, str]] = []
        if query.provider_call_id is not None:
            if not CDR_ID.fullmatch(query.provider_call_id):
                return Page(())
            filters.append(("filter_cdr_id", query.provider_call_id))
        if query.provider_conference_id is not None:
            if not HEX32.fullmatch(query.provider_conference_id):
                return Page(())
            filters.append((f"filter_{_CONFERENCE_KEY}", query.provider_conference_id))
        if page.token is not None:
            pos: Position | None = paging.decode(page.token, "rec")
        else:
            lo, hi = await self._bounds()
            if query.created_before is not None:
                hi = min(hi, mapping.to_gregorian(query.created_before))
            if query.created_after is not None:
                after = query.created_after.timestamp() + mapping.GREGORIAN_OFFSET
                lo = max(lo, math.ceil(after))
            if query.provider_call_id is not None:
                # A call's recordings live around the month its CDR id names.
                m_lo, m_hi = _month_bounds(query.provider_call_id)
                lo, hi = max(lo, m_lo), min(hi, m_hi)
            pos = paging.first_position("rec", lo, hi)

        async def fetch(at: Position, size: int) -> Envelope:
            return await self.client.list_recordings(
                [("page_size", str(size)), *at.params(), *filters]
            )

        rows, nxt = await paging.walk(
            fetch, pos, max(1, page.size), "recordings", concurrency=self.options.max_concurrency
        )
        name = self.account_name

        def kept(row: Mapping[str, Any]) -> Recording | None:
            found = mapping.recording(row, name)
            return found if query.matches(found) else None

        return Page(LazyItems(rows, kept), paging.encode(nxt) if nxt is not None else None)

    async def list_calls(self, page: PageRequest) -> Page[Call]:
        """Live channels first (on the first page only, asked alongside the newest CDR
        window), then finished calls (CDRs), each newest first."""
        channels: list[dict[str, Any]] = []
        if page.token is not None:
            pos: Position | None = paging.decode(page.token, "cdr")
        else:
            bounds, listed = await asyncio.gather(self._bounds(), self.client.list_channels())
            pos = paging.first_position("cdr", *bounds)
            channels = channel_rows(listed)

        async def fetch(at: Position, size: int) -> Envelope:
            return await self.client.list_cdrs([("page_size", str(size)), *at.params()])

        rows, nxt = await paging.walk(
            fetch, pos, max(1, page.size), "cdrs", concurrency=self.options.max_concurrency
        )
        name = self.account_name
        return Page(
            LazyItems([*channels, *rows], lambda row: mapping.call_from_any(row, name)),
            paging.encode(nxt) if nxt is not None else None,
        )

    async def list_conferences(self, page: PageRequest) -> Page[Conference]:
        """Conference docs are not windowed: plain ``page_size``/``start_key`` paging
        (the token reuses the window format with an empty window)."""
        params = [("page_size", str(max(1, page.size)))]
        if page.token is not None:
            pos = paging.decode(page.token, "conf")
            if pos.key is None:
                raise InvalidTokenError("kazoo: page token is not valid", provider=PROVIDER)
            params.append(("start_key", pos.key))
        envelope = await self.client.list_conferences(params)
        rows = paging.rows_of(envelope, "conferences")
        key = paging.next_key(envelope)
        token = paging.encode(Position("conf", 0, 0, 0, key)) if key else None
        name = self.account_name
        return Page(LazyItems(rows, lambda row: mapping.conference(row, name)), token)

    # -- batches ---------------------------------------------------------------------

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
                intervals[cid] = _month_bounds(cid)
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
            flt = (f"filter_{_CONFERENCE_KEY}", orjson.dumps(ids).decode())

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

    async def get_recordings(self, ids: Sequence[str]) -> Sequence[Recording | None]:
        async def one(rec_id: str) -> Recording | None:
            if not RECORDING_ID.fullmatch(rec_id):
                return None
            doc = await none_if_missing(self.client.get_recording(rec_id))
            return None if doc is None else mapping.recording(doc, self.account_name)

        return await gather_bounded(ids, one, limit=self.options.max_concurrency)

    async def get_calls(self, ids: Sequence[str]) -> Sequence[Call | None]:
        """CDR ids (``YYYYMM-<call id>``) read the CDR; other well-formed ids a live
        channel."""

        async def one(call_id: str) -> Call | None:
            if CDR_ID.fullmatch(call_id):
                doc = await none_if_missing(self.client.get_cdr(call_id))
                return None if doc is None else mapping.call_from_doc(doc, self.account_name)
            if not CHANNEL_ID.fullmatch(call_id):
                return None
            row = await none_if_missing(self.client.get_channel(call_id))
            return None if row is None else mapping.call_from_channel(row, self.account_name)

        return await gather_bounded(ids, one, limit=self.options.max_concurrency)

    async def get_conferences(self, ids: Sequence[str]) -> Sequence[Conference | None]:
        async def one(conf_id: str) -> Conference | None:
            if not HEX32.fullmatch(conf_id):
                return None
            doc = await none_if_missing(self.client.get_conference(conf_id))
            return None if doc is None else mapping.conference(doc, self.account_name)

        return await gather_bounded(ids, one, limit=self.options.max_concurrency)

    async def calls_for_recordings(self, recordings: Sequence[Recording]) -> Sequence[Call | None]:
        return await lookups.calls_for_recordings(
            self.client,
            self.account_name,
            recordings,
            self.get_calls,
            max_history_days=self.config.max_history_days,
        )

    async def conferences_for_recordings(
        self, recordings: Sequence[Recording]
    ) -> Sequence[Conference | None]:
        return await lookups.conferences_for_recordings(
            self.client, self.account_name, recordings, self.get_conferences
        )

    # -- writes and media ------------------------------------------------------------

    def _not_found(self, what: str, ident: str) -> NotFoundError:
        return NotFoundError(f"kazoo: no {what} {ident!r}", provider=PROVIDER, status=404)

    async def delete_recording(self, recording_id: str) -> None:
        """Kazoo soft-deletes (200 with ``_read_only.deleted``); afterwards GET is 404."""
        if not RECORDING_ID.fullmatch(recording_id):
            raise self._not_found("recording", recording_id)
        await self.client.delete_recording(recording_id)

    async def open_media(
        self, recording_id: str, *, byte_range: tuple[int, int | None] | None = None
    ) -> HttpMediaStream:
        if not RECORDING_ID.fullmatch(recording_id):
            raise self._not_found("recording", recording_id)
        headers = range_headers(byte_range)
        return await self.client.open_recording_media(recording_id, headers)

    # -- webhooks --------------------------------------------------------------------

    async def parse_webhook(self, request: WebhookRequest) -> Sequence[RecordingEvent]:
        webhooks.verify(request, self.config)
        payload = webhooks.parse(request, self.config)
        action = webhooks.recording_action(payload)
        if action is None:
            return []
        kind, rec_id = action
        recording = None
        if kind is not RecordingEventKind.DELETED:
            # Authenticity check and details in one: the doc must exist in this account.
            recording = (await self.get_recordings([rec_id]))[0]
        return [webhooks.event(request, payload, kind, rec_id, self.account_name, recording)]


def _newest(recordings: Sequence[Recording], first: int) -> list[Recording]:
    unique = {r.provider_recording_id: r for r in recordings}
    ordered = sorted(
        unique.values(), key=lambda r: (r.created_at, r.provider_recording_id), reverse=True
    )
    return ordered[: max(0, first)]


def _month_bounds(prefixed_id: str) -> tuple[int, int]:
    """Gregorian bounds of the ``YYYYMM`` month an id names, two days either side."""
    year, month = int(prefixed_id[:4]), int(prefixed_id[4:6])
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    two_days = 2 * 86400
    return mapping.to_gregorian(start) - two_days, mapping.to_gregorian(end) + two_days
