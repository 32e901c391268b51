"""Stand-ins of Google's gRPC services inside a local Google function host (no emulator of
Firestore, Pub/Sub or Secret Manager runs here): installed in place of the factories of
`runtime/gcp/clients.py`, the port the Google adapters use, and talking JSON over loopback HTTP to
the runner's in-memory services (twin_ops/local/standins/google.py).

Loaded by file path into a function host, so: standard library only, nothing of this repository.
The Firestore client covers what a hot store needs: documents set and deleted in batches, and
queries with field filters, one order, a start-after position and a limit.
"""

from __future__ import annotations

import base64
import datetime
import json
import urllib.request
from types import SimpleNamespace
from typing import Any


def install(clients: Any, url: str, principal: str) -> None:
    """`principal`: the function's service account, sent with each call for the stand-ins' IAM check."""
    global _PRINCIPAL
    _PRINCIPAL = principal
    clients.firestore = lambda database: FirestoreClient(url, database)  # holds no connection: nothing to reuse
    clients.publisher = lambda: Publisher(url)
    clients.secret_manager = lambda: SecretManager(url)


_PRINCIPAL = ""


def _call(url: str, path: str, body: Any) -> Any:
    request = urllib.request.Request(f"{url}{path}", data=json.dumps(body, default=_encode).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-Dt-Local-Principal": _PRINCIPAL})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read(), object_hook=_decode)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"__datetime__": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not a Firestore value here")


def _decode(value: dict) -> Any:
    if set(value) == {"__datetime__"}:
        return datetime.datetime.fromisoformat(value["__datetime__"])
    return value


class FirestoreClient:
    def __init__(self, url: str, database: str) -> None:
        self._url, self._database = url, database

    def collection(self, name: str) -> "Query":
        return Query(self, name)

    def batch(self) -> "WriteBatch":
        return WriteBatch(self)

    def _call(self, operation: str, body: Any) -> Any:
        return _call(self._url, f"/firestore/{self._database}/{operation}", body)


class DocumentReference:
    def __init__(self, collection: str, document_id: str) -> None:
        self.collection, self.id = collection, document_id


class Snapshot:
    def __init__(self, document_id: str, data: dict) -> None:
        self.id, self._data = document_id, data

    def to_dict(self) -> dict:
        return dict(self._data)


class Query:
    def __init__(self, client: FirestoreClient, collection: str, filters=(), order=None, after=None, limit=None) -> None:
        self._client, self._collection = client, collection
        self._filters, self._order, self._after, self._limit = tuple(filters), order, after, limit

    def _with(self, **changes: Any) -> "Query":
        state = {"filters": self._filters, "order": self._order, "after": self._after, "limit": self._limit, **changes}
        return Query(self._client, self._collection, **state)

    def document(self, document_id: str) -> DocumentReference:
        return DocumentReference(self._collection, document_id)

    def where(self, field_path: str | None = None, op_string: str | None = None, value: Any = None, *, filter: Any = None) -> "Query":  # noqa: A002
        if filter is not None:
            field_path, op_string, value = filter.field_path, filter.op_string, filter.value
        return self._with(filters=(*self._filters, (field_path, op_string, value)))

    def order_by(self, field_path: str, direction: str = "ASCENDING") -> "Query":
        return self._with(order=(field_path, str(direction)))

    def start_after(self, position: dict) -> "Query":
        return self._with(after=position)

    def limit(self, count: int) -> "Query":
        return self._with(limit=count)

    def stream(self):
        found = self._client._call("query", {
            "collection": self._collection, "filters": [list(f) for f in self._filters], "order": self._order,
            "start_after": self._after, "limit": self._limit,
        })
        return iter([Snapshot(document["id"], document["data"]) for document in found])


class WriteBatch:
    def __init__(self, client: FirestoreClient) -> None:
        self._client, self._writes = client, []

    def set(self, reference: DocumentReference, data: dict) -> None:
        self._writes.append({"op": "set", "collection": reference.collection, "id": reference.id, "data": data})

    def delete(self, reference: DocumentReference) -> None:
        self._writes.append({"op": "delete", "collection": reference.collection, "id": reference.id})

    def commit(self) -> None:
        self._client._call("commit", {"writes": self._writes})


class Done:
    """What `PublisherClient.publish` returns, already resolved: the stand-ins publish at once."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def result(self, timeout: float | None = None) -> Any:
        return self._value


class Publisher:
    def __init__(self, url: str) -> None:
        self._url = url

    def publish(self, topic: str, data: bytes, **attributes: str) -> Done:
        answer = _call(self._url, "/pubsub/publish", {
            "topic": topic, "data": base64.b64encode(data).decode(), "attributes": attributes,
        })
        return Done(answer["messageId"])


class SecretManager:
    def __init__(self, url: str) -> None:
        self._url = url

    def access_secret_version(self, name: str | None = None, request: dict | None = None) -> Any:
        name = name or (request or {}).get("name")
        answer = _call(self._url, "/secret-manager/access", {"name": name})
        return SimpleNamespace(name=answer["name"], payload=SimpleNamespace(data=base64.b64decode(answer["data"])))
