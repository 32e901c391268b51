"""L1 on AWS IoT Core as the feedback port: the device's thing must exist, the message goes to its topic.

A device is known when its thing `<twin>-<device>` exists (the L1 stack's device fleet); the
feedback is published at QoS 1 on `dt/<twin>/<device>/feedback`, the one topic the device's
policy lets it subscribe to. Known devices are remembered for the life of the instance.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from runtime.aws import clients
from runtime.core.feedback import Feedback, UnknownDevice
from twin_contract.devices import client_id, feedback_topic


class IotCoreDevices:
    def __init__(self, twin_name: str, iot: Any = None, iot_data: Any = None) -> None:
        self._twin = twin_name
        self._iot, self._iot_data = iot, iot_data
        self._known: set[str] = set()

    def deliver(self, feedback: Feedback) -> str:
        self._check_known(feedback.device_id)
        topic = feedback_topic(self._twin, feedback.device_id)
        payload = json.dumps(feedback.device_message(), separators=(",", ":")).encode()
        (self._iot_data or clients.client("iot-data")).publish(topic=topic, qos=1, payload=payload)
        return topic

    def _check_known(self, device_id: str) -> None:
        if device_id in self._known:
            return
        try:
            (self._iot or clients.client("iot")).describe_thing(thingName=client_id(self._twin, device_id))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise UnknownDevice(f"no device {device_id!r} in twin {self._twin!r}") from None
            raise
        self._known.add(device_id)
