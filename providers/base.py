"""The contract every provider backend keeps.

A *backend* is one configured account at one vendor (one ``[[accounts]]`` entry): it owns
one pooled HTTP session, knows its credentials, and turns the vendor's REST API into the
domain model of :mod:`providers.models`. The gateway talks to backends only through this
Protocol, so adding a vendor never changes the gateway.

Methods are *batch-first*: whenever the gateway may need many things of one kind in one
GraphQL operation (recordings of 50 calls, 100 recordings by id), the backend receives
them all in one call and chooses the cheapest way to fetch them (one account-level listing
grouped by call, bounded concurrent per-id requests, ...). Results come back in the order
of the keys asked for. A missing item is ``None`` (or an empty page), never an exception;
exceptions mean the source itself failed and are :class:`providers.errors.ProviderError`.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from .costs import RequestCosts
from .models import (
    Account,
    Call,
    Conference,
    Page,
    PageRequest,
    Recording,
    RecordingAction,
    RecordingEvent,
    RecordingQuery,
    RecordingTarget,
    StartRecordingOptions,
    WebhookRequest,
)


class Capability(enum.Flag):
    """What a backend can do beyond reading. Anything not listed raises
    :class:`~providers.errors.UnsupportedError` when asked."""

    NONE = 0
    DELETE_RECORDING = enum.auto()
    MEDIA_DOWNLOAD = enum.auto()
    START_CALL_RECORDING = enum.auto()
    START_CONFERENCE_RECORDING = enum.auto()
    STOP_RECORDING = enum.auto()
    PAUSE_RECORDING = enum.auto()
    RESUME_RECORDING = enum.auto()
    WEBHOOKS = enum.auto()


#: Field names of :class:`~providers.models.RecordingQuery` a backend may apply upstream.
FILTER_FIELDS: frozenset[str] = frozenset(
    {
        "provider_call_id",
        "provider_conference_id",
        "created_after",
        "created_before",
        "min_duration_seconds",
        "statuses",
    }
)


class MediaStream(Protocol):
    """Recording audio being streamed from the vendor; close it when done.

    ``status`` is 200, or 206 when a byte range was honoured (then ``content_range`` is
    the ``Content-Range`` value)."""

    status: int
    content_type: str
    content_length: int | None
    content_range: str | None

    def iter_chunks(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class ProviderBackend(Protocol):
    #: Registry name of the vendor, e.g. ``"freeclimb"``.
    provider: ClassVar[str]
    #: What this vendor can do beyond reading.
    capabilities: ClassVar[Capability]
    #: ``RecordingQuery`` fields applied upstream; the gateway applies the rest itself.
    native_filters: ClassVar[frozenset[str]]
    #: The most upstream requests each method may send (see :mod:`providers.costs`): the
    #: gateway prices operations with it before running them.
    request_costs: RequestCosts

    @property
    def account(self) -> Account:
        """The configured account, known without any request."""
        ...

    async def aclose(self) -> None:
        """Close the HTTP session. The backend may not be used afterwards."""
        ...

    # -- listings --------------------------------------------------------------------

    async def list_recordings(self, query: RecordingQuery, page: PageRequest) -> Page[Recording]:
        """Recordings matching at least the ``native_filters`` part of ``query``, newest
        first. Successive pages (following ``next_token``) never repeat or skip an item.
        Asking again with the same ``page`` returns the same items as long as the vendor's
        data did not change: the gateway relies on that to resume inside a page."""
        ...

    async def list_calls(self, page: PageRequest) -> Page[Call]:
        """Calls of the account, newest first."""
        ...

    async def list_conferences(self, page: PageRequest) -> Page[Conference]:
        """Conferences of the account, newest first."""
        ...

    # -- batches ---------------------------------------------------------------------

    async def recordings_by_call(
        self, calls: Sequence[Call], first: int
    ) -> Sequence[Sequence[Recording]]:
        """For each call, its first ``first`` recordings, newest first (an unknown call
        gives an empty list). The calls are passed as loaded, so a backend may use their
        start and end times to serve the whole batch from one account-level listing
        instead of one request per call. The gateway pages these small child lists by
        offset, asking for ``offset + first + 1`` items."""
        ...

    async def recordings_by_conference(
        self, conferences: Sequence[Conference], first: int
    ) -> Sequence[Sequence[Recording]]:
        """As :meth:`recordings_by_call`, per conference."""
        ...

    async def get_recordings(self, ids: Sequence[str]) -> Sequence[Recording | None]:
        """Recordings by native id; ``None`` for unknown, deleted or malformed ids."""
        ...

    async def get_calls(self, ids: Sequence[str]) -> Sequence[Call | None]:
        """Calls by native id; ``None`` for unknown or malformed ids."""
        ...

    async def get_conferences(self, ids: Sequence[str]) -> Sequence[Conference | None]:
        """Conferences by native id; ``None`` for unknown or malformed ids."""
        ...

    async def calls_for_recordings(self, recordings: Sequence[Recording]) -> Sequence[Call | None]:
        """For each recording, the call it names: exactly what :meth:`get_calls` answers
        for its ``provider_call_id`` (``None`` when it names none, or an unknown or
        malformed one). The recordings are passed as listed (one per distinct call is
        enough), so that a backend can read the calls of a whole page of recordings from
        the vendor's call listing over the recordings' time window, and ask one by one
        only for calls that listing missed (a call that began long before its recording,
        one the vendor deleted). At most ``request_costs.recording_lookups("call", n)``
        requests; for one or two distinct calls, per-id reads are the cheaper plan."""
        ...

    async def conferences_for_recordings(
        self, recordings: Sequence[Recording]
    ) -> Sequence[Conference | None]:
        """As :meth:`calls_for_recordings`, for ``provider_conference_id`` (one conference
        listing, then per-id reads for what it missed)."""
        ...

    # -- writes and media ------------------------------------------------------------

    async def delete_recording(self, recording_id: str) -> None:
        """Delete a recording. Raises ``NotFoundError`` if it does not exist (any more).
        Never retried automatically."""
        ...

    async def open_media(
        self, recording_id: str, *, byte_range: tuple[int, int | None] | None = None
    ) -> MediaStream:
        """Start streaming the recording's audio, optionally a byte range (inclusive end,
        ``None`` for "to the end"). Raises ``NotFoundError`` for unknown ids."""
        ...

    async def start_recording(
        self, target: RecordingTarget, options: StartRecordingOptions
    ) -> Recording | None:
        """Start recording a live call or conference. Returns the new recording when the
        vendor reports one synchronously, ``None`` when it only acknowledges."""
        ...

    async def control_recording(
        self, target: RecordingTarget, action: RecordingAction
    ) -> Recording | None:
        """Stop, pause or resume a recording. An impossible transition raises
        ``InvalidStateError``; an action the vendor lacks raises ``UnsupportedError``."""
        ...

    # -- webhooks --------------------------------------------------------------------

    async def parse_webhook(self, request: WebhookRequest) -> Sequence[RecordingEvent]:
        """Verify an inbound webhook (raising ``WebhookRejectedError``) and return the
        recording events it carries; an authentic webhook about something else gives
        an empty sequence."""
        ...


class BackendFactory(Protocol):
    """What the registry loads for a vendor: the backend class itself."""

    provider: ClassVar[str]
    capabilities: ClassVar[Capability]
    native_filters: ClassVar[frozenset[str]]

    def __call__(
        self, account_name: str, settings: Mapping[str, Any], options: Any
    ) -> ProviderBackend: ...

    @classmethod
    def secret_keys(cls) -> frozenset[str]:
        """Settings keys that hold secrets (never echoed anywhere)."""
        ...
