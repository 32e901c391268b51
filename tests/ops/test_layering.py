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


# The modules that implement a cloud's part of an operator tool, one per cloud (docs/design.md §8).
PER_CLOUD = ("twin_ops/cloud_ops/", "twin_ops/local/clouds/")


def provider_branches(path: Path) -> list[str]:
    """Comparisons with a `Provider.<X>` member: `is`, `==`, `in (...)` and their negations."""
    def names_a_provider(node: ast.AST) -> bool:
        elements = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
        return any(isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and e.value.id == "Provider" for e in elements)

    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(REPO)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare) and any(names_a_provider(side) for side in (node.left, *node.comparators))
    ]


def test_operator_tools_ask_the_cloud_instead_of_branching_on_it():
    """Per-cloud behaviour lives in the per-cloud modules; a tool that compares with a provider
    would have to grow a branch for every new cloud."""
    branches = [
        branch
        for path in sorted((REPO / "twin_ops").rglob("*.py"))
        if not str(path.relative_to(REPO)).startswith(PER_CLOUD)
        for branch in provider_branches(path)
    ]
    assert branches == []


def test_every_cloud_implements_both_operator_interfaces():
    from twin_model.config.model import Provider
    from twin_ops.cloud_ops import CloudOps, cloud_ops
    from twin_ops.local.clouds import LocalCloud, local_cloud

    for provider in Provider:
        assert isinstance(cloud_ops(provider), CloudOps), provider
        assert isinstance(local_cloud(provider), LocalCloud), provider
