"""Two gateway processes on one Redis share one vendor quota and one Retry-After pause."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.demo import simulators_running
from providers._sim import FaultKind, SimulatorServer
from tests.conftest import ANCHOR
from tests.resilience.conftest import RECORDINGS

REPO = Path(__file__).resolve().parents[2]
#: Four requests per minute for the account: the start-up checks of the two processes
#: take two, so two remain for the burst below (the bucket refills one per 15 s).
QUOTA = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(sim: SimulatorServer, redis_url: str | None) -> str:
    account = sim.account_settings()[0]
    lines = [
        "[server]",
        "operation_timeout = 1.0",
        "coalesce_reads = false",
        "[telemetry]",
        "readiness_recheck_seconds = 3600",
        "[[accounts]]",
        'name = "sales"',
        'provider = "signalwire"',
        *(f"{key} = {value!r}".replace("'", '"') for key, value in account.items()),
        f"rate_limit = {QUOTA}",
        "rate_limit_period = 60",
        "max_retry_after = 5.0",
    ]
    if redis_url:
        lines += ["[quotas]", f'redis_url = "{redis_url}"']
    return "\n".join(lines) + "\n"


@contextlib.asynccontextmanager
async def _gateway_process(config: Path) -> AsyncIterator[str]:
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        "--log-level",
        "ERROR",
        "serve",
        "--config",
        str(config),
        "--port",
        str(port),
        stdout=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{url}/readyz") as resp:
                        body = await resp.json()
                        if "checking" not in body["accounts"].values():
                            break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the gateway process did not become ready")
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def _burst(urls: list[str], per_process: int) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as session:

        async def one(url: str, n: int) -> dict[str, Any]:
            async with session.post(f"{url}/graphql", json={"query": RECORDINGS % n}) as resp:
                body: dict[str, Any] = await resp.json()
                return body

        return list(
            await asyncio.gather(*(one(url, 10 + i) for url in urls for i in range(per_process)))
        )


@pytest.mark.parametrize("shared", [True, False], ids=["shared-redis", "per-process"])
async def test_two_processes_share_one_quota(tmp_path: Path, redis_url: str, shared: bool) -> None:
    async with simulators_running(11, recordings=40, anchor=ANCHOR, providers=["signalwire"]) as (
        sim,
    ):
        config = tmp_path / "gateway.toml"
        config.write_text(_config(sim, redis_url if shared else None))
        async with _gateway_process(config) as a, _gateway_process(config) as b:
            log = sim.simulator.request_log
            assert len(log) == 2  # each process's start-up check
            log.clear()
            bodies = await _burst([a, b], 6)
            answered = sum(1 for body in bodies if not body["data"]["recordings"]["failures"])
            refused = [
                body["data"]["recordings"]["failures"][0]["code"]
                for body in bodies
                if body["data"]["recordings"]["failures"]
            ]
            if shared:
                # One bucket of 4 for both processes: 2 were spent at start-up.
                assert len(log) == QUOTA - 2
                assert answered == QUOTA - 2
                assert set(refused) <= {"UPSTREAM_RATE_LIMITED", "UPSTREAM_TIMEOUT"}
            else:
                # The control: each process spends its own 4 (one spent at start-up).
                assert len(log) == 2 * (QUOTA - 1)


async def test_a_retry_after_seen_by_one_process_pauses_the_other(
    tmp_path: Path, redis_url: str
) -> None:
    async with simulators_running(11, recordings=40, anchor=ANCHOR, providers=["signalwire"]) as (
        sim,
    ):
        config = tmp_path / "gateway.toml"
        config.write_text(
            _config(sim, redis_url).replace(f"rate_limit = {QUOTA}", "rate_limit = 0")
        )
        async with _gateway_process(config) as a, _gateway_process(config) as b:
            log = sim.simulator.request_log
            log.clear()
            sim.simulator.faults.retry_after = 3
            sim.simulator.faults.inject(FaultKind.RATE_LIMIT)
            (first,) = await _burst([a], 1)
            failure = first["data"]["recordings"]["failures"][0]
            assert (failure["code"], failure["retryAfter"]) == ("UPSTREAM_RATE_LIMITED", 3)
            assert len(log) == 1
            (second,) = await _burst([b], 1)
            failure = second["data"]["recordings"]["failures"][0]
            assert failure["code"] == "UPSTREAM_RATE_LIMITED"
            assert 2 < failure["retryAfter"] <= 3
            assert len(log) == 1  # process b sent nothing during a's pause
