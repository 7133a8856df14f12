"""Two real ``recgw serve`` processes on one Redis: a webhook received by one reaches a
subscriber connected to the other, exactly once, and a replay sent to the other process
is refused there."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.demo import simulators_running
from providers._sim import SimulatorServer
from tests.conftest import ANCHOR

from .clients import WsClient, recordings, signalwire_callback
from .conftest import EventGateway, account_entries, free_port

RECGW = str(Path(sys.executable).with_name("recgw"))


def toml_value(value: Any) -> str:
    return json.dumps(value)  # strings, numbers and lists of strings: same in TOML


def write_config(path: Path, port: int, servers: list[SimulatorServer], redis_url: str) -> None:
    lines = [
        "[server]",
        'host = "127.0.0.1"',
        f"port = {port}",
        f'public_url = "http://127.0.0.1:{port}"',
        'cursor_secret = "shared-by-both-instances-0123456789"',
        "[events]",
        'backend = "redis"',
        f'url = "{redis_url}"',
    ]
    for entry in account_entries(servers, f"http://127.0.0.1:{port}"):
        lines.append("[[accounts]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in entry.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # what we wrote is valid TOML


@contextmanager
def serve(config: Path) -> Iterator[subprocess.Popen[bytes]]:
    log_path = config.with_suffix(".log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own CLI with a fixed argument list
            [RECGW, "serve", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RECGW_LOG_LEVEL": "WARNING"},
        )
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=20)


async def wait_ready(session: aiohttp.ClientSession, url: str, process: Any) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"recgw serve exited with {process.returncode}")
        try:
            async with session.get(f"{url}/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not come up")


@pytest.fixture
async def servers() -> AsyncIterator[list[SimulatorServer]]:
    async with simulators_running(11, recordings=20, anchor=ANCHOR, providers=["signalwire"]) as s:
        yield s


async def test_webhook_on_one_process_reaches_a_subscriber_on_the_other_once(
    servers: list[SimulatorServer], redis_url: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    configs = [tmp_path / "a.toml", tmp_path / "b.toml"]
    for port, config in zip(ports, configs, strict=True):
        write_config(config, port, servers, redis_url)
    with serve(configs[0]) as proc_a, serve(configs[1]) as proc_b:
        async with aiohttp.ClientSession() as session:
            a, b = (f"http://127.0.0.1:{p}" for p in ports)
            await wait_ready(session, a, proc_a)
            await wait_ready(session, b, proc_b)
            sims = {"signalwire": servers[0]}
            settings: Any = None
            gw_a = EventGateway(a, session, sims, settings, app=None)  # type: ignore[arg-type]
            gw_b = EventGateway(b, session, sims, settings, app=None)  # type: ignore[arg-type]
            start = (await gw_b.events())["pageInfo"]["endCursor"]
            subscriber = await WsClient.connect(gw_b)
            await subscriber.subscribe(after=start)
            rec = recordings(gw_a, 1)[0]
            assert await signalwire_callback(gw_a, "completed", rec) == 200
            [event] = await subscriber.events(1)
            assert event["providerRecordingId"] == rec.sid and event["kind"] == "COMPLETED"
            assert event["recording"]["providerRecordingId"] == rec.sid
            # The same callback replayed to B is refused there: the dedupe is in Redis.
            assert await signalwire_callback(gw_b, "completed", rec) == 409
            assert await subscriber.quiet(0.5)  # exactly once
            # B's cursor resumes on A (one log, one cursor secret).
            rest = await gw_a.events(after=event["cursor"])
            assert rest["nodes"] == []
            assert len((await gw_a.events(after=start))["nodes"]) == 1
            await subscriber.close()
