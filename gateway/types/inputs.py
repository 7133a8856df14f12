from __future__ import annotations

from datetime import datetime

import strawberry

from .enums import Provider, RecordingStatus


@strawberry.input(description="Filters on recordings; all given fields must match.")
class RecordingFilter:
    providers: list[Provider] | None = None
    account_ids: list[strawberry.ID] | None = None
    call_id: strawberry.ID | None = None
    conference_id: strawberry.ID | None = None
    created_after: datetime | None = strawberry.field(
        default=None, description="Inclusive. A time without offset is taken as UTC."
    )
    created_before: datetime | None = strawberry.field(
        default=None, description="Inclusive. A time without offset is taken as UTC."
    )
    min_duration_seconds: float | None = None
    status: list[RecordingStatus] | None = None
