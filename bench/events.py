"""``python -m bench.events``: webhook-to-subscriber latency and sustained events/s.

One gateway process (``recgw serve`` on a generated config) per event-log backend, the
embedded log and Redis Streams (a ``redis-server`` started here on loopback). This
process plays SignalWire: it posts signed recording status callbacks to
``/webhooks/signalwire`` (each one a new recording, so none is a replay) and holds one
``recordingEvents`` subscription over graphql-transport-ws, selecting only fields that
need no upstream request (``kind providerRecordingId``).

* ``one at a time``: send a callback, wait until the subscriber has it, repeat. The
  latency is from just before the POST to the subscriber's receipt of the event.
* ``sustained``: ``--concurrency`` senders post as fast as the gateway answers for
  ``--events`` callbacks; events/s counts events *delivered to the subscriber* over the
  time from the first POST to the last delivery; latencies are under that load.

Every run also checks that each accepted callback reached the subscriber exactly once
("lost" and "dup" columns). Options: ``--backends``, ``--events``, ``--samples``,
``--concurrency``, ``--quick`` (a smoke run of a few seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import orjson

from providers.signalwire.webhooks import sign_form

from .gateway import free_port
from .processes import STARTUP_TIMEOUT, Child

PROJECT = "6b0d4f2e-1c3a-4e5b-9d7f-0a2c4e6b8d10"
SIGNING_KEY = "PSK_bench_0123456789abcdef0123456789ab"  # a made-up key for this run only
SUBSCRIPTION = "subscription { recordingEvents { kind providerRecordingId } }"


@dataclass
class Result:
    backend: str
    mode: str
    sent: int
    elapsed: float
    latencies_ms: list[float] = field(default_factory=list)
    lost: int = 0
    duplicates: int = 0

    @property
    def events_per_second(self) -> float:
        return len(self.latencies_ms) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def config(port: int, redis_url: str | None) -> str:
    lines = [
        "[server]",
        'host = "127.0.0.1"',
        f"port = {port}",
        f'public_url = "http://127.0.0.1:{port}"',
        "graphiql = false",
        "[events]",
        "subscriber_queue = 100000",
        "max_events = 1000000",
    ]
    if redis_url:
        lines += ['backend = "redis"', f'url = "{redis_url}"']
    lines += [
        "[[accounts]]",
        'name = "signalwire"',
        'provider = "signalwire"',
        'base_url = "http://127.0.0.1:9"',  # never called: webhooks need no upstream request
        f'project_id = "{PROJECT}"',
        'api_token = "PTbench"',
        f'signing_key = "{SIGNING_KEY}"',
    ]
    return "\n".join(lines) + "\n"


@contextlib.asynccontextmanager
async def redis_server(workdir: Path) -> AsyncIterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        binary,
        *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        *("--dir", str(workdir)),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                await asyncio.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        await proc.wait()


@contextlib.asynccontextmanager
async def gateway(workdir: Path, redis_url: str | None) -> AsyncIterator[str]:
    port = free_port()
    path = workdir / f"events-{port}.toml"
    path.write_text(config(port, redis_url), encoding="utf-8")
    child = Child("gateway.cli", ["--log-level", "WARNING", "serve", "--config", str(path)])
    await child.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{url}/healthz") as resp:
                        if resp.status == 200:
                            break
                if time.monotonic() > deadline:
                    raise RuntimeError("gateway did not become healthy")
                await asyncio.sleep(0.05)
        yield url
    finally:
        await child.stop()


class Subscriber:
    """One graphql-transport-ws subscription; records when each recording id arrives."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.duplicates = 0
        self.waiters: dict[str, asyncio.Future[None]] = {}
        self.expected = 0
        self.all_arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, session: aiohttp.ClientSession, url: str) -> None:
        ws = await session.ws_connect(f"{url}/graphql", protocols=["graphql-transport-ws"])
        await ws.send_json({"type": "connection_init", "payload": {}})
        assert (await ws.receive_json(timeout=10))["type"] == "connection_ack"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        self._task = asyncio.create_task(self._read(ws))
        await asyncio.sleep(0.3)  # the subscription is registered before the first event

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            now = time.perf_counter()
            data = orjson.loads(msg.data)
            if data.get("type") != "next":
                continue
            rec = data["payload"]["data"]["recordingEvents"]["providerRecordingId"]
            if rec in self.arrivals:
                self.duplicates += 1
                continue
            self.arrivals[rec] = now
            if self.expected and len(self.arrivals) >= self.expected:
                self.all_arrived.set()
            waiter = self.waiters.pop(rec, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def callback(url: str) -> tuple[str, bytes, dict[str, str]]:
    rec = str(uuid.uuid4())
    params = [
        ("AccountSid", PROJECT),
        ("CallSid", str(uuid.uuid4())),
        ("RecordingSid", rec),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "12"),
        ("RecordingChannels", "1"),
        ("RecordingSource", "StartCallRecordingApi"),
    ]
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-SignalWire-Signature": sign_form(SIGNING_KEY, url, params),
    }
    return rec, urlencode(params).encode(), headers


