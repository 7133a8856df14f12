"""The floor's SignalWire (LaML) part: one ``Recordings.json?PageSize=N``; a page's calls
from ``Calls.json`` with ``StartTime>``/``StartTime<`` over the page's window, its
conferences from one ``Conferences.json`` page created up to the page's last day; the
rest one by one."""

from __future__ import annotations

import asyncio
import email.utils
from collections import defaultdict
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit

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
    rfc,
    span,
    text,
    utc,
)

PROVIDER = "signalwire"
PREFIX = "/api/laml/2010-04-01"
WINDOW_SLACK = 5 * 60  # the traverse scenario's margin around its calls


def _date(ts: float) -> str:
    return email.utils.format_datetime(utc(int(ts)))


class SignalWire(VendorPart):
    provider = PROVIDER

    def __init__(self, transport: Transport, account: Json) -> None:
        self.t = transport
        self.project: str = account["project_id"]
        self.owner = self.project
        self.root = f"{account['base_url'].rstrip('/')}{PREFIX}/Accounts/{self.project}"

    async def _list(
        self, path: str, key: str, params: Sequence[tuple[str, str]], size: int, want: int | None
    ) -> list[Json]:
        out: list[Json] = []
        query = [*params, ("PageSize", str(size))]
        while True:
            body = await self.t.ok(self.root + path, query)
            out.extend(body.get(key) or [])
            nxt = body.get("next_page_uri")
            if not nxt or (want is not None and len(out) >= want):
                return out
            cursor = dict(parse_qsl(urlsplit(nxt).query))
            query = [
                *params,
                ("PageSize", str(size)),
                ("Page", cursor["Page"]),
                ("PageToken", cursor["PageToken"]),
            ]

    def item(self, rec: Json) -> Listed:
        native = rec["sid"]
        created = rfc(rec.get("date_created")) or rfc(rec.get("start_time"))
        assert created is not None
        start = rfc(rec.get("start_time"))
        end = rfc(rec.get("end_time"))
        return Listed(
            (created, PROVIDER, PROVIDER, native),
            gid("Recording", PROVIDER, self.project, native),
            rec,
            start=min(created, start) if start is not None else created,
            end=max(created, end) if end is not None else created,
        )

    async def recordings(self, first: int) -> list[Listed]:
        rows = await self._list("/Recordings.json", "recordings", [], max(10, first), first)
        return [self.item(r) for r in rows]

    async def node(self, native: str) -> str | None:
        status, body = await self.t.get(f"{self.root}/Recordings/{native}.json")
        return self.item(body).ident if status == 200 else None

    # -- references and joins ------------------------------------------------------------

    def call_of(self, row: Json) -> str | None:
        return text(row.get("call_sid"))

    def conference_of(self, row: Json) -> str | None:
        return text(row.get("conference_sid"))

    async def calls(self, items: Sequence[Listed]) -> dict[str, Json | None]:
        wanted = {c: None for i in items if (c := self.call_of(i.row))}
        found: dict[str, Json | None] = {}
        if len(wanted) >= MIN_LISTED:
            low, high = span(i for i in items if self.call_of(i.row))
            params = [("StartTime>", _date(low)), ("StartTime<", _date(high))]
            rows = await self._list("/Calls.json", "calls", params, 1000, 1)
            found.update((r["sid"], r) for r in rows if r.get("sid") in wanted)
        rest = [c for c in wanted if c not in found]
        found.update(await by_id(rest, lambda c: self._get(f"/Calls/{c}.json")))
        return found

    async def conferences(self, items: Sequence[Listed]) -> dict[str, Json | None]:
        wanted = {c: None for i in items if (c := self.conference_of(i.row))}
        found: dict[str, Json | None] = {}
        if len(wanted) >= MIN_LISTED:
            last = max(i.end for i in items if self.conference_of(i.row))
            params = [("DateCreated<", utc(last).date().isoformat())]
            rows = await self._list("/Conferences.json", "conferences", params, 1000, 1)
            found.update((r["sid"], r) for r in rows if r.get("sid") in wanted)
        rest = [c for c in wanted if c not in found]
        found.update(await by_id(rest, lambda c: self._get(f"/Conferences/{c}.json")))
        return found

    @staticmethod
    def call_fields(call: Json) -> Json:
        return {
            "from": text(call.get("from")),
            "to": text(call.get("to")),
            "status": text(call.get("status")),
            "startTime": rfc(call.get("start_time")),
        }

    @staticmethod
    def conference_name(conference: Json) -> str | None:
        return text(conference.get("friendly_name"))

    # -- traverse ------------------------------------------------------------------------

    async def traverse(self) -> list[list[str]]:
        calls = (await self._list("/Calls.json", "calls", [], CALLS, CALLS))[:CALLS]
        spans = {
            c["sid"]: (rfc(c.get("start_time")), rfc(c.get("end_time")))
            for c in calls
            if rfc(c.get("start_time")) is not None
        }
        untimed = [c["sid"] for c in calls if c["sid"] not in spans]
        found: dict[str, list[str]] = defaultdict(list)

        async def window() -> None:
            if not spans:
                return
            low = min(s for s, _ in spans.values() if s is not None) - WINDOW_SLACK
            params = [("DateCreated>", _date(low))]
            ends = [e for _, e in spans.values()]
            if all(e is not None for e in ends):
                high = max(e for e in ends if e is not None) + WINDOW_SLACK + 1
                params.append(("DateCreated<", _date(high)))
            for rec in await self._list("/Recordings.json", "recordings", params, 1000, None):
                if rec.get("call_sid") in spans:
                    found[rec["call_sid"]].append(self.item(rec).ident)

        async def one(sid: str) -> None:
            params = [("CallSid", sid)]
            rows = await self._list(
                "/Recordings.json", "recordings", params, CHILD_RECORDINGS + 1, CHILD_RECORDINGS
            )
            found[sid] = [self.item(r).ident for r in rows]

        await asyncio.gather(window(), *(one(s) for s in untimed))
        return [found.get(c["sid"], [])[:CHILD_RECORDINGS] for c in calls]
