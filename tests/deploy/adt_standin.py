"""A strict stand-in for the Azure Digital Twins data plane, at its REST boundary (a transport).

No emulator exists for Azure Digital Twins, so this one refuses what the service refuses, as its
documentation states it (REST reference DigitalTwinModels Add / DigitalTwins Add / Relationships Add,
reference-service-limits, how-to-manage-twin), written here without the code under test:
- model upload: at most 250 models per request; a model id already in the instance is 409
  ModelAlreadyExists; a model that extends or uses (Component schema, schema reference) an id defined
  neither in the instance nor in the same request is 400 DTDLParserError; nothing of a refused
  request is kept; models are listed 100 per page with `nextLink`;
- twin create: its model must exist; every Component of the model (inherited ones included) must be
  in the body with a `$metadata` object; other keys must be Properties the model (or the Component's
  Interface) declares;
- relationship create: source and target twins exist, the source's model declares the relationship,
  the target twin's model is the relationship's target or extends it, and every property sent is one
  the relationship declares.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

MAX_MODELS_PER_REQUEST = 250
PAGE_SIZE = 100


def _listed(value) -> list:
    return [value] if isinstance(value, str | dict) else list(value or [])


def _types(element: dict) -> list:
    return _listed(element.get("@type"))


@dataclass
class DigitalTwinsStandIn:
    models: dict = field(default_factory=dict)  # id → model
    twins: dict = field(default_factory=dict)
    relationships: dict = field(default_factory=dict)  # (source, id) → body
    patches: list = field(default_factory=list)
    model_requests: list = field(default_factory=list)  # ids per accepted model request
    refusals: list = field(default_factory=list)  # (status, code, reason) of refused writes

    # --- the transport ---------------------------------------------------------------------------

    def __call__(self, method, url, headers, body):
        parts = urlsplit(url)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        payload = json.loads(body) if body else None
        query = parse_qs(parts.query)
        if segments == ["models"] and method == "GET":
            return self._list_models(int(query.get("continuationToken", ["0"])[0]))
        if segments == ["models"] and method == "POST":
            return self._add_models(payload)
        if len(segments) == 2 and segments[0] == "digitaltwins":
            twin_id = segments[1]
            if method == "GET":
                twin = self.twins.get(twin_id)
                return (200, {}, json.dumps(twin).encode()) if twin else (404, {"x-ms-error-code": "DigitalTwinNotFound"}, b"")
            if method == "PUT":
                return self._add_twin(twin_id, payload, headers)
            if method == "PATCH":
                return self._patch_twin(twin_id, payload)
        if len(segments) == 4 and segments[0] == "digitaltwins" and segments[2] == "relationships" and method == "PUT":
            return self._add_relationship(segments[1], segments[3], payload, headers)
        return self._refuse(404, "NotFound", f"{method} {parts.path}")

    def _refuse(self, status, code, reason):
        self.refusals.append((status, code, reason))
        return status, {"x-ms-error-code": code}, json.dumps({"error": {"code": code, "message": reason}}).encode()

    # --- models -----------------------------------------------------------------------------------

    def _list_models(self, start):
        ids = list(self.models)
        page = {"value": [{"id": model_id} for model_id in ids[start : start + PAGE_SIZE]]}
        if start + PAGE_SIZE < len(ids):
            page["nextLink"] = f"https://adt.test/models?api-version=2023-10-31&continuationToken={start + PAGE_SIZE}"
        return 200, {}, json.dumps(page).encode()

    def _add_models(self, batch):
        if not isinstance(batch, list) or len(batch) > MAX_MODELS_PER_REQUEST:
            return self._refuse(400, "LimitExceeded", f"{len(batch)} models in one request (at most {MAX_MODELS_PER_REQUEST})")
        defined = set().union(*(_defined(m) for m in self.models.values())) if self.models else set()
        for model in batch:
            if model["@id"] in self.models:
                return self._refuse(409, "ModelAlreadyExists", model["@id"])
            defined |= _defined(model)
        for model in batch:
            missing = _needed(model) - defined
            if missing:
                return self._refuse(400, "DTDLParserError", f"{model['@id']} needs {sorted(missing)}, not uploaded")
        for model in batch:
            self.models[model["@id"]] = copy.deepcopy(model)
        self.model_requests.append([m["@id"] for m in batch])
        return 201, {}, json.dumps([{"id": m["@id"]} for m in batch]).encode()

    def _flattened(self, model_id, kind) -> dict:
        """name → element of the given @type, inherited ones included (each ancestor once)."""
        found, seen, pending = {}, set(), [model_id]
        while pending:
            current = pending.pop()
            if current in seen or current not in self.models:
                continue
            seen.add(current)
            for element in _listed(self.models[current].get("contents")):
                if kind in _types(element):
                    found.setdefault(element["name"], element)
            pending.extend(e for e in _listed(self.models[current].get("extends")) if isinstance(e, str))
        return found

    def _lineage(self, model_id) -> set:
        seen, pending = set(), [model_id]
        while pending:
            current = pending.pop()
            if current not in seen and current in self.models:
                seen.add(current)
                pending.extend(e for e in _listed(self.models[current].get("extends")) if isinstance(e, str))
        return seen

    # --- twins ------------------------------------------------------------------------------------

    def _add_twin(self, twin_id, twin, headers):
        if twin_id in self.twins and headers.get("If-None-Match") == "*":
            return self._refuse(412, "PreconditionFailed", twin_id)
        model_id = (twin.get("$metadata") or {}).get("$model")
        if model_id not in self.models:
            return self._refuse(400, "ValidationFailed", f"{twin_id}: model {model_id} not in the instance")
        problem = self._instance_problem(model_id, twin)
        if problem:
            return self._refuse(400, "ValidationFailed", f"{twin_id}: {problem}")
        self.twins[twin_id] = {**copy.deepcopy(twin), "$dtId": twin_id}
        return 200, {}, json.dumps(self.twins[twin_id]).encode()

    def _instance_problem(self, model_id, body) -> str | None:
        properties = self._flattened(model_id, "Property")
        components = self._flattened(model_id, "Component")
        for name, component in components.items():
            value = body.get(name)
            if not isinstance(value, dict) or not isinstance(value.get("$metadata"), dict):
                return f"component {name!r} is not initialised with $metadata"
            problem = self._instance_problem(component["schema"], {k: v for k, v in value.items()}) if isinstance(
                component.get("schema"), str) else None
            if problem:
                return f"in component {name!r}: {problem}"
        for key in body:
            if not key.startswith("$") and key not in properties and key not in components:
                return f"{key!r} is not a property of {model_id}"
        return None

    def _patch_twin(self, twin_id, operations):
        if twin_id not in self.twins:
            return self._refuse(404, "DigitalTwinNotFound", twin_id)
        self.patches.append((twin_id, operations))
        twin = self.twins[twin_id]
        for operation in operations:
            if operation["path"] == "/$metadata/$model":
                twin["$metadata"]["$model"] = operation["value"]
            elif operation["op"] in ("add", "replace"):
                name = operation["path"][1:].replace("~1", "/").replace("~0", "~")
                twin[name] = operation["value"]
            else:
                return self._refuse(400, "JsonPatchInvalid", operation["op"])
        return 204, {}, b""

    # --- relationships ----------------------------------------------------------------------------

    def _add_relationship(self, source, relationship_id, body, headers):
        if (source, relationship_id) in self.relationships and headers.get("If-None-Match") == "*":
            return self._refuse(412, "PreconditionFailed", relationship_id)
        target, name = body.get("$targetId"), body.get("$relationshipName")
        if source not in self.twins or target not in self.twins:
            return self._refuse(404, "DigitalTwinNotFound", f"{source} or {target}")
        source_model = self.twins[source]["$metadata"]["$model"]
        declared = self._flattened(source_model, "Relationship").get(name)
        if declared is None:
            return self._refuse(400, "ValidationFailed", f"{source_model} declares no relationship {name!r}")
        wanted = declared.get("target")
        if wanted and wanted not in self._lineage(self.twins[target]["$metadata"]["$model"]):
            return self._refuse(400, "ValidationFailed", f"{target} is not a {wanted}")
        allowed = {p["name"] for p in _listed(declared.get("properties"))}
        unknown = sorted(k for k in body if not k.startswith("$") and k not in allowed)
        if unknown:
            return self._refuse(400, "ValidationFailed", f"relationship {name!r} declares no property {unknown}")
        self.relationships[(source, relationship_id)] = {**copy.deepcopy(body), "$sourceId": source,
                                                         "$relationshipId": relationship_id}
        return 200, {}, json.dumps(body).encode()


def _defined(model) -> set:
    found, stack = set(), [model]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("@id"), str):
                found.add(node["@id"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _needed(model) -> set:
    """Ids a model extends or uses as a schema (a Component's included); not relationship targets."""
    found, stack = set(), [model]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("extends", "schema", "elementSchema"):
                for value in _listed(node.get(key)):
                    if isinstance(value, str) and value.startswith("dtmi:"):
                        found.add(value)
            stack.extend(v for k, v in node.items() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(node)
    return found
