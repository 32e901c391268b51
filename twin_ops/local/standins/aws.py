"""AWS's platform on this machine, around moto (DynamoDB, S3, SQS, SSM, Secrets Manager):

- the Lambda service: async invokes with the function's retries and on-failure destination,
  sync invokes, and Function URLs (payload format 2.0), each function on its local host;
- IoT Core's rules engine (topic rules over the local MQTT broker) and data plane (publish);
- DynamoDB TTL with its stream feeding event source mappings; S3 event notifications,
  replication and lifecycle expiration (moto stores objects but runs none of these);
- Step Functions executions of the synthesized state machine (the subset of the States Language
  our workflows use: Task, Pass, Succeed, Fail) and TwinMaker's reads through component types.

The functions' SDK calls reach this server through AWS_ENDPOINT_URL_LAMBDA, _IOT_DATA_PLANE and
_SFN; everything else goes to moto (AWS_ENDPOINT_URL).
"""

from __future__ import annotations

import base64
import json
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, unquote

from twin_ops.local.function_host import KeptAlive
from twin_ops.local.http import LocalServer, Request, Response
from twin_ops.local.ledger import Ledger

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)  # Lambda waits 1 and 2 minutes between async attempts: compressed
DEFAULT_ASYNC_RETRIES = 2
# Async invokes of one function run side by side, as Lambda runs them on several instances (a
# few suffice on this machine; the host serves each on its own thread).
ASYNC_CONCURRENCY = 4


@dataclass
class LocalLambda:
    name: str
    arn: str
    label: str
    retries: int = DEFAULT_ASYNC_RETRIES
    on_failure: str | None = None  # an SQS queue ARN
    entry: str = ""  # the handler, as the function host reports it
    host: str | None = None  # the URL of its function host
    inbox: queue.Queue = field(default_factory=queue.Queue)

    @property
    def where(self) -> str:
        return f"{self.label}:{self.entry}"


