"""Azure's platform on this machine, around Azurite (Blob and Queue storage):

- the managed identity endpoint (IDENTITY_ENDPOINT) handing out Entra ID-shaped tokens, which
  Azurite (OAuth "basic") and the stand-ins accept;
- in-memory stand-ins behind the REST APIs the runtime's adapters call: Key Vault secrets, Cosmos
  DB's SQL API (upserts, deletes and the single-table queries of the hot store), Azure Digital
  Twins (twins and models from the synthesized `adt/` files; patches checked against the model),
  IoT Hub's device twin API (a desired-property patch goes to the device over the local broker);
- IoT Hub's routing through Event Grid into a Storage queue, and the Logic App workflow (its
  Request trigger and Http actions, with the workflow expression forms the definitions use).
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from operator import eq, ge, gt, le, lt, ne
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from twin_ops.local.function_host import KeptAlive
from twin_ops.local.http import LocalServer, Request, Response
from twin_ops.local.ledger import Ledger
from twin_ops.local.tls import LocalTls

if TYPE_CHECKING:
    from twin_model.config.dtdl_object_model import ObjectModel

TENANT = "00000000-0000-4000-8000-00000000a2e0"
ISSUER = f"https://sts.windows.net/{TENANT}/"


def entra_token(resource: str, lifetime: int = 3600, principal: str = "local-platform") -> tuple[str, int]:
    """A JWT with the claims Azurite's OAuth check and the stand-ins read (issuer, audience,
    lifetime, the identity's object id `oid`); unsigned."""
    now = int(time.time())

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"aud": resource, "iss": ISSUER, "iat": now - 60, "nbf": now - 60, "exp": now + lifetime,
              "oid": principal, "tid": TENANT, "sub": principal}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{part({'sig': 'local'})}", now + lifetime


def token_claims(token: str, audience: str) -> dict[str, Any] | None:
    """The claims of a token the local identity issued for `audience` and not yet expired, else None."""
    try:
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    except (ValueError, IndexError):
        return None
    if (not isinstance(claims, dict) or claims.get("iss") != ISSUER or str(claims.get("aud", "")).rstrip("/") != audience.rstrip("/")
            or not isinstance(claims.get("exp"), int) or claims["exp"] < time.time()):
        return None
    return claims


class Identity:
    """IDENTITY_ENDPOINT/IDENTITY_HEADER of the Functions sandbox (plain http, as there): a token
    of the user-assigned identity `client_id` names (one the output declares), its `oid` the
    identity's principal id, which the stand-ins' role checks look up."""

    def __init__(self, server: LocalServer) -> None:
        self.secret = secrets.token_hex(16)
        self.endpoint = f"{server.url}/msi/token"
        self.principals: dict[str, str] = {}  # client id → principal id, from the synthesized identities
        server.route("GET", "/msi/token", self._token)

    def _token(self, request: Request) -> Response:
        if request.header("X-IDENTITY-HEADER") != self.secret:
            return Response(401, {"error": "invalid identity header"})
        client_id = request.query.get("client_id", "")
        if client_id not in self.principals:
            return Response(400, {"error": "invalid_request", "error_description": f"Identity not found: client_id {client_id!r}"})
        token, expires = entra_token(request.query.get("resource", ""), principal=self.principals[client_id])
        return Response(200, {"access_token": token, "expires_on": str(expires), "resource": request.query.get("resource"),
                              "token_type": "Bearer", "client_id": client_id})


def _bearer(request: Request, audience: str) -> bool:
    """`Authorization: Bearer <token>` of the local identity for `audience` (Key Vault, Digital
    Twins, IoT Hub all refuse another scheme, audience or an expired token with 401)."""
    scheme, _, token = (request.header("Authorization") or "").partition(" ")
    return scheme == "Bearer" and token_claims(token, audience) is not None


class KeyVault:
    def __init__(self, server: LocalServer) -> None:
        self.vaults: dict[str, dict[str, str]] = {}
        self._url = server.url
        server.route("GET", "/kv/{vault}/secrets/{name}", self._get)

    def uri(self, vault: str) -> str:
        self.vaults.setdefault(vault, {})
        return f"{self._url}/kv/{vault}/"

    def _get(self, request: Request) -> Response:
        if not _bearer(request, "https://vault.azure.net"):
            return Response(401, {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}})
        vault = self.vaults.get(request.params["vault"], {})
        if request.params["name"] not in vault:
            return Response(404, {"error": {"code": "SecretNotFound", "message": request.params["name"]}})
        return Response(200, {"value": vault[request.params["name"]], "id": request.path})


