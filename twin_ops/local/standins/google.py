"""Google Cloud's platform on this machine, around gcp-storage-emulator (Cloud Storage):

- in-memory stand-ins for the gRPC services no emulator covers here (Firestore, Pub/Sub, Secret
  Manager), reached from the functions through the client factories of runtime/gcp/clients.py
  (twin_ops/local/google_clients.py), and the devices' Pub/Sub link;
- Eventarc: a Pub/Sub topic's messages pushed to a function as CloudEvents, redelivered on failure;
- the metadata server (GCE_METADATA_HOST: ID tokens for calls between functions, access tokens,
  the project), Cloud Scheduler's jobs (run by the runner, on its compressed clock), and the
  Workflows executions API running the synthesized workflow (http.post/http.get calls,
  `${...}` expressions, `return`).
"""

from __future__ import annotations

import base64
import json
import queue
import re
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import eq, ge, gt, le, lt, ne
from typing import Any

from twin_ops.local.http import LocalServer, Request, Response
from twin_ops.local.ledger import Ledger
from twin_ops.local.standins.azure import entra_token

PUSH_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0)  # Pub/Sub backs off 10 s → 600 s: compressed
# The permissions of the predefined roles the output grants (IAM's roles reference), for the calls
# the stand-ins serve.
ROLE_PERMISSIONS = {
    "roles/datastore.user": {f"datastore.entities.{verb}" for verb in ("create", "delete", "get", "list", "update")},
    "roles/pubsub.publisher": {"pubsub.topics.publish"},
    "roles/pubsub.viewer": {"pubsub.topics.get", "pubsub.topics.list", "pubsub.subscriptions.get", "pubsub.subscriptions.list"},
    "roles/pubsub.subscriber": {"pubsub.subscriptions.consume", "pubsub.topics.attachSubscription"},
    "roles/secretmanager.secretAccessor": {"secretmanager.versions.access"},
}
PRINCIPAL_HEADER = "X-Dt-Local-Principal"  # the calling function's service account (google_clients.py)
_CONDITION = re.compile(r'^resource\.name\.(endsWith|startsWith)\("([^"]*)"\)$')


class GoogleIam:
    """The output's IAM bindings (`google_*_iam_member`, custom roles), checked on each call a
    function makes to a stand-in: the member must hold a role with the permission on the resource
    or its project, its condition (`resource.name.endsWith/startsWith`) holding; else 403
    PERMISSION_DENIED, as Google answers, and a failure of the run."""

    def __init__(self, ledger: Ledger, project: str) -> None:
        self._ledger, self._project = ledger, project
        self.bindings: list[tuple[str, str, str, str | None]] = []  # (role, member, resource, condition)
        self.custom_roles: dict[str, set[str]] = {}  # projects/<p>/roles/<id> → permissions

    def bind(self, role: str, member: str, resource: str, condition: str | None) -> None:
        if condition is not None and not _CONDITION.match(condition):
            raise ValueError(f"IAM condition not evaluated locally: {condition}")
        self.bindings.append((role, member, resource, condition))

    def _holds(self, binding: tuple[str, str, str, str | None], member: str, permission: str, resource: str) -> bool:
        role, who, where, condition = binding
        if who not in (member, "allUsers") or where not in (resource, f"projects/{self._project}"):
            return False
        if permission not in ROLE_PERMISSIONS.get(role, self.custom_roles.get(role, set())):
            return False
        match = _CONDITION.match(condition) if condition else None
        return match is None or (str.endswith if match.group(1) == "endsWith" else str.startswith)(resource, match.group(2))

    def refused(self, request: Request, permission: str, resource: str) -> Response | None:
        caller = request.header(PRINCIPAL_HEADER)
        if caller is None or any(self._holds(b, f"serviceAccount:{caller}", permission, resource) for b in self.bindings):
            return None
        message = f"Permission '{permission}' denied on resource '{resource}' (or it may not exist)."
        self._ledger.fail(f"Google IAM ({caller})", message, final=True)
        return Response(403, {"error": {"code": 403, "message": message, "status": "PERMISSION_DENIED"}})