class LambdaService:
    def __init__(self, ledger: Ledger, sqs: Callable[[], Any], region: str, account: str) -> None:
        self._ledger, self._sqs, self.region, self.account = ledger, sqs, region, account
        self._functions: dict[str, LocalLambda] = {}
        self._url_outage: dict[str, float] = {}
        self._http = KeptAlive()  # kept-alive connections to the function hosts

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"

    def add(self, name: str, label: str) -> LocalLambda:
        return self._functions.setdefault(name, LocalLambda(name, self.arn(name), label))

    def function(self, name_or_arn: str) -> LocalLambda:
        name = name_or_arn.split(":function:", 1)[-1].split(":", 1)[0] if ":function:" in name_or_arn else name_or_arn
        if name not in self._functions:
            raise KeyError(f"no function {name_or_arn} in this twin")
        return self._functions[name]

    def attach(self, name: str, url: str, entry: str) -> None:
        function = self._functions[name]
        function.host, function.entry = url, entry
        for index in range(ASYNC_CONCURRENCY):
            threading.Thread(target=self._work, args=(function,), name=f"lambda-{name}-{index}", daemon=True).start()

    def invoke_async(self, target: str, event: Any) -> None:
        function = self.function(target)
        self._ledger.begin()
        function.inbox.put((event, 0))

    def invoke(self, target: str, event: Any, clock_offset: float = 0.0) -> tuple[bool, Any]:
        """A synchronous invoke: (True, result) or (False, "ErrorType: message")."""
        function = self.function(target)
        if function.host is None:
            raise RuntimeError(f"function {function.name} is not running")
        answer = json.loads(self._http.call("POST", f"{function.host}/invoke", json.dumps({
            "event": event, "clock_offset": clock_offset,
            "context": {"function_name": function.name, "invoked_function_arn": function.arn,
                        "aws_request_id": str(uuid.uuid4()), "memory_limit_in_mb": 256},
        }).encode(), {"Content-Type": "application/json"}, 600.0)[1])
        if answer.get("ok"):
            return True, answer.get("result")
        return False, f"{answer.get('errorType')}: {answer.get('errorMessage')}"

    def close(self) -> None:
        """Ends the workers (a run's threads must not outlive it: the tests run many in one process)."""
        for function in self._functions.values():
            if function.host is not None:
                for _ in range(ASYNC_CONCURRENCY):
                    function.inbox.put(None)

    def _work(self, function: LocalLambda) -> None:
        while True:
            item = function.inbox.get()
            if item is None:
                return
            event, attempt = item
            try:
                ok, result = self.invoke(function.name, event)
            except Exception as exc:  # the host is gone: a failed attempt like any other
                ok, result = False, f"{type(exc).__name__}: {exc}"
            if ok:
                self._ledger.end()
            elif attempt < function.retries:
                self._ledger.retry(function.where)
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                threading.Timer(delay, function.inbox.put, args=((event, attempt + 1),)).start()
            else:
                self._give_up(function, event, str(result))
                self._ledger.end()

    def _give_up(self, function: LocalLambda, event: Any, error: str) -> None:
        """After the last retry: the on-failure destination gets the invocation record, as Lambda sends it."""
        self._ledger.dead_letter(function.where, f"async invoke given up after {function.retries + 1} attempts: {error}"
                                 + (f"; sent to {function.on_failure}" if function.on_failure else ""))
        if function.on_failure:
            queue_name = function.on_failure.rsplit(":", 1)[-1]
            url = self._sqs().get_queue_url(QueueName=queue_name)["QueueUrl"]
            record = {"version": "1.0", "timestamp": datetime.now(timezone.utc).isoformat(),
                      "requestContext": {"functionArn": function.arn, "condition": "RetriesExhausted",
                                         "approximateInvokeCount": function.retries + 1},
                      "requestPayload": event, "responsePayload": {"errorMessage": error}}
            self._sqs().send_message(QueueUrl=url, MessageBody=json.dumps(record))

    # -- HTTP: the Lambda API (invocations) and Function URLs

    def url_outage(self, name: str, seconds: float) -> None:
        self._url_outage[name] = time.monotonic() + seconds

    def routes(self, server: LocalServer) -> None:
        server.route("POST", "/2015-03-31/functions/{name}/invocations", self._api_invoke)
        server.route("*", "/lambda-url/{name}/{path*}", self._function_url)

    def _api_invoke(self, request: Request) -> Response:
        kind = request.header("X-Amz-Invocation-Type") or "RequestResponse"
        event = request.json()
        if kind == "Event":
            self.invoke_async(request.params["name"], event)
            return Response(202, b"")
        ok, result = self.invoke(request.params["name"], event)
        if ok:
            return Response(200, json.dumps(result, default=str).encode(), {"Content-Type": "application/json"})
        error_type, _, message = str(result).partition(": ")
        return Response(200, {"errorType": error_type, "errorMessage": message}, {"X-Amz-Function-Error": "Unhandled"})

    def _function_url(self, request: Request) -> Response:
        name = request.params["name"]
        if time.monotonic() < self._url_outage.get(name, 0.0):
            self._ledger.add("receiver 503s")
            return Response(503, {"error": {"code": "unavailable", "message": "receiver outage (local run)"}})
        try:
            text, encoded = request.body.decode(), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(request.body).decode(), True
        now = datetime.now(timezone.utc)
        event = {
            "version": "2.0", "routeKey": "$default", "rawPath": "/" + request.params.get("path", ""),
            "rawQueryString": "&".join(f"{k}={quote(v)}" for k, v in request.query.items()),
            "headers": {key.lower(): value for key, value in request.headers.items()},
            "requestContext": {
                "accountId": "anonymous", "apiId": name, "domainName": request.header("Host") or "localhost",
                "http": {"method": request.method, "path": "/" + request.params.get("path", ""), "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": request.header("User-Agent") or ""},
                "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now.timestamp() * 1000),
            },
            "body": text, "isBase64Encoded": encoded,
        }
        ok, result = self.invoke(name, event)
        if not ok:
            return Response(502, {"Message": "Internal Server Error"})
        if isinstance(result, dict) and "statusCode" in result:
            body = result.get("body") or ""
            payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
            return Response(int(result["statusCode"]), payload, {"Content-Type": "application/json", **(result.get("headers") or {})})
        return Response(200, json.dumps(result).encode(), {"Content-Type": "application/json"})


