"""What a deployed Terraform stack holds: `terraform show -json` in its stack directory.

Some post-deploy steps need values only known after apply (the Digital Twins host name, the
project-qualified topic path). Reading them from the stack's state uses the same backend and
credentials as the apply that just ran, and needs no cloud API call of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin_ops import processes
from twin_ops.post_deploy import PostDeployError

ShowJson = Callable[[str, Path], str]  # (terraform executable, stack dir) → `terraform show -json`


class TerraformStateError(PostDeployError):
    pass


def terraform_show_json(terraform: str, stack_dir: Path) -> str:
    try:
        result = processes.run([terraform, "show", "-json"], cwd=stack_dir, capture=True)
    except OSError as error:
        raise TerraformStateError(f"`{terraform} show -json` could not start in {stack_dir}: {error.strerror or error}") from None
    if result.returncode != 0:
        raise TerraformStateError(
            f"`{terraform} show -json` failed in {stack_dir} (deployed and initialised?): {result.stderr.strip()[-500:]}"
        )
    return result.stdout


@dataclass(frozen=True)
class StackState:
    stack_dir: Path
    document: dict

    @classmethod
    def read(cls, terraform: str, stack_dir: Path, show: ShowJson = terraform_show_json) -> "StackState":
        try:
            document = json.loads(show(terraform, stack_dir) or "{}")
        except ValueError as error:
            raise TerraformStateError(f"`{terraform} show -json` in {stack_dir} wrote no JSON state ({error})") from None
        if not isinstance(document, dict):
            raise TerraformStateError(f"`{terraform} show -json` in {stack_dir} wrote no JSON state object")
        return cls(stack_dir, document)

    def output(self, name: str) -> Any:
        outputs = self.document.get("values", {}).get("outputs", {})
        if name not in outputs:
            raise TerraformStateError(f"{self.stack_dir}: no output {name!r} in the state (stack not deployed?)")
        return outputs[name]["value"]

    def attribute(self, resource_type: str, attribute: str) -> Any:
        """`attribute` of the stack's only resource of `resource_type`."""
        values = [r["values"][attribute] for r in self._resources() if r.get("type") == resource_type]
        if len(values) != 1:
            raise TerraformStateError(
                f"{self.stack_dir}: expected one {resource_type} in the state, found {len(values)} (stack not deployed?)"
            )
        return values[0]

    def _resources(self) -> Iterator[dict]:
        modules = [self.document.get("values", {}).get("root_module", {})]
        while modules:
            module = modules.pop()
            yield from module.get("resources", [])
            modules.extend(module.get("child_modules", []))
