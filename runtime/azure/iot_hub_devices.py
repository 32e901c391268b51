"""L1 on Azure IoT Hub as the feedback port: the device twin's desired property `feedback`.

IoT Hub sends cloud-to-device messages only over AMQP from the service side (its REST API can
only manage a device's queue); a desired-property update is plain REST, reaches the device on its
next connection too, and needs only the hub's "Twin Contributor" role. An unknown device is the
hub's 404. Writing the same feedback again leaves the twin as it was.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from runtime.azure import identity, rest
from runtime.core.feedback import Feedback, UnknownDevice

API_VERSION = "2021-04-12"


class IotHubDevices:
    def __init__(self, hub_host: str, scheme: str = "https") -> None:
        self._base = f"{scheme}://{hub_host}"

    def deliver(self, feedback: Feedback) -> str:
        path = f"/twins/{quote(feedback.device_id, safe='')}"
        patch = {"properties": {"desired": {"feedback": feedback.device_message()}}}
        headers = {"Content-Type": "application/json", **identity.bearer(identity.IOT_HUB)}
        status, _, _ = rest.checked(
            "PATCH", f"{self._base}{path}?api-version={API_VERSION}", headers, json.dumps(patch).encode(), allow=(404,)
        )
        if status == 404:
            raise UnknownDevice(f"no device {feedback.device_id!r} in the twin's IoT Hub")
        return f"{path}/properties/desired/feedback"
