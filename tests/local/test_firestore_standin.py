"""The Firestore stand-in answers a device's query from an index of the field: the index follows
every write, so the answers are the ones a scan of every document gives."""

import json
from types import SimpleNamespace

from twin_ops.local.standins.google import Firestore


def request(body: dict) -> SimpleNamespace:
    return SimpleNamespace(params={"database": "db"}, json=lambda: json.loads(json.dumps(body)), headers={})


def store() -> Firestore:
    firestore = Firestore(SimpleNamespace(route=lambda *args: None), SimpleNamespace(refused=lambda *args: None), "p")
    firestore.add("db")
    return firestore


def write(firestore: Firestore, *writes: tuple[str, str, dict | None]) -> None:
    firestore._commit(
        request(
            {"writes": [{"op": op, "collection": "hot", "id": doc_id, **({"data": data} if data else {})} for op, doc_id, data in writes]}
        )
    )


def ids_of(firestore: Firestore, device: str) -> list[str]:
    query = {
        "collection": "hot",
        "filters": [["device_id", "==", device], ["t", "<", 9]],
        "order": ["t", "ASCENDING"],
        "start_after": None,
        "limit": None,
    }
    return [document["id"] for document in firestore._query(request(query)).body]


def test_a_device_query_follows_every_write() -> None:
    firestore = store()
    write(firestore, ("set", "a1", {"device_id": "a", "t": 2}), ("set", "b1", {"device_id": "b", "t": 1}))
    assert ids_of(firestore, "a") == ["a1"]  # the index of device_id is built here
    write(firestore, ("set", "a0", {"device_id": "a", "t": 1}), ("set", "b1", {"device_id": "a", "t": 3}), ("delete", "a1", None))
    assert ids_of(firestore, "a") == ["a0", "b1"]  # written, moved to another device, deleted
    assert ids_of(firestore, "b") == []
