"""``python -m bench.mapping``: CPU cost of the vendor mappers, in microseconds per row.

The rows are the simulators' own seeded rows (seed and anchor of ``bench.simulators``),
rendered in process by each simulator's own render code and passed once through
``orjson`` so that they are what ``providers._http`` hands a mapper. No HTTP, no event
loop: only the mapping functions the backends call on listing items (and on the full
Kazoo CDR and recording documents). ``extra`` is a lazy view and is not read here, as
the gateway does not read it unless asked.

Each case maps all of its rows ``--passes`` times per round and keeps the best of
``--rounds`` rounds (the least disturbed by the other work on the machine).
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from bench.simulators import ANCHOR, SEED
from providers.freeclimb import mapping as freeclimb
from providers.freeclimb.simulator import render as freeclimb_render
from providers.freeclimb.simulator.sim import FreeClimbSimulator
from providers.kazoo import mapping as kazoo
from providers.kazoo.simulator import KazooSimulator
from providers.kazoo.simulator import app as kazoo_app
from providers.signalwire import mapping as signalwire
from providers.signalwire.simulator import render as signalwire_render
from providers.signalwire.simulator.app import SignalWireSimulator

ACCOUNT = "bench"
RECORDINGS = 250


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    mapper: Callable[[Any, str], object]
    rows: list[dict[str, Any]]


def _decoded(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """As the client sees them: JSON-encoded by the simulator, decoded by orjson."""
    return [orjson.loads(orjson.dumps(row)) for row in rows]


def cases(recordings: int = RECORDINGS) -> list[Case]:
    fc = FreeClimbSimulator(SEED, anchor=ANCHOR, recordings=recordings).primary
    sw_sim = SignalWireSimulator(SEED, anchor=ANCHOR, recordings=recordings)
    sw = next(iter(sw_sim.store.projects.values()))
    prefix = signalwire_render.PREFIXES[0]
    kz = next(
        iter(KazooSimulator(SEED, anchor=ANCHOR, recordings=recordings).store.accounts.values())
    )
    kazoo_calls = [dict(c.row) for c in kz.channels.values()] + [c.row for c in kz.cdrs.values()]
    return [
        Case(
            "freeclimb to_recording",
            freeclimb.to_recording,
            _decoded([freeclimb_render.recording(r) for r in fc.recordings_newest_first()]),
        ),
        Case(
            "freeclimb to_call",
            freeclimb.to_call,
            _decoded([freeclimb_render.call(c) for c in fc.calls_newest_first()]),
        ),
        Case(
            "signalwire to_recording",
            signalwire.to_recording,
            _decoded(
                [signalwire_render.recording(r, prefix, sw_sim.types) for r in sw.live_recordings()]
            ),
        ),
        Case(
            "signalwire to_call",
            signalwire.to_call,
            _decoded([signalwire_render.call(c, prefix, sw_sim.types) for c in sw.calls.values()]),
        ),
        Case(
            "kazoo recording",
            kazoo.recording,
            _decoded([kazoo_app._listing_row(r) for r in kz.recordings.values()]),
        ),
        Case("kazoo call_from_any", kazoo.call_from_any, _decoded(kazoo_calls)),
        Case(
            "kazoo call_from_doc",
            kazoo.call_from_doc,
            _decoded([c.doc for c in kz.cdrs.values()]),
        ),
    ]


def us_per_row(case: Case, passes: int, rounds: int) -> float:
    mapper, rows = case.mapper, case.rows
    best = float("inf")
    gc.collect()
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(passes):
            for row in rows:
                mapper(row, ACCOUNT)
        best = min(best, time.perf_counter() - started)
    return best / (passes * len(rows)) * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mapping", description=__doc__)
    parser.add_argument("--passes", type=int, default=4, help="passes over the rows per round")
    parser.add_argument("--rounds", type=int, default=25, help="rounds; the best is kept")
    parser.add_argument("--recordings", type=int, default=RECORDINGS, help="seeded per vendor")
    args = parser.parse_args(argv)
    total_rows = 0
    total_us = 0.0
    print(f"{'case':<26}{'rows':>6}{'us/row':>9}")
    for case in cases(args.recordings):
        cost = us_per_row(case, args.passes, args.rounds)
        total_rows += len(case.rows)
        total_us += cost * len(case.rows)
        print(f"{case.name:<26}{len(case.rows):>6}{cost:>9.2f}")
    print(f"{'all rows (weighted)':<26}{total_rows:>6}{total_us / total_rows:>9.2f}")


if __name__ == "__main__":
    main()