class Cosmos:
    """The SQL API of the hot store's container, in memory, refusing what the service refuses
    (docs: "Common Azure Cosmos DB REST request headers", "Access control in the SQL API",
    "Configure role-based access control with Microsoft Entra ID"):

    - `Authorization` URL-encoded `type=aad&ver=1.0&sig=<Entra ID token for https://cosmos.azure.com>`
      (the account disables keys, so `type=master` is refused too), else 401 Unauthorized;
    - `x-ms-date` (RFC 1123, within 15 minutes of now) and `x-ms-version`, else 401 / 400;
    - `Content-Type` application/json on writes, application/query+json on queries, else 400;
    - `x-ms-documentdb-partitionkey` a JSON array of one value, matching the item's partition key
      path on writes; a query without it must enable cross-partition, else 400;
    - the token's principal needs a data-plane role assignment (`azurerm_cosmosdb_sql_role_assignment`
      of the output) whose role allows the action on a scope holding the container, else 403.
    Errors answer `{"code", "message"}`.
    """

    QUERY = re.compile(
        r"^SELECT\s+(?:TOP\s+(?P<top>\d+)\s+)?\*\s+FROM\s+c(?:\s+WHERE\s+(?P<where>.+?))?"
        r"(?:\s+ORDER\s+BY\s+c\.(?P<order>\w+)\s+(?P<direction>ASC|DESC))?$", re.I | re.S,
    )
    CONDITION = re.compile(r"^c\.(?P<field>\w+)\s*(?P<op>=|!=|<=|>=|<|>)\s*(?P<parameter>@\w+)$")
    OPERATORS: dict[str, Callable[[Any, Any], bool]] = {"=": eq, "!=": ne, "<": lt, "<=": le, ">": gt, ">=": ge}
    AUDIENCE = "https://cosmos.azure.com"
    ACTION = "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/"
    # The built-in data-plane roles' actions (Cosmos DB Built-in Data Reader / Contributor).
    ROLES = {
        "00000000-0000-0000-0000-000000000001": ("executeQuery", "readChangeFeed", "items/read"),
        "00000000-0000-0000-0000-000000000002": ("*",),
    }
    CLOCK_SKEW = 15 * 60

    def __init__(self, server: LocalServer) -> None:
        self._url = server.url
        self._lock = threading.Lock()
        # Items by logical partition, as the service keeps them: a query with a partition key reads
        # one partition only (the readers' per-device queries stay cheap at 10,000 items).
        self.containers: dict[tuple[str, str, str], dict[Any, dict[str, dict]]] = {}
        self.partition_keys: dict[tuple[str, str, str], str] = {}
        self.grants: list[tuple[str, str, str]] = []  # (principal id, role definition id, scope "<account>/dbs/<db>/colls/<c>")
        base = "/cosmos/{account}/dbs/{database}/colls/{container}/docs"
        server.route("POST", base, self._post)
        server.route("DELETE", base + "/{item}", self._delete)

    def endpoint(self, account: str) -> str:
        return f"{self._url}/cosmos/{account}/"

    def add_container(self, account: str, database: str, container: str, partition_path: str) -> None:
        key = (account, database, container)
        self.containers.setdefault(key, {})
        self.partition_keys[key] = partition_path.lstrip("/")

    def grant(self, principal: str, role_definition_id: str, scope: str) -> None:
        """A role assignment: `scope` is the resource id of an account, database or container."""
        account_scope = scope.split("/databaseAccounts/", 1)[-1].strip("/")
        self.grants.append((principal, role_definition_id.rsplit("/", 1)[-1], account_scope))

    def count(self, account: str, database: str, container: str) -> int:
        return sum(len(items) for items in self.containers[(account, database, container)].values())

    def items(self, account: str, database: str, container: str) -> list[dict]:
        with self._lock:
            return [dict(item) for items in self.containers[(account, database, container)].values() for item in items.values()]

    @staticmethod
    def _error(status: int, code: str, message: str) -> Response:
        return Response(status, {"code": code, "message": message})

    def _refused(self, request: Request, action: str, content_type: str | None) -> Response | None:
        """The service's checks, in its order: authentication, headers, authorization, the container."""
        authorization = unquote(request.header("Authorization") or "")
        fields = dict(part.partition("=")[::2] for part in authorization.split("&")) if "&" in authorization else {}
        if fields.get("type") != "aad" or fields.get("ver") != "1.0" or not fields.get("sig"):
            return self._error(401, "Unauthorized", "The input authorization token can't serve the request. The wrong key "
                                                    "is being used or the expected payload is not built as per the protocol.")
        claims = token_claims(fields["sig"], self.AUDIENCE)
        if claims is None:
            return self._error(401, "Unauthorized", "Local Authorization is disabled. Use an AAD token to authorize all requests.")
        try:
            sent = parsedate_to_datetime(request.header("x-ms-date") or "")
        except (TypeError, ValueError):
            sent = None
        if sent is None or sent.tzinfo is None:
            return self._error(401, "Unauthorized", "The input date header is invalid format. Please pass in RFC 1123 style date format.")
        if abs(time.time() - sent.timestamp()) > self.CLOCK_SKEW:
            return self._error(403, "Forbidden", "The authorization token is not valid at the current time.")
        if not request.header("x-ms-version"):
            return self._error(400, "BadRequest", "The x-ms-version header is missing.")
        if content_type is not None and (request.header("Content-Type") or "").split(";")[0].strip().lower() != content_type:
            return self._error(400, "BadRequest", f"Content-Type must be {content_type} for this operation.")
        scope = "/".join((request.params["account"], "dbs", request.params["database"], "colls", request.params["container"]))
        principal = str(claims.get("oid"))
        if not any(who == principal and (scope + "/").startswith(where + "/") and self._allows(role, action)
                   for who, role, where in self.grants):
            return self._error(403, "Forbidden", f"Request blocked by Auth {request.params['account']} : Request is blocked because "
                                                 f"principal [{principal}] does not have required RBAC permissions to perform action "
                                                 f"[{self.ACTION}{action}] on resource [{scope}].")
        if self._key(request) not in self.containers:
            return self._error(404, "NotFound", "Resource Not Found")
        return None

    def _allows(self, role: str, action: str) -> bool:
        return any(allowed in ("*", action) for allowed in self.ROLES.get(role, ()))

    @staticmethod
    def _partition(request: Request) -> tuple[bool, Any]:
        """(valid, value) of the partition key header: absent, or a JSON array of one value."""
        header = request.header("x-ms-documentdb-partitionkey")
        if header is None:
            return True, None
        try:
            value = json.loads(header)
        except ValueError:
            return False, None
        return (isinstance(value, list) and len(value) == 1), (value[0] if isinstance(value, list) and value else None)

    @staticmethod
    def _key(request: Request) -> tuple[str, str, str]:
        return request.params["account"], request.params["database"], request.params["container"]

    def _post(self, request: Request) -> Response:
        is_query = (request.header("x-ms-documentdb-isquery") or "").lower() == "true"
        upsert = (request.header("x-ms-documentdb-is-upsert") or "").lower() == "true"
        action = "executeQuery" if is_query else "items/upsert" if upsert else "items/create"
        refused = self._refused(request, action, "application/query+json" if is_query else "application/json")
        if refused is not None:
            return refused
        key = self._key(request)
        items = self.containers[key]
        valid, partition = self._partition(request)
        if not valid:
            return self._error(400, "BadRequest", "Partition key provided either doesn't correspond to definition in the collection "
                                                  "or doesn't match partition key field values specified in the document.")
        if is_query:
            return self._query(request, items, partition)
        try:
            item = request.json()
        except ValueError:
            return self._error(400, "BadRequest", "The request payload is invalid.")
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"] or re.search(r"[/\\?#]", item["id"]):
            return self._error(400, "BadRequest", "The input content is invalid because the required property 'id' is missing or invalid.")
        if request.header("x-ms-documentdb-partitionkey") is None:
            return self._error(400, "BadRequest", "PartitionKey value must be supplied for this operation.")
        if partition != item.get(self.partition_keys[key]):
            return self._error(400, "BadRequest", "PartitionKey extracted from document doesn't match the one specified in the header")
        if not upsert and item["id"] in items.get(partition, {}):
            return self._error(409, "Conflict", "Entity with the specified id already exists in the system.")
        stored = {**item, "_rid": uuid.uuid4().hex[:12], "_etag": f'"{uuid.uuid4()}"', "_ts": int(time.time())}
        with self._lock:
            items.setdefault(partition, {})[item["id"]] = stored
        return Response(201, stored)

    def _delete(self, request: Request) -> Response:
        refused = self._refused(request, "items/delete", None)
        if refused is not None:
            return refused
        items = self.containers[self._key(request)]
        valid, partition = self._partition(request)
        if not valid or request.header("x-ms-documentdb-partitionkey") is None:
            return self._error(400, "BadRequest", "PartitionKey value must be supplied for this operation.")
        with self._lock:
            removed = items.get(partition, {}).pop(request.params["item"], None)
        return Response(204, b"") if removed else self._error(404, "NotFound", "Entity with the specified id does not exist in the system.")

    def _query(self, request: Request, items: dict, partition: Any) -> Response:
        try:
            body = request.json()
        except ValueError:
            return self._error(400, "BadRequest", "The request payload is invalid.")
        match = self.QUERY.match(str(body.get("query", "")).strip()) if isinstance(body, dict) else None
        if match is None:
            return self._error(400, "BadRequest", f"query not supported locally: {body!r:.200}")
        parameters = {p["name"]: p["value"] for p in body.get("parameters", [])}
        conditions = []
        for text in re.split(r"\s+AND\s+", match.group("where"), flags=re.I) if match.group("where") else []:
            condition = self.CONDITION.match(text.strip())
            if condition is None or condition.group("parameter") not in parameters:
                return self._error(400, "BadRequest", f"condition not supported locally: {text}")
            conditions.append((condition.group("field"), self.OPERATORS[condition.group("op")], parameters[condition.group("parameter")]))
        if request.header("x-ms-documentdb-partitionkey") is None and (
                request.header("x-ms-documentdb-query-enablecrosspartition") or "").lower() != "true":
            return self._error(400, "BadRequest", "Cross partition query is required but disabled. Please set "
                                                  "x-ms-documentdb-query-enablecrosspartition to true.")
        with self._lock:
            partitions = list(items.values()) if request.header("x-ms-documentdb-partitionkey") is None else [items.get(partition, {})]
            found = [
                dict(item) for within in partitions for item in within.values()
                if all(name in item and compare(item[name], value) for name, compare, value in conditions)
            ]
        if match.group("order"):
            found.sort(key=lambda item: item.get(match.group("order")), reverse=match.group("direction").upper() == "DESC")
        if match.group("top"):
            found = found[: int(match.group("top"))]
        return Response(200, {"Documents": found, "_count": len(found)})


@dataclass
class TwinInstance:
    model: ObjectModel  # the official DTDL parser's object model of the instance's models
    twins: dict[str, dict[str, Any]]
    updates: dict[str, int] = field(default_factory=dict)
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)  # model id → its DTDL

    def writable(self, twin: Mapping[str, Any], path: str) -> bool:
        """Whether a patch may write `path` (`/<property>` or `/<component>/<property>`) of `twin`:
        a Property its model declares or inherits (never a Telemetry, which twins do not hold)."""
        interface = self.model.interface(twin["$metadata"]["$model"])
        parts = path.lstrip("/").split("/")
        if interface is None:
            return False
        if len(parts) == 1:
            return parts[0] in self.model.names(interface, "properties")
        component = self.model.contents(interface, "components").get(parts[0])
        schema = self.model.interface(component.get("schema")) if component else None
        return len(parts) == 2 and schema is not None and parts[1] in self.model.names(schema, "properties")


