"""The dependency rules between the code layers (docs/design.md §2) that concern the twin's model,
the runtime, the stacks and the constructs; tests/ops/test_layering.py holds those of twin_ops and
twin_contract, tests/runtime/test_core_is_cloud_neutral.py the runtime core's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.ops.test_layering import imported_modules

# package → top-level packages of this repository it must not import
FORBIDDEN = {
    "twin_model": ("cdk_app", "constructs_lib", "twin_ops", "runtime", "tests"),  # synth and operations share it
    "runtime": ("twin_model", "cdk_app", "constructs_lib", "twin_ops", "tests"),  # it runs in the clouds, alone
    "constructs_lib": ("twin_model", "cdk_app", "twin_ops", "runtime"),  # constructs get typed props
    "cdk_app": ("runtime",),  # twin_ops only through the `python -m cdk_app` alias
}
# What the twin's model may import besides the standard library: reading a twin loads no CDK,
# Terraform binding or cloud SDK.
TWIN_MODEL_MAY_IMPORT = ("__future__", "yaml", "twin_model", "twin_contract")
HEAVY_MODULES = ("aws_cdk", "cdktn", "constructs", "jsii", "cdk_nag", "boto3", "botocore", "azure", "google")


def python_files(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_keep_their_dependency_rules(package: str) -> None:
    bad = sorted(
        f"{path.relative_to(REPO)}: {module}"
        for path in python_files(package)
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN[package]
    )
    assert bad == []


def test_twin_model_imports_only_the_standard_library_pyyaml_and_the_contract() -> None:
    outside = sorted(
        f"{path.relative_to(REPO)}: {module}"
        for path in python_files("twin_model")
        for module in imported_modules(path)
        if module.split(".")[0] not in sys.stdlib_module_names and module.split(".")[0] not in TWIN_MODEL_MAY_IMPORT
    )
    assert outside == []


def test_loading_and_planning_a_project_loads_no_cdk_terraform_or_cloud_sdk() -> None:
    """Imported, not just parsed: a module loaded on the way (a lazy import inside a function
    included) would show here."""
    code = (
        "import sys, pkgutil, importlib\n"
        "before = set(sys.modules)  # a namespace package's .pth file may preload `google`\n"
        "import twin_model\n"
        "for m in pkgutil.walk_packages(twin_model.__path__, 'twin_model.'): importlib.import_module(m.name)\n"
        "from twin_model.config import load_project\n"
        "from twin_model.topology import plan_project\n"
        "plan_project(load_project('examples/factory-floor-aws-azure'))\n"
        "print(sorted({m.split('.')[0] for m in set(sys.modules) - before} & set(%r)))" % (HEAVY_MODULES,)
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_cdk_app_reaches_twin_ops_only_through_its_module_shim() -> None:
    bad = sorted(
        str(path.relative_to(REPO))
        for path in python_files("cdk_app")
        if path.name != "__main__.py" and any(module.split(".")[0] == "twin_ops" for module in imported_modules(path))
    )
    assert bad == []


# A citation of a document the repository does not hold: the old shared design file's sections
# (its name followed by a section sign) or a path that leaves the checkout.
OUTSIDE_CITATION = re.compile(r"\bDESIGN (?:§|\\u00a7)|\.\./shared/|shared/DESIGN\.md")


def test_code_and_docs_cite_only_documents_in_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    citing = sorted(
        f"{name}:{number}"
        for name in tracked
        if Path(name).suffix in {".py", ".md", ".json", ".yaml", ".yml", ".txt", ".toml", ".ini", ".cfg"} or name == "Makefile"
        for number, line in enumerate((REPO / name).read_text(errors="replace").splitlines(), 1)
        if (REPO / name).is_file() and OUTSIDE_CITATION.search(line)
    )
    assert citing == [], "cite docs/design.md (or another file of the repository) instead"


# The bridge interface per cloud and its shared rules: the only stack modules that may name a bridge.
BRIDGE_ENDS = ("bridge_rules.py", "bridge_endpoints.py")
# What binds one bridge: a topology lookup by kind, and the per-bridge calls under the role bindings.
BRIDGE_LOOKUPS = ("bridge", "required_bridge", "has")
PER_BRIDGE_CALLS = ("token_secret", "receive", "send")


def bridge_kind_uses(path: Path) -> list[str]:
    """Where a module names a bridge kind or binds a bridge by hand, as `line: what`."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Name) and node.id == "BridgeKind" or isinstance(node, ast.Attribute) and node.attr == "BridgeKind":
            found.append(f"{node.lineno}: BridgeKind")
        elif isinstance(node, ast.ImportFrom) and any(alias.name in ("BridgeKind", "WIRES", "SPECS", "BRIDGES") for alias in node.names):
            found.append(f"{node.lineno}: imports {', '.join(alias.name for alias in node.names)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
            if node.func.attr in BRIDGE_LOOKUPS and owner_name == "topology":
                found.append(f"{node.lineno}: topology.{node.func.attr}()")
            if node.func.attr in PER_BRIDGE_CALLS and owner_name == "bridges":
                found.append(f"{node.lineno}: bridges.{node.func.attr}()")
    return found


def test_no_stack_names_a_bridge_kind():
    """Adding a bridge kind touches the spec (WIRES, BRIDGES), the bridge ends per cloud and the
    handlers, never a stack (docs/design.md §4): a stack builds its functions by role, and the
    ends bind each bridge of the topology to the role's function."""
    stacks = [p for p in python_files("cdk_app/stacks") if p.name not in BRIDGE_ENDS]
    assert len(stacks) > 40  # every cloud's stacks, bases and helpers
    bad = [f"{path.relative_to(REPO)}:{use}" for path in stacks for use in bridge_kind_uses(path)]
    assert bad == []


@pytest.mark.parametrize(
    "line",
    [
        "bridge = self.ctx.topology.bridge(BridgeKind.L2_TO_HOT)",
        "bridge = topology.required_bridge(kind)",
        "from twin_model.topology import BridgeKind",
        "self.bridges.send(bridge, settings)",
        "settings[X] = self.bridges.token_secret(bridge)",
    ],
)
def test_the_stack_rule_sees_a_bridge_named_by_hand(tmp_path: Path, line: str):
    module = tmp_path / "l9.py"
    module.write_text(f"def build(self, topology, settings, kind, X):\n    {line}\n")
    assert bridge_kind_uses(module) != []
