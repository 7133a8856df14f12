"""Lists: SignalWire's paging envelope, ``Page``/``PageSize``/``PageToken`` and the
``Name``, ``Name<`` and ``Name>`` date filters read from the raw query string (the keys
literally contain ``<``/``>``, raw or percent-encoded)."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import unquote_plus, urlencode

from aiohttp import web

from providers.signalwire.simulator import render

MAX_PAGE_SIZE = 1000
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PAGING = ("Page", "PageSize", "PageToken")


class Listed(Protocol):
    sid: str

    @property
    def key(self) -> tuple[datetime, str]: ...


def raw_params(query_string: str) -> list[tuple[str, str]]:
    """Split on ``&`` and the first ``=``: ``DateCreated>=2024-06-01`` is the key
    ``DateCreated>`` with the value ``2024-06-01``."""
    out = []
    for part in query_string.split("&"):
        if part:
            key, _, value = part.partition("=")
            out.append((unquote_plus(key), unquote_plus(value)))
    return out


def parse_bound(value: str) -> tuple[datetime, bool] | None:
    """(instant, whole_day) from ``YYYY-MM-DD``, RFC 2822 or ISO 8601."""
    value = value.strip()
    if _DAY.match(value):
        try:
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), True
        except ValueError:
            return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC), False


def _bad(message: str) -> web.Response:
    return render.error(400, 10000, message)


def list_response(
    request: web.Request,
    key: str,
    items: Sequence[Any],
    render_item: Callable[[Any], dict[str, Any]],
    *,
    tombstones: Mapping[str, Listed],
    filters: Mapping[str, str],
    date_attr: str,
    date_param: str = "DateCreated",
) -> web.Response:
    params = raw_params(request.query_string)
    query = dict(params)
    try:
        page = int(query.get("Page", "0"))
        size = int(query.get("PageSize", "50"))
    except ValueError:
        return _bad("Page and PageSize must be integers")
    if page < 0:
        return _bad("Page must be >= 0")
    if not 1 <= size <= MAX_PAGE_SIZE:
        return _bad(f"PageSize must be between 1 and {MAX_PAGE_SIZE}")
    token = query.get("PageToken") or None
    if page > 0 and token is None:
        return _bad("Page > 0 requires the PageToken of the previous page")

    selected: list[Any] = list(items)
    for name, attr in filters.items():
        if name in query:
            selected = [i for i in selected if getattr(i, attr) == query[name]]
    for op in ("", ">", "<"):
        if date_param + op not in query:
            continue
        bound = parse_bound(query[date_param + op])
        if bound is None:
            return _bad(f"Invalid {date_param}{op} value")
        selected = [i for i in selected if _date_ok(getattr(i, date_attr), op, *bound)]
    selected.sort(key=lambda i: i.key, reverse=True)

    if token is not None:
        mark = tombstones.get(token[2:])
        if token[:2] not in ("PA", "PB") or mark is None:
            return _bad("Invalid PageToken")
        if token.startswith("PA"):
            chunk = [i for i in selected if i.key < mark.key][:size]
        else:
            chunk = [i for i in selected if i.key > mark.key][-size:]
    else:
        chunk = selected[:size]
    more = bool(chunk) and any(i.key < chunk[-1].key for i in selected)

    path = request.path.removesuffix(".json")
    kept = [(k, v) for k, v in params if k not in _PAGING]

    def link(n: int, tok: str | None = None) -> str:
        pairs = [*kept, ("Page", str(n)), ("PageSize", str(size))]
        if tok is not None and n > 0:
            pairs.append(("PageToken", tok))
        return f"{path}?{urlencode(pairs)}"

    body = {
        "uri": link(page, token),
        "first_page_uri": link(0),
        "next_page_uri": link(page + 1, "PA" + chunk[-1].sid) if more else None,
        "previous_page_uri": (link(page - 1, "PB" + chunk[0].sid) if page > 0 and chunk else None),
        "page": page,
        "page_size": size,
        key: [render_item(i) for i in chunk],
    }
    return web.json_response(body)


def _date_ok(value: datetime, op: str, bound: datetime, whole_day: bool) -> bool:
    if op == ">":
        return value >= bound
    if op == "<":
        return value < bound + timedelta(days=1) if whole_day else value <= bound
    if whole_day:
        return bound <= value < bound + timedelta(days=1)
    return value == bound
