"""The floor's Kazoo part: listings walk 31-day windows (Gregorian seconds), the newest
first and the older ones together only when it is short; a page's calls are its CDRs,
asked per window with ``filter_id`` (a CDR is keyed by the call's end), plus
``/channels`` for ids without the ``YYYYMM-`` prefix; one ``/conferences`` page."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from .base import (
    CALLS,
    CHILD_RECORDINGS,
    GREGORIAN_OFFSET,
    MIN_LISTED,
    Json,
    Listed,
    Transport,
    VendorPart,
    by_id,
    gather_dict,
    gid,
    text,
)

PROVIDER = "kazoo"
WINDOW = 31 * 86400
HISTORY_DAYS = 365
SLACK = 120  # the traverse scenario's margin around its calls (seconds)
#: A CDR is written when its call ends: from a recording's end to this much later.
CALL_TAIL = 2 * 3600
PAGE_SIZE = 500


def _created(row: Json) -> float:
    """Unix seconds of a Kazoo recording's ``start + duration`` (whole seconds)."""
    start = float(row["start"])
    secs = row.get("duration")
    whole = float(secs) if secs is not None else float(int(float(row["duration_ms"]) / 1000))
    return start + whole - GREGORIAN_OFFSET


def _cover(intervals: dict[str, tuple[int, int]]) -> list[tuple[int, int, list[str]]]:
    """31-day windows, newest first, covering every interval; each with its keys."""
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


