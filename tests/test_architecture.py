"""The layers of the tree, read from its imports: one direction, no circles.

Every import counts, at module level or inside a function: a lazy import is still a
dependency, and a circle through one still means two modules that cannot be read,
tested or changed apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rules", "engine", "notifications")


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
           if "versions" not in p.parts}  # Alembic revisions are data, loaded by Alembic


def _ours(name: str) -> str | None:
    """The module of ours that an import of ``name`` loads (a name inside it: its module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(filter(None, (_ours(a.name) for a in node.names)))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                target = _ours(f"{node.module}.{alias.name}") or _ours(node.module)
                if target:
                    found.add(target)
    # a module's own packages are loaded before it anyway: not a dependency of its own
    return {m for m in found if m != module and not module.startswith(m + ".")}


GRAPH = {m: _imports(m) for m in MODULES}


def _circles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_the_tree_was_read():
    assert {"rules.milestone", "engine.store.tables", "engine.evaluation.run",
            "notifications.digest", "engine.cli.core"} <= MODULES.keys()
    assert "engine.store.tables" in GRAPH["engine.evaluation.run"]


def test_no_import_circle():
    assert _circles() == []


def _crossing(importer: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    return {m: sorted(d for d in deps if d.startswith(forbidden))
            for m, deps in GRAPH.items()
            if m.startswith(importer) and any(d.startswith(forbidden) for d in deps)}


@pytest.mark.parametrize(("importer", "forbidden", "why"), [
    ("rules", ("engine", "notifications"), "rules are pure decisions"),
    ("engine.store", ("engine.evaluation", "engine.service", "engine.cli", "engine.ledger",
                      "engine.bulletins", "engine.actions", "notifications"),
     "the schema and the database sit under everything"),
    ("engine.evaluation", ("engine.service", "engine.cli", "engine.ledger",
                           "engine.bulletins", "notifications"),
     "the machine and the run do not know who calls them"),
    ("notifications", ("engine.cli", "engine.service"),
     "notices do not depend on the interfaces or the scheduler"),
])
def test_imports_flow_one_way(importer, forbidden, why):
    assert _crossing(importer, forbidden) == {}, why
