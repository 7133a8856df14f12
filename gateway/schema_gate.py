"""The breaking-change gate: ``schema.graphql`` against the last released schema.

Frontends and generated clients are built against a released schema, so a change that
breaks them (a field, type, argument or enum value removed, a type changed, a required
argument added, ...) must be a decision, not an accident. graphql-core's
``find_breaking_changes`` lists them; each must appear, word for word, in the
``## [Unreleased]`` section of ``CHANGELOG.md``, or the gate fails. Additions never fail
it. "Dangerous" changes (an enum value or optional argument added, ...) are printed only.

On a release, copy ``schema.graphql`` to ``docs/schema/released.graphql`` and give the
Unreleased section its version: the gate then starts again from the new release.

Run: ``python -m gateway.schema_gate`` (exit 1 on an unlisted breaking change).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from graphql import build_schema
from graphql.utilities import find_breaking_changes, find_dangerous_changes

ROOT = Path(__file__).resolve().parent.parent
RELEASED = ROOT / "docs" / "schema" / "released.graphql"
CURRENT = ROOT / "schema.graphql"
CHANGELOG = ROOT / "CHANGELOG.md"

_UNRELEASED = re.compile(r"^##\s*\[?Unreleased\]?\s*$", re.IGNORECASE | re.MULTILINE)
_NEXT_SECTION = re.compile(r"^##\s", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class GateResult:
    breaking: tuple[str, ...]
    unlisted: tuple[str, ...]
    dangerous: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.unlisted


def unreleased_section(changelog: str) -> str:
    """The text of the ``## [Unreleased]`` section ("" when there is none)."""
    start = _UNRELEASED.search(changelog)
    if start is None:
        return ""
    rest = changelog[start.end() :]
    end = _NEXT_SECTION.search(rest)
    return rest[: end.start()] if end else rest


def check(released_sdl: str, current_sdl: str, changelog: str) -> GateResult:
    released = build_schema(released_sdl)
    current = build_schema(current_sdl)
    breaking = tuple(c.description for c in find_breaking_changes(released, current))
    listed = _normalise(unreleased_section(changelog))
    return GateResult(
        breaking=breaking,
        unlisted=tuple(d for d in breaking if _normalise(d) not in listed),
        dangerous=tuple(c.description for c in find_dangerous_changes(released, current)),
    )


def _normalise(text: str) -> str:
    """Whitespace-insensitive, so that a listed change may wrap across lines."""
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.schema_gate", description=__doc__)
    parser.add_argument("--released", type=Path, default=RELEASED, help="last released SDL")
    parser.add_argument("--schema", type=Path, default=CURRENT, help="current SDL")
    parser.add_argument("--changelog", type=Path, default=CHANGELOG, help="CHANGELOG.md")
    args = parser.parse_args(argv)
    changelog = args.changelog.read_text(encoding="utf-8") if args.changelog.exists() else ""
    result = check(
        args.released.read_text(encoding="utf-8"),
        args.schema.read_text(encoding="utf-8"),
        changelog,
    )
    for description in result.dangerous:
        print(f"schema gate: dangerous (allowed): {description}")
    for description in result.breaking:
        status = "UNLISTED" if description in result.unlisted else "listed"
        print(f"schema gate: breaking ({status}): {description}")
    if result.ok:
        print(
            f"schema gate: ok ({len(result.breaking)} breaking change(s), all listed in "
            f"{args.changelog.name})"
        )
        return 0
    print(
        f"\nschema gate: {args.schema} breaks clients of {args.released}. If that is meant, "
        f"list each change under '## [Unreleased]' in {args.changelog}, e.g.:\n",
        file=sys.stderr,
    )
    for description in result.unlisted:
        print(f"- Breaking: {description}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
