"""SignalWire (LaML / Compatibility API) implementation of ``ProviderBackend``.

Listings, batches, by-id reads, delete, media and webhooks live here; starting and
controlling recordings is the :class:`~.control.RecordingControl` mixin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from providers._batch import gather_bounded, none_if_missing
from providers._http import HttpMediaStream, range_headers
from providers._lazy import LazyItems
from providers.base import Capability
from providers.config import ClientOptions, Secret, parse_settings, secret_fields
from providers.costs import RequestCosts
from providers.errors import (
    NotFoundError,
    WebhookRejectedError,
)
from providers.models import (
    Account,
    Call,
    Conference,
    Page,
    PageRequest,
    Recording,
    RecordingEvent,
    RecordingQuery,
    WebhookRequest,
)

from . import lookups, webhooks
from .client import MAX_PAGE_SIZE, Cursor, ListPage, SignalWireClient, is_sid
from .control import RecordingControl
from .mapping import PROVIDER, format_date, to_call, to_conference, to_recording

T = TypeVar("T")

#: Recordings are created inside their call; the slack absorbs clock skew between the
#: call's and the recording's timestamps.
WINDOW_SLACK = timedelta(minutes=5)
#: Pages of the account listing a batch may read before falling back to per-id requests.
MAX_WINDOW_PAGES = 5


@dataclass(frozen=True, slots=True)
class SignalWireSettings:
    base_url: str
    project_id: str
    api_token: Secret
    signing_key: Secret | None = None


@dataclass(frozen=True, slots=True)
class _Span:
    start: datetime
    end: datetime | None  # None: still running


class SignalWireBackend(RecordingControl):
    provider: ClassVar[str] = PROVIDER
    capabilities: ClassVar[Capability] = (
        Capability.DELETE_RECORDING
        | Capability.MEDIA_DOWNLOAD
        | Capability.START_CALL_RECORDING
        | Capability.STOP_RECORDING
        | Capability.PAUSE_RECORDING
        | Capability.RESUME_RECORDING
        | Capability.WEBHOOKS
    )
    native_filters: ClassVar[frozenset[str]] = frozenset(
        {"provider_call_id", "provider_conference_id", "created_after", "created_before"}
    )
    #: ``PageSize`` up to 1000 honoured; by-parent batches read up to ``MAX_WINDOW_PAGES``
    #: account pages, then one listing per uncovered parent; lookups for recordings read
    #: a few listing pages, then by id (:mod:`.lookups`).
    request_costs: ClassVar[RequestCosts] = RequestCosts(
        children_fixed=MAX_WINDOW_PAGES,
        children_per_parent=1,
        call_listing=lookups.CALL_PAGES,
        conference_listing=lookups.CONFERENCE_PAGES,
    )

    def __init__(
        self, account_name: str, settings: Mapping[str, Any], options: ClientOptions
    ) -> None:
        self.settings = parse_settings(
            SignalWireSettings, settings, where=f"accounts[{account_name}]"
        )
        self.account_name = account_name
        self.options = options
        self.client = SignalWireClient(
            self.settings.base_url,
            self.settings.project_id,
            self.settings.api_token,
            options,
            account_name,
        )

    @classmethod
    def secret_keys(cls) -> frozenset[str]:
        return secret_fields(SignalWireSettings)

    @property
    def account(self) -> Account:
        return Account(PROVIDER, self.account_name, self.settings.project_id, self.account_name)

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- listings --------------------------------------------------------------------

    async def list_recordings(self, query: RecordingQuery, page: PageRequest) -> Page[Recording]:
        cursor = Cursor.decode(page.token) if page.token else None
        native = RecordingQuery(
            provider_call_id=query.provider_call_id,
            provider_conference_id=query.provider_conference_id,
            created_after=query.created_after,
            created_before=query.created_before,
        )
        for sid in (query.provider_call_id, query.provider_conference_id):
            if sid is not None and not is_sid(sid):
                return Page(())
        listed = await self.client.list_recordings(_filters(native), page.size, cursor)
        name = self.account_name

        def kept(wire: Any) -> Recording | None:
            found = to_recording(wire, name)
            return found if native.matches(found) else None

        return Page(LazyItems(listed.items, kept), _token(listed))

    async def list_calls(self, page: PageRequest) -> Page[Call]:
        cursor = Cursor.decode(page.token) if page.token else None
        listed = await self.client.list_calls(page.size, cursor)
        name = self.account_name
        calls = LazyItems(listed.items, lambda wire: to_call(wire, name))  # type: ignore[arg-type]
        return Page(calls, _token(listed))

    async def list_conferences(self, page: PageRequest) -> Page[Conference]:
        cursor = Cursor.decode(page.token) if page.token else None
        listed = await self.client.list_conferences(page.size, cursor)
        name = self.account_name
        items = LazyItems(listed.items, lambda wire: to_conference(wire, name))  # type: ignore[arg-type]
        return Page(items, _token(listed))

    # -- batches ---------------------------------------------------------------------

    async def recordings_by_call(
        self, calls: Sequence[Call], first: int
    ) -> Sequence[Sequence[Recording]]:
        spans: dict[str, _Span | None] = {}
        for call in calls:
            if is_sid(call.provider_call_id) and call.provider_call_id not in spans:
                spans[call.provider_call_id] = (
                    _Span(call.start_time, call.end_time) if call.start_time is not None else None
                )
        found = await self._by_parent("CallSid", "provider_call_id", spans, first)
        return [found.get(c.provider_call_id, []) for c in calls]

    async def recordings_by_conference(
        self, conferences: Sequence[Conference], first: int
    ) -> Sequence[Sequence[Recording]]:
        spans: dict[str, _Span | None] = {}
        for conf in conferences:
            sid = conf.provider_conference_id
            if is_sid(sid) and sid not in spans:
                ended = conf.status == "completed" and conf.updated_at is not None
                spans[sid] = (
                    _Span(conf.created_at, conf.updated_at if ended else None)
                    if conf.created_at is not None
                    else None
                )
        found = await self._by_parent("ConferenceSid", "provider_conference_id", spans, first)
        return [found.get(c.provider_conference_id, []) for c in conferences]

    async def _by_parent(
        self, param: str, attr: str, spans: Mapping[str, _Span | None], first: int
    ) -> dict[str, list[Recording]]:
        """One account listing over the parents' time window grouped by parent id when
        more than one parent has known times; else (and for parents without times) one
        ``CallSid=`` / ``ConferenceSid=`` filtered listing per parent."""
        if first <= 0 or not spans:
            return {}
        known = {sid: span for sid, span in spans.items() if span is not None}
        if len(known) < 2:
            return await self._per_parent(param, list(spans), first)
        # Parents without known times (e.g. ids the caller made up) are asked one by one.
        unknown = [sid for sid, span in spans.items() if span is None]
        out = await self._per_parent(param, unknown, first) if unknown else {}
        out.update(await self._window(attr, param, known, first))
        return out

    async def _window(
        self, attr: str, param: str, known: Mapping[str, _Span], first: int
    ) -> dict[str, list[Recording]]:
        out: dict[str, list[Recording]] = {sid: [] for sid in known}
        lo = min(s.start for s in known.values()) - WINDOW_SLACK
        ends = [s.end for s in known.values()]
        hi = None if any(e is None for e in ends) else max(e for e in ends if e) + WINDOW_SLACK
        query = RecordingQuery(created_after=lo, created_before=hi)
        cursor: Cursor | None = None
        for _ in range(MAX_WINDOW_PAGES):
            listed = await self.client.list_recordings(_filters(query), MAX_PAGE_SIZE, cursor)
            recordings = self._recordings(listed)
            for rec in recordings:
                bucket = out.get(getattr(rec, attr) or "")
                if bucket is not None and len(bucket) < first:
                    bucket.append(rec)
            if listed.next is None:
                return out
            oldest = min((r.created_at for r in recordings), default=None)
            if all(
                len(out[sid]) >= first
                or (oldest is not None and oldest < span.start - WINDOW_SLACK)
                for sid, span in known.items()
            ):
                return out
            cursor = listed.next
        # A very busy window: finish the parents still short of ``first`` one by one.
        short = [sid for sid, recs in out.items() if len(recs) < first]
        out.update(await self._per_parent(param, short, first))
        return out

    async def _per_parent(
        self, param: str, sids: Sequence[str], first: int
    ) -> dict[str, list[Recording]]:
        async def one(sid: str) -> list[Recording]:
            got: list[Recording] = []
            cursor: Cursor | None = None
            while len(got) < first:
                listed = await self.client.list_recordings([(param, sid)], first, cursor)
                got += self._recordings(listed)
                if listed.next is None:
                    break
                cursor = listed.next
            return got[:first]

        results = await gather_bounded(sids, one, limit=self.options.max_concurrency)
        return dict(zip(sids, results, strict=True))

    async def get_recordings(self, ids: Sequence[str]) -> Sequence[Recording | None]:
        async def one(sid: str) -> Recording | None:
            wire = await none_if_missing(self.client.get_recording(sid))
            return None if wire is None else to_recording(wire, self.account_name)

        return await self._get_many(ids, one)

    async def get_calls(self, ids: Sequence[str]) -> Sequence[Call | None]:
        async def one(sid: str) -> Call | None:
            wire = await none_if_missing(self.client.get_call(sid))
            return None if wire is None else to_call(wire, self.account_name)

        return await self._get_many(ids, one)

    async def get_conferences(self, ids: Sequence[str]) -> Sequence[Conference | None]:
        async def one(sid: str) -> Conference | None:
            wire = await none_if_missing(self.client.get_conference(sid))
            return None if wire is None else to_conference(wire, self.account_name)

        return await self._get_many(ids, one)

    async def calls_for_recordings(self, recordings: Sequence[Recording]) -> Sequence[Call | None]:
        return await lookups.calls_for_recordings(
            self.client, self.account_name, recordings, self.get_calls
        )

    async def conferences_for_recordings(
        self, recordings: Sequence[Recording]
    ) -> Sequence[Conference | None]:
        return await lookups.conferences_for_recordings(
            self.client, self.account_name, recordings, self.get_conferences
        )

    async def _get_many(
        self, ids: Sequence[str], fetch: Callable[[str], Awaitable[T | None]]
    ) -> list[T | None]:
        valid = [sid for sid in ids if is_sid(sid)]
        got = await gather_bounded(valid, fetch, limit=self.options.max_concurrency)
        by_id = dict(zip(valid, got, strict=True))
        return [by_id.get(sid) for sid in ids]

    # -- delete and media (start and control: .control) -----------------------------

    async def delete_recording(self, recording_id: str) -> None:
        self._require_sid(recording_id, "recording")
        await self.client.delete_recording(recording_id)

    async def open_media(
        self, recording_id: str, *, byte_range: tuple[int, int | None] | None = None
    ) -> HttpMediaStream:
        self._require_sid(recording_id, "recording")
        headers = range_headers(byte_range)
        return await self.client.open_media(recording_id, headers)

    # -- webhooks --------------------------------------------------------------------

    async def parse_webhook(self, request: WebhookRequest) -> Sequence[RecordingEvent]:
        if self.settings.signing_key is None:
            raise WebhookRejectedError(
                f"signalwire: accounts[{self.account_name}] has no signing_key configured",
                provider=PROVIDER,
            )
        webhooks.verify(request, self.settings.signing_key.reveal())
        return webhooks.parse_events(request, self.account_name, self.settings.project_id)

    # -- helpers ---------------------------------------------------------------------

    def _recordings(self, listed: ListPage) -> list[Recording]:
        return [to_recording(w, self.account_name) for w in listed.items]  # type: ignore[arg-type]

    @staticmethod
    def _require_sid(sid: str, what: str) -> None:
        if not is_sid(sid):
            raise NotFoundError(f"signalwire: no {what} {sid!r} (not a SID)", provider=PROVIDER)


def _filters(query: RecordingQuery) -> list[tuple[str, str]]:
    """Upstream filters; date bounds rounded to whole seconds (the vendor's precision)
    so that they select exactly what ``RecordingQuery.matches`` would."""
    filters: list[tuple[str, str]] = []
    if query.provider_call_id is not None:
        filters.append(("CallSid", query.provider_call_id))
    if query.provider_conference_id is not None:
        filters.append(("ConferenceSid", query.provider_conference_id))
    if query.created_after is not None:
        after = query.created_after
        if after.microsecond:
            after = after.replace(microsecond=0) + timedelta(seconds=1)
        filters.append(("DateCreated>", format_date(after)))
    if query.created_before is not None:
        filters.append(("DateCreated<", format_date(query.created_before)))
    return filters


def _token(listed: ListPage) -> str | None:
    return listed.next.encode() if listed.next is not None else None
