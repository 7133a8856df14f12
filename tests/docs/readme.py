"""The README's examples, read from README.md itself so that tests run what users read."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def code_blocks(language: str, text: str | None = None) -> list[str]:
    """Every fenced block of ``language`` in README.md, in order."""
    source = README.read_text(encoding="utf-8") if text is None else text
    return [body for lang, body in _FENCE.findall(source) if lang == language]


def graphql_examples(text: str | None = None) -> list[str]:
    """Each GraphQL operation shown in README.md. A block may hold several operations,
    each introduced by its own ``#`` comment line and separated by a blank line."""
    examples: list[str] = []
    for block in code_blocks("graphql", text):
        for chunk in re.split(r"\n\s*\n", block):
            if any(
                line.strip() and not line.lstrip().startswith("#") for line in chunk.splitlines()
            ):
                examples.append(chunk.strip() + "\n")
    return examples


def first_query() -> str:
    return graphql_examples()[0]
