"""runtime/core is packaged into every cloud's functions: it may import only the stdlib and
twin_contract (stdlib only itself, bundled next to it)."""

import ast
import sys
from pathlib import Path

import runtime.core

CORE = Path(runtime.core.__file__).parent


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_only_the_standard_library_the_contract_and_itself() -> None:
    foreign = {
        f"{path.name}: {root}"
        for path in CORE.glob("*.py")
        for root in imported_roots(path)
        if root not in ("runtime", "twin_contract") and root not in sys.stdlib_module_names and root != "__future__"
    }
    assert foreign == set()
