"""JSON shapes of the Kazoo simulator: the envelope, errors, start keys, filters, paging."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

VERSION = "4.3.142"
NODE = "bWFzdGVyQGthem9vLWFwcHMtMQ"
MAX_RANGE = 2_682_000  # crossbar.maximum_range: 31 days + 1 hour
DEFAULT_PAGE_SIZE = 50
PAGING_PARAMS = frozenset(
    {
        "page_size",
        "start_key",
        "paginate",
        "ascending",
        "descending",
        "created_from",
        "created_to",
        "accept",
        "inline",
        "should_soft_delete",
        "utc_offset",
        "auth_token",
    }
)

Clock = Callable[[], float]


def iso_now(clock: Clock) -> str:
    return datetime.fromtimestamp(clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def respond(
    clock: Clock,
    data: Any,
    *,
    status: int = 200,
    auth_token: str = "",
    extra: Mapping[str, Any] | None = None,
    revision: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    request_id = uuid.uuid4().hex
    body: dict[str, Any] = {
        "auth_token": auth_token,
        "data": data,
        "node": NODE,
        "request_id": request_id,
        "status": "success" if status < 400 else "error",
        "timestamp": iso_now(clock),
        "version": VERSION,
    }
    if status >= 400:
        body["error"] = str(status)
    if revision is not None:
        body["revision"] = revision
    body.update(extra or {})
    if status < 400 and isinstance(data, list) and "revision" not in body:
        body["revision"] = hashlib.md5(  # listing revision: md5 of the data
            json.dumps(data, sort_keys=True).encode(), usedforsecurity=False
        ).hexdigest()
    out_headers = {"X-Request-ID": request_id, **(headers or {})}
    return web.json_response(body, status=status, headers=out_headers)


_ERROR_TEXT = {
    400: ("validation error", {}),
    401: ("invalid_credentials", {"message": "invalid credentials"}),
    403: ("forbidden", {"message": "forbidden"}),
    404: ("bad_identifier", {}),
    405: ("method_not_allowed", {}),
    406: ("not_acceptable", {}),
    429: ("too_many_requests", {"message": "too many requests"}),
    500: ("datastore_fault", {"cause": "internal"}),
    503: ("datastore_unreachable", {"cause": "datastore"}),
}


def error(
    clock: Clock,
    status: int,
    message: str | None = None,
    data: Any = None,
    *,
    auth_token: str = "",
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    default_message, default_data = _ERROR_TEXT.get(status, (None, {}))
    body_message = message or default_message or "error"
    return respond(
        clock,
        default_data if data is None else data,
        status=status,
        auth_token=auth_token,
        extra={"message": body_message},
        headers=headers,
    )


def bad_identifier(clock: Clock, ident: str, auth_token: str) -> web.Response:
    return error(
        clock,
        404,
        "bad_identifier",
        {"cause": ident, "message": "bad identifier"},
        auth_token=auth_token,
    )


def validation_error(clock: Clock, field: str, rule: str, message: str, token: str) -> web.Response:
    return error(
        clock,
        400,
        "validation error",
        {field: {rule: {"message": message}}},
        auth_token=token,
    )


# -- start keys -----------------------------------------------------------------------
# Real Kazoo encodes Erlang terms; the simulator uses base64url JSON, equally opaque.
# A key is (created, 0, id) for a row, (created, 1, "") for the "{}" (after any id).

Key = tuple[int, int, str]


def encode_key(key: Key) -> str:
    term: list[Any] = [key[0], key[2] if key[1] == 0 else {}]
    raw = json.dumps(term, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_key(value: str) -> Key | None:
    """``None`` when the key does not decode (Kazoo then uses it as a literal string)."""
    try:
        term = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(term, list) or len(term) != 2 or not isinstance(term[0], int):
        return None
    if term[1] == {}:
        return (term[0], 1, "")
    if isinstance(term[1], str):
        return (term[0], 0, term[1])
    return None


# -- filters --------------------------------------------------------------------------


def _lookup(doc: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def _wanted(value: str) -> list[str]:
    if value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            return [value]
        if isinstance(items, list):
            return [_as_text(x) for x in items]
    return [value]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _check(op: str, path: str, wanted: list[str], doc: Mapping[str, Any]) -> bool:
    found, value = _lookup(doc, path)
    if op == "filter":
        return found and _as_text(value) in wanted
    if op == "filter_not":
        return not (found and _as_text(value) in wanted)
    if op == "has_key":
        return found
    if op == "key_missing":
        return not found
    if op == "has_value":
        return not _empty(value)
    return _empty(value)  # value_missing


def filter_rows(rows: Sequence[Mapping[str, Any]], query: Mapping[str, str]) -> list[Any]:
    """Kazoo's ``filter_*``/``has_key``/... filters, AND-ed, on already paged rows."""
    checks: list[tuple[str, str, list[str]]] = []
    for name, value in query.items():
        if name in PAGING_PARAMS:
            continue
        if name.startswith("filter_not_"):
            checks.append(("filter_not", name[len("filter_not_") :], _wanted(value)))
        elif name.startswith("filter_"):
            checks.append(("filter", name[len("filter_") :], _wanted(value)))
        elif name in ("has_key", "key_missing", "has_value"):
            checks.append((name, value, []))
        elif name in ("value_missing", "missing_value"):
            checks.append(("value_missing", value, []))
    return [row for row in rows if all(_check(op, p, w, row) for op, p, w in checks)]