class Kazoo(VendorPart):
    provider = PROVIDER

    def __init__(self, transport: Transport, account: Json) -> None:
        self.t = transport
        self.account_id: str = account["account_id"]
        self.owner = self.account_id
        self.root = f"{account['base_url'].rstrip('/')}/v2/accounts/{self.account_id}"
        self.skew = 0.0

    async def login(self, account: Json) -> None:
        url = f"{account['base_url'].rstrip('/')}/v2/api_auth"
        async with self.t.session.put(url, json={"data": {"api_key": account["api_key"]}}) as r:
            body = orjson.loads(await r.read())
            if r.status not in (200, 201):
                raise RuntimeError(f"floor: kazoo auth answered {r.status}")
        self.t.session.headers["X-Auth-Token"] = body["auth_token"]
        stamp = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
        self.skew = stamp.timestamp() - time.time()

    def _windows(self) -> list[tuple[int, int]]:
        """The 31-day windows of the lookback, newest first (Gregorian seconds)."""
        hi = GREGORIAN_OFFSET + int(time.time() + self.skew) + 1
        lo = hi - HISTORY_DAYS * 86400
        out = []
        to = hi
        while to >= lo:
            frm = max(lo, to - WINDOW)
            out.append((frm, to))
            to = frm - 1
        return out

    async def _window(
        self, path: str, frm: int, to: int, size: int, want: int | None, extra: Sequence[Any]
    ) -> list[Json]:
        """One window's rows, following ``next_start_key`` until ``want`` (None: all)."""
        rows: list[Json] = []
        key: str | None = None
        while True:
            params = [("page_size", str(size)), ("created_from", str(frm)), ("created_to", str(to))]
            if key is not None:
                params.append(("start_key", key))
            body = await self.t.ok(self.root + path, [*params, *extra])
            rows.extend(body.get("data") or [])
            nxt = body.get("next_start_key")
            if not nxt or nxt == key or (want is not None and len(rows) >= want):
                return rows
            key = nxt

    async def _newest(self, path: str, want: int) -> list[Json]:
        windows = self._windows()
        rows = await self._window(path, *windows[0], want, want, ())
        if len(rows) >= want:
            return rows[:want]
        rest = want - len(rows)
        older = await asyncio.gather(
            *(self._window(path, frm, to, rest, rest, ()) for frm, to in windows[1:])
        )
        for chunk in older:
            rows.extend(chunk)
        return rows[:want]

    def item(self, row: Json) -> Listed:
        native = row["id"]
        created = _created(row)
        start = float(row["start"]) - GREGORIAN_OFFSET
        end = start + float(row.get("duration_ms") or 0) / 1000
        return Listed(
            (created, PROVIDER, PROVIDER, native),
            gid("Recording", PROVIDER, self.account_id, native),
            row,
            start=min(start, created),
            end=max(end, created),
        )

    async def recordings(self, first: int) -> list[Listed]:
        return [self.item(r) for r in await self._newest("/recordings", first)]

    async def node(self, native: str) -> str | None:
        status, body = await self.t.get(f"{self.root}/recordings/{native}")
        return self.item(body["data"]).ident if status == 200 else None

    # -- references and joins ------------------------------------------------------------

    def call_of(self, row: Json) -> str | None:
        return text(row.get("cdr_id"))

    def conference_of(self, row: Json) -> str | None:
        ccv = row.get("custom_channel_vars")
        return text(ccv.get("conference_id")) if isinstance(ccv, dict) else None

    async def _get(self, path: str) -> Json | None:
        status, body = await self.t.get(self.root + path)
        return body["data"] if status == 200 else None

    async def calls(self, items: Sequence[Listed]) -> dict[str, Json | None]:
        ends: dict[str, float] = {}
        for i in items:
            if call := self.call_of(i.row):
                ends[call] = max(ends.get(call, i.end), i.end)
        found: dict[str, Json | None] = {}
        if len(ends) >= MIN_LISTED:
            cdrs = {c: e for c, e in ends.items() if c[:6].isdigit() and c[6:7] == "-"}
            intervals = {}
            for c, e in cdrs.items():
                lo = int(e) + GREGORIAN_OFFSET - SLACK
                intervals[c] = (lo, lo + SLACK + CALL_TAIL)
            jobs = [self._cdrs(frm, to, keys, intervals) for frm, to, keys in _cover(intervals)]
            if len(cdrs) < len(ends):
                jobs.append(self._channels())
            for rows in await asyncio.gather(*jobs):
                found.update((r["id"], r) for r in rows if r.get("id") in ends)
        rest = [c for c in ends if c not in found]
        found.update(await by_id(rest, self._call))
        return found

    async def _cdrs(
        self, frm: int, to: int, keys: list[str], intervals: dict[str, tuple[int, int]]
    ) -> list[Json]:
        frm = max(frm, min(intervals[k][0] for k in keys))
        to = min(to, max(intervals[k][1] for k in keys))
        flt = [("filter_id", orjson.dumps(keys).decode())]
        return await self._window("/cdrs", frm, to, PAGE_SIZE, len(keys), flt)

    async def _channels(self) -> list[Json]:
        body = await self.t.ok(self.root + "/channels")
        return [{**c, "id": c["uuid"]} for c in body.get("data") or []]

    async def _call(self, native: str) -> Json | None:
        if native[:6].isdigit() and native[6:7] == "-":
            doc = await self._get(f"/cdrs/{native}")
            if doc is not None:
                # a full CDR: ``timestamp`` is the call's end
                start = int(doc["channel_created_time"]) / 1_000_000 + GREGORIAN_OFFSET
                doc = {**doc, "timestamp": str(int(start))}
            return doc
        channel = await self._get(f"/channels/{native}")
        return None if channel is None else {**channel, "id": native}

    async def conferences(self, items: Sequence[Listed]) -> dict[str, Json | None]:
        wanted = {c: None for i in items if (c := self.conference_of(i.row))}
        found: dict[str, Json | None] = {}
        if len(wanted) >= MIN_LISTED:
            body = await self.t.ok(self.root + "/conferences", [("page_size", str(PAGE_SIZE))])
            found.update((r["id"], r) for r in body.get("data") or [] if r.get("id") in wanted)
        rest = [c for c in wanted if c not in found]
        found.update(await by_id(rest, lambda c: self._get(f"/conferences/{c}")))
        return found

    @staticmethod
    def call_fields(call: Json) -> Json:
        live = "uuid" in call
        start = call.get("timestamp")
        return {
            "from": text(call.get("caller_id_number")) or text(call.get("from")),
            "to": text(call.get("callee_id_number"))
            or text(call.get("dialed_number"))
            or text(call.get("to")),
            "status": ("in-progress" if call.get("answered") else "ringing")
            if live
            else "completed",
            "startTime": None if start in (None, "") else float(start) - GREGORIAN_OFFSET,
        }

    @staticmethod
    def conference_name(conference: Json) -> str | None:
        return text(conference.get("name"))

    # -- traverse ------------------------------------------------------------------------

    async def traverse(self) -> list[list[str]]:
        # Live calls (channels, newest first) lead the calls page; they have no recordings
        # yet (Kazoo writes the doc when one stops).
        got = await gather_dict(
            {"cdrs": self._newest("/cdrs", CALLS), "live": self.t.ok(self.root + "/channels")}
        )
        live = len(got["live"].get("data") or [])
        cdrs = got["cdrs"][: max(0, CALLS - live)]
        intervals: dict[str, tuple[int, int]] = {}
        for row in cdrs:
            start = int(float(row["timestamp"]))
            end = start + int(float(row.get("duration_seconds") or 0))
            intervals[row["id"]] = (start - SLACK, end + SLACK)
        found: dict[str, dict[str, tuple[float, str, str]]] = defaultdict(dict)
        chunks = []
        if intervals:
            top = max(hi for _, hi in intervals.values())
            bottom = min(lo for lo, _ in intervals.values())
            while top >= bottom:
                frm = max(bottom, top - WINDOW)
                ids = [k for k, (lo, hi) in intervals.items() if lo <= top and hi >= frm]
                if ids:
                    chunks.append((frm, top, [("filter_cdr_id", orjson.dumps(ids).decode())]))
                top = frm - 1
        lists = await asyncio.gather(
            *(self._window("/recordings", frm, to, 500, None, flt) for frm, to, flt in chunks)
        )
        for rows in lists:
            for row in rows:
                cdr = row.get("cdr_id")
                if cdr in intervals:
                    listed = self.item(row)
                    found[cdr][row["id"]] = (listed.key[0], row["id"], listed.ident)
        out: list[list[str]] = [[] for _ in range(min(live, CALLS))]
        for row in cdrs:
            recs = sorted(found.get(row["id"], {}).values(), reverse=True)
            out.append([ident for _, _, ident in recs[:CHILD_RECORDINGS]])
        return out
