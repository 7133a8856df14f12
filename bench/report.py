"""The printed table (Markdown, so it can be pasted as is) and the JSON file."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from .run import Options, ScenarioResult

PROVIDER_ORDER = ("freeclimb", "kazoo", "signalwire")


def _counts(counts: dict[str, int]) -> str:
    names = [p for p in PROVIDER_ORDER if p in counts] + sorted(set(counts) - set(PROVIDER_ORDER))
    return "/".join(str(counts[p]) for p in names)


def table(results: Sequence[ScenarioResult]) -> str:
    """One row per (latency, scenario, concurrency)."""
    head = (
        "| upstream latency | scenario | conc. | upstream req. gw (fc/kz/sw) | floor | "
        "gw p50 ms | gw p95 ms | gw req/s | floor p50 ms | floor p95 ms | floor req/s | "
        "p50 gw÷floor | p95 gw÷floor | req/s gw÷floor | same data |"
    )
    rule = "|" + "---|" * (head.count("|") - 1)
    rows = [head, rule]
    for r in results:
        for cell in r.cells:
            g, f = cell.gateway, cell.floor
            ratio = cell.ratio()
            rows.append(
                f"| {r.latency_ms:g} ms | {r.scenario.title} | {cell.concurrency} | "
                f"{_counts(r.upstream_gateway)} | {_counts(r.upstream_floor)} | "
                f"{g.p50_ms:.1f} | {g.p95_ms:.1f} | {g.rps:.1f} | "
                f"{f.p50_ms:.1f} | {f.p95_ms:.1f} | {f.rps:.1f} | "
                f"{ratio['p50']:.2f} | {ratio['p95']:.2f} | {ratio['rps']:.2f} | "
                f"{'yes' if r.identical else '**NO**'} |"
            )
    return "\n".join(rows)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH is fine)
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def document(
    opts: Options,
    results: Sequence[ScenarioResult],
    argv: Sequence[str],
    runs: Sequence[Sequence[ScenarioResult]] = (),
) -> Any:
    """``results`` (the medians when the run was repeated) and each repeat's own."""
    return {
        "meta": {
            "command": "python -m bench " + " ".join(argv),
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "git_commit": _git_commit(),
            "nproc": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "aiohttp": aiohttp.__version__,
            "recordings_per_provider": opts.recordings,
            "requests_per_cell": opts.requests,
            "max_seconds_per_cell": opts.max_seconds,
            "slices_per_cell": opts.slices,
            "repeats": max(1, len(runs)),
            "latencies_ms": list(opts.latencies_ms),
            "concurrency": list(opts.concurrency),
            "upstream_order": list(PROVIDER_ORDER),
        },
        "results": [r.as_dict() for r in results],
        "repeats": [[r.as_dict() for r in run] for run in runs] if len(runs) > 1 else [],
    }


def write_json(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