async def one_at_a_time(url: str, backend: str, samples: int) -> Result:
    hook = f"{url}/webhooks/signalwire"
    result = Result(backend, "one at a time", samples, 0.0)
    async with aiohttp.ClientSession() as session:
        sub = Subscriber()
        await sub.start(session, url)
        started = time.perf_counter()
        for _ in range(samples):
            rec, body, headers = callback(hook)
            arrived = sub.waiters[rec] = asyncio.get_running_loop().create_future()
            sent = time.perf_counter()
            async with session.post(hook, data=body, headers=headers) as resp:
                assert resp.status == 200, await resp.text()
            try:
                await asyncio.wait_for(arrived, 10)
            except TimeoutError:
                result.lost += 1
                continue
            result.latencies_ms.append((sub.arrivals[rec] - sent) * 1000)
        result.elapsed = time.perf_counter() - started
        result.duplicates = sub.duplicates
        await sub.stop()
    return result


async def sustained(url: str, backend: str, events: int, concurrency: int) -> Result:
    hook = f"{url}/webhooks/signalwire"
    result = Result(backend, f"sustained, {concurrency} senders", events, 0.0)
    prepared = [callback(hook) for _ in range(events)]
    sent_at: dict[str, float] = {}
    queue: asyncio.Queue[tuple[str, bytes, dict[str, str]]] = asyncio.Queue()
    for item in prepared:
        queue.put_nowait(item)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        sub = Subscriber()
        sub.expected = events
        await sub.start(session, url)

        async def sender() -> None:
            while not queue.empty():
                rec, body, headers = queue.get_nowait()
                sent_at[rec] = time.perf_counter()
                async with session.post(hook, data=body, headers=headers) as resp:
                    assert resp.status == 200, await resp.text()

        async def warm() -> None:
            async with session.get(f"{url}/healthz") as resp:
                await resp.read()

        # Open the senders' connections before the clock starts: a connect can stall
        # for seconds (SYN retransmits) on a busy machine, which is not the event path.
        await asyncio.gather(*(warm() for _ in range(concurrency)))
        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sub.all_arrived.wait(), 30)
        last = max(sub.arrivals.values(), default=started)
        result.elapsed = last - started
        result.latencies_ms = [(sub.arrivals[r] - sent_at[r]) * 1000 for r in sub.arrivals]
        result.lost = events - len(sub.arrivals)
        result.duplicates = sub.duplicates
        await sub.stop()
    return result


def table(results: Sequence[Result]) -> str:
    head = "| log | mode | events | events/s | p50 ms | p99 ms | max ms | lost | dup |"
    lines = [head, "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.mode} | {r.sent} | {r.events_per_second:.0f} "
            f"| {r.percentile(0.5):.2f} | {r.percentile(0.99):.2f} "
            f"| {max(r.latencies_ms, default=float('nan')):.2f} | {r.lost} | {r.duplicates} |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="recgw-events-bench-") as tmp:
        workdir = Path(tmp)
        for backend in args.backends:
            async with contextlib.AsyncExitStack() as stack:
                redis_url = None
                if backend == "redis":
                    redis_url = await stack.enter_async_context(redis_server(workdir))
                url = await stack.enter_async_context(gateway(workdir, redis_url))
                results.append(await one_at_a_time(url, backend, args.samples))
                print(table(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
                results.append(await sustained(url, backend, args.events, args.concurrency))
                print(table(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    return results


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument("--backends", nargs="+", default=["embedded", "redis"])
    parser.add_argument("--samples", type=int, default=300, help="one-at-a-time callbacks")
    parser.add_argument("--events", type=int, default=3000, help="sustained-mode callbacks")
    parser.add_argument("--concurrency", type=int, default=16, help="sustained-mode senders")
    parser.add_argument("--quick", action="store_true", help="smoke run: a few seconds")
    return parser


def run(argv: Sequence[str] | None = None) -> list[Result]:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.samples, args.events, args.concurrency = 20, 100, 4
    results = asyncio.run(main(args))
    print(table(results))
    return results


if __name__ == "__main__":
    run()
