"""Site folders that hold only what a cloud gives a function, for booting bundles in isolation.

A function in the cloud sees its bundle, the standard library and what its platform installs:
boto3 on Lambda (the Python runtime ships it), the bundle's own `requirements.txt` on Azure
Functions and Cloud Functions (their builds install it). The boot matrix starts each function in
`python -I -S` with one of these folders as its only site (twin_ops/local/function_platform.py),
so a bundle that lacks a module (say `twin_contract`) fails here as it would there, instead of
finding this repository through the editable install.

A folder is links into this virtualenv's site-packages: every distribution named, with its
dependencies (markers evaluated, extras left out), each linked at its own package (inside a
namespace package such as `google` or `azure`, only the named distribution's part of it).
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

# The Lambda Python runtime includes the AWS SDK (boto3 and botocore).
LAMBDA_PROVIDES = ("boto3",)


def requirement_names(requirements_txt: Path) -> list[str]:
    """Distribution names of a requirements file (comments, options and blank lines skipped)."""
    names = []
    for line in requirements_txt.read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(Requirement(line).name)
    return names


def closure(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions `names` need, dependencies included (extras left out)."""
    seen: dict[str, metadata.Distribution] = {}
    pending = list(names)
    while pending:
        name = _normal(pending.pop())
        if name in seen:
            continue
        distribution = metadata.distribution(name)  # PackageNotFoundError: the venv lacks a requirement
        seen[name] = distribution
        for text in distribution.requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return list(seen.values())


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def make_site(target: Path, names: list[str]) -> Path:
    """A folder of links to exactly the distributions `names` need."""
    target.mkdir(parents=True, exist_ok=True)
    for distribution in closure(names):
        root = Path(distribution.locate_file(""))
        for file in distribution.files or ():
            parts = Path(file).parts
            if not parts or parts[0] == ".." or parts[0].endswith(".dist-info") or parts[0] == "__pycache__":
                continue
            _link(root, target, parts)
        info = Path(str(distribution._path))  # type: ignore[attr-defined]  (importlib.metadata lookups)
        if not (target / info.name).exists():
            (target / info.name).symlink_to(info)
    return target


def _link(root: Path, target: Path, parts: tuple[str, ...]) -> None:
    """Link the first part of `parts` that is a module or a regular package; descend into
    namespace packages (folders without __init__.py), which several distributions share."""
    for depth in range(1, len(parts) + 1):
        source, link = root.joinpath(*parts[:depth]), target.joinpath(*parts[:depth])
        namespace = source.is_dir() and not (source / "__init__.py").exists() and depth < len(parts)
        if not namespace:
            if not link.exists() and not link.is_symlink():
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(source)
            return
        if link.is_symlink():
            return
        link.mkdir(parents=True, exist_ok=True)
