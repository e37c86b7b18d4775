"""The core is the bottom layer: nothing in quant/core imports quant outside quant.core."""

import ast
from pathlib import Path

import quant.core

CORE = Path(quant.core.__file__).parent


def quant_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a ``quant`` module in one source file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom):  # relative: resolved inside the package
            base = path.relative_to(CORE.parent.parent).parent.parts
            up = base[: len(base) - node.level + 1]
            names = [".".join([*up, node.module] if node.module else up)]
        else:
            continue
        found += [(node.lineno, n) for n in names if n == "quant" or n.startswith("quant.")]
    return found


def test_nothing_in_the_core_imports_quant_outside_the_core():
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    bad = [
        f"{f.relative_to(CORE.parent.parent)}:{line} imports {mod}"
        for f in files
        for line, mod in quant_imports(f)
        if not (mod == "quant.core" or mod.startswith("quant.core."))
    ]
    assert bad == []


def test_the_scan_sees_an_upward_import(tmp_path):
    src = tmp_path / "x.py"
    src.write_text("def f():\n    from quant.risk.limits import cap_position\n")
    assert quant_imports(src) == [(2, "quant.risk.limits")]
