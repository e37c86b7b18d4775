"""The store's modules import each other one way only (no circles, not even TYPE_CHECKING)."""

from __future__ import annotations

import ast
from pathlib import Path

import quant.data.store as package

PACKAGE = "quant.data.store"
FOLDER = Path(package.__file__).parent


def _edges() -> dict[str, set[str]]:
    """Module -> store modules it imports (every import statement, TYPE_CHECKING included)."""
    modules = {p.stem for p in FOLDER.glob("*.py") if p.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for name in modules:
        tree = ast.parse((FOLDER / f"{name}.py").read_text())
        out: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
                out |= {a.name if a.name in modules else "__init__" for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
                out.add(node.module.removeprefix(PACKAGE + "."))
            elif isinstance(node, ast.Import):
                out |= {
                    a.name.removeprefix(PACKAGE + ".")
                    for a in node.names
                    if a.name.startswith(PACKAGE + ".")
                }
        graph[name] = out
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_store_modules_import_each_other_one_way_only():
    graph = _edges()

    assert "store" in graph and "core" in graph["versioning"]
    assert not [m for m, deps in graph.items() if "__init__" in deps], "import the module itself"
    assert _cycle(graph) is None, f"import circle: {' -> '.join(_cycle(graph) or [])}"


def test_the_cycle_finder_reports_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
