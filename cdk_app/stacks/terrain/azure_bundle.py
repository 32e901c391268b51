"""The Azure function code bundles: the shared runtime bundles plus what an Azure Functions app needs.

`cdk_app.bundles.stage_bundles(config, dir, "azure")` stages runtime/core + runtime/azure (and the
project's processors and event rules for L2); this adds the app entry point (`function_app.py`,
which the Python v2 programming model indexes), `host.json`, `requirements.txt`, and the user's
Azure event actions (`azure_functions/event_actions/<name>/`) to the processing bundle.
"""

from __future__ import annotations

import json
from pathlib import Path

from cdk_app.bundles import Bundles, stage_bundles, stage_files
from cdk_app.config.model import ProjectConfig

ENTRY_POINT = '"""Azure Functions entry point: the app is built by runtime/azure/function_app.py."""\n\nfrom runtime.azure.function_app import app  # noqa: F401\n'
HOST_JSON = {
    "version": "2.0",
    "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"},
    # Poison queue after 5 attempts: the queue-based counterpart of Lambda's async retries.
    "extensions": {"queues": {"maxDequeueCount": 5, "batchSize": 16, "visibilityTimeout": "00:00:10"}},
    "functionTimeout": "00:05:00",
    "logging": {"logLevel": {"default": "Information"}},
}
REQUIREMENTS = "# The runtime is stdlib-only; the Functions host provides azure-functions.\nazure-functions\n"

_STAGED: dict[tuple[str, int], Bundles] = {}


def azure_bundles(config: ProjectConfig, staging_dir: Path) -> Bundles:
    """Stage once per synth (every Azure stack shares the result)."""
    key = (str(staging_dir), id(config))
    if key not in _STAGED:
        bundles = stage_bundles(config, staging_dir, "azure")
        for target in (bundles.runtime, bundles.processing):
            (target / "function_app.py").write_text(ENTRY_POINT, encoding="utf-8")
            (target / "host.json").write_text(json.dumps(HOST_JSON, indent=2) + "\n", encoding="utf-8")
            (target / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
        actions = bundles.processing / "project" / "event_actions"
        for action in config.actions:
            stage_files(action.files, actions / action.name)
        _STAGED[key] = bundles
    return _STAGED[key]
