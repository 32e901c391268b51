"""In-memory stand-ins for the Azure boundaries of the post-deploy steps, and a recording transport
(Azure Digital Twins: tests/deploy/adt_standin.py)."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field


class InMemoryRegistry:
    """IoT Hub's registry semantics: identities keyed by id, keys generated on creation."""

    def __init__(self) -> None:
        self.devices: dict[str, dict] = {}

    def get_device(self, device_id: str) -> dict | None:
        return copy.deepcopy(self.devices.get(device_id))

    def create_device(self, device_id: str) -> dict:
        key = base64.b64encode(f"key-of-{device_id}".encode()).decode()
        self.devices[device_id] = {
            "deviceId": device_id,
            "authentication": {"type": "sas", "symmetricKey": {"primaryKey": key, "secondaryKey": key}},
        }
        return self.get_device(device_id)


@dataclass
class Request:
    method: str
    url: str
    headers: dict
    body: object


@dataclass
class RecordingTransport:
    """Answers scripted (status, JSON body, headers) in order and records every request."""

    responses: list[tuple[int, object, dict]]
    requests: list[Request] = field(default_factory=list)

    def __call__(self, method, url, headers, body):
        self.requests.append(Request(method, url, dict(headers), json.loads(body) if body else None))
        status, payload, response_headers = self.responses.pop(0)
        return status, response_headers, json.dumps(payload).encode() if payload is not None else b""


def token_for(scope: str) -> str:
    return f"token-for-{scope}"
