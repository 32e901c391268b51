"""L2 → device: publish `{"message": payload}` to the twin's feedback topic, attribute `device_id`.

Each device pulls from its own subscription, filtered on that attribute (no device registry
exists on Google Cloud; the predecessor's feedback targeted one that did not).
"""

from __future__ import annotations

import json
from typing import Any

from runtime.core.feedback import Feedback
from runtime.gcp import clients
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import internal
from twin_contract.functions import FEEDBACK_TOPIC as FEEDBACK_TOPIC_SETTING

_env = handler_environment()
FEEDBACK_TOPIC = _env.required(FEEDBACK_TOPIC_SETTING)
_env.check()


def publish(event: Any) -> dict[str, str]:
    feedback = Feedback.parse(event)
    data = json.dumps(feedback.message).encode()
    message_id = clients.publisher().publish(FEEDBACK_TOPIC, data, device_id=feedback.device_id).result(timeout=30)
    return {"topic": FEEDBACK_TOPIC, "device_id": feedback.device_id, "message_id": str(message_id)}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return internal(request, publish)