class DigitalTwins:
    def __init__(self, server: LocalServer) -> None:
        self._server = server
        self.instances: dict[str, TwinInstance] = {}
        self._lock = threading.Lock()
        server.route("PATCH", "/adt/{instance}/digitaltwins/{twin}", self._patch)
        server.route("GET", "/adt/{instance}/digitaltwins/{twin}", self._get)
        server.route("GET", "/adt/{instance}/models/{model}", self._model)

    def host_name(self, instance: str) -> str:
        return f"{self._server.address}/adt/{instance}"

    def add(self, instance: str, models: list[dict], twins: list[dict]) -> None:
        """The instance with `models` as the official DTDL parser reads them (inheritance resolved,
        contents in either form); models it refuses are refused here, as the upload would be."""
        from twin_model.config.dtdl_object_model import ObjectModel
        from twin_model.config.dtdl_parser import models_text, run

        parsed = run(models_text(models)) if models else {"ok": True, "model": {}}  # a new instance holds no models
        if parsed.get("ok") is not True:
            raise ValueError(f"Azure Digital Twins {instance}: the DTDL parser refuses the models: {parsed}")
        model = ObjectModel(parsed["model"])
        unknown = sorted({twin["$metadata"]["$model"] for twin in twins if model.interface(twin["$metadata"]["$model"]) is None})
        if unknown:
            raise ValueError(f"Azure Digital Twins {instance}: twins of models not uploaded: {', '.join(unknown)}")
        self.instances[instance] = TwinInstance(model, {twin["$dtId"]: {**twin, "$etag": f'W/"{uuid.uuid4()}"'} for twin in twins},
                                                definitions={m["@id"]: m for m in models})

    def _patch(self, request: Request) -> Response:
        instance = self.instances.get(request.params["instance"])
        if not _bearer(request, "https://digitaltwins.azure.net"):
            return Response(401, {"error": {"code": "Unauthorized", "message": "no valid bearer token for Azure Digital Twins"}})
        if instance is None:
            return Response(404, {"error": {"code": "NotFound"}})
        with self._lock:
            twin = instance.twins.get(request.params["twin"])
            if twin is None:
                return Response(404, {"error": {"code": "DigitalTwinNotFound", "message": request.params["twin"]}})
            match = request.header("If-Match")
            if match not in (None, "*", twin.get("$etag")):
                return Response(412, {"error": {"code": "PreconditionFailed", "message": "the twin changed"}})
            operations = request.json()
            for operation in operations:
                if not instance.writable(twin, operation["path"]):
                    return Response(400, {"error": {"code": "ValidationFailed",
                                                    "message": f"{operation['path']} is not a property of the twin's model"}})
            for operation in operations:
                *parents, name = operation["path"].lstrip("/").split("/")
                target = twin.setdefault(parents[0], {"$metadata": {}}) if parents else twin
                if operation["op"] in ("add", "replace"):
                    target[name] = operation["value"]
                elif operation["op"] == "remove":
                    target.pop(name, None)
            instance.updates[twin["$dtId"]] = instance.updates.get(twin["$dtId"], 0) + 1
            twin["$etag"] = f'W/"{uuid.uuid4()}"'
        return Response(204, b"")

    def _model(self, request: Request) -> Response:
        """GET /models/{id}?includeModelDefinition=true: the model's DTDL under `model`."""
        if not _bearer(request, "https://digitaltwins.azure.net"):
            return Response(401, {"error": {"code": "Unauthorized"}})
        instance = self.instances.get(request.params["instance"])
        model = instance.definitions.get(request.params["model"]) if instance else None
        if model is None:
            return Response(404, {"error": {"code": "ModelNotFound", "message": request.params["model"]}})
        answer: dict[str, Any] = {"id": model["@id"], "decommissioned": False}
        if request.query.get("includeModelDefinition") == "true":
            answer["model"] = model
        return Response(200, answer)

    def _get(self, request: Request) -> Response:
        if not _bearer(request, "https://digitaltwins.azure.net"):
            return Response(401, {"error": {"code": "Unauthorized", "message": "no valid bearer token for Azure Digital Twins"}})
        instance = self.instances.get(request.params["instance"])
        with self._lock:
            twin = dict(instance.twins.get(request.params["twin"]) or {}) if instance else {}
        return Response(200, twin, {"ETag": twin["$etag"]}) if twin else Response(404, {"error": {"code": "DigitalTwinNotFound"}})


