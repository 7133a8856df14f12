"""The floor: a hand-written aiohttp fan-out straight to the simulators' REST APIs.

It fetches exactly the data each scenario's GraphQL answer contains and builds the same
canonical result (see :mod:`bench.scenarios`), with every request that does not depend on
another one's answer in flight at once: providers in parallel, per-id reads unbounded,
Kazoo's 31-day windows in parallel. Only what a vendor's API forces stays sequential
(FreeClimb and SignalWire cursors, the calls page before their recordings). Nothing here
imports ``gateway`` or a vendor package: paths, auth and paging are written out by hand.

Request plan per scenario (per provider, all providers concurrently):

* ``recordings(first: N)``: FreeClimb ``/Recordings`` cursor pages (fixed 100 per page)
  until N; SignalWire one ``Recordings.json?PageSize=N``; Kazoo the newest window with
  ``page_size=N``, then, only if it holds fewer than N, every older window of the 365-day
  lookback at once. Then a k-way merge newest first (ties: provider, account, id).
* traverse: the 50 newest calls (FreeClimb ``/Calls``, SignalWire ``Calls.json``, Kazoo
  live ``/channels`` then ``/cdrs`` like the recordings above, asked together), then one
  account-level recordings listing over those calls' time span (±5 min; Kazoo
  ``filter_cdr_id`` with the ids, ±120 s), grouped by call, 10 newest per call; calls
  without times are asked one by one, concurrently.
* ``nodes(ids:)``: one ``GET`` per id, all at once.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import heapq
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import aiohttp
import orjson

from .scenarios import Result

GREGORIAN_OFFSET = 62167219200
KAZOO_WINDOW = 31 * 86400
KAZOO_HISTORY_DAYS = 365
KAZOO_SLACK = 120
SLACK = timedelta(minutes=5)
CALLS = 50
CHILD_RECORDINGS = 10
SW_PREFIX = "/api/laml/2010-04-01"


def gid(type_name: str, provider: str, account: str, native: str) -> str:
    raw = f"{type_name}:{provider}:{account}:{native}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_gid(value: str) -> tuple[str, str, str, str]:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    type_name, provider, account, native = raw.split(":", 3)
    return type_name, provider, account, native


def _iso(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _rfc(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return _iso(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _fc_time(item: dict[str, Any], key: str) -> float | None:
    return _iso(item.get(key + "ISO")) or _rfc(item.get(key))


def _kazoo_created(row: dict[str, Any]) -> float:
    """Unix seconds of a Kazoo recording's ``start + duration`` (whole seconds)."""
    start = float(row["start"])
    secs = row.get("duration")
    whole = float(secs) if secs is not None else float(int(float(row["duration_ms"]) / 1000))
    return start + whole - GREGORIAN_OFFSET


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


#: (created unix seconds, provider, account name, native id) -> global id
Item = tuple[tuple[float, str, str, str], str]