# -- windows and paging ---------------------------------------------------------------


class BadRequest(Exception):
    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field, self.rule, self.message = field, rule, message


def window(query: Mapping[str, str], now_greg: int) -> tuple[int, int]:
    """crossbar_view's range: ``created_to`` defaults to now, ``created_from`` to
    ``created_to - maximum_range``; out of order or too wide is a 400 ``date_range``."""

    def num(name: str, default: int) -> int:
        raw = query.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise BadRequest(name, "type", f"{name} must be an integer") from None

    to = num("created_to", now_greg)
    frm = num("created_from", to - MAX_RANGE)
    if to < frm:
        raise BadRequest("created_from", "date_range", "created_to is before created_from")
    if to - frm > MAX_RANGE:
        raise BadRequest(
            "created_from",
            "date_range",
            f"created_to is more than {MAX_RANGE} seconds from created_from",
        )
    return frm, to


def page(
    rows: Sequence[tuple[Key, dict[str, Any]]],
    query: Mapping[str, str],
    bounds: tuple[int, int] | None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Page ``rows`` (key, public row) like crossbar_view, then filter the page.

    Returns the data and the envelope paging keys."""
    ascending = query.get("ascending") == "true" or query.get("descending") == "false"
    inside = [(k, r) for k, r in rows if bounds is None or bounds[0] <= k[0] <= bounds[1]]
    inside.sort(key=lambda kr: kr[0], reverse=not ascending)
    if query.get("paginate") == "false":
        return filter_rows([r for _, r in inside], query), {}
    raw_size = query.get("page_size", str(DEFAULT_PAGE_SIZE))
    try:
        size = int(raw_size)
    except ValueError:
        raise BadRequest("page_size", "type", "page_size must be an integer") from None
    if size < 1:
        raise BadRequest("page_size", "minimum", "page_size must be at least 1")
    lo, hi = bounds if bounds is not None else (0, 2**62)
    start: Key = (lo, -1, "") if ascending else (hi, 1, "")
    raw_start = query.get("start_key")
    if raw_start is not None:
        decoded = decode_key(raw_start)
        if decoded is None and not ascending:
            # used as a literal string, which sorts before every [int, id] key
            return [], {"start_key": raw_start, "page_size": 0}
        if decoded is not None:
            start = decoded
    if ascending:
        candidates = [(k, r) for k, r in inside if k >= start]
    else:
        candidates = [(k, r) for k, r in inside if k <= start]
    chosen = candidates[:size]
    data = filter_rows([r for _, r in chosen], query)
    keys: dict[str, Any] = {"start_key": raw_start or encode_key(start), "page_size": len(data)}
    if len(candidates) > size:
        keys["next_start_key"] = encode_key(candidates[size][0])
    return data, keys
