"""L2 → device: publish `{"message": payload}` to the twin's feedback topic, attribute `device_id`.

Each device pulls from its own subscription, filtered on that attribute (no device registry
exists on Google Cloud; the predecessor's feedback targeted one that did not).
"""

from __future__ import annotations

import json
from typing import Any

from runtime.core.telemetry import TelemetryError, validate_device_id
from runtime.gcp import clients
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import internal

_env = handler_environment()
FEEDBACK_TOPIC = _env.required("FEEDBACK_TOPIC")
_env.check()


def publish(event: Any) -> dict[str, str]:
    if not isinstance(event, dict) or "payload" not in event:
        raise TelemetryError("feedback needs {device_id, payload}")
    device_id = validate_device_id(event.get("device_id"))
    data = json.dumps({"message": event["payload"]}).encode()
    message_id = clients.publisher().publish(FEEDBACK_TOPIC, data, device_id=device_id).result(timeout=30)
    return {"topic": FEEDBACK_TOPIC, "device_id": device_id, "message_id": str(message_id)}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return internal(request, publish)