class IotCore:
    """Topic rules (`SELECT *, <function>(...) AS <name>, ... FROM '<filter>'` with Lambda actions)
    and the data plane's publish, over the local broker."""

    SELECT = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+'(?P<topic>[^']+)'\s*(?:WHERE\s+(?P<where>.+))?$", re.I | re.S)

    def __init__(self, lambdas: LambdaService, ledger: Ledger) -> None:
        self._lambdas, self._ledger = lambdas, ledger
        self.mqtt = None  # set by the runner: an MqttClient

    def add_rule(self, sql: str, function_arns: list[str]) -> None:
        match = self.SELECT.match(sql)
        if match is None or match.group("where"):
            raise ValueError(f"topic rule SQL not supported locally: {sql}")
        fields = [field.strip() for field in _split_fields(match.group("fields"))]
        extra: list[tuple[str, str, list[str]]] = []
        for item in fields:
            if item == "*":
                continue
            call = re.fullmatch(r"(\w+)\(([^)]*)\)\s+AS\s+(\w+)", item, re.I)
            if call is None or call.group(1) not in ("topic", "newuuid", "timestamp", "clientid"):
                raise ValueError(f"topic rule field not supported locally: {item}")
            extra.append((call.group(3), call.group(1), [a.strip() for a in call.group(2).split(",") if a.strip()]))

        def on_message(topic: str, payload: bytes) -> None:
            try:
                event = json.loads(payload)
            except ValueError:
                self._ledger.fail("IoT rule", f"{topic}: a payload that is not JSON")
                return
            if not isinstance(event, dict):
                event = {}
            parts = topic.split("/")
            for alias, function, arguments in extra:
                if function == "topic":
                    event[alias] = parts[int(arguments[0]) - 1] if arguments else topic
                elif function == "newuuid":
                    event[alias] = str(uuid.uuid4())
                elif function == "timestamp":
                    event[alias] = int(time.time() * 1000)
            for arn in function_arns:
                self._lambdas.invoke_async(arn, event)

        self.mqtt.subscribe(match.group("topic"), on_message)

    def routes(self, server: LocalServer) -> None:
        server.route("POST", "/topics/{path*}", self._publish)

    def _publish(self, request: Request) -> Response:
        if self.mqtt is not None:  # without a broker (no device on IoT Core) the message reaches no one, as there
            self.mqtt.publish(unquote(request.params["path"]), request.body, qos=int(request.query.get("qos", "1")))
        return Response(200, {})


def _split_fields(text: str) -> list[str]:
    fields, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            fields.append(current)
            current = ""
        else:
            current += char
    return [*fields, current]


@dataclass
class StreamMapping:
    function: str
    batch_size: int
    retries: int
    on_failure: str | None