class Firestore:
    OPERATORS: dict[str, Callable[[Any, Any], bool]] = {"==": eq, "<": lt, "<=": le, ">": gt, ">=": ge, "!=": ne}

    def __init__(self, server: LocalServer, iam: GoogleIam, project: str) -> None:
        self._lock, self._iam, self._project = threading.Lock(), iam, project
        self.databases: dict[str, dict[str, dict[str, dict]]] = {}
        # Document ids by the value of a field an equality filter asked for, (database, collection,
        # field) → value → ids, kept up to date by every write once built: a fleet's readers and
        # movers query device by device, and a scan of every document per query grows with the fleet.
        self._indexes: dict[tuple[str, str, str], dict[Any, set[str]]] = {}
        server.route("POST", "/firestore/{database}/commit", self._commit)
        server.route("POST", "/firestore/{database}/query", self._query)

    def add(self, database: str) -> None:
        self.databases.setdefault(database, {})

    def count(self, database: str) -> int:
        return sum(len(collection) for collection in self.databases.get(database, {}).values())

    def documents(self, database: str) -> list[dict]:
        with self._lock:
            return [dict(doc) for collection in self.databases.get(database, {}).values() for doc in collection.values()]

    def _commit(self, request: Request) -> Response:
        database_name = f"projects/{self._project}/databases/{request.params['database']}"
        for verb in sorted({"delete" if write["op"] == "delete" else "update" for write in request.json()["writes"]}):
            refused = self._iam.refused(request, f"datastore.entities.{verb}", database_name)
            if refused is not None:
                return refused
        database = self.databases.get(request.params["database"])
        if database is None:
            return Response(404, {"error": f"no database {request.params['database']}"})
        with self._lock:
            for write in request.json()["writes"]:
                collection = database.setdefault(write["collection"], {})
                old = collection.pop(write["id"], None)
                if write["op"] == "set":
                    collection[write["id"]] = write["data"]
                for (name, within, field_name), index in self._indexes.items():
                    if (name, within) == (request.params["database"], write["collection"]):
                        if old is not None and _indexable(old.get(field_name)):
                            index.get(old[field_name], set()).discard(write["id"])
                        if write["op"] == "set" and _indexable(write["data"].get(field_name)):
                            index.setdefault(write["data"][field_name], set()).add(write["id"])
        return Response(200, {})

    def _matching(self, database: str, collection: dict[str, dict], collection_name: str, field_name: str, value: Any) -> list[str]:
        """Ids of the documents whose `field_name` may equal `value` (under the lock)."""
        index = self._indexes.get((database, collection_name, field_name))
        if index is None:
            index = self._indexes[(database, collection_name, field_name)] = {}
            for doc_id, doc in collection.items():
                if _indexable(doc.get(field_name)):
                    index.setdefault(doc[field_name], set()).add(doc_id)
        return sorted(index.get(value, ()))  # as Firestore answers without an order: by document id

    def _query(self, request: Request) -> Response:
        refused = self._iam.refused(request, "datastore.entities.list", f"projects/{self._project}/databases/{request.params['database']}")
        if refused is not None:
            return refused
        database = self.databases.get(request.params["database"])
        if database is None:
            return Response(404, {"error": f"no database {request.params['database']}"})
        query = request.json()
        filters = [(name, self.OPERATORS[op], value) for name, op, value in query["filters"]]
        equal = next(((name, value) for name, op, value in query["filters"] if op == "==" and _indexable(value)), None)
        with self._lock:  # only the matches are copied: a device's query must not copy a fleet's documents
            collection = database.get(query["collection"], {})
            ids = self._matching(request.params["database"], collection, query["collection"], *equal) if equal else list(collection)
            documents = [(doc_id, dict(collection[doc_id])) for doc_id in ids
                         if all(name in collection[doc_id] and _comparable(collection[doc_id][name], value)
                                and compare(collection[doc_id][name], value) for name, compare, value in filters)]
        if query["order"]:
            field_name, direction = query["order"]
            documents = [(i, d) for i, d in documents if field_name in d]
            documents.sort(key=lambda pair: pair[1][field_name], reverse=direction.upper().startswith("DESC"))
            if query["start_after"] is not None:
                position = query["start_after"][field_name]
                after = (lambda v: v < position) if direction.upper().startswith("DESC") else (lambda v: v > position)
                documents = [(i, d) for i, d in documents if after(d[field_name])]
        if query["limit"] is not None:
            documents = documents[: int(query["limit"])]
        return Response(200, [{"id": doc_id, "data": data} for doc_id, data in documents])


def _indexable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _comparable(a: Any, b: Any) -> bool:
    return isinstance(a, str) == isinstance(b, str)


@dataclass
class Subscription:
    name: str
    topic: str
    push: Callable[[dict], bool] | None = None  # Eventarc: deliver, True when acknowledged
    listeners: list[Callable[[dict], None]] = field(default_factory=list)
    backlog: list[dict] = field(default_factory=list)
    inbox: queue.Queue = field(default_factory=queue.Queue)
    workers: int = 0  # push threads (a pull subscription has none)


