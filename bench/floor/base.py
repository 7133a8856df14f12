"""What every vendor part of the floor shares: global IDs, vendor dates, the HTTP
transport, and the lookup window the joins use (the same margins the gateway's backends
use, :mod:`providers._lookups`, written out again: the floor imports nothing of ours)."""

from __future__ import annotations

import base64
import email.utils
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson

GREGORIAN_OFFSET = 62167219200
#: A call may begin this long before the earliest recording of a page, or end this
#: long after the latest one, and still be found by the call listing.
BEFORE = 15 * 60
AFTER = 15 * 60
#: Fewer distinct calls than this: GET them one by one.
MIN_LISTED = 3
#: Recordings of one call in the traverse scenario.
CHILD_RECORDINGS = 10
CALLS = 50

Json = dict[str, Any]


def gid(type_name: str, provider: str, account: str, native: str) -> str:
    raw = f"{type_name}:{provider}:{account}:{native}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_gid(value: str) -> tuple[str, str, str, str]:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    type_name, provider, account, native = raw.split(":", 3)
    return type_name, provider, account, native


def iso(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def rfc(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return iso(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def date_time(ts: float | None) -> str | None:
    """A GraphQL ``DateTime`` as the gateway writes it."""
    return None if ts is None else utc(ts).isoformat()


def text(value: Any) -> str | None:
    """A non-empty string, else ``None`` (vendors send ``""`` for missing values)."""
    if isinstance(value, str):
        return value or None
    return None if value is None or isinstance(value, bool) else str(value)


@dataclass(slots=True)
class Listed:
    """One recording as listed: its merge key, its global ID, and the vendor row."""

    key: tuple[float, str, str, str]  # (created unix seconds, provider, account, id)
    ident: str
    row: Json
    #: Unix seconds the recording began and ended (for the joins' window).
    start: float
    end: float


def span(items: Iterable[Listed]) -> tuple[float, float]:
    """The lookup window of a page: (earliest start - BEFORE, latest end + AFTER)."""
    listed = list(items)
    return min(i.start for i in listed) - BEFORE, max(i.end for i in listed) + AFTER


async def gather_dict(jobs: dict[str, Awaitable[Any]]) -> dict[str, Any]:
    import asyncio

    values = await asyncio.gather(*jobs.values())
    return dict(zip(jobs, values, strict=True))


class Transport:
    """One pooled session per vendor, its auth header set once."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def get(self, url: str, params: Sequence[tuple[str, str]] = ()) -> tuple[int, Any]:
        if params:
            url = f"{url}?{urlencode(params)}"
        async with self.session.get(url) as resp:
            raw = await resp.read()
            return resp.status, orjson.loads(raw) if raw else None

    async def ok(self, url: str, params: Sequence[tuple[str, str]] = ()) -> Any:
        status, body = await self.get(url, params)
        if status != 200:
            raise RuntimeError(f"floor: GET {url} answered {status}: {body!r:.200}")
        return body


class VendorPart:
    """What every vendor part of the floor shares: its transport, its account's root URL,
    and the global IDs of the calls and conferences it reads (``owner`` is the vendor
    account id that IDs name)."""

    provider: str
    t: Transport
    root: str
    owner: str

    def call_gid(self, native: str) -> str:
        return gid("Call", self.provider, self.owner, native)

    def conference_gid(self, native: str) -> str:
        return gid("Conference", self.provider, self.owner, native)

    async def _get(self, path: str) -> Json | None:
        status, body = await self.t.get(self.root + path)
        return body if status == 200 else None


#: A vendor part's per-id getter: native id -> vendor object, or None when missing.
Getter = Callable[[str], Awaitable[Json | None]]


async def by_id(ids: Iterable[str], get: Getter) -> dict[str, Json | None]:
    """Every id at once (the floor does not bound its concurrency)."""
    wanted = list(dict.fromkeys(ids))
    return await gather_dict({i: get(i) for i in wanted})