class DynamoTtl:
    """DynamoDB's TTL process: items whose TTL attribute is past `now` are deleted, and each
    deletion is a stream REMOVE record by the DynamoDB service, delivered to the table's mappings."""

    def __init__(self, dynamodb: Callable[[], Any], lambdas: LambdaService, ledger: Ledger, region: str) -> None:
        self._dynamodb, self._lambdas, self._ledger, self._region = dynamodb, lambdas, ledger, region
        self.tables: dict[str, str] = {}  # table name → TTL attribute
        self.mappings: dict[str, list[StreamMapping]] = {}  # table name → mappings of its stream

    def sweep(self, now: datetime) -> None:
        for table, attribute in self.tables.items():
            keys = [k["AttributeName"] for k in self._dynamodb().describe_table(TableName=table)["Table"]["KeySchema"]]
            records = []
            for page in self._dynamodb().get_paginator("scan").paginate(TableName=table):
                for item in page["Items"]:
                    ttl = item.get(attribute, {}).get("N")
                    if ttl is None or float(ttl) > now.timestamp():
                        continue
                    records.append(self._stream_record(table, {name: item[name] for name in keys}, item))
            for start in range(0, len(records), 25):  # the service deletes; batches keep moto's share small
                batch = [{"DeleteRequest": {"Key": r["dynamodb"]["Keys"]}} for r in records[start : start + 25]]
                unprocessed = {table: batch}
                while unprocessed.get(table):
                    unprocessed = self._dynamodb().batch_write_item(RequestItems=unprocessed).get("UnprocessedItems") or {}
            for mapping in self.mappings.get(table, []):
                for start in range(0, len(records), mapping.batch_size):
                    self._deliver(mapping, records[start : start + mapping.batch_size])

    def _stream_record(self, table: str, key: dict, item: dict) -> dict[str, Any]:
        return {
            "eventID": uuid.uuid4().hex, "eventName": "REMOVE", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": self._region,
            "dynamodb": {"ApproximateCreationDateTime": time.time(), "Keys": key, "OldImage": item,
                         "SequenceNumber": str(time.time_ns()), "SizeBytes": len(json.dumps(item)), "StreamViewType": "OLD_IMAGE"},
            "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
            "eventSourceARN": f"arn:aws:dynamodb:{self._region}:local:table/{table}/stream/local",
        }

    def _deliver(self, mapping: StreamMapping, records: list[dict]) -> None:
        where = self._lambdas.function(mapping.function).where
        for attempt in range(mapping.retries + 1):
            if attempt:
                self._ledger.retry(where)
            ok, result = self._lambdas.invoke(mapping.function, {"Records": records})
            if ok:
                return
            time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
        self._ledger.dead_letter(where, f"stream batch of {len(records)} records dropped: {result}")


@dataclass
class S3Rules:
    notifications: list[tuple[str, str]] = field(default_factory=list)  # (event prefix, function ARN)
    replication: list[tuple[str, str, str]] = field(default_factory=list)  # (prefix, destination bucket, storage class)
    expiration_days: int | None = None


class S3Behaviours:
    """What S3 does after a write, which moto leaves out: event notifications to functions and
    replication to another bucket, on each write a function host reports (function_host.guard_sdk),
    and lifecycle expiration (on demand)."""

    def __init__(self, s3: Callable[[], Any], lambdas: LambdaService, ledger: Ledger, region: str) -> None:
        self._s3, self._lambdas, self._ledger, self._region = s3, lambdas, ledger, region
        self.buckets: dict[str, S3Rules] = {}

    def reported(self, event: Mapping[str, Any]) -> None:
        """A function host's report of its write (function_host.guard_sdk): `size` and `etag` as the
        write reported them (S3 knows them without reading the object again; a write that did not
        report them is read with HeadObject)."""
        bucket, key, size, etag = event["bucket"], event["key"], event.get("size"), event.get("etag")
        rules = self.buckets.get(bucket)
        if rules is None or not (rules.notifications or rules.replication):
            return
        try:
            for prefix, destination, storage_class in rules.replication:
                if key.startswith(prefix):
                    copied = self._s3().copy_object(Bucket=destination, Key=key, CopySource={"Bucket": bucket, "Key": key},
                                                    StorageClass=storage_class)
                    self.reported({"bucket": destination, "key": key, "size": size,
                                   "etag": copied.get("CopyObjectResult", {}).get("ETag") if size is not None else None})
            for event_prefix, function in rules.notifications:
                if "ObjectCreated:Put".startswith(event_prefix.rstrip("*").removeprefix("s3:")):
                    if size is None or etag is None:
                        head = self._s3().head_object(Bucket=bucket, Key=key)
                        size, etag = head["ContentLength"], head["ETag"]
                    item = {"Key": key, "Size": size, "ETag": etag}
                    self._lambdas.invoke_async(function, {"Records": [self._event(bucket, item)]})
        except Exception as exc:  # noqa: BLE001 - the ledger shows it
            self._ledger.fail(f"S3 events of {bucket}", f"{type(exc).__name__}: {exc}")

    def _event(self, bucket: str, item: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": self._region,
            "eventTime": datetime.now(timezone.utc).isoformat(), "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                   "object": {"key": quote(item["Key"]), "size": item.get("Size", 0), "eTag": item.get("ETag", "").strip('"')}},
        }

    def expire(self, now: datetime) -> None:
        for bucket, rules in self.buckets.items():
            if rules.expiration_days is None:
                continue
            cutoff = now - timedelta(days=rules.expiration_days)
            for page in self._s3().get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    if item["LastModified"] < cutoff:
                        self._s3().delete_object(Bucket=bucket, Key=item["Key"])


