"""``recgw retention`` against the demo's simulators, as an operator runs it: a real
process, a real config file, the simulators on loopback."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.demo import simulators_running
from providers._sim import FaultKind, SimulatorServer
from tests.conftest import ANCHOR

RECGW = str(Path(sys.executable).with_name("recgw"))


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[tuple[Path, dict[str, SimulatorServer]]]:
    async with simulators_running(11, recordings=40, anchor=ANCHOR) as servers:
        lines = []
        for server in servers:
            name = server.simulator.provider
            lines += ["[[accounts]]", f'name = "{name}"', f'provider = "{name}"']
            lines += [f'{k} = "{v}"' for k, v in server.account_settings()[0].items()]
            lines.append("")
        config = tmp_path / "gateway.toml"
        config.write_text("\n".join(lines), encoding="utf-8")
        yield config, {s.simulator.provider: s for s in servers}


async def recgw(*args: str) -> tuple[int, str, str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    proc = await asyncio.create_subprocess_exec(
        RECGW,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def deletes(server: SimulatorServer) -> int:
    return server.simulator.request_log.count("DELETE")


async def test_dry_run_lists_and_changes_nothing(
    demo: tuple[Path, dict[str, SimulatorServer]],
) -> None:
    config, sims = demo
    code, out, err = await recgw("retention", "--config", str(config), "--older-than", "30d")
    assert code == 0, (out, err)
    assert "would delete" in out and "Dry run: nothing was deleted" in out
    for provider in sims:
        assert provider in out
    assert sum(deletes(s) for s in sims.values()) == 0
    assert "retention by recgw-retention" in err and "dry_run" in err  # the audit line


async def test_apply_deletes_only_old_recordings_of_one_account(
    demo: tuple[Path, dict[str, SimulatorServer]],
) -> None:
    config, sims = demo
    kazoo = sims["kazoo"].simulator
    cutoff = datetime.now(UTC) - timedelta(days=30)
    account = kazoo.accounts[0]  # type: ignore[attr-defined]

    def old_alive() -> list[str]:
        offset = 62167219200
        return [
            r.id
            for r in account.recordings.values()
            if not r.deleted and r.created - offset < cutoff.timestamp() - 60
        ]

    doomed = old_alive()
    assert len(doomed) > 7
    args = ["retention", "--config", str(config), "--older-than", "30d", "--account", "kazoo"]
    code, out, err = await recgw(*args, "--apply", "--limit", "7")  # several batches
    assert code == 0, (out, err)
    assert old_alive() == []
    assert deletes(sims["kazoo"]) == len(doomed)  # each once: never retried, never twice
    assert deletes(sims["freeclimb"]) == deletes(sims["signalwire"]) == 0
    assert any(r.created - 62167219200 > cutoff.timestamp() for r in account.recordings.values())
    assert f"{len(doomed)}" in out
    # Again: nothing left to do, still success.
    code, out, _ = await recgw(*args, "--apply")
    assert code == 0 and deletes(sims["kazoo"]) == len(doomed)


async def test_failures_give_a_non_zero_exit(
    demo: tuple[Path, dict[str, SimulatorServer]],
) -> None:
    config, sims = demo
    sims["signalwire"].simulator.faults.outage = FaultKind.SERVER_ERROR
    code, out, err = await recgw(
        "retention", "--config", str(config), "--older-than", "30d", "--apply"
    )
    assert code == 1, (out, err)
    assert "UPSTREAM_UNAVAILABLE" in out  # the account that could not be listed
    assert deletes(sims["freeclimb"]) > 0 and deletes(sims["kazoo"]) > 0
    code, _, err = await recgw("retention", "--config", str(config), "--older-than", "nonsense")
    assert code == 2 and "not an age" in err
    code, _, err = await recgw(
        "retention", "--config", str(config), "--older-than", "1d", "--account", "nope"
    )
    assert code == 2 and "no account named 'nope'" in err
