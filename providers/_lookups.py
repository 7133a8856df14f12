"""The calls and conferences a page of recordings names, read from listings.

Shared plan of the backends' ``calls_for_recordings`` / ``conferences_for_recordings``
(:mod:`providers.base`): take the distinct ids the recordings name, read the vendor's
listing over the recordings' time window (each backend knows its filters and how far to
page), keep the listed objects whose ids were asked for, and read the rest by id. The
answers are therefore exactly :meth:`get_calls`' answers: the listing only saves
requests, and anything it misses (a call that began long before its recording, one the
vendor deleted, a window too busy to page through) falls back to the per-id reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from .models import Recording

T = TypeVar("T")

#: How long before the earliest recording of a page its call may have begun, and after
#: the latest one it may have ended, and still be found by the listing. Calls outside
#: these margins are read by id, so the margins trade listing size against per-id reads.
BEFORE = timedelta(minutes=15)
AFTER = timedelta(minutes=15)
#: Fewer distinct ids than this are read by id: one or two GETs are no dearer than a
#: listing, and cannot miss.
MIN_LISTED = 3


@dataclass(frozen=True, slots=True)
class Window:
    """From the earliest recording's start minus :data:`BEFORE` to the latest
    recording's creation or end plus :data:`AFTER`."""

    start: datetime
    end: datetime
    #: The earliest and latest moments the recordings themselves cover.
    first: datetime
    last: datetime


def recording_start(recording: Recording) -> datetime:
    """When the recording began, as far as its row tells (never after ``created_at``)."""
    start = recording.start_time
    if start is None and recording.duration_seconds is not None:
        start = recording.created_at - timedelta(seconds=recording.duration_seconds)
    return recording.created_at if start is None else min(start, recording.created_at)


def recording_end(recording: Recording) -> datetime:
    end = recording.end_time
    return recording.created_at if end is None else max(end, recording.created_at)


def window(recordings: Sequence[Recording]) -> Window:
    first = min(recording_start(r) for r in recordings)
    last = max(recording_end(r) for r in recordings)
    return Window(first - BEFORE, last + AFTER, first, last)


def named(recordings: Sequence[Recording], attribute: str) -> dict[str, list[Recording]]:
    """Distinct non-empty ids the recordings name under ``attribute``, each with its
    recordings, in first-seen order."""
    out: dict[str, list[Recording]] = {}
    for recording in recordings:
        ident = getattr(recording, attribute)
        if ident:
            out.setdefault(ident, []).append(recording)
    return out


Listed = Callable[[Mapping[str, list[Recording]]], Awaitable[Mapping[str, T]]]


async def resolve(
    recordings: Sequence[Recording],
    attribute: str,
    valid: Callable[[str], bool],
    listed: Listed[T],
    by_id: Callable[[Sequence[str]], Awaitable[Sequence[T | None]]],
) -> list[T | None]:
    """For each recording, the object its ``attribute`` names: ``listed`` (given the
    valid ids, each with its recordings) for three ids or more, then ``by_id`` for the
    ids the listing did not return. Malformed ids are ``None`` without a request, as
    ``get_calls`` answers them."""
    ids = {k: v for k, v in named(recordings, attribute).items() if valid(k)}
    found: dict[str, T | None] = {}
    if len(ids) >= MIN_LISTED:
        got = await listed(ids)
        found.update((k, v) for k, v in got.items() if k in ids)
    missing = [k for k in ids if k not in found]
    if missing:
        found.update(zip(missing, await by_id(missing), strict=True))
    return [found.get(getattr(r, attribute) or "") for r in recordings]
