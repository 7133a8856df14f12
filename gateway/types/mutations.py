"""Inputs, results and result unions of the mutations (DESIGN §6)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from gateway.context import Info
from gateway.resolvers.references import call_or_reference, conference_or_reference

from .enums import Provider, RecordingStatus
from .events import RecordingEventKind
from .inputs import RecordingFilter
from .mutation_errors import (
    ConflictProblem,
    ForbiddenProblem,
    InvalidInputProblem,
    NotFoundProblem,
    UnsupportedProblem,
    UpstreamProblem,
    UserError,
)
from .pagination import ProviderFailure

if TYPE_CHECKING:
    from .call import Call
    from .conference import Conference
    from .recording import Recording

CallT = Annotated["Call", strawberry.lazy("gateway.types.call")]
ConferenceT = Annotated["Conference", strawberry.lazy("gateway.types.conference")]
RecordingT = Annotated["Recording", strawberry.lazy("gateway.types.recording")]

#: The largest ``DeleteRecordingsInput.limit`` (and number of ``ids``) one call takes.
MAX_DELETE_LIMIT = 500
DEFAULT_DELETE_LIMIT = 100


@strawberry.enum(description="Which side of the call a recording captures.")
class RecordingTrack(enum.Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    BOTH = "both"


@strawberry.enum(description="Audio format of a new recording.")
class AudioFormat(enum.Enum):
    WAV = "wav"
    MP3 = "mp3"


@strawberry.input(description="Start recording a live call or conference: exactly one of them.")
class StartRecordingInput:
    call_id: strawberry.ID | None = None
    conference_id: strawberry.ID | None = None
    channels: int | None = strawberry.field(default=None, description="1 (mono) or 2 (dual).")
    track: RecordingTrack | None = None
    trim: bool | None = strawberry.field(default=None, description="Trim leading/trailing silence.")
    time_limit_seconds: int | None = None
    format: AudioFormat | None = None
    status_callback_url: str | None = strawberry.field(
        default=None,
        description="Where the vendor reports the recording's progress. Default: this "
        "gateway's own webhook route for the account, where the vendor takes one.",
    )
    status_callback_events: list[RecordingEventKind] | None = None
    provider_options: JSON | None = strawberry.field(
        default=None,
        description="Vendor-only knobs under the vendor's own names, validated per vendor "
        "(Kazoo: record_min_sec, record_on_answer, label, ...; SignalWire: "
        "RecordingStatusCallbackMethod).",
    )


@strawberry.input(description="What to pause, resume or stop: exactly one of the three.")
class RecordingControlInput:
    recording_id: strawberry.ID | None = None
    call_id: strawberry.ID | None = strawberry.field(
        default=None, description="The call's active recording."
    )
    conference_id: strawberry.ID | None = strawberry.field(
        default=None, description="The conference's active recording."
    )


@strawberry.input(
    description="Recordings to delete: by `ids` or by `filter` (exactly one). `dryRun` "
    f"(the default) lists what would go and changes nothing. At most `limit` recordings "
    f"are handled per call (default {DEFAULT_DELETE_LIMIT}, at most {MAX_DELETE_LIMIT}); "
    "`hasMore` says whether another call would find more."
)
class DeleteRecordingsInput:
    ids: list[strawberry.ID] | None = None
    filter: RecordingFilter | None = None
    dry_run: bool = True
    limit: int | None = None


@strawberry.type(description="A recording that was deleted (or, in a dry run, would be).")
class RecordingDeleted:
    id: strawberry.ID
    provider_recording_id: str
    provider: Provider


@strawberry.type(description="A recording that could not be deleted, and why.")
class DeleteFailure:
    id: strawberry.ID
    error: UserError


@strawberry.type(
    description="Outcome of a bulk delete; safe to run again (already gone = success)."
)
class RecordingsDeleted:
    dry_run: bool
    matched: int = strawberry.field(description="Recordings this call handled (at most `limit`).")
    deleted: list[RecordingDeleted]
    already_gone: list[strawberry.ID]
    failed: list[DeleteFailure]
    failures: list[ProviderFailure] = strawberry.field(
        description="Accounts that could not be listed (or whose scan stopped at its bound)."
    )
    has_more: bool = strawberry.field(
        description="More recordings match than this call handled: run it again."
    )


@strawberry.type(description="A recording was started, paused, resumed or stopped.")
class RecordingControlled:
    recording: RecordingT | None = strawberry.field(
        description="The recording, when the vendor reports it synchronously."
    )
    status: RecordingStatus
    #: The call or conference the mutation was aimed at (already loaded), if any.
    target_call: strawberry.Private[Any] = None
    target_conference: strawberry.Private[Any] = None

    @strawberry.field
    def call(self, info: Info) -> CallT | None:
        """The target call, else the recording's call: a reference when only its ids
        are selected, else loaded (gateway.resolvers.references)."""
        if self.target_call is not None:
            return self.target_call
        rec: Any = self.recording  # the domain Recording (the GraphQL type's root)
        if rec is None or not rec.provider_call_id:
            return None
        return call_or_reference(info, rec.provider, rec.account_name, rec.provider_call_id)

    @strawberry.field
    def conference(self, info: Info) -> ConferenceT | None:
        if self.target_conference is not None:
            return self.target_conference
        rec: Any = self.recording
        if rec is None or not rec.provider_conference_id:
            return None
        return conference_or_reference(
            info, rec.provider, rec.account_name, rec.provider_conference_id
        )

    @classmethod
    def of(
        cls, recording: Any = None, call: Any = None, conference: Any = None, *, status: Any
    ) -> RecordingControlled:
        """Built from domain objects (the GraphQL types' roots)."""
        return cls(
            recording=recording, status=status, target_call=call, target_conference=conference
        )


DeleteRecordingResult = Annotated[
    RecordingDeleted
    | NotFoundProblem
    | ForbiddenProblem
    | UnsupportedProblem
    | UpstreamProblem
    | InvalidInputProblem,
    strawberry.union("DeleteRecordingResult"),
]
RecordingControlResult = Annotated[
    RecordingControlled
    | NotFoundProblem
    | ForbiddenProblem
    | UnsupportedProblem
    | InvalidInputProblem
    | ConflictProblem
    | UpstreamProblem,
    strawberry.union("RecordingControlResult"),
]
DeleteRecordingsResult = Annotated[
    RecordingsDeleted | ForbiddenProblem | InvalidInputProblem,
    strawberry.union("DeleteRecordingsResult"),
]