def device_feedback_topic(device_id: str) -> str:
    """Where the local broker delivers a device's desired-property patches. IoT Hub sends them on
    `$iothub/twin/PATCH/properties/desired/...` of the device's own connection; one shared broker
    cannot address a connection, so each device has its own topic."""
    return f"local/iothub/{device_id}/twin/PATCH/properties/desired"


class IotHub:
    """The device twin REST API (desired properties) and the route of device telemetry through
    Event Grid into a Storage queue (Event Grid schema, `Microsoft.Devices.DeviceTelemetry`)."""

    def __init__(self, server: LocalServer, ledger: Ledger) -> None:
        self._ledger = ledger
        self.hubs: dict[str, str] = {}  # host name → hub name
        self.mqtt = None  # the runner's MqttClient
        self._versions: dict[str, int] = {}
        self.devices: set[str] | None = None  # registered device identities (the post-deploy step registers them)
        server.route("PATCH", "/twins/{device}", self._patch)

    def _patch(self, request: Request) -> Response:
        host = (request.header("Host") or "").split(":")[0]
        if host not in self.hubs:
            return Response(404, {"Message": f"no IoT Hub at {host}"})
        if not _bearer(request, "https://iothubs.azure.net"):
            return Response(401, {"Message": "ErrorCode:IotHubUnauthorizedAccess;Unauthorized"})
        device = request.params["device"]
        if self.devices is not None and device not in self.devices:
            return Response(404, {"Message": f"device {device} not found"})
        desired = (request.json().get("properties") or {}).get("desired") or {}
        self._versions[device] = self._versions.get(device, 1) + 1
        self.mqtt.publish(device_feedback_topic(device), json.dumps({**desired, "$version": self._versions[device]}).encode())
        return Response(200, {"deviceId": device, "properties": {"desired": desired}})

    def route_telemetry(self, hub: str, enqueue: Callable[[dict], None]) -> None:
        """Device-to-cloud messages of `hub` (MQTT topic devices/<id>/messages/events/<properties>)
        → Event Grid events → `enqueue`."""

        def on_message(topic: str, payload: bytes) -> None:
            parts = topic.split("/")
            device, properties = parts[1], dict(parse_qsl("/".join(parts[4:]), keep_blank_values=True))
            now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            json_content = properties.get("$.ct", "").startswith("application/json")
            try:
                body = json.loads(payload) if json_content else base64.b64encode(payload).decode()
            except ValueError:
                body = base64.b64encode(payload).decode()
            enqueue({
                "id": str(uuid.uuid4()), "topic": f"/subscriptions/local/resourceGroups/local/providers/Microsoft.Devices/IotHubs/{hub}",
                "subject": f"devices/{device}", "eventType": "Microsoft.Devices.DeviceTelemetry", "eventTime": now,
                "data": {"properties": {k: v for k, v in properties.items() if not k.startswith("$.")},
                         "systemProperties": {"iothub-connection-device-id": device, "iothub-enqueuedtime": now,
                                              "iothub-message-source": "Telemetry",
                                              **({"iothub-content-type": properties["$.ct"]} if "$.ct" in properties else {}),
                                              **({"iothub-content-encoding": properties["$.ce"]} if "$.ce" in properties else {})},
                         "body": body},
                "dataVersion": "", "metadataVersion": "1",
            })

        self.mqtt.subscribe("devices/+/messages/events/#", on_message)


