"""DIGITAL_TWIN_INFO: the project as the predecessor handed it to every function.

`{config, config_iot_devices, config_events, config_providers}` as JSON text. User code written for
the predecessor may read it (its older action template did, at import); such code gets it as an
environment variable (its own function) or from the bundle (code run by the twin's functions).
Built from the validated project, so it holds nothing a project file did not.
"""

from __future__ import annotations

import json
from typing import Any

from twin_model.config.model import EventRule, Layer, ProjectConfig
from twin_model.config.twin_and_providers import NONE

TWIN_INFO_FILE = "digital_twin_info.json"  # runtime.core.user_code.TWIN_INFO_FILE
TWIN_INFO_VARIABLE = "DIGITAL_TWIN_INFO"


def digital_twin_info(config: ProjectConfig) -> dict[str, Any]:
    twin = config.twin
    return {
        "config": {
            "digital_twin_name": twin.digital_twin_name,
            "hot_storage_size_in_days": twin.hot_storage_size_in_days,
            "cold_storage_size_in_days": twin.cold_storage_size_in_days,
            "mode": twin.mode,
        },
        "config_iot_devices": [
            {
                "id": device.id,
                "properties": [
                    {"name": p.name, "dataType": p.data_type, **({"initValue": p.init_value} if p.init_value is not None else {})}
                    for p in device.properties
                ],
                "constProperties": [{"name": c.name, "dataType": c.data_type, "value": c.value} for c in device.const_properties],
            }
            for device in config.devices
        ],
        "config_events": [rule_definition(rule) for rule in config.events],
        "config_providers": {
            layer.config_key: (provider.value if (provider := config.providers.get(layer)) is not None else NONE)
            for layer in Layer
        },
    }


def rule_definition(rule: EventRule) -> dict[str, Any]:
    action = rule.action
    body: dict[str, Any] = {"type": action.type.value, "functionName": action.function_name}
    if action.function_name_b is not None:
        body["functionNameB"] = action.function_name_b
    if not action.auto_deploy:
        body["autoDeploy"] = False
    if action.feedback is not None:
        body["feedback"] = {"type": action.feedback.type, "iotDeviceId": action.feedback.iot_device_id,
                            "payload": action.feedback.payload}
    return {"condition": rule.condition, "action": body}


def twin_info_json(config: ProjectConfig) -> str:
    return json.dumps(digital_twin_info(config), separators=(",", ":"), ensure_ascii=False)
