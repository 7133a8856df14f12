"""The floor: a hand-written aiohttp fan-out straight to the simulators' REST APIs.

It fetches exactly the data each scenario's GraphQL answer contains and builds the same
``data`` object (see :mod:`bench.scenarios`), with every request that does not depend on
another one's answer in flight at once: providers in parallel, per-id reads unbounded,
Kazoo's 31-day windows in parallel. Only what a vendor's API forces stays sequential
(FreeClimb and SignalWire cursors, a listing before what it names). Nothing here
imports ``gateway``, ``providers`` or a vendor package: paths, auth and paging are
written out by hand, one module per vendor.

Request plan per scenario (per provider, all providers concurrently):

* ``recordings(first: N)``: FreeClimb ``/Recordings`` cursor pages (fixed 100 per page)
  until N; SignalWire one ``Recordings.json?PageSize=N``; Kazoo the newest window with
  ``page_size=N``, then, only if it holds fewer than N, every older window of the 365-day
  lookback at once. Then a k-way merge newest first (ties: provider, account, id).
* ``… { call { id providerCallId } conference { id } }``: the same; the ids are in the
  recording rows.
* ``… { call { from to status startTime } conference { name } }``: the same, then, for
  the recordings of the merged page, each vendor's call listing over the page's time
  window and one conference listing, together; per-id GETs for what they missed (or for
  one or two ids). See each vendor module.
* traverse: the 50 newest calls, then one account-level recordings listing over those
  calls' time span, grouped by call, 10 newest per call; calls without times one by one.
* ``nodes(ids:)``: one ``GET`` per id, all at once.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

import aiohttp

from .base import Json, Listed, Transport, date_time, decode_gid, gather_dict
from .freeclimb import FreeClimb
from .kazoo import Kazoo
from .signalwire import SignalWire

__all__ = ["Floor"]


class Vendor(Protocol):
    async def recordings(self, first: int) -> list[Listed]: ...
    async def traverse(self) -> list[list[str]]: ...
    async def node(self, native: str) -> str | None: ...
    def call_of(self, row: Json) -> str | None: ...
    def conference_of(self, row: Json) -> str | None: ...
    def call_gid(self, native: str) -> str: ...
    def conference_gid(self, native: str) -> str: ...
    async def calls(self, items: Sequence[Listed]) -> dict[str, Json | None]: ...
    async def conferences(self, items: Sequence[Listed]) -> dict[str, Json | None]: ...
    def call_fields(self, call: Json) -> Json: ...
    def conference_name(self, conference: Json) -> str | None: ...


class Floor:
    """One session per simulator, credentials ready (Kazoo authenticated in ``start``)."""

    def __init__(self, providers: dict[str, Any], *, connections: int = 1024) -> None:
        self.providers = providers
        self.connections = connections
        self.vendors: dict[str, Vendor] = {}
        self._sessions: list[aiohttp.ClientSession] = []

    async def start(self) -> Floor:
        for name, info in self.providers.items():
            acct = info["account"]
            headers = {"Accept": "application/json"}
            if name == "freeclimb":
                headers["Authorization"] = aiohttp.encode_basic_auth(
                    acct["account_id"], acct["api_key"]
                )
            elif name == "signalwire":
                headers["Authorization"] = aiohttp.encode_basic_auth(
                    acct["project_id"], acct["api_token"]
                )
            elif name != "kazoo":
                raise ValueError(f"the floor does not know provider {name!r}")
            connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=0)
            session = aiohttp.ClientSession(
                headers=headers, connector=connector, raise_for_status=False
            )
            self._sessions.append(session)
            transport = Transport(session)
            if name == "freeclimb":
                self.vendors[name] = FreeClimb(transport, acct)
            elif name == "signalwire":
                self.vendors[name] = SignalWire(transport, acct)
            else:
                kazoo = Kazoo(transport, acct)
                await kazoo.login(acct)
                self.vendors[name] = kazoo
        return self

    async def close(self) -> None:
        for session in self._sessions:
            await session.close()
        self._sessions.clear()

    # -- scenarios -----------------------------------------------------------------------

    async def page(self, first: int) -> list[Listed]:
        """The ``first`` newest recordings over every vendor."""
        lists = await asyncio.gather(*(v.recordings(first) for v in self.vendors.values()))
        merged: Iterable[Listed] = heapq.merge(*lists, key=lambda item: item.key, reverse=True)
        out: list[Listed] = []
        for item in merged:
            if len(out) >= first:
                break
            out.append(item)
        return out

    async def recordings(self, first: int) -> Json:
        return {"recordings": {"nodes": [{"id": i.ident} for i in await self.page(first)]}}

    async def references(self, first: int) -> Json:
        nodes = []
        for item in await self.page(first):
            vendor = self.vendors[item.key[1]]
            call, conf = vendor.call_of(item.row), vendor.conference_of(item.row)
            nodes.append(
                {
                    "id": item.ident,
                    "call": {"id": vendor.call_gid(call), "providerCallId": call} if call else None,
                    "conference": {"id": vendor.conference_gid(conf)} if conf else None,
                }
            )
        return {"recordings": {"nodes": nodes}}

    async def join(self, first: int) -> Json:
        page = await self.page(first)
        by_vendor: dict[str, list[Listed]] = {name: [] for name in self.vendors}
        for item in page:
            by_vendor[item.key[1]].append(item)
        jobs: dict[str, Awaitable[Any]] = {}
        for name, items in by_vendor.items():
            if items:
                jobs[f"{name}:call"] = self.vendors[name].calls(items)
                jobs[f"{name}:conference"] = self.vendors[name].conferences(items)
        found = await gather_dict(jobs)
        nodes = []
        for item in page:
            name = item.key[1]
            vendor = self.vendors[name]
            call_id, conf_id = vendor.call_of(item.row), vendor.conference_of(item.row)
            call = found[f"{name}:call"].get(call_id) if call_id else None
            conf = found[f"{name}:conference"].get(conf_id) if conf_id else None
            fields = None
            if call is not None:
                fields = vendor.call_fields(call)
                fields["startTime"] = date_time(fields["startTime"])
            nodes.append(
                {
                    "id": item.ident,
                    "call": fields,
                    "conference": None if conf is None else {"name": vendor.conference_name(conf)},
                }
            )
        return {"recordings": {"nodes": nodes}}

    async def traverse(self) -> Json:
        per_vendor = await asyncio.gather(*(v.traverse() for v in self.vendors.values()))
        return {
            "accounts": [
                {
                    "calls": {
                        "edges": [
                            {"node": {"recordings": {"nodes": [{"id": i} for i in ids]}}}
                            for ids in calls
                        ]
                    }
                }
                for calls in per_vendor
            ]
        }

    async def nodes(self, ids: Sequence[str]) -> Json:
        async def one(value: str) -> Json | None:
            _, provider, _, native = decode_gid(value)
            found = await self.vendors[provider].node(native)
            return None if found is None else {"id": found}

        return {"nodes": list(await asyncio.gather(*(one(i) for i in ids)))}

    async def run(self, scenario: str, node_ids: Sequence[str]) -> Json:
        """The scenario's GraphQL ``data``, as the gateway would answer it."""
        kind, _, size = scenario.rpartition("_")
        runners: dict[str, Callable[[int], Awaitable[Json]]] = {
            "recordings": self.recordings,
            "references": self.references,
            "join": self.join,
        }
        if kind in runners:
            return await runners[kind](int(size))
        if scenario == "traverse":
            return await self.traverse()
        if scenario == "nodes_100":
            return await self.nodes(node_ids)
        raise ValueError(scenario)