class StepFunctions:
    """StartExecution of the synthesized state machines; executions run in the background."""

    def __init__(self, lambdas: LambdaService, ledger: Ledger) -> None:
        self._lambdas, self._ledger = lambdas, ledger
        self.machines: dict[str, dict] = {}  # ARN → definition

    def routes(self, server: LocalServer) -> None:
        server.route("POST", "/", self._api)

    def _api(self, request: Request) -> Response:
        target = request.header("X-Amz-Target") or ""
        if target != "AWSStepFunctions.StartExecution":
            return Response(400, {"__type": "UnknownOperationException", "message": target})
        body = json.loads(request.body)
        arn = body["stateMachineArn"]
        if arn not in self.machines:
            return Response(400, {"__type": "StateMachineDoesNotExist", "message": arn})
        execution = f"{arn.replace(':stateMachine:', ':execution:')}:{body.get('name') or uuid.uuid4().hex}"
        data = json.loads(body.get("input") or "{}")
        self._ledger.execute(f"state machine {arn.rsplit(':', 1)[-1]}", lambda: run_state_machine(self.machines[arn], data, self._lambdas))
        return Response(200, {"executionArn": execution, "startDate": time.time()}, {"Content-Type": "application/x-amz-json-1.0"})


def run_state_machine(definition: Mapping[str, Any], data: Any, lambdas: LambdaService) -> Any:
    state_name = definition["StartAt"]
    for _ in range(1000):
        state = definition["States"][state_name]
        kind = state["Type"]
        effective = _path(data, state.get("InputPath", "$"))
        if kind == "Task":
            parameters = _parameters(state["Parameters"], effective) if "Parameters" in state else effective
            resource = state["Resource"]
            integrated = resource == "arn:aws:states:::lambda:invoke"  # else a function ARN: its bare result
            if not integrated and not (":lambda:" in resource and ":function:" in resource):
                raise ValueError(f"{state_name}: resource {resource} is not run locally")
            ok, result = (lambdas.invoke(parameters["FunctionName"], parameters.get("Payload")) if integrated
                          else lambdas.invoke(resource, parameters))
            if not ok:
                raise RuntimeError(f"{state_name}: {result}")
            if integrated:
                result = {"ExecutedVersion": "$LATEST", "Payload": result, "StatusCode": 200}
            if "ResultSelector" in state:
                result = _parameters(state["ResultSelector"], result)
            data = _result(data, result, state.get("ResultPath", "$"))
        elif kind == "Pass":
            data = _result(data, state.get("Result", effective), state.get("ResultPath", "$"))
        elif kind == "Succeed":
            return _path(data, state.get("OutputPath", "$"))
        elif kind == "Fail":
            raise RuntimeError(f"{state_name}: {state.get('Error')}: {state.get('Cause')}")
        else:
            raise ValueError(f"{state_name}: state type {kind} is not run locally")
        data = _path(data, state.get("OutputPath", "$"))
        if state.get("End"):
            return data
        state_name = state["Next"]
    raise RuntimeError("the execution did not end within 1,000 transitions")


def _path(data: Any, path: str | None) -> Any:
    if path is None:
        return {}
    if path == "$":
        return data
    value = data
    for part in path.removeprefix("$.").split("."):
        value = value[part]
    return value


def _parameters(template: Any, data: Any) -> Any:
    if isinstance(template, dict):
        return {
            (key[:-2] if key.endswith(".$") else key): (_path(data, value) if key.endswith(".$") else _parameters(value, data))
            for key, value in template.items()
        }
    if isinstance(template, list):
        return [_parameters(item, data) for item in template]
    return template


