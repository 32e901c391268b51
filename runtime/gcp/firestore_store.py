"""The hot store on Firestore: one document per record, id `<device_id>_<timestamp>_<record_id>`.

Fields are the record's (`device_id`, `record_id`, properties), `timestamp` holding the storage
key `<timestamp>#<record_id>` (readings of one millisecond stay apart and order totally on the
indexed field), plus `ttl`, a timestamp the Firestore TTL policy acts on: the record's time +
retention + a grace period, so the scheduled mover normally takes a record before TTL would
delete it. Writes overwrite by document id, so a retried delivery stores nothing twice. Range
reads need the composite indexes of constructs_lib.gcp.firestore_hot_store (device_id ASC +
timestamp ASC/DESC). Documents written before record ids existed (id `<device_id>_<timestamp>`,
bare timestamp) read back the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from runtime.core.reader import Page, cursor_position, next_cursor
from runtime.core.record_identity import RECORD_ID, key_range, legacy_record_id, split_storage_key, storage_key
from runtime.core.telemetry import parse_timestamp

TTL_FIELD = "ttl"
# Days past the hot window before TTL deletes a record the mover has not taken (mover outages).
TTL_GRACE_DAYS = 7
BATCH_LIMIT = 500  # Firestore's limit of writes per batch
ASCENDING, DESCENDING = "ASCENDING", "DESCENDING"


def document_id(record: Mapping[str, Any]) -> str:
    return f"{record['device_id']}_{record['timestamp']}_{record[RECORD_ID]}"


def legacy_document_id(record: Mapping[str, Any]) -> str:
    """The id of a document written before record ids existed."""
    return f"{record['device_id']}_{record['timestamp']}"


def field_filter(field: str, op: str, value: Any) -> Any:
    from google.cloud.firestore_v1.base_query import FieldFilter

    return FieldFilter(field, op, value)


class FirestoreHotStore:
    def __init__(self, client: Any, collection: str, retention_days: int | None = None) -> None:
        """`retention_days` is needed only to write."""
        self._client, self._collection, self._retention_days = client, collection, retention_days

    @property
    def _documents(self) -> Any:
        return self._client.collection(self._collection)

    def put(self, records: Sequence[Mapping[str, Any]]) -> None:
        if self._retention_days is None:
            raise RuntimeError("this store was opened read-only (no retention days)")
        for start in range(0, len(records), BATCH_LIMIT):
            batch = self._client.batch()
            for record in records[start : start + BATCH_LIMIT]:
                batch.set(self._documents.document(document_id(record)), self._document(record))
            batch.commit()

    def query_range(
        self, device_id: str, start: str, end: str, limit: int, cursor: str | None, ascending: bool
    ) -> Page:
        low, high = key_range(start, end)
        query = (
            self._documents.where(filter=field_filter("device_id", "==", device_id))
            .where(filter=field_filter("timestamp", ">=", low))
            .where(filter=field_filter("timestamp", "<=", high))
            .order_by("timestamp", direction=ASCENDING if ascending else DESCENDING)
        )
        if cursor:
            query = query.start_after({"timestamp": cursor_position(cursor, device_id, low, high)})
        found = [from_document(snapshot.to_dict()) for snapshot in query.limit(limit + 1).stream()]
        return Page(*next_cursor(device_id, found, limit))

    def latest(self, device_id: str) -> dict[str, Any] | None:
        query = (
            self._documents.where(filter=field_filter("device_id", "==", device_id))
            .order_by("timestamp", direction=DESCENDING)
            .limit(1)
        )
        found = [from_document(snapshot.to_dict()) for snapshot in query.stream()]
        return found[0] if found else None

    def older_than(self, cutoff: str, limit: int, device_id: str | None = None) -> list[dict[str, Any]]:
        """The oldest records with a timestamp before `cutoff`, of every device or of `device_id`
        (for the mover; the device's query uses the device_id + timestamp index)."""
        query = self._documents
        if device_id is not None:
            query = query.where(filter=field_filter("device_id", "==", device_id))
        query = query.where(filter=field_filter("timestamp", "<", cutoff)).order_by("timestamp", direction=ASCENDING).limit(limit)
        return [from_document(snapshot.to_dict()) for snapshot in query.stream()]

    def delete(self, records: Sequence[Mapping[str, Any]]) -> None:
        ids = [document_id(record) for record in records]
        # A record with the identity of a bare (device, time) key may predate record ids.
        ids += [legacy_document_id(r) for r in records if r[RECORD_ID] == legacy_record_id(r["device_id"], r["timestamp"])]
        for start in range(0, len(ids), BATCH_LIMIT):
            batch = self._client.batch()
            for doc_id in ids[start : start + BATCH_LIMIT]:
                batch.delete(self._documents.document(doc_id))
            batch.commit()

    def _document(self, record: Mapping[str, Any]) -> dict[str, Any]:
        moment = parse_timestamp(record["timestamp"])
        try:
            expires = moment + timedelta(days=self._retention_days + TTL_GRACE_DAYS)
        except OverflowError:  # records dated near the year 9999
            expires = datetime.max.replace(tzinfo=UTC)
        return {**record, "timestamp": storage_key(record), TTL_FIELD: expires}


def from_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """A stored document as a plain record (storage key split, the TTL field dropped)."""
    record = {key: value for key, value in document.items() if key != TTL_FIELD}
    record["timestamp"], record[RECORD_ID] = split_storage_key(
        record["timestamp"], record["device_id"], record.get(RECORD_ID)
    )
    return record

