"""Project-level promises: SDL committed and current, layering, public surface."""

from __future__ import annotations

import ast
from pathlib import Path

import gateway
import providers
from gateway.schema import export_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_is_the_exported_one() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == export_sdl(), "schema.graphql is stale: run `recgw export-schema`"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_providers_import_neither_gateway_nor_strawberry() -> None:
    files = list((ROOT / "providers").rglob("*.py"))
    assert len(files) > 20
    for path in files:
        bad = _imported_modules(path) & {"gateway", "strawberry", "graphql"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_gateway_never_imports_a_vendor_package() -> None:
    vendors = {p.name for p in (ROOT / "providers").iterdir() if (p / "__init__.py").exists()}
    for path in (ROOT / "gateway").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                assert not (parts[0] == "providers" and len(parts) > 1 and parts[1] in vendors), (
                    f"{path.relative_to(ROOT)} imports {node.module}"
                )


def test_public_surfaces_are_sorted_and_importable() -> None:
    for package in (providers, gateway):
        names = package.__all__
        assert names == sorted(names, key=lambda n: (not n.isupper(), n))  # ruff RUF022 order
        for name in names:
            assert hasattr(package, name), name
