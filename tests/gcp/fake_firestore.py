"""An in-memory stand-in for the google-cloud-firestore client surface the hot store uses.

The Firestore emulator needs Java and the gcloud CLI, which cannot be installed here, so the
adapter's query construction is checked against this fake: it evaluates the FieldFilter objects,
order, cursor and limit the adapter builds, with Firestore's semantics (a range filter and the
order on the same field; `start_after` positions on the order field; documents overwrite by id).
`queries` records every query for assertions.
"""

from __future__ import annotations

import copy
import operator
from typing import Any

OPS = {"==": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class Snapshot:
    def __init__(self, doc_id: str, data: dict[str, Any]) -> None:
        self.id, self._data = doc_id, data

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._data)


class DocumentRef:
    def __init__(self, collection: "Collection", doc_id: str) -> None:
        self.collection, self.id = collection, doc_id

    def set(self, data: dict[str, Any]) -> None:
        self.collection.docs[self.id] = copy.deepcopy(data)

    def delete(self) -> None:
        self.collection.docs.pop(self.id, None)


class Query:
    def __init__(self, collection: "Collection", filters=(), order=None, cursor=None, limit=None) -> None:
        self._collection, self.filters, self.order, self.cursor, self.limit_value = collection, filters, order, cursor, limit

    def _with(self, **changes: Any) -> "Query":
        values = {"filters": self.filters, "order": self.order, "cursor": self.cursor, "limit": self.limit_value, **changes}
        return Query(self._collection, **values)

    def where(self, *, filter: Any) -> "Query":  # noqa: A002 - Firestore's keyword
        assert filter.op_string in OPS, filter.op_string
        return self._with(filters=(*self.filters, (filter.field_path, filter.op_string, filter.value)))

    def order_by(self, field: str, direction: str = "ASCENDING") -> "Query":
        assert self.order is None, "one order_by per query in this adapter"
        assert direction in ("ASCENDING", "DESCENDING")
        return self._with(order=(field, direction))

    def start_after(self, fields: dict[str, Any]) -> "Query":
        assert self.order and list(fields) == [self.order[0]], "cursor fields must match the order"
        return self._with(cursor=fields[self.order[0]])

    def limit(self, count: int) -> "Query":
        return self._with(limit=count)

    def stream(self):
        ranged = {field for field, op, _ in self.filters if op != "=="}
        if ranged:  # Firestore: the first order_by must be on the range-filtered field
            assert self.order and ranged == {self.order[0]}, (ranged, self.order)
        self._collection.client.queries.append(self)
        matching = [
            (doc_id, data)
            for doc_id, data in self._collection.docs.items()
            if all(field in data and OPS[op](data[field], value) for field, op, value in self.filters)
        ]
        if self.order:
            field, direction = self.order
            descending = direction == "DESCENDING"
            matching.sort(key=lambda item: (item[1][field], item[0]), reverse=descending)
            if self.cursor is not None:
                matching = [m for m in matching if (m[1][field] < self.cursor if descending else m[1][field] > self.cursor)]
        if self.limit_value is not None:
            matching = matching[: self.limit_value]
        return iter([Snapshot(doc_id, data) for doc_id, data in matching])


class Collection(Query):
    def __init__(self, client: "FakeFirestore", name: str) -> None:
        super().__init__(self)
        self.client, self.name, self.docs = client, name, {}

    def document(self, doc_id: str) -> DocumentRef:
        assert "/" not in doc_id
        return DocumentRef(self, doc_id)


class Batch:
    def __init__(self) -> None:
        self._operations: list = []

    def set(self, ref: DocumentRef, data: dict[str, Any]) -> None:
        self._operations.append(lambda: ref.set(data))

    def delete(self, ref: DocumentRef) -> None:
        self._operations.append(ref.delete)

    def commit(self) -> None:
        assert len(self._operations) <= 500, "Firestore batches hold at most 500 writes"
        for operation in self._operations:
            operation()


class FakeFirestore:
    def __init__(self) -> None:
        self.collections: dict[str, Collection] = {}
        self.queries: list[Query] = []

    def collection(self, name: str) -> Collection:
        return self.collections.setdefault(name, Collection(self, name))

    def batch(self) -> Batch:
        return Batch()