class PubSub:
    def __init__(self, server: LocalServer, ledger: Ledger, iam: GoogleIam) -> None:
        self._ledger, self._iam = ledger, iam
        self._lock = threading.Lock()
        self.topics: dict[str, list[Subscription]] = {}
        self.subscriptions: dict[str, Subscription] = {}
        server.route("POST", "/pubsub/publish", self._api_publish)

    def add_topic(self, topic: str) -> None:
        self.topics.setdefault(topic, [])

    def add_subscription(self, name: str, topic: str, push: Callable[[dict], bool] | None = None, workers: int = 1) -> None:
        subscription = Subscription(name, topic, push, workers=workers if push is not None else 0)
        self.topics.setdefault(topic, []).append(subscription)
        self.subscriptions[name] = subscription
        for _ in range(subscription.workers):
            threading.Thread(target=self._push_loop, args=(subscription,), daemon=True).start()

    def listen(self, subscription: str, listener: Callable[[dict], None]) -> None:
        """A streaming pull: `listener` gets every message (backlog first), acknowledged on return."""
        target = self.subscriptions[subscription]
        with self._lock:
            target.listeners.append(listener)
            backlog, target.backlog = target.backlog, []
        for message in backlog:
            listener(message)

    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        if topic not in self.topics:
            raise KeyError(f"no topic {topic}")
        message = {"data": base64.b64encode(data).decode(), "attributes": dict(attributes or {}),
                   "messageId": str(uuid.uuid4().int % 10**16),
                   "publishTime": datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")}
        for subscription in self.topics[topic]:
            if subscription.push is not None:
                self._ledger.begin()
                subscription.inbox.put((message, 0))
                continue
            with self._lock:
                listeners = list(subscription.listeners)
                if not listeners:
                    subscription.backlog.append(message)
            for listener in listeners:
                listener(message)
        return message["messageId"]

    def _api_publish(self, request: Request) -> Response:
        body = request.json()
        refused = self._iam.refused(request, "pubsub.topics.publish", body["topic"])
        if refused is not None:
            return refused
        try:
            message_id = self.publish(body["topic"], base64.b64decode(body["data"]), body.get("attributes"))
        except KeyError as exc:
            return Response(404, {"error": str(exc)})
        return Response(200, {"messageId": message_id})

    def close(self) -> None:
        """Ends the push workers."""
        for subscription in self.subscriptions.values():
            for _ in range(subscription.workers):
                subscription.inbox.put(None)

    def _push_loop(self, subscription: Subscription) -> None:
        while True:
            item = subscription.inbox.get()
            if item is None:
                return
            message, attempt = item
            try:
                acknowledged = subscription.push(message)
            except Exception as exc:  # noqa: BLE001 - a failed delivery is redelivered
                self._ledger.fail(f"push to {subscription.name}", f"{type(exc).__name__}: {exc}")
                acknowledged = False
            if acknowledged:
                self._ledger.end()
            elif attempt < len(PUSH_RETRY_DELAYS):
                self._ledger.retry(f"push to {subscription.name}")
                threading.Timer(PUSH_RETRY_DELAYS[attempt], subscription.inbox.put, args=((message, attempt + 1),)).start()
            else:
                self._ledger.dead_letter(f"push to {subscription.name}",
                                         f"message {message['messageId']} undelivered after {attempt + 1} attempts")
                self._ledger.end()


class SecretManager:
    def __init__(self, server: LocalServer, iam: GoogleIam) -> None:
        self._iam = iam
        self.secrets: dict[str, str] = {}  # projects/<p>/secrets/<id> → latest value
        server.route("POST", "/secret-manager/access", self._access)

    def _access(self, request: Request) -> Response:
        name = request.json()["name"]
        secret = name.split("/versions/")[0]
        refused = self._iam.refused(request, "secretmanager.versions.access", secret)
        if refused is not None:
            return refused
        if secret not in self.secrets:
            return Response(404, {"error": f"secret {secret} not found"})
        return Response(200, {"name": f"{secret}/versions/1", "data": base64.b64encode(self.secrets[secret].encode()).decode()})


class Metadata:
    """The metadata server of Cloud Run (plain http, header Metadata-Flavor: Google)."""

    def __init__(self, server: LocalServer, project: str) -> None:
        self.project = project
        flavor = {"Metadata-Flavor": "Google"}
        account = f"local-functions@{project}.iam.gserviceaccount.com"
        base = "/computeMetadata/v1"

        def text(value: str) -> Callable[[Request], Response]:
            return lambda request: Response(200, value, {**flavor, "Content-Type": "text/plain"})

        server.route("GET", "/", text("ok"))
        server.route("GET", f"{base}/project/project-id", text(project))
        server.route("GET", f"{base}/project/numeric-project-id", text("123456789012"))
        server.route("GET", f"{base}/universe/universe-domain", text("googleapis.com"))
        server.route("GET", f"{base}/instance/service-accounts/{{account}}/", lambda r: Response(
            200, {"email": account, "aliases": ["default"], "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}, flavor))
        server.route("GET", f"{base}/instance/service-accounts/{{account}}/email", text(account))
        server.route("GET", f"{base}/instance/service-accounts/{{account}}/token", lambda r: Response(
            200, {"access_token": entra_token("https://www.googleapis.com/")[0], "expires_in": 3600, "token_type": "Bearer"}, flavor))
        server.route("GET", f"{base}/instance/service-accounts/{{account}}/identity",
                     lambda r: Response(200, entra_token(r.query.get("audience", ""))[0], {**flavor, "Content-Type": "text/plain"}))


class Workflows:
    """The Workflows executions API (reached as workflowexecutions.googleapis.com) and its runs."""

    HOST = "workflowexecutions.googleapis.com"

    def __init__(self, server: LocalServer, ledger: Ledger) -> None:
        self._ledger = ledger
        self.workflows: dict[str, dict] = {}  # projects/<p>/locations/<r>/workflows/<name> → definition
        server.route("POST", "/v1/{path*}", self._execute)

    def _execute(self, request: Request) -> Response:
        path = request.params["path"]
        if not path.endswith("/executions") or path.removesuffix("/executions") not in self.workflows:
            return Response(404, {"error": {"code": 404, "message": f"no workflow {path}"}})
        workflow = path.removesuffix("/executions")
        argument = json.loads(request.json().get("argument") or "null")
        self._ledger.execute(f"workflow {workflow.rsplit('/', 1)[-1]}", lambda: run_workflow(self.workflows[workflow], argument))
        return Response(200, {"name": f"{workflow}/executions/{uuid.uuid4()}", "state": "ACTIVE"})


def run_workflow(definition: Mapping[str, Any], argument: Any) -> Any:
    main = definition["main"]
    variables: dict[str, Any] = {}
    if main.get("params"):
        variables[main["params"][0]] = argument
    for entry in main["steps"]:
        ((name, step),) = entry.items()
        if "call" in step:
            call = step["call"]
            if call not in ("http.post", "http.get"):
                raise ValueError(f"step {name}: call {call} is not run locally")
            args = _evaluate(step.get("args", {}), variables)
            body = args.get("body")
            request = urllib.request.Request(
                args["url"], data=json.dumps(body).encode() if body is not None else None, method=call.split(".")[1].upper(),
                headers={"Content-Type": "application/json", **({"Authorization": "Bearer local"} if args.get("auth") else {}),
                         **(args.get("headers") or {})},
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    payload = response.read()
                    result = {"code": response.status, "body": json.loads(payload) if payload else None}
            except urllib.error.HTTPError as exc:
                raise RuntimeError(f"step {name}: HTTP {exc.code}") from None
            if "result" in step:
                variables[step["result"]] = result
        elif "assign" in step:
            for assignment in step["assign"]:
                ((key, value),) = assignment.items()
                variables[key] = _evaluate(value, variables)
        elif "return" in step:
            return _evaluate(step["return"], variables)
        else:
            raise ValueError(f"step {name}: not run locally ({', '.join(step)})")
    return None


_WHOLE = re.compile(r"^\$\{(.+)\}$")


def _evaluate(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {key: _evaluate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [_evaluate(item, variables) for item in value]
    if not isinstance(value, str):
        return value
    whole = _WHOLE.match(value)
    if whole and "${" not in whole.group(1):
        return _lookup(whole.group(1), variables)
    return re.sub(r"\$\{([^}]+)\}", lambda m: str(_lookup(m.group(1), variables)), value)


_PATH = re.compile(r'^\s*([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*|\["[^"]*"\])*)\s*$')


def _lookup(expression: str, variables: Mapping[str, Any]) -> Any:
    """`name`, `name.field`, `name["key"]` (what the workflow definitions use)."""
    match = _PATH.match(expression)
    if match is None:
        raise ValueError(f"workflow expression not supported locally: ${{{expression}}}")
    value: Any = variables[match.group(1)]
    for dotted, quoted in re.findall(r'\.([A-Za-z_]\w*)|\["([^"]*)"\]', match.group(2)):
        value = value[dotted or quoted]
    return value