class Floor:
    """One session per simulator, credentials ready (Kazoo authenticated in ``start``)."""

    def __init__(self, providers: dict[str, Any], *, connections: int = 1024) -> None:
        self.providers = providers
        self.connections = connections
        self.sessions: dict[str, aiohttp.ClientSession] = {}
        self.accounts: dict[str, str] = {}
        self._kazoo_skew = 0.0

    async def start(self) -> Floor:
        for name, info in self.providers.items():
            acct = info["account"]
            headers = {"Accept": "application/json"}
            if name == "freeclimb":
                headers["Authorization"] = aiohttp.encode_basic_auth(
                    acct["account_id"], acct["api_key"]
                )
                self.accounts[name] = acct["account_id"]
            elif name == "signalwire":
                headers["Authorization"] = aiohttp.encode_basic_auth(
                    acct["project_id"], acct["api_token"]
                )
                self.accounts[name] = acct["project_id"]
            elif name == "kazoo":
                self.accounts[name] = acct["account_id"]
            else:
                raise ValueError(f"the floor does not know provider {name!r}")
            connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=0)
            self.sessions[name] = aiohttp.ClientSession(
                headers=headers, connector=connector, raise_for_status=False
            )
        if "kazoo" in self.providers:
            await self._kazoo_auth()
        return self

    async def close(self) -> None:
        for session in self.sessions.values():
            await session.close()
        self.sessions.clear()

    # -- transport ---------------------------------------------------------------------

    async def _get(
        self, provider: str, url: str, params: Sequence[tuple[str, str]] = ()
    ) -> tuple[int, Any]:
        if params:
            url = f"{url}?{urlencode(params)}"
        async with self.sessions[provider].get(url) as resp:
            raw = await resp.read()
            return resp.status, orjson.loads(raw) if raw else None

    async def _ok(self, provider: str, url: str, params: Sequence[tuple[str, str]] = ()) -> Any:
        status, body = await self._get(provider, url, params)
        if status != 200:
            raise RuntimeError(f"floor: {provider} GET {url} answered {status}: {body!r:.200}")
        return body

    # -- FreeClimb -----------------------------------------------------------------------

    def _fc_url(self, path: str) -> str:
        acct = self.providers["freeclimb"]["account"]
        return f"{acct['base_url']}/Accounts/{quote(acct['account_id'])}{path}"

    async def _fc_list(
        self, path: str, key: str, params: Sequence[tuple[str, str]], want: int | None
    ) -> list[dict[str, Any]]:
        """Follow ``nextPageUri`` cursors until ``want`` items (``None``: all)."""
        out: list[dict[str, Any]] = []
        query = list(params)
        while True:
            body = await self._ok("freeclimb", self._fc_url(path), query)
            out.extend(body.get(key) or [])
            nxt = body.get("nextPageUri")
            if not nxt or (want is not None and len(out) >= want):
                return out
            query = [("cursor", dict(parse_qsl(urlsplit(nxt).query))["cursor"])]

    def _fc_item(self, rec: dict[str, Any]) -> Item:
        native = rec["recordingId"]
        created = _fc_time(rec, "dateCreated")
        assert created is not None
        ident = gid("Recording", "freeclimb", self.accounts["freeclimb"], native)
        return (created, "freeclimb", "freeclimb", native), ident

    async def _fc_recordings(self, first: int) -> list[Item]:
        rows = await self._fc_list("/Recordings", "recordings", [], first)
        return [self._fc_item(r) for r in rows if not r.get("deleted")]

    async def _fc_traverse(self) -> list[list[str]]:
        calls = (await self._fc_list("/Calls", "calls", [], CALLS))[:CALLS]
        timed = {
            c["callId"]: (_fc_time(c, "startTime"), _fc_time(c, "endTime"))
            for c in calls
            if _fc_time(c, "startTime") is not None
        }
        untimed = [c["callId"] for c in calls if c["callId"] not in timed]
        found: dict[str, list[str]] = defaultdict(list)

        async def window() -> None:
            if not timed:
                return
            low = min(s for s, _ in timed.values() if s is not None) - SLACK.total_seconds()
            params = [("startTime", _utc(low).strftime("%Y-%m-%d %H:%M:%S"))]
            ends = [e for _, e in timed.values()]
            if all(e is not None for e in ends):
                high = max(e for e in ends if e is not None) + SLACK.total_seconds() + 1
                params.append(("endTime", _utc(high).strftime("%Y-%m-%d %H:%M:%S")))
            for rec in await self._fc_list("/Recordings", "recordings", params, None):
                if rec.get("callId") in timed and not rec.get("deleted"):
                    found[rec["callId"]].append(self._fc_item(rec)[1])

        async def one(call_id: str) -> None:
            path = f"/Calls/{quote(call_id)}/Recordings"
            status, body = await self._get("freeclimb", self._fc_url(path))
            if status == 200:
                found[call_id] = [self._fc_item(r)[1] for r in body.get("recordings") or []]

        await asyncio.gather(window(), *(one(c) for c in untimed))
        return [found.get(c["callId"], [])[:CHILD_RECORDINGS] for c in calls]

    async def _fc_node(self, native: str) -> str | None:
        status, body = await self._get("freeclimb", self._fc_url(f"/Recordings/{quote(native)}"))
        if status != 200 or body.get("deleted"):
            return None
        return self._fc_item(body)[1]

    # -- SignalWire ----------------------------------------------------------------------

    def _sw_url(self, path: str) -> str:
        acct = self.providers["signalwire"]["account"]
        return f"{acct['base_url'].rstrip('/')}{SW_PREFIX}/Accounts/{acct['project_id']}{path}"

    async def _sw_list(
        self, path: str, key: str, params: Sequence[tuple[str, str]], size: int, want: int | None
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        query = [*params, ("PageSize", str(size))]
        while True:
            body = await self._ok("signalwire", self._sw_url(path), query)
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

    def _sw_item(self, rec: dict[str, Any]) -> Item:
        native = rec["sid"]
        created = _rfc(rec.get("date_created")) or _rfc(rec.get("start_time"))
        assert created is not None
        ident = gid("Recording", "signalwire", self.accounts["signalwire"], native)
        return (created, "signalwire", "signalwire", native), ident

    async def _sw_recordings(self, first: int) -> list[Item]:
        rows = await self._sw_list("/Recordings.json", "recordings", [], max(10, first), first)
        return [self._sw_item(r) for r in rows]

    async def _sw_traverse(self) -> list[list[str]]:
        calls = (await self._sw_list("/Calls.json", "calls", [], CALLS, CALLS))[:CALLS]
        spans = {
            c["sid"]: (_rfc(c.get("start_time")), _rfc(c.get("end_time")))
            for c in calls
            if _rfc(c.get("start_time")) is not None
        }
        untimed = [c["sid"] for c in calls if c["sid"] not in spans]
        found: dict[str, list[str]] = defaultdict(list)

        async def window() -> None:
            if not spans:
                return
            low = min(s for s, _ in spans.values() if s is not None) - SLACK.total_seconds()
            params = [("DateCreated>", email.utils.format_datetime(_utc(int(low))))]
            ends = [e for _, e in spans.values()]
            if all(e is not None for e in ends):
                high = max(e for e in ends if e is not None) + SLACK.total_seconds() + 1
                params.append(("DateCreated<", email.utils.format_datetime(_utc(int(high)))))
            for rec in await self._sw_list("/Recordings.json", "recordings", params, 1000, None):
                if rec.get("call_sid") in spans:
                    found[rec["call_sid"]].append(self._sw_item(rec)[1])

        async def one(sid: str) -> None:
            rows = await self._sw_list(
                "/Recordings.json",
                "recordings",
                [("CallSid", sid)],
                CHILD_RECORDINGS + 1,
                CHILD_RECORDINGS,
            )
            found[sid] = [self._sw_item(r)[1] for r in rows]

        await asyncio.gather(window(), *(one(s) for s in untimed))
        return [found.get(c["sid"], [])[:CHILD_RECORDINGS] for c in calls]

    async def _sw_node(self, native: str) -> str | None:
        status, body = await self._get("signalwire", self._sw_url(f"/Recordings/{native}.json"))
        return self._sw_item(body)[1] if status == 200 else None

    # -- Kazoo ---------------------------------------------------------------------------

    def _kz_url(self, path: str) -> str:
        acct = self.providers["kazoo"]["account"]
        return f"{acct['base_url'].rstrip('/')}/v2/accounts/{acct['account_id']}{path}"

    async def _kazoo_auth(self) -> None:
        acct = self.providers["kazoo"]["account"]
        url = f"{acct['base_url'].rstrip('/')}/v2/api_auth"
        async with self.sessions["kazoo"].put(
            url, json={"data": {"api_key": acct["api_key"]}}
        ) as resp:
            body = orjson.loads(await resp.read())
        if resp.status not in (200, 201):
            raise RuntimeError(f"floor: kazoo auth answered {resp.status}")
        self.sessions["kazoo"].headers["X-Auth-Token"] = body["auth_token"]
        stamp = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
        self._kazoo_skew = stamp.timestamp() - time.time()

    def _kz_windows(self) -> list[tuple[int, int]]:
        """The 31-day windows of the lookback, newest first (Gregorian seconds)."""
        hi = GREGORIAN_OFFSET + int(time.time() + self._kazoo_skew) + 1
        lo = hi - KAZOO_HISTORY_DAYS * 86400
        out = []
        to = hi
        while to >= lo:
            frm = max(lo, to - KAZOO_WINDOW)
            out.append((frm, to))
            to = frm - 1
        return out

    async def _kz_window(
        self, path: str, frm: int, to: int, size: int, want: int | None, extra: Sequence[Any]
    ) -> list[dict[str, Any]]:
        """One window's rows, following ``next_start_key`` until ``want`` (None: all)."""
        rows: list[dict[str, Any]] = []
        key: str | None = None
        while True:
            params = [("page_size", str(size)), ("created_from", str(frm)), ("created_to", str(to))]
            if key is not None:
                params.append(("start_key", key))
            body = await self._ok("kazoo", self._kz_url(path), [*params, *extra])
            rows.extend(body.get("data") or [])
            nxt = body.get("next_start_key")
            if not nxt or nxt == key or (want is not None and len(rows) >= want):
                return rows
            key = nxt

    async def _kz_newest(self, path: str, want: int) -> list[dict[str, Any]]:
        """The ``want`` newest rows: the newest window first, then (only if it is short)
        every older window of the lookback at once."""
        windows = self._kz_windows()
        rows = await self._kz_window(path, *windows[0], want, want, ())
        if len(rows) >= want:
            return rows[:want]
        rest = want - len(rows)
        older = await asyncio.gather(
            *(self._kz_window(path, frm, to, rest, rest, ()) for frm, to in windows[1:])
        )
        for chunk in older:
            rows.extend(chunk)
        return rows[:want]

    def _kz_item(self, row: dict[str, Any]) -> Item:
        native = row["id"]
        ident = gid("Recording", "kazoo", self.accounts["kazoo"], native)
        return (_kazoo_created(row), "kazoo", "kazoo", native), ident

    async def _kz_recordings(self, first: int) -> list[Item]:
        return [self._kz_item(r) for r in await self._kz_newest("/recordings", first)]

    async def _kz_traverse(self) -> list[list[str]]:
        # Live calls (channels, newest first) lead the calls page; they have no recordings
        # yet (Kazoo writes the doc when one stops).
        cdrs, channels = await asyncio.gather(
            self._kz_newest("/cdrs", CALLS), self._ok("kazoo", self._kz_url("/channels"))
        )
        live = len(channels.get("data") or [])
        cdrs = cdrs[: max(0, CALLS - live)]
        intervals: dict[str, tuple[int, int]] = {}
        for row in cdrs:
            start = int(float(row["timestamp"]))
            end = start + int(float(row.get("duration_seconds") or 0))
            intervals[row["id"]] = (start - KAZOO_SLACK, end + KAZOO_SLACK)
        found: dict[str, dict[str, tuple[float, str, str]]] = defaultdict(dict)
        if intervals:
            top = max(hi for _, hi in intervals.values())
            bottom = min(lo for lo, _ in intervals.values())
            chunks = []
            while top >= bottom:
                frm = max(bottom, top - KAZOO_WINDOW)
                ids = [k for k, (lo, hi) in intervals.items() if lo <= top and hi >= frm]
                if ids:
                    chunks.append((frm, top, ids))
                top = frm - 1
            lists = await asyncio.gather(
                *(
                    self._kz_window(
                        "/recordings",
                        frm,
                        to,
                        500,
                        None,
                        [("filter_cdr_id", orjson.dumps(ids).decode())],
                    )
                    for frm, to, ids in chunks
                )
            )
            for rows in lists:
                for row in rows:
                    cdr = row.get("cdr_id")
                    if cdr in intervals:
                        key, ident = self._kz_item(row)
                        found[cdr][row["id"]] = (key[0], row["id"], ident)
        out: list[list[str]] = [[] for _ in range(min(live, CALLS))]
        for row in cdrs:
            recs = sorted(found.get(row["id"], {}).values(), reverse=True)
            out.append([ident for _, _, ident in recs[:CHILD_RECORDINGS]])
        return out

    async def _kz_node(self, native: str) -> str | None:
        status, body = await self._get("kazoo", self._kz_url(f"/recordings/{native}"))
        return self._kz_item(body["data"])[1] if status == 200 else None

    # -- scenarios -----------------------------------------------------------------------

    async def recordings(self, first: int) -> Result:
        listers: dict[str, Callable[[int], Awaitable[list[Item]]]] = {
            "freeclimb": self._fc_recordings,
            "kazoo": self._kz_recordings,
            "signalwire": self._sw_recordings,
        }
        lists = await asyncio.gather(*(listers[p](first) for p in self.providers))
        merged: Iterable[Item] = heapq.merge(*lists, key=lambda item: item[0], reverse=True)
        out: list[str] = []
        for _, ident in merged:
            if len(out) >= first:
                break
            out.append(ident)
        return out

    async def traverse(self) -> Result:
        walkers: dict[str, Callable[[], Awaitable[list[list[str]]]]] = {
            "freeclimb": self._fc_traverse,
            "kazoo": self._kz_traverse,
            "signalwire": self._sw_traverse,
        }
        return list(await asyncio.gather(*(walkers[p]() for p in self.providers)))

    async def nodes(self, ids: Sequence[str]) -> Result:
        getters: dict[str, Callable[[str], Awaitable[str | None]]] = {
            "freeclimb": self._fc_node,
            "kazoo": self._kz_node,
            "signalwire": self._sw_node,
        }

        async def one(value: str) -> str | None:
            _, provider, _, native = decode_gid(value)
            return await getters[provider](native)

        return list(await asyncio.gather(*(one(i) for i in ids)))

    async def run(self, scenario: str, node_ids: Sequence[str]) -> Result:
        if scenario == "recordings_50":
            return await self.recordings(50)
        if scenario == "recordings_500":
            return await self.recordings(500)
        if scenario == "traverse":
            return await self.traverse()
        if scenario == "nodes_100":
            return await self.nodes(node_ids)
        raise ValueError(scenario)