@dataclass
class LogicApp:
    trigger: str
    actions: dict[str, dict]  # name → action definition (type, inputs, runAfter)


class LogicApps:
    """Request-triggered workflows: the trigger's callback URL starts a run (202), whose Http
    actions run in `runAfter` order with the expressions `@triggerBody()`, `@body('<action>')`,
    `?['key']`/`['key']` accessors and `@{...}` interpolation."""

    def __init__(self, server: LocalServer, ledger: Ledger, tls: LocalTls) -> None:
        self._url, self._ledger = server.url, ledger
        # Kept-alive connections, shared by the executions (a thread each): a new one per Http action
        # cost both ends a TLS handshake and the Function App a thread.
        self._http = KeptAlive(ssl.create_default_context(cafile=str(tls.ca_file)))
        self.workflows: dict[str, LogicApp] = {}
        self._signatures: dict[str, str] = {}
        server.route("POST", "/logicapps/{workflow}/triggers/{trigger}/invoke", self._invoke)

    def callback_url(self, workflow: str, trigger: str) -> str:
        signature = self._signatures.setdefault(workflow, secrets.token_urlsafe(24))
        return (f"{self._url}/logicapps/{workflow}/triggers/{trigger}/invoke"
                f"?api-version=2016-10-01&sp=%2Ftriggers%2F{trigger}%2Frun&sv=1.0&sig={signature}")

    def _invoke(self, request: Request) -> Response:
        name, trigger = request.params["workflow"], request.params["trigger"]
        workflow = self.workflows.get(name)
        if workflow is None or request.query.get("sig") != self._signatures.get(name):
            return Response(401, {"error": {"code": "AuthorizationFailed"}})
        # A trigger the workflow does not have: the service answers WorkflowTriggerNotFound (its message quoted in Microsoft
        # Learn's Partner Center co-sell connectors FAQ) with ARM's 404 (the REST reference lists only "Other Status Codes").
        if trigger != workflow.trigger:
            message = f"The workflow '{name}' trigger '{trigger}' could not be found."
            return Response(404, {"error": {"code": "WorkflowTriggerNotFound", "message": message}})
        trigger_body = request.json()
        self._ledger.execute(f"logic app {name}", lambda: self._run(workflow, trigger_body))
        return Response(202, {})

    def _run(self, workflow: LogicApp, trigger_body: Any) -> None:
        outputs: dict[str, dict] = {}
        pending = dict(workflow.actions)
        while pending:
            ready = [n for n, a in pending.items() if all(
                outputs.get(after, {}).get("status") in statuses for after, statuses in (a.get("runAfter") or {}).items()
            )]
            if not ready:
                break  # the rest waits on actions that did not end as they require
            for action_name in ready:
                action = pending.pop(action_name)
                outputs[action_name] = self._run_action(action, trigger_body, outputs)
                if outputs[action_name]["status"] != "Succeeded":
                    raise RuntimeError(f"action {action_name}: {outputs[action_name].get('error')}")

    def _run_action(self, action: Mapping[str, Any], trigger_body: Any, outputs: dict[str, dict]) -> dict[str, Any]:
        if action.get("type") != "Http":
            return {"status": "Failed", "error": f"action type {action.get('type')} is not run locally"}
        inputs = evaluate_expression(action["inputs"], trigger_body, outputs)
        body = inputs.get("body")
        data = json.dumps(body).encode() if body is not None else None
        headers = {str(k): str(v) for k, v in (inputs.get("headers") or {}).items()}
        if data is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        try:
            status, payload = self._http.call(inputs.get("method", "POST"), inputs["uri"], data, headers, timeout=60)
        except (OSError, http.client.HTTPException) as exc:
            return {"status": "Failed", "error": f"{type(exc).__name__}: {exc}"}
        if status >= 400:
            return {"status": "Failed", "error": f"HTTP {status}", "statusCode": status}
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode(errors="replace")
        return {"status": "Succeeded", "statusCode": status, "body": parsed}


