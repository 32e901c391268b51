"""What an Azure Functions app needs in the shared bundles (cdk_app/bundles.py).

The app entry point (`function_app.py`, which the Python v2 programming model indexes), `host.json`,
`requirements.txt`, and the user's Azure event actions (`azure_functions/event_actions/<name>/`)
in the processing bundle.
"""

from __future__ import annotations

import json

from cdk_app.bundles import Bundles, stage_files
from twin_model.config.model import Layer, ProjectConfig, Provider
from cdk_app.stacks.azure.dtdl_upload import twin_bindings

BINDINGS_FILE = "twin_bindings.json"  # runtime/azure/digital_twins.py

ENTRY_POINT = (
    '"""Azure Functions entry point: the app is built by runtime/azure/function_app.py."""\n\n'
    "from runtime.azure.function_app import app  # noqa: F401\n"
)
HOST_JSON = {
    "version": "2.0",
    "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"},
    # Poison queue after 5 attempts: the queue-based counterpart of Lambda's async retries.
    "extensions": {"queues": {"maxDequeueCount": 5, "batchSize": 16, "visibilityTimeout": "00:00:10"}},
    "functionTimeout": "00:05:00",
    # Executions (requests) are never sampled: the failure alerts count them (README, Alarms).
    "logging": {
        "logLevel": {"default": "Information"},
        "applicationInsights": {"samplingSettings": {"isEnabled": True, "excludedTypes": "Request"}},
    },
}
REQUIREMENTS = "# The runtime is stdlib-only; the Functions host provides azure-functions.\nazure-functions\n"


def finish_azure_bundles(bundles: Bundles, config: ProjectConfig) -> None:
    for target in (bundles.runtime, bundles.processing):
        (target / "function_app.py").write_text(ENTRY_POINT, encoding="utf-8")
        (target / "host.json").write_text(json.dumps(HOST_JSON, indent=2) + "\n", encoding="utf-8")
        (target / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    actions = bundles.processing / "project" / "event_actions"
    for action in config.actions:
        stage_files(action.files, actions / action.name)
    if config.providers.get(Layer.L4) is Provider.AZURE:  # read by the persister and the ADT updater
        (bundles.processing / "project" / BINDINGS_FILE).write_text(
            json.dumps(twin_bindings(config), sort_keys=True), encoding="utf-8")
