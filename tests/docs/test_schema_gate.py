"""The breaking-change gate: the committed schema passes it; a breaking change fails it
unless CHANGELOG.md's Unreleased section lists it; additions pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.schema_gate import CHANGELOG, CURRENT, RELEASED, check, main, unreleased_section

RELEASED_SDL = RELEASED.read_text(encoding="utf-8")
REMOVED = "Field Recording.durationSeconds was removed."

EMPTY_CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-12-01\n"


def _without_duration(sdl: str) -> str:
    lines = sdl.splitlines(keepends=True)
    start = lines.index("type Recording implements Node {\n")
    for i in range(start, len(lines)):
        if lines[i].strip().startswith("durationSeconds:"):
            return "".join(lines[:i] + lines[i + 1 :])
    raise AssertionError("Recording.durationSeconds not found")


def _with_addition(sdl: str) -> str:
    return (
        sdl.replace(
            "type Recording implements Node {\n",
            "type Recording implements Node {\n  transcriptUrl: String\n",
            1,
        )
        + "\ntype Transcript {\n  text: String!\n}\n"
    )


def test_the_committed_schema_passes_the_gate() -> None:
    result = check(
        RELEASED_SDL, CURRENT.read_text(encoding="utf-8"), CHANGELOG.read_text(encoding="utf-8")
    )
    assert result.ok, f"unlisted breaking changes: {result.unlisted}"


def test_a_breaking_change_fails_the_gate() -> None:
    result = check(RELEASED_SDL, _without_duration(RELEASED_SDL), EMPTY_CHANGELOG)
    assert not result.ok
    assert result.unlisted == (REMOVED,)


def test_a_listed_breaking_change_passes() -> None:
    changelog = EMPTY_CHANGELOG.replace(
        "## [Unreleased]\n", f"## [Unreleased]\n\n### Breaking\n\n- {REMOVED} Use media.\n"
    )
    result = check(RELEASED_SDL, _without_duration(RELEASED_SDL), changelog)
    assert result.ok
    assert result.breaking == (REMOVED,)


def test_a_change_listed_under_a_released_version_does_not_count() -> None:
    changelog = EMPTY_CHANGELOG + f"\n- {REMOVED}\n"
    assert unreleased_section(changelog).strip() == ""
    assert not check(RELEASED_SDL, _without_duration(RELEASED_SDL), changelog).ok
    assert not check(RELEASED_SDL, _without_duration(RELEASED_SDL), "# Changelog\n").ok


def test_additions_pass_without_an_entry() -> None:
    result = check(RELEASED_SDL, _with_addition(RELEASED_SDL), EMPTY_CHANGELOG)
    assert result.ok
    assert result.breaking == ()


def test_command_line_exit_codes(tmp_path: Path) -> None:
    broken = tmp_path / "schema.graphql"
    broken.write_text(_without_duration(RELEASED_SDL), encoding="utf-8")
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(EMPTY_CHANGELOG, encoding="utf-8")
    argv = ["--released", str(RELEASED), "--schema", str(broken), "--changelog", str(changelog)]
    assert main(argv) == 1
    changelog.write_text(EMPTY_CHANGELOG.replace("]\n", f"]\n- {REMOVED}\n", 1), encoding="utf-8")
    assert main(argv) == 0
    # And as CI runs it, in its own process, on the repository's files.
    done = subprocess.run(
        [sys.executable, "-m", "gateway.schema_gate"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "schema gate: ok" in done.stdout
