"""The README's "Generating clients" set-ups, run as a frontend developer would: GraphQL
Code Generator + tsc for TypeScript, ariadne-codegen for Python, both from
``schema.graphql`` and ``docs/codegen/operations.graphql``; then each generated client
talks to the running gateway over the simulators and must read what the gateway serves.

The tools come from ``make codegen-tools`` (pinned npm packages in docs/codegen, and
ariadne-codegen in .venv-codegen because it pins graphql-core<3.3)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.docs.readme import code_blocks
from tests.gateway.conftest import Gateway

ROOT = Path(__file__).resolve().parents[2]
CODEGEN = ROOT / "docs" / "codegen"
NODE_MODULES = CODEGEN / "node_modules"
CODEGEN_PYTHON = ROOT / ".venv-codegen" / "bin" / "python"
TS_FILES = ("codegen.ts", "tsconfig.json", "operations.graphql", "package.json", "src/main.ts")
PY_FILES = ("ariadne-codegen.toml", "operations.graphql", "example.py")

FIRST_PAGE = """{ recordings(first: 5) {
  nodes { id createdAt price { amount } providerData } failures { code } } }"""


async def run(*argv: str | Path, cwd: Path) -> str:
    """Run a command (async, so the gateway in this loop keeps serving); its stdout, or a
    failure that shows what it printed."""
    process = await asyncio.create_subprocess_exec(
        *map(str, argv),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        async with asyncio.timeout(90):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        pytest.fail(f"{argv} exited {process.returncode}:\n{out.decode()}\n{err.decode()}")
    return out.decode()


def project(tmp_path: Path, files: tuple[str, ...]) -> Path:
    """A fresh project folder with the set-up's files and the gateway's schema.graphql."""
    for name in files:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CODEGEN / name, target)
    shutil.copyfile(ROOT / "schema.graphql", tmp_path / "schema.graphql")
    return tmp_path


async def expected(gateway: Gateway) -> dict[str, Any]:
    body = await gateway.query(FIRST_PAGE)
    assert "errors" not in body, body
    nodes = body["data"]["recordings"]["nodes"]
    providers = await gateway.query("{ providers { name } }")
    return {
        "ids": [n["id"] for n in nodes],
        "createdAt": [n["createdAt"] for n in nodes],
        "prices": [n["price"]["amount"] for n in nodes if n["price"]],
        "hasVendorData": any(n["providerData"] for n in nodes),
        "providers": sorted(p["name"] for p in providers["data"]["providers"]),
    }


def test_readme_shows_the_tested_files_verbatim() -> None:
    typescript = code_blocks("ts")
    toml = code_blocks("toml")
    assert (CODEGEN / "codegen.ts").read_text(encoding="utf-8") in typescript
    assert (CODEGEN / "ariadne-codegen.toml").read_text(encoding="utf-8") in toml
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    packages = json.loads((CODEGEN / "package.json").read_text(encoding="utf-8"))
    for name, version in {**packages["dependencies"], **packages["devDependencies"]}.items():
        if name != "@types/node":  # only the example's own runner needs it
            assert f"{name}@{version}" in readme, f"README does not pin {name}@{version}"
    assert "ariadne-codegen==0.19.0" in readme
    assert "ariadne-codegen==0.19.0" in (CODEGEN / "requirements.txt").read_text(encoding="utf-8")


async def test_typescript_client_compiles_and_reads_the_gateway(
    gateway: Gateway, tmp_path: Path
) -> None:
    if not (NODE_MODULES / ".installed").exists():
        pytest.fail("docs/codegen/node_modules is missing: run `make codegen-tools`")
    work = project(tmp_path, TS_FILES)
    (work / "node_modules").symlink_to(NODE_MODULES)
    await run("node_modules/.bin/graphql-codegen", "--config", "codegen.ts", cwd=work)
    generated = (work / "src" / "gql" / "graphql.ts").read_text(encoding="utf-8")
    # The scalar mappings reached the types: DateTime and Decimal strings, JSON unknown.
    for field in ("createdAt: string", "amount: string", "providerData: unknown"):
        assert field in generated, field
    await run("node_modules/.bin/tsc", "-p", "tsconfig.json", cwd=work)
    printed = json.loads(await run("node", "dist/main.js", f"{gateway.url}/graphql", cwd=work))

    want = await expected(gateway)
    for key in ("ids", "createdAt", "prices", "hasVendorData", "providers"):
        assert printed[key] == want[key], key
    assert printed["node"] == {"typename": "Recording", "id": want["ids"][0]}


async def test_python_client_generates_and_reads_the_gateway(
    gateway: Gateway, tmp_path: Path
) -> None:
    if not CODEGEN_PYTHON.exists():
        pytest.fail(".venv-codegen is missing: run `make codegen-tools`")
    work = project(tmp_path, PY_FILES)
    ariadne = CODEGEN_PYTHON.parent / "ariadne-codegen"
    await run(ariadne, "--config", "ariadne-codegen.toml", cwd=work)
    assert (work / "recordings_client" / "client.py").exists()
    printed = json.loads(
        await run(CODEGEN_PYTHON, "example.py", f"{gateway.url}/graphql", cwd=work)
    )

    want = await expected(gateway)
    assert printed["ids"] == want["ids"]
    # DateTime became datetime and back: the same instants; Decimal kept every digit.
    assert [datetime.fromisoformat(t) for t in printed["createdAt"]] == [
        datetime.fromisoformat(t) for t in want["createdAt"]
    ]
    assert printed["prices"] == want["prices"]
    assert printed["node"] == {"typename": "Recording", "id": want["ids"][0]}
    assert printed["providers"] == want["providers"]
    # The DateTime input went out and was applied as a filter.
    since = datetime.fromisoformat(printed["since"])
    assert printed["recentCreatedAt"]
    assert all(datetime.fromisoformat(t) >= since for t in printed["recentCreatedAt"])

    # The README's own snippet, pointed at this gateway.
    (snippet,) = code_blocks("python")
    assert "http://127.0.0.1:8080/graphql" in snippet
    (work / "snippet.py").write_text(snippet.replace("http://127.0.0.1:8080", gateway.url))
    shown = (await run(CODEGEN_PYTHON, "snippet.py", cwd=work)).strip()
    assert datetime.fromisoformat(shown) == datetime.fromisoformat(want["createdAt"][0])
