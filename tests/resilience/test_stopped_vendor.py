"""A vendor process that is stopped (SIGSTOP: connections accepted by the kernel, never
answered), as in issue 15: operations end within their deadline, and once the breaker
opens they no longer wait at all."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from gateway.demo import simulators_running
from tests.conftest import ANCHOR
from tests.resilience.conftest import RECORDINGS, _checked, serve, settings_for

REPO = Path(__file__).resolve().parents[2]
DEADLINE = 1.0
#: 20 operations at once in this process, on a shared 2-core VM: cancelling, merging and
#: answering them all takes longer than for one (test_deadline.py's margin is 0.5 s).
MARGIN = 0.75


@contextlib.asynccontextmanager
async def _simulator_process(provider: str) -> AsyncIterator[tuple[int, dict[str, Any]]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        "simulate",
        provider,
        "--seed",
        "11",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert proc.stdout is not None
        line = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
        yield proc.pid, {"base_url": line["base_url"], **line["credentials"]}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGCONT)
            proc.terminate()
        await proc.wait()


async def test_stopped_vendor_process(tmp_path: Path) -> None:
    async with (
        _simulator_process("kazoo") as (pid, kazoo),
        simulators_running(
            11, recordings=40, anchor=ANCHOR, providers=["freeclimb", "signalwire"]
        ) as servers,
    ):
        settings = settings_for(
            servers,
            server={"operation_timeout": DEADLINE, "breaker_failures": 3, "breaker_cooldown": 30},
            more_accounts=[{"name": "kazoo", "provider": "kazoo", **kazoo}],
        )
        runner, url = await serve(settings)
        try:
            async with aiohttp.ClientSession() as session:
                await _checked(session, url)
                os.kill(pid, signal.SIGSTOP)

                async def timed(n: int) -> tuple[float, dict[str, Any]]:
                    started = time.monotonic()
                    async with session.post(
                        f"{url}/graphql", json={"query": RECORDINGS % n}
                    ) as resp:
                        body = await resp.json()
                    return time.monotonic() - started, body

                # 20 concurrent operations: each waits at most its deadline.
                for elapsed, body in await asyncio.gather(*(timed(10 + i) for i in range(20))):
                    assert elapsed < DEADLINE + MARGIN, (elapsed, body)
                    codes = {
                        f["provider"]: f["code"] for f in body["data"]["recordings"]["failures"]
                    }
                    assert codes == {"KAZOO": "UPSTREAM_TIMEOUT"}, body
                    assert body["data"]["recordings"]["nodes"]
                # Those were consecutive failures: the breaker is open, and nobody waits
                # for the stopped vendor any more: not one request goes to it. (How long
                # 20 operations over the two live vendors take depends on the machine's
                # load, so the bound on time is the deadline's, not a tighter one.)
                sent_before = await _kazoo_attempts(session, url)
                for elapsed, body in await asyncio.gather(*(timed(40 + i) for i in range(20))):
                    assert elapsed < DEADLINE + MARGIN, (elapsed, body)
                    (failure,) = body["data"]["recordings"]["failures"]
                    assert failure["code"] == "UPSTREAM_UNAVAILABLE"
                    assert failure["retryAfter"] > 20
                assert await _kazoo_attempts(session, url) == sent_before > 0
        finally:
            await runner.cleanup()


async def _kazoo_attempts(session: aiohttp.ClientSession, url: str) -> float:
    """Requests the gateway has sent to the Kazoo account, answered or not (/metrics)."""
    async with session.get(f"{url}/metrics") as resp:
        text = await resp.text()
    return sum(
        float(line.rpartition(" ")[2])
        for line in text.splitlines()
        if line.startswith("recgw_upstream_requests_total{") and 'provider="kazoo"' in line
    )
