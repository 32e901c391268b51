"""L2 → device: the rule's feedback becomes the device twin's desired property `feedback`.

IoT Hub's service-side cloud-to-device messages need AMQP; a desired-property update is plain
REST, reaches the device on its next connection too, and carries `{"message", "rule", "sent"}`.
The hub's host name is an app setting: L2 knows it at synth, the hub's name being derived from the twin.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import quote

import azure.functions as func

from runtime.azure import identity, rest
from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import message_json, on_queue
from runtime.core.feedback import Feedback
from runtime.core.telemetry import format_timestamp
from twin_contract import functions as s
from twin_contract.azure_names import FEEDBACK_QUEUE

API_VERSION = "2021-04-12"

_env = handler_environment()
IOT_HUB_HOST = _env.required(s.IOT_HUB_HOST)
_env.check()

bp = func.Blueprint()


@on_queue(bp, s.FEEDBACK, FEEDBACK_QUEUE)
def send_feedback(message: func.QueueMessage) -> str:
    feedback = Feedback.parse(message_json(message))
    device_id = feedback.device_id
    patch = {"properties": {"desired": {"feedback": {
        **feedback.message, "rule": (feedback.rule or {}).get("condition"),
        "sent": format_timestamp(datetime.now(timezone.utc)),
    }}}}
    rest.checked("PATCH", f"https://{IOT_HUB_HOST}/twins/{quote(device_id)}?api-version={API_VERSION}",
                 {"Content-Type": "application/json", **identity.bearer(identity.IOT_HUB)}, json.dumps(patch).encode())
    return device_id