def _result(data: Any, result: Any, path: str | None) -> Any:
    if path is None:
        return data
    if path == "$":
        return result
    target = json.loads(json.dumps(data))
    parts = path.removeprefix("$.").split(".")
    node = target
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = result
    return target


@dataclass(frozen=True)
class TwinComponent:
    entity_id: str
    component: str
    device_id: str
    reader: str  # the dataReader function's ARN
    properties: Mapping[str, Mapping[str, Any]]  # time-series property definitions (TwinMaker's shape)


class TwinMaker:
    """TwinMaker's history read: the dataReader of each entity's component type, as TwinMaker calls it.
    The component types and entities are those the aws-twinmaker-entities step made in `registry`."""

    def __init__(self, lambdas: LambdaService) -> None:
        self._lambdas = lambdas
        self.workspace = ""
        self.registry: Any = None  # twinmaker_registry.TwinMakerRegistry, made with the workspace
        self._index: dict[tuple[str, str], TwinComponent] = {}
        self._indexed = -1  # entities the index was built from

    @property
    def components(self) -> list[TwinComponent]:
        """Every entity component whose type reads through a dataReader, with its device."""
        if self.registry is None:
            return []
        found = []
        for entity_id, entity in sorted(self.registry.entities.items()):
            for name, component in (entity.get("components") or {}).items():
                kind = self.registry.component_types.get(component.get("componentTypeId"), {})
                reader = (((kind.get("functions") or {}).get("dataReader") or {}).get("implementedBy") or {}).get("lambda", {})
                device = ((component.get("properties") or {}).get("iotDeviceId") or {}).get("value", {}).get("stringValue")
                if reader.get("arn") and device:
                    series = {n: {"dataType": d["dataType"], "isTimeSeries": bool(d.get("isTimeSeries"))}
                              for n, d in (kind.get("propertyDefinitions") or {}).items()}
                    found.append(TwinComponent(entity_id, name, device, reader["arn"], series))
        return found

    def component(self, entity_id: str, name: str) -> TwinComponent | None:
        """The entity's component, looked up in an index (a dashboard asks once per panel)."""
        size = len(self.registry.entities) if self.registry is not None else 0
        if self._indexed != size:  # entities change only when the aws-twinmaker-entities step runs
            self._index, self._indexed = {(c.entity_id, c.component): c for c in self.components}, size
        return self._index.get((entity_id, name))

    def history(self, component: TwinComponent, start: str, end: str, properties: list[str] | None = None,
                newest: bool = False) -> list[dict[str, Any]]:
        """Every value TwinMaker would show for the component's time-series properties (or those of
        `properties`) in [start, end], paging through; `newest`: only the newest value (one page,
        newest first, as GetPropertyValue reads the latest)."""
        names = [name for name, definition in component.properties.items()
                 if definition.get("isTimeSeries") and (properties is None or name in properties)]
        values, token = [], None
        for _ in range(10_000):
            request = {
                "workspaceId": self.workspace, "entityId": component.entity_id, "componentName": component.component,
                "selectedProperties": names, "startTime": start, "endTime": end, "maxResults": 1 if newest else 100,
                "orderByTime": "DESCENDING" if newest else "ASCENDING",
                "properties": {**{name: {"definition": definition} for name, definition in component.properties.items()},
                               "iotDeviceId": {"definition": {"dataType": {"type": "STRING"}, "isTimeSeries": False},
                                               "value": {"stringValue": component.device_id}}},
                **({"nextToken": token} if token else {}),
            }
            ok, answer = self._lambdas.invoke(component.reader, request)
            if not ok:
                raise RuntimeError(f"TwinMaker read of {component.entity_id}: {answer}")
            for series in answer.get("propertyValues", []):
                values.extend(series.get("values", []))
            token = answer.get("nextToken")
            if not token or newest:
                return values
        raise RuntimeError("TwinMaker read did not finish paging")
