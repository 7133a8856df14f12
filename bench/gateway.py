"""The gateway under test, in its own process: ``python -m gateway.cli serve --config``."""

from __future__ import annotations

import asyncio
import json
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from .processes import STARTUP_TIMEOUT, Child

#: Fixed so that cursors are comparable between runs; not a secret.
CURSOR_SECRET = "bench-cursor-secret"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string here


def config_toml(providers: dict[str, Any], port: int, *, coalesce: bool = True) -> str:
    """One account per simulator (its primary one), named after the provider, in the
    registry's order; every HTTP tuning key left at its default but ``rate_limit``;
    ``coalesce``: identical upstream reads in flight share one request (the default)."""
    lines = [
        "[server]",
        'host = "127.0.0.1"',
        f"port = {port}",
        f"cursor_secret = {_toml_value(CURSOR_SECRET)}",
        "graphiql = false",
        f"coalesce_reads = {_toml_value(coalesce)}",
        "",
    ]
    for name, info in providers.items():
        lines.append("[[accounts]]")
        lines.append(f"name = {_toml_value(name)}")
        lines.append(f"provider = {_toml_value(name)}")
        for key, value in info["account"].items():
            lines.append(f"{key} = {_toml_value(value)}")
        # The simulators meter nothing, and the floor does not either: no client-side
        # limit (Kazoo's default, 100 per 10 s, is below what the benchmark asks).
        lines.append("rate_limit = 0")
        lines.append("")
    return "\n".join(lines)


class GatewayProcess:
    def __init__(self, providers: dict[str, Any], *, coalesce: bool = True) -> None:
        self.providers = providers
        self.coalesce = coalesce
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="recgw-bench-")
        self.config_path = Path(self._dir.name) / "gateway.toml"
        self.child: Child | None = None

    async def start(self) -> GatewayProcess:
        self.config_path.write_text(
            config_toml(self.providers, self.port, coalesce=self.coalesce), encoding="utf-8"
        )
        self.child = await Child(
            "gateway.cli",
            ["--log-level", "WARNING", "serve", "--config", str(self.config_path)],
        ).start()
        await self._wait_healthy()
        return self

    async def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(f"{self.url}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("gateway did not become healthy")
                await asyncio.sleep(0.05)

    async def stop(self) -> None:
        if self.child is not None:
            await self.child.stop()
            self.child = None
        self._dir.cleanup()
