"""The dependency rules between the code layers (docs/design.md §2) that concern the runtime,
the stacks and the constructs; tests/ops/test_layering.py holds those of twin_ops and twin_contract,
tests/runtime/test_core_is_cloud_neutral.py the runtime core's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.ops.test_layering import imported_modules

# package → top-level packages of this repository it must not import
FORBIDDEN = {
    "runtime": ("cdk_app", "constructs_lib", "twin_ops", "tests"),  # it runs in the clouds, alone
    "constructs_lib": ("cdk_app", "twin_ops", "runtime"),  # constructs get typed props
    "cdk_app": ("runtime",),  # twin_ops only through the `python -m cdk_app` shim
}


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
