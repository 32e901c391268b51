"""IoT TwinMaker's component types and entities, for local runs and tests: the calls of boto3's
`iottwinmaker` client the aws-twinmaker-entities step makes, answered as the service answers them.

No emulator of TwinMaker exists (moto has none), so this imitates the API reference strictly and
refuses what the service refuses, with botocore's ClientError and the service's error codes:
- ids: a component type id `[a-zA-Z_.\\-0-9:]+` (≤ 256), an entity id
  `[a-zA-Z0-9][a-zA-Z_\\-0-9.:]*[a-zA-Z0-9]+` (≤ 128), an entity name `[a-zA-Z_0-9-.][a-zA-Z_0-9-. ]*[a-zA-Z_0-9]+`;
  a second create of an id is ConflictException;
- an entity's parent must exist; its components must name existing types, set every property
  the type requires (`isRequiredInEntity`), and define any property the type does not; a value's
  field must be its data type's (`doubleValue` for DOUBLE, …);
- an entity with children is deleted only with `isRecursive` (ValidationException otherwise);
- the entities per workspace quota (`entity_quota`, default 10,000): ServiceQuotaExceededException;
- lists page by `maxResults` (1-200) and `nextToken`; a root entity's parent is `$ROOT`.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

COMPONENT_TYPE_ID = re.compile(r"[a-zA-Z_.\-0-9:]{1,256}")
ENTITY_ID = re.compile(r"[a-zA-Z0-9][a-zA-Z_\-0-9.:]*[a-zA-Z0-9]+")
ENTITY_NAME = re.compile(r"[a-zA-Z_0-9\-.][a-zA-Z_0-9\-. ]*[a-zA-Z_0-9]+")
VALUE_FIELDS = {"DOUBLE": "doubleValue", "INTEGER": "integerValue", "LONG": "longValue", "BOOLEAN": "booleanValue",
                "STRING": "stringValue"}
ROOT = "$ROOT"
DEFAULT_ENTITY_QUOTA = 10_000


def _fail(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class TwinMakerRegistry:
    def __init__(self, workspace: str, entity_quota: int = DEFAULT_ENTITY_QUOTA) -> None:
        self.workspace, self.entity_quota = workspace, entity_quota
        self.component_types: dict[str, dict[str, Any]] = {}
        self.entities: dict[str, dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    # -- component types

    def list_component_types(self, workspaceId: str, maxResults: int = 25, nextToken: str | None = None) -> dict:
        self._check("ListComponentTypes", workspaceId, maxResults)
        return self._page(sorted(self.component_types), maxResults, nextToken, "componentTypeSummaries",
                          lambda i: {"componentTypeId": i, "status": {"state": "ACTIVE"}})

    def create_component_type(self, workspaceId: str, componentTypeId: str, **request: Any) -> dict:
        with self._lock:
            self._check("CreateComponentType", workspaceId)
            if not COMPONENT_TYPE_ID.fullmatch(componentTypeId):
                raise _fail("ValidationException", f"componentTypeId {componentTypeId!r}", "CreateComponentType")
            if componentTypeId in self.component_types:
                raise _fail("ConflictException", f"component type {componentTypeId} exists", "CreateComponentType")
            for name, definition in (request.get("propertyDefinitions") or {}).items():
                if (definition.get("dataType") or {}).get("type") not in VALUE_FIELDS:
                    raise _fail("ValidationException", f"property {name}: a data type", "CreateComponentType")
            self.component_types[componentTypeId] = {"componentTypeId": componentTypeId, **request}
            return {"state": "ACTIVE"}

    # -- entities

    def list_entities(self, workspaceId: str, maxResults: int = 25, nextToken: str | None = None) -> dict:
        self._check("ListEntities", workspaceId, maxResults)
        parents = {v["parentEntityId"] for v in self.entities.values()}
        return self._page(sorted(self.entities), maxResults, nextToken, "entitySummaries",
                          lambda entity_id: self._summary(entity_id, parents))

    def get_entity(self, workspaceId: str, entityId: str) -> dict:
        self._check("GetEntity", workspaceId)
        if entityId not in self.entities:
            raise _fail("ResourceNotFoundException", f"entity {entityId}", "GetEntity")
        parents = {v["parentEntityId"] for v in self.entities.values()}
        return {**self._summary(entityId, parents), "components": self.entities[entityId].get("components", {})}

    def create_entity(self, workspaceId: str, entityId: str, entityName: str, **request: Any) -> dict:
        with self._lock:
            self._check("CreateEntity", workspaceId)
            if not (ENTITY_ID.fullmatch(entityId) and len(entityId) <= 128):
                raise _fail("ValidationException", f"entityId {entityId!r}", "CreateEntity")
            if not (ENTITY_NAME.fullmatch(entityName) and len(entityName) <= 256):
                raise _fail("ValidationException", f"entityName {entityName!r}", "CreateEntity")
            if entityId in self.entities:
                raise _fail("ConflictException", f"entity {entityId} exists", "CreateEntity")
            if len(self.entities) >= self.entity_quota:
                raise _fail("ServiceQuotaExceededException", f"at most {self.entity_quota} entities per workspace", "CreateEntity")
            parent = request.get("parentEntityId")
            if parent is not None and parent not in self.entities:
                raise _fail("ValidationException", f"parent entity {parent} does not exist", "CreateEntity")
            components = request.get("components") or {}
            for name, component in components.items():
                self._check_component(name, component, "CreateEntity")
            self.entities[entityId] = {"entityId": entityId, "entityName": entityName, "parentEntityId": parent,
                                       "description": request.get("description", ""), "components": components}
            return {"entityId": entityId, "state": "ACTIVE"}

    def update_entity(self, workspaceId: str, entityId: str, **request: Any) -> dict:
        with self._lock:
            self._check("UpdateEntity", workspaceId)
            entity = self.entities.get(entityId)
            if entity is None:
                raise _fail("ResourceNotFoundException", f"entity {entityId}", "UpdateEntity")
            components = dict(entity.get("components") or {})
            for name, update in (request.get("componentUpdates") or {}).items():
                kind = update.get("updateType")
                if kind == "DELETE":
                    components.pop(name, None)
                    continue
                if (kind == "CREATE") == (name in components):
                    which = "an existing" if name in components else "a missing"
                    raise _fail("ValidationException", f"component {name}: {kind} of {which} one", "UpdateEntity")
                component = {"componentTypeId": update.get("componentTypeId") or components[name]["componentTypeId"],
                             "properties": {**(components.get(name, {}).get("properties") or {}),
                                            **(update.get("propertyUpdates") or {})}}
                self._check_component(name, component, "UpdateEntity")
                components[name] = component
            parent = (request.get("parentEntityUpdate") or {}).get("parentEntityId", entity["parentEntityId"])
            if parent is not None and parent not in self.entities:
                raise _fail("ValidationException", f"parent entity {parent} does not exist", "UpdateEntity")
            entity.update(components=components, parentEntityId=parent,
                          description=request.get("description", entity["description"]))
            return {"state": "ACTIVE"}

    def delete_entity(self, workspaceId: str, entityId: str, isRecursive: bool = False) -> dict:
        with self._lock:
            self._check("DeleteEntity", workspaceId)
            if entityId not in self.entities:
                raise _fail("ResourceNotFoundException", f"entity {entityId}", "DeleteEntity")
            children = [e for e, v in self.entities.items() if v["parentEntityId"] == entityId]
            if children and not isRecursive:
                raise _fail("ValidationException", f"entity {entityId} has children", "DeleteEntity")
            for child in children:
                self.delete_entity(workspaceId, child, True)
            del self.entities[entityId]
            return {"state": "DELETING"}

    # -- shared

    def _check(self, operation: str, workspace: str, max_results: int | None = None) -> None:
        self.calls[operation] += 1
        if workspace != self.workspace:
            raise _fail("ResourceNotFoundException", f"workspace {workspace}", operation)
        if max_results is not None and not 1 <= max_results <= 200:
            raise _fail("ValidationException", "maxResults: 1-200", operation)

    def _check_component(self, name: str, component: dict, operation: str) -> None:
        kind = self.component_types.get(component.get("componentTypeId") or "")
        if kind is None:
            raise _fail("ValidationException", f"component {name}: unknown component type {component.get('componentTypeId')}", operation)
        definitions = kind.get("propertyDefinitions") or {}
        properties = component.get("properties") or {}
        for property_name, definition in definitions.items():
            if definition.get("isRequiredInEntity") and property_name not in properties:
                raise _fail("ValidationException", f"component {name}: required property {property_name} is not set", operation)
        for property_name, value in properties.items():
            definition = definitions.get(property_name) or value.get("definition")
            if definition is None:
                raise _fail("ValidationException", f"component {name}: property {property_name} is not defined", operation)
            wanted = VALUE_FIELDS[definition["dataType"]["type"]]
            if "value" in value and set(value["value"]) != {wanted}:
                raise _fail("ValidationException", f"component {name}: {property_name} needs {wanted}", operation)

    def _summary(self, entity_id: str, parents: set[str | None]) -> dict:
        entity = self.entities[entity_id]
        return {"entityId": entity_id, "entityName": entity["entityName"], "parentEntityId": entity["parentEntityId"] or ROOT,
                "description": entity["description"], "status": {"state": "ACTIVE"}, "hasChildEntities": entity_id in parents}

    @staticmethod
    def _page(ids: list[str], size: int, token: str | None, key: str, render: Any) -> dict:
        start = int(token or 0)
        page = {key: [render(i) for i in ids[start:start + size]]}
        if start + size < len(ids):
            page["nextToken"] = str(start + size)
        return page