_EXPRESSION = re.compile(r"^(?P<function>triggerBody|body)\((?:'(?P<argument>[^']*)')?\)(?P<accessors>(?:\??\['[^']*'\])*)$")


def evaluate_expression(value: Any, trigger_body: Any, outputs: Mapping[str, Mapping[str, Any]]) -> Any:
    if isinstance(value, dict):
        return {key: evaluate_expression(item, trigger_body, outputs) for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate_expression(item, trigger_body, outputs) for item in value]
    if not isinstance(value, str) or not value.startswith("@") or value.startswith("@@"):
        return value
    if value.startswith("@{") or "@{" in value[1:]:
        return re.sub(r"@\{([^}]*)\}", lambda m: str(_call(m.group(1), trigger_body, outputs)), value)
    return _call(value[1:], trigger_body, outputs)


def _call(text: str, trigger_body: Any, outputs: Mapping[str, Mapping[str, Any]]) -> Any:
    match = _EXPRESSION.match(text.strip())
    if match is None:
        raise ValueError(f"workflow expression not supported locally: @{text}")
    value = trigger_body if match.group("function") == "triggerBody" else outputs[match.group("argument")].get("body")
    for optional, key in re.findall(r"(\??)\['([^']*)'\]", match.group("accessors")):
        if value is None and optional:
            return None
        value = value.get(key) if isinstance(value, dict) else None
    return value
