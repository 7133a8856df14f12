"""Page tokens and the walk over Kazoo's 31-day listing windows.

Kazoo only lists ``created_from..created_to`` (Gregorian seconds, at most 31 days + 1 h
apart, else 400 ``date_range``; the default is the last 31 days). To list "everything,
newest first" a backend walks windows backwards from now, paging each with
``start_key``/``next_start_key``, until a lower bound (the query's or
``max_history_days``). A page token records where the walk stands: the scope, the lower
bound, the current window and the vendor start key, as base64url JSON; never a URL.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from providers.errors import InvalidTokenError, MalformedResponseError

from .client import PROVIDER
from .wire import Envelope

#: Window span; stays under Kazoo's default ``crossbar.maximum_range`` of 2,682,000 s.
WINDOW = 31 * 86400
#: Upstream requests one listing call may spend before returning a (short) page.
MAX_REQUESTS_PER_PAGE = 16
_MAX_KEY = 2000


@dataclasses.dataclass(frozen=True, slots=True)
class Position:
    scope: str
    lo: int
    frm: int
    to: int
    key: str | None = None

    def params(self) -> list[tuple[str, str]]:
        out = [("created_from", str(self.frm)), ("created_to", str(self.to))]
        if self.key is not None:
            out.append(("start_key", self.key))
        return out


def first_position(scope: str, lo: int, hi: int) -> Position | None:
    if lo > hi:
        return None
    return Position(scope, lo, max(lo, hi - WINDOW), hi)


def previous_window(pos: Position) -> Position | None:
    to = pos.frm - 1
    if to < pos.lo:
        return None
    return Position(pos.scope, pos.lo, max(pos.lo, to - WINDOW), to)


def encode(pos: Position) -> str:
    raw = orjson.dumps({"s": pos.scope, "l": pos.lo, "f": pos.frm, "t": pos.to, "k": pos.key})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def decode(token: str, scope: str) -> Position:
    """Parse a token this module issued for ``scope``; anything else is refused."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        obj = orjson.loads(raw)
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise InvalidTokenError("kazoo: page token is not valid", provider=PROVIDER) from exc
    if (
        not isinstance(obj, dict)
        or set(obj) != {"s", "l", "f", "t", "k"}
        or obj["s"] != scope
        or not all(_is_int(obj[k]) for k in ("l", "f", "t"))
        or not obj["l"] <= obj["f"] <= obj["t"]
        or obj["t"] - obj["f"] > WINDOW
        or not (obj["k"] is None or (isinstance(obj["k"], str) and 0 < len(obj["k"]) < _MAX_KEY))
    ):
        raise InvalidTokenError("kazoo: page token is not valid", provider=PROVIDER)
    return Position(scope, obj["l"], obj["f"], obj["t"], obj["k"])


def rows_of(envelope: Envelope, what: str) -> list[dict[str, Any]]:
    data = envelope.get("data")
    if not isinstance(data, list):
        raise MalformedResponseError(f"kazoo: {what} listing data is not a list", provider=PROVIDER)
    return [row for row in data if isinstance(row, dict)]


def next_key(envelope: Envelope) -> str | None:
    key = envelope.get("next_start_key")
    return key if isinstance(key, str) and key else None


Fetch = Callable[[Position, int], Awaitable[Envelope]]


async def walk(
    fetch: Fetch,
    pos: Position | None,
    size: int,
    what: str,
    *,
    max_requests: int = MAX_REQUESTS_PER_PAGE,
) -> tuple[list[dict[str, Any]], Position | None]:
    """Collect up to ``size`` rows from ``pos`` on, newest first, moving to the previous
    window whenever one is exhausted. Stops as soon as ``size`` rows are in (so the
    newest page never costs a request per month of history) or after ``max_requests``;
    returns the rows and where the next page starts (``None``: nothing older)."""
    rows: list[dict[str, Any]] = []
    requests = 0
    while pos is not None and len(rows) < size and requests < max_requests:
        envelope = await fetch(pos, size - len(rows))
        requests += 1
        rows.extend(rows_of(envelope, what))
        key = next_key(envelope)
        if key is not None and key != pos.key:
            pos = dataclasses.replace(pos, key=key)
        else:
            pos = previous_window(pos)
    return rows, pos


def cover(intervals: dict[str, tuple[int, int]]) -> list[tuple[int, int, list[str]]]:
    """Few windows (each at most ``WINDOW`` long, newest first) covering every interval,
    each with the keys whose interval meets it: the batch plan for recordings by call."""
    out: list[tuple[int, int, list[str]]] = []
    if not intervals:
        return out
    top = max(hi for _, hi in intervals.values())
    while True:
        frm = top - WINDOW
        keys = [k for k, (lo, hi) in intervals.items() if lo <= top and hi >= frm]
        if keys:
            out.append((frm, top, keys))
        below = [min(hi, frm - 1) for lo, hi in intervals.values() if lo < frm]
        if not below:
            return out
        top = max(below)
