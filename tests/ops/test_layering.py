"""Operating a twin needs no CDK: twin_ops imports neither the synth package (cdk_app), the
construct library, the function runtime nor CDK bindings, only the twin's model (twin_model) and
the shared names (twin_contract); and twin_contract imports only the standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

FORBIDDEN_IN_OPS = ("cdk_app", "constructs_lib", "runtime", "aws_cdk", "cdktn", "cdktn_provider_aws", "cdktn_provider_azurerm",
                    "cdktn_provider_google", "constructs", "jsii", "cdk_nag")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("path", sorted((REPO / "twin_ops").rglob("*.py")), ids=lambda p: str(p.relative_to(REPO)))
def test_twin_ops_does_not_import_synthesis_or_runtime_code(path):
    bad = sorted(m for m in imported_modules(path) for prefix in FORBIDDEN_IN_OPS if _matches(m, prefix))
    assert bad == []


@pytest.mark.parametrize("path", sorted((REPO / "twin_contract").rglob("*.py")), ids=lambda p: str(p.relative_to(REPO)))
def test_twin_contract_is_standard_library_only(path):
    outside = sorted(
        m for m in imported_modules(path)
        if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] not in ("__future__", "twin_contract")
    )
    assert outside == []
