"""Layering: a package may import packages of a lower rank only (ARCHITECTURE.md).

units → gas → physics / model → solve → optimize → plan → run / store → report →
web → cli. Modules outside the ranked packages (``errors``, ``io``) are leaves
that import nothing of trunkline but ``errors``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import trunkline

RANK = {
    "errors": -2, "io": -1, "cache": -1, "units": 0, "gas": 1, "physics": 2, "model": 2, "solve": 3,
    "optimize": 4, "plan": 5, "run": 6, "store": 6, "report": 7, "web": 8, "cli": 9,
}
PKG = Path(trunkline.__file__).parent


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def test_every_package_is_ranked() -> None:
    for child in PKG.iterdir():
        if child.name.startswith("_"):
            continue
        if child.is_dir() and (child / "__init__.py").exists() and child.name != "scenarios":
            assert child.name in RANK, f"new package {child.name}: give it a rank"
        elif child.suffix == ".py":
            assert child.stem in RANK, f"new top-level module {child.name}: give it a rank"


def test_no_import_against_the_layer_order() -> None:
    bad = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        if rel.parts == ("__init__.py",):
            continue  # the root re-exports the public API
        me = rel.parts[0].removesuffix(".py")
        for line, mod in _imports(path):
            parts = mod.split(".")
            if parts[0] != "trunkline" or len(parts) < 2:
                continue
            other = parts[1]
            if other == me or other not in RANK:
                continue
            if RANK[other] >= RANK[me]:
                bad.append(f"{rel}:{line}: {me} imports {other}")
    assert not bad, "\n".join(bad)
