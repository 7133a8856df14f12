"""Kazoo Crossbar v2 as a :class:`providers.base.ProviderBackend`.

What the backend absorbs so that callers never see it:

* the 31-day listing window (see :mod:`.paging`): listings walk windows backwards from the
  server's "now" down to ``max_history_days`` (default 365) or the query's lower bound;
* calls are CDRs (finished legs), whose id ``YYYYMM-<call-id>`` is the ``provider_call_id``
  of calls and recordings (the recording's ``cdr_id``);
* conference recordings are linked through ``custom_channel_vars.conference_id`` (the
  simulator's choice, see its docstring);
* the recordings of many calls or conferences come from a few filtered listings (see
  :mod:`.batches`);
* live calls are channels (``GET /channels``): the first calls page puts them before the
  CDRs, and ``get_calls`` reads a channel for an id without a ``YYYYMM-`` prefix;
* recording control: a live call's ``record_call`` metaflow (Konami Pro) and the
  conference ``record`` action, both start/stop (see :mod:`.writes`); no pause/resume.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

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
from .batches import CONFERENCE_KEY, RecordingBatches, month_bounds
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


class KazooBackend(RecordingBatches, RecordingControl):
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
            filters.append((f"filter_{CONFERENCE_KEY}", query.provider_conference_id))
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
                m_lo, m_hi = month_bounds(query.provider_call_id)
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

    # -- by-id batches and lookups (by-parent batches: .batches) ---------------------

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
