"""In-memory stand-ins for the Azure boundaries of the post-deploy steps, and a recording transport."""

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


class InMemoryGraph:
    """Azure Digital Twins' semantics for models, twins (JSON Patch) and relationships."""

    def __init__(self) -> None:
        self.models: dict[str, dict] = {}
        self.twins: dict[str, dict] = {}
        self.relationships: dict[tuple[str, str], dict] = {}
        self.patches: list[tuple[str, list[dict]]] = []

    def model_ids(self) -> set[str]:
        return set(self.models)

    def create_models(self, models: list[dict]) -> None:
        for model in models:
            assert model["@id"] not in self.models, "ADT refuses an existing model id (409)"
            self.models[model["@id"]] = model

    def get_twin(self, twin_id: str) -> dict | None:
        return copy.deepcopy(self.twins.get(twin_id))

    def create_twin(self, twin_id: str, twin: dict) -> bool:
        if twin_id in self.twins:
            return False
        assert twin["$metadata"]["$model"] in self.models, "ADT validates a twin against its model"
        self.twins[twin_id] = copy.deepcopy(twin)
        return True

    def patch_twin(self, twin_id: str, operations: list[dict]) -> None:
        self.patches.append((twin_id, operations))
        twin = self.twins[twin_id]
        for operation in operations:
            if operation["path"] == "/$metadata/$model":
                twin["$metadata"]["$model"] = operation["value"]
            else:
                assert operation["op"] in ("add", "replace")
                twin[operation["path"][1:]] = operation["value"]

    def create_relationship(self, relationship: dict) -> bool:
        key = (relationship["$sourceId"], relationship["$relationshipId"])
        if key in self.relationships:
            return False
        self.relationships[key] = relationship
        return True


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
