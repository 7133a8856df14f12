"""Child processes the benchmark starts (simulators, gateway) and stops again."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STARTUP_TIMEOUT = 60.0
REPO_ROOT = Path(__file__).resolve().parent.parent


class Child:
    """``python -m <module> <args>``; its first stdout line is kept as ``first_line``."""

    def __init__(self, module: str, args: Sequence[str], *, env: dict[str, str] | None = None):
        self.module = module
        self.args = list(args)
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.first_line = ""
        self._drain: asyncio.Task[None] | None = None

    async def start(self) -> Child:
        env = {**os.environ, **(self.env or {})}
        # ``bench`` is not installed: let the child import it whatever its working directory.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            *self.args,
            stdout=asyncio.subprocess.PIPE,
            stderr=None,  # inherit: errors in a child show up in the benchmark's output
            env=env,
        )
        assert self.proc.stdout is not None
        try:
            raw = await asyncio.wait_for(self.proc.stdout.readline(), STARTUP_TIMEOUT)
        except TimeoutError:
            await self.stop()
            raise RuntimeError(
                f"{self.module} did not start within {STARTUP_TIMEOUT:g} s"
            ) from None
        if not raw:
            code = await self.proc.wait()
            raise RuntimeError(f"{self.module} exited with status {code} before starting")
        self.first_line = raw.decode().strip()
        self._drain = asyncio.create_task(self._discard(self.proc.stdout))
        return self

    @staticmethod
    async def _discard(stream: asyncio.StreamReader) -> None:
        while await stream.readline():
            pass

    def json_line(self) -> Any:
        return json.loads(self.first_line)

    async def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain
