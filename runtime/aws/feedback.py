"""L2 → device: publish `{"message": payload}` (QoS 1) on `dt/<twin>/<device_id>/feedback`."""

from __future__ import annotations

import json
from typing import Any

from runtime.aws import clients
from runtime.aws.environment import handler_environment
from runtime.core.telemetry import TelemetryError, validate_device_id

_env = handler_environment()
TWIN_NAME = _env.required("TWIN_NAME")
_env.check()


def handler(event: dict[str, Any], context: Any = None) -> dict[str, str]:
    if not isinstance(event, dict) or "payload" not in event:
        raise TelemetryError("feedback needs {device_id, payload}")
    topic = f"dt/{TWIN_NAME}/{validate_device_id(event.get('device_id'))}/feedback"
    clients.client("iot-data").publish(topic=topic, qos=1, payload=json.dumps({"message": event["payload"]}).encode())
    return {"topic": topic}
