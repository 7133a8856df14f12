"""The floor's FreeClimb part: ``/Recordings`` and ``/Calls`` follow ``nextPageUri``
cursors (fixed 100 a page); a page's calls come from ``/Calls?startTime=&endTime=`` over
the page's window, its conferences from one ``/Conferences`` page; the rest one by one."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from .base import (
    CALLS,
    CHILD_RECORDINGS,
    MIN_LISTED,
    Json,
    Listed,
    Transport,
    VendorPart,
    by_id,
    gid,
    iso,
    rfc,
    span,
    text,
    utc,
)

PROVIDER = "freeclimb"
#: As the gateway's backend: call listing pages read before GETs take over.
CALL_PAGES = 5
WINDOW_SLACK = 5 * 60  # the traverse scenario's margin around its calls


def fc_time(item: Json, key: str) -> float | None:
    return iso(item.get(key + "ISO")) or rfc(item.get(key))


def _filter_time(ts: float) -> str:
    return utc(ts).strftime("%Y-%m-%d %H:%M:%S")


class FreeClimb(VendorPart):
    provider = PROVIDER

    def __init__(self, transport: Transport, account: Json) -> None:
        self.t = transport
        self.account_id: str = account["account_id"]
        self.owner = self.account_id
        self.root = f"{account['base_url']}/Accounts/{quote(self.account_id)}"

    async def _list(
        self,
        path: str,
        key: str,
        params: Sequence[tuple[str, str]],
        want: int | None,
        pages: int | None = None,
        until: Any = None,
    ) -> list[Json]:
        """Follow cursors until ``want`` items (``None``: all), ``pages`` pages, or
        ``until(items)`` is true."""
        out: list[Json] = []
        query = list(params)
        read = 0
        while True:
            body = await self.t.ok(self.root + path, query)
            out.extend(body.get(key) or [])
            read += 1
            nxt = body.get("nextPageUri")
            if (
                not nxt
                or (want is not None and len(out) >= want)
                or (pages is not None and read >= pages)
                or (until is not None and until(out))
            ):
                return out
            query = [("cursor", dict(parse_qsl(urlsplit(nxt).query))["cursor"])]

    def item(self, rec: Json) -> Listed:
        native = rec["recordingId"]
        created = fc_time(rec, "dateCreated")
        assert created is not None
        duration = float(rec.get("durationSec") or 0)
        return Listed(
            (created, PROVIDER, PROVIDER, native),
            gid("Recording", PROVIDER, self.account_id, native),
            rec,
            start=created - duration,
            end=created,
        )

    async def recordings(self, first: int) -> list[Listed]:
        rows = await self._list("/Recordings", "recordings", [], first)
        return [self.item(r) for r in rows if not r.get("deleted")]

    async def node(self, native: str) -> str | None:
        status, body = await self.t.get(f"{self.root}/Recordings/{quote(native)}")
        if status != 200 or body.get("deleted"):
            return None
        return self.item(body).ident

    # -- references and joins ------------------------------------------------------------

    def call_of(self, row: Json) -> str | None:
        return text(row.get("callId"))

    def conference_of(self, row: Json) -> str | None:
        return text(row.get("conferenceId"))

    async def calls(self, items: Sequence[Listed]) -> dict[str, Json | None]:
        wanted = {c: None for i in items if (c := self.call_of(i.row))}
        found: dict[str, Json | None] = {}
        if len(wanted) >= MIN_LISTED:
            low, high = span(i for i in items if self.call_of(i.row))
            params = [("startTime", _filter_time(low)), ("endTime", _filter_time(high + 1))]

            def done(rows: list[Json]) -> bool:
                return sum(r.get("callId") in wanted for r in rows) >= len(wanted)

            rows = await self._list("/Calls", "calls", params, None, CALL_PAGES, done)
            found.update((r["callId"], r) for r in rows if r.get("callId") in wanted)
        rest = [c for c in wanted if c not in found]
        found.update(await by_id(rest, lambda c: self._get(f"/Calls/{quote(c)}")))
        return found

    async def conferences(self, items: Sequence[Listed]) -> dict[str, Json | None]:
        wanted = {c: None for i in items if (c := self.conference_of(i.row))}
        found: dict[str, Json | None] = {}
        if len(wanted) >= MIN_LISTED:
            rows = await self._list("/Conferences", "conferences", [], None, 1)
            found.update((r["conferenceId"], r) for r in rows if r.get("conferenceId") in wanted)
        rest = [c for c in wanted if c not in found]
        found.update(await by_id(rest, lambda c: self._get(f"/Conferences/{quote(c)}")))
        return found

    @staticmethod
    def call_fields(call: Json) -> Json:
        return {
            "from": text(call.get("from")),
            "to": text(call.get("to")),
            "status": text(call.get("status")),
            "startTime": fc_time(call, "startTime"),
        }

    @staticmethod
    def conference_name(conference: Json) -> str | None:
        return text(conference.get("alias"))

    # -- traverse ------------------------------------------------------------------------

    async def traverse(self) -> list[list[str]]:
        calls = (await self._list("/Calls", "calls", [], CALLS))[:CALLS]
        timed = {
            c["callId"]: (fc_time(c, "startTime"), fc_time(c, "endTime"))
            for c in calls
            if fc_time(c, "startTime") is not None
        }
        untimed = [c["callId"] for c in calls if c["callId"] not in timed]
        found: dict[str, list[str]] = defaultdict(list)

        async def window() -> None:
            if not timed:
                return
            low = min(s for s, _ in timed.values() if s is not None) - WINDOW_SLACK
            params = [("startTime", _filter_time(low))]
            ends = [e for _, e in timed.values()]
            if all(e is not None for e in ends):
                high = max(e for e in ends if e is not None) + WINDOW_SLACK + 1
                params.append(("endTime", _filter_time(high)))
            for rec in await self._list("/Recordings", "recordings", params, None):
                if rec.get("callId") in timed and not rec.get("deleted"):
                    found[rec["callId"]].append(self.item(rec).ident)

        async def one(call_id: str) -> None:
            body = await self._get(f"/Calls/{quote(call_id)}/Recordings")
            if body is not None:
                found[call_id] = [self.item(r).ident for r in body.get("recordings") or []]

        await asyncio.gather(window(), *(one(c) for c in untimed))
        return [found.get(c["callId"], [])[:CHILD_RECORDINGS] for c in calls]
