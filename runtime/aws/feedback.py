"""L2 → device: publish `{"message": payload}` (QoS 1) on `dt/<twin>/<device_id>/feedback`."""

from __future__ import annotations

import json
from typing import Any

from runtime.aws import clients
from runtime.aws.environment import handler_environment, runs_as
from runtime.core.feedback import Feedback
from twin_contract.devices import feedback_topic
from twin_contract.functions import FEEDBACK, TWIN_NAME as TWIN_NAME_SETTING

_env = handler_environment()
TWIN_NAME = _env.required(TWIN_NAME_SETTING)
_env.check()


@runs_as(FEEDBACK)
def handler(event: dict[str, Any], context: Any = None) -> dict[str, str]:
    feedback = Feedback.parse(event)
    topic = feedback_topic(TWIN_NAME, feedback.device_id)
    clients.client("iot-data").publish(topic=topic, qos=1, payload=json.dumps(feedback.message).encode())
    return {"topic": topic}
