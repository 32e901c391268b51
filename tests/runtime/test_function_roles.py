"""The contract's table of function roles (twin_contract/functions.py) names handler modules that
exist on each cloud, each with the entry point its platform calls."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from twin_contract.functions import AWS, AZURE, CLOUDS, GOOGLE, ROLES, handler_modules

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"
# Where each cloud's handler modules live and the name the platform looks up in them.
HANDLERS = {AWS: (RUNTIME / "aws", "handler"), AZURE: (RUNTIME / "azure" / "functions", "bp"), GOOGLE: (RUNTIME / "gcp", "handler")}


def top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names |= {target.id for target in targets if isinstance(target, ast.Name)}
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return names


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_module_of_the_table_exists_with_its_entry_point(cloud: str) -> None:
    folder, entry = HANDLERS[cloud]
    missing = [module for module in handler_modules(cloud) if entry not in top_level_names(folder / f"{module}.py")]
    assert missing == []


def test_the_table_covers_every_handler_module() -> None:
    """A new handler module without a role would never be registered (Azure) or reachable (Google)."""
    helpers = {
        AWS: {"bridge_clients", "clients", "dynamodb_store", "environment", "function_url", "hot_reading", "iot_devices", "lambda_invoke",
              "object_storage", "secrets", "twin_connector"},
        AZURE: {"_shared"},
        GOOGLE: {"bridge_clients", "clients", "environment", "firestore_store", "hot_reading", "http_io", "identity", "internal",
                 "object_storage", "pubsub_devices", "secrets", "store"},
    }
    for cloud, (folder, _) in HANDLERS.items():
        modules = {path.stem for path in folder.glob("*.py") if path.stem != "__init__"} - helpers[cloud]
        assert modules == set(handler_modules(cloud)), cloud


def test_role_names_are_unique_and_hot_readers_share_azure_modules() -> None:
    assert len({role.name for role in ROLES}) == len(ROLES)
    by_name = {role.name: role for role in ROLES}
    assert by_name["hot_reader_last_entry"].module(AZURE) == "hot_reader"  # one Azure module, two functions
    with pytest.raises(KeyError, match="does not run on google"):
        by_name["adt_updater"].module(GOOGLE)
