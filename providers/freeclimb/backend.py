"""FreeClimb as a :class:`providers.base.ProviderBackend`.

Recordings exist only through PerCL (``StartRecordCall``, ``RecordUtterance``, conference
``record: true``), so the REST surface is read, download and delete; starting or steering
a recording raises ``UnsupportedError``. FreeClimb has no page-size parameter: pages are
as large as the server makes them (``PageRequest.size`` is ignored).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from providers._batch import gather_bounded, none_if_missing
from providers._http import HttpMediaStream, range_headers
from providers._lazy import LazyItems
from providers.base import Capability
from providers.config import ClientOptions, Secret, parse_settings, secret_fields
from providers.costs import RequestCosts
from providers.errors import NotFoundError, UnsupportedError, WebhookRejectedError
from providers.models import (
    Account,
    Call,
    Conference,
    Page,
    PageRequest,
    Recording,
    RecordingAction,
    RecordingEvent,
    RecordingQuery,
    RecordingStatus,
    RecordingTarget,
    StartRecordingOptions,
    WebhookRequest,
)

from . import lookups, webhooks
from .client import FreeClimbClient, ListPage, valid_id
from .mapping import PROVIDER, to_call, to_conference, to_recording

#: Margin around a batch's time window: recordings are stamped inside their call.
WINDOW_SLACK = timedelta(minutes=5)
#: Account-level pages read for one batch before the rest falls back to per-call lists.
MAX_WINDOW_PAGES = 5


@dataclass(frozen=True, slots=True)
class FreeClimbConfig:
    base_url: str
    account_id: str
    api_key: Secret
    signing_secrets: tuple[Secret, ...] = ()
    webhook_tolerance_seconds: float = 300.0


def filter_time(moment: datetime) -> str:
    """``YYYY-MM-DD hh:mm:ss`` in UTC, truncated to the second (the server compares whole
    seconds, so this always selects a superset that we then narrow exactly)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class FreeClimbBackend:
    provider: ClassVar[str] = PROVIDER
    capabilities: ClassVar[Capability] = (
        Capability.DELETE_RECORDING | Capability.MEDIA_DOWNLOAD | Capability.WEBHOOKS
    )
    native_filters: ClassVar[frozenset[str]] = frozenset(
        {"provider_call_id", "provider_conference_id", "created_after", "created_before"}
    )
    #: 100 items a page (FreeClimb fixes it); by-parent batches read up to
    #: ``MAX_WINDOW_PAGES`` account pages, then one listing per uncovered parent; lookups
    #: for recordings read a few listing pages, then by id (:mod:`.lookups`).
    request_costs: ClassVar[RequestCosts] = RequestCosts(
        page_items=100,
        children_fixed=MAX_WINDOW_PAGES,
        children_per_parent=1,
        call_listing=lookups.CALL_PAGES,
        conference_listing=lookups.CONFERENCE_PAGES,
    )

    def __init__(self, account_name: str, settings: Mapping[str, Any], options: ClientOptions):
        self.account_name = account_name
        self.config = parse_settings(FreeClimbConfig, settings, where=f"accounts[{account_name}]")
        self.options = options
        self.client = FreeClimbClient(
            base_url=self.config.base_url,
            account_id=self.config.account_id,
            api_key=self.config.api_key.reveal(),
            options=options,
            account=account_name,
        )

    @classmethod
    def secret_keys(cls) -> frozenset[str]:
        return secret_fields(FreeClimbConfig)

    @property
    def account(self) -> Account:
        return Account(PROVIDER, self.account_name, self.config.account_id, name=self.account_name)

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- listings --------------------------------------------------------------------

    def _recordings(self, page: ListPage) -> list[Recording]:
        mapped = (to_recording(item, self.account_name) for item in page.items)
        return [r for r in mapped if r is not None]

    async def list_recordings(self, query: RecordingQuery, page: PageRequest) -> Page[Recording]:
        params: dict[str, str] = {}
        if query.provider_call_id is not None:
            params["callId"] = query.provider_call_id
        if query.provider_conference_id is not None:
            params["conferenceId"] = query.provider_conference_id
        if query.created_after is not None:
            params["startTime"] = filter_time(query.created_after)
        if query.created_before is not None:
            params["endTime"] = filter_time(query.created_before)
        result = await self.client.list_recordings(params, page.token)
        native = RecordingQuery(
            provider_call_id=query.provider_call_id,
            provider_conference_id=query.provider_conference_id,
            created_after=query.created_after,
            created_before=query.created_before,
        )
        name = self.account_name

        def listed(item: Mapping[str, Any]) -> Recording | None:
            found = to_recording(item, name)
            return found if found is not None and native.matches(found) else None

        return Page(LazyItems(result.items, listed), result.cursor)

    async def list_calls(self, page: PageRequest) -> Page[Call]:
        result = await self.client.list_calls({}, page.token)
        name = self.account_name
        return Page(LazyItems(result.items, lambda item: to_call(item, name)), result.cursor)

    async def list_conferences(self, page: PageRequest) -> Page[Conference]:
        result = await self.client.list_conferences({}, page.token)
        name = self.account_name
        return Page(LazyItems(result.items, lambda item: to_conference(item, name)), result.cursor)

    # -- batches ---------------------------------------------------------------------

    async def recordings_by_call(
        self, calls: Sequence[Call], first: int
    ) -> Sequence[Sequence[Recording]]:
        windows = {
            c.provider_call_id: (c.start_time, c.end_time)
            for c in calls
            if valid_id("call", c.provider_call_id)
        }
        found = await self._by_parent(
            windows, first, "provider_call_id", self.client.list_call_recordings
        )
        return [found.get(c.provider_call_id, [])[:first] for c in calls]

    async def recordings_by_conference(
        self, conferences: Sequence[Conference], first: int
    ) -> Sequence[Sequence[Recording]]:
        windows = {
            c.provider_conference_id: (c.created_at, c.updated_at)
            for c in conferences
            if valid_id("conference", c.provider_conference_id)
        }
        found = await self._by_parent(
            windows, first, "provider_conference_id", self.client.list_conference_recordings
        )
        return [found.get(c.provider_conference_id, [])[:first] for c in conferences]

    async def _by_parent(
        self,
        windows: Mapping[str, tuple[datetime | None, datetime | None]],
        first: int,
        attribute: str,
        per_parent: Callable[[str, Mapping[str, str], str | None], Awaitable[ListPage]],
    ) -> dict[str, list[Recording]]:
        """One account-level listing over the parents' common time window, grouped by
        parent id; per-parent listings only when the window is unknown, the batch is a
        single parent, or the window is too busy to read in a few pages."""
        if not windows or first <= 0:
            return {}
        found: dict[str, list[Recording]] = defaultdict(list)
        timed = {k: w for k, w in windows.items() if w[0] is not None}
        pending = [k for k in windows if k not in timed]
        if len(timed) > 1:
            pending += await self._windowed(timed, attribute, found)
        else:
            pending += list(timed)

        async def one(key: str) -> list[Recording]:
            out: list[Recording] = []
            cursor: str | None = None
            while len(out) < first:
                try:
                    page = await per_parent(key, {}, cursor)
                except NotFoundError:
                    return []
                out.extend(self._recordings(page))
                cursor = page.cursor
                if cursor is None:
                    break
            return out

        results = await gather_bounded(pending, one, limit=self.options.max_concurrency)
        found.update(zip(pending, results, strict=True))
        return found

    async def _windowed(
        self,
        windows: Mapping[str, tuple[datetime | None, datetime | None]],
        attribute: str,
        found: dict[str, list[Recording]],
    ) -> list[str]:
        """Fill ``found`` from account-level pages over the windows' span; returns the
        parents it could not cover within ``MAX_WINDOW_PAGES``."""
        low = min(w[0] for w in windows.values() if w[0] is not None) - WINDOW_SLACK
        ends = [w[1] for w in windows.values()]
        params = {"startTime": filter_time(low)}
        if all(e is not None for e in ends):
            high = max(e for e in ends if e is not None) + WINDOW_SLACK
            params["endTime"] = filter_time(high + timedelta(seconds=1))
        cursor: str | None = None
        oldest_seen: datetime | None = None
        for _ in range(MAX_WINDOW_PAGES):
            page = await self.client.list_recordings(params, cursor)
            for rec in self._recordings(page):
                parent = getattr(rec, attribute)
                if parent in windows:
                    found[parent].append(rec)
                oldest_seen = rec.created_at
            cursor = page.cursor
            if cursor is None:
                return []
        # Newest first: parents that began after the oldest item read are complete.
        missing = [
            key
            for key, (start, _) in windows.items()
            if start is None or oldest_seen is None or start - WINDOW_SLACK <= oldest_seen
        ]
        for key in missing:
            found.pop(key, None)
        return missing

    async def get_recordings(self, ids: Sequence[str]) -> Sequence[Recording | None]:
        async def one(recording_id: str) -> Recording | None:
            if not valid_id("recording", recording_id):
                return None
            raw = await none_if_missing(self.client.get_recording(recording_id))
            rec = to_recording(raw, self.account_name) if raw is not None else None
            return None if rec is None or rec.status is RecordingStatus.DELETED else rec

        return await gather_bounded(ids, one, limit=self.options.max_concurrency)

    async def get_calls(self, ids: Sequence[str]) -> Sequence[Call | None]:
        async def one(call_id: str) -> Call | None:
            if not valid_id("call", call_id):
                return None
            raw = await none_if_missing(self.client.get_call(call_id))
            return to_call(raw, self.account_name) if raw is not None else None

        return await gather_bounded(ids, one, limit=self.options.max_concurrency)

    async def get_conferences(self, ids: Sequence[str]) -> Sequence[Conference | None]:
        async def one(conference_id: str) -> Conference | None:
            if not valid_id("conference", conference_id):
                return None
            raw = await none_if_missing(self.client.get_conference(conference_id))
            return to_conference(raw, self.account_name) if raw is not None else None

        return await gather_bounded(ids, one, limit=self.options.max_concurrency)

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

    # -- writes and media ------------------------------------------------------------

    def _require_recording_id(self, recording_id: str) -> None:
        if not valid_id("recording", recording_id):
            raise NotFoundError(
                f"{PROVIDER}: {recording_id!r} is not a FreeClimb recording id",
                provider=PROVIDER,
                status=None,
            )

    async def delete_recording(self, recording_id: str) -> None:
        self._require_recording_id(recording_id)
        await self.client.delete_recording(recording_id)

    async def open_media(
        self, recording_id: str, *, byte_range: tuple[int, int | None] | None = None
    ) -> HttpMediaStream:
        self._require_recording_id(recording_id)
        headers = range_headers(byte_range)
        return await self.client.open_download(recording_id, headers=headers)

    async def start_recording(
        self, target: RecordingTarget, options: StartRecordingOptions
    ) -> Recording | None:
        raise UnsupportedError(
            f"{PROVIDER} has no REST call to start a recording (only PerCL StartRecordCall, "
            "RecordUtterance or a conference created with record=true)",
            provider=PROVIDER,
            capability="start_call_recording"
            if target.provider_call_id is not None
            else "start_conference_recording",
        )

    async def control_recording(
        self, target: RecordingTarget, action: RecordingAction
    ) -> Recording | None:
        raise UnsupportedError(
            f"{PROVIDER} cannot {action.value} a recording over REST (a call recording "
            "ends with the call, a conference recording with the conference)",
            provider=PROVIDER,
            capability=f"{action.value}_recording",
        )

    # -- webhooks --------------------------------------------------------------------

    async def parse_webhook(self, request: WebhookRequest) -> Sequence[RecordingEvent]:
        timestamp = webhooks.verify(
            request.headers,
            request.body,
            [s.reveal() for s in self.config.signing_secrets],
            tolerance=self.config.webhook_tolerance_seconds,
            now=request.received_at,
        )
        payload = webhooks.decode(request.body)
        account_id = payload.get("accountId")
        if account_id not in (None, "", self.config.account_id):
            raise WebhookRejectedError(
                f"{PROVIDER}: webhook is for another account", provider=PROVIDER
            )
        occurred = webhooks.timestamp_to_datetime(timestamp)
        return webhooks.events(payload, self.account_name, occurred)
