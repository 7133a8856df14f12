"""``python -m bench.mapping`` runs and prints a cost for every mapper it measures."""

from __future__ import annotations

import pytest

from bench import mapping


def test_prints_every_case(capsys: pytest.CaptureFixture[str]) -> None:
    mapping.main(["--passes", "1", "--rounds", "1", "--recordings", "5"])
    lines = capsys.readouterr().out.splitlines()
    names = [case.name for case in mapping.cases(5)]
    assert [line[:26].strip() for line in lines[1:-1]] == names
    for line in lines[1:]:
        rows, cost = line[26:].split()
        assert int(rows) > 0 and float(cost) > 0
