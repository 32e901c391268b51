"""Cold/archive blob paths against Azurite (the Storage emulator), started on 127.0.0.1.

Azurite is node_modules/.bin/azurite-blob, pinned in package.json and installed by `make install`
(a test never fetches a package); without it the tests fail saying so. Shared Key auth is used
only here: the twin's accounts accept Entra ID tokens only.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import azure.functions as func
import pytest

from runtime.azure.blob_storage import ARCHIVE, COOL, BlobContainer, put_payload, shared_key
from runtime.azure.rest import AzureRestError
from runtime.core.mover import build_payloads
from tests.azurite_blob import azurite_blob

ACCOUNT = "devstoreaccount1"
KEY = base64.b64encode(b"azure-twin-tests-" + b"k" * 47).decode()
RECORDS = [{"device_id": "d1", "timestamp": f"2026-01-01T10:00:0{i}.000Z", "record_id": f"{i:032x}", "t": i}
           for i in range(3)]




@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    with azurite_blob(tmp_path_factory.mktemp("azurite"), ACCOUNT, KEY) as endpoint:
        yield endpoint


@pytest.fixture
def container(azurite, request):
    name = request.node.name.lower().replace("_", "")[:40]
    blob = BlobContainer(f"{azurite}/{name}", shared_key(ACCOUNT, KEY))
    blob.create()
    return blob


def test_payloads_round_trip_at_their_tier(container):
    payload = build_payloads(RECORDS, "aws")[0]
    container.put_json(payload.object_key, payload.to_dict(), COOL)
    container.put_json(payload.object_key, payload.to_dict(), COOL)  # a retried move overwrites
    items = list(container.list())
    assert [i.name for i in items] == [payload.object_key]
    assert items[0].tier == COOL
    assert container.get_json(payload.object_key)["records"] == RECORDS


def test_cold_writer_stores_a_mover_payload(container, load_function):
    from tests.azure.runtime.conftest import TOKEN

    module = load_function("cold_writer", INBOUND_TOKEN_SECRET="inbound-token", COLD_CONTAINER_URL=container.url)
    module.writer.container = BlobContainer(container.url, shared_key(ACCOUNT, KEY))
    payload = build_payloads(RECORDS, "aws")[0].to_dict()
    req = func.HttpRequest("POST", "https://app/api/cold-writer", headers={"X-Inter-Cloud-Token": TOKEN},
                           body=json.dumps(payload).encode())
    response = module.writer.handle(req)
    assert response.status_code == 200 and json.loads(response.get_body())["count"] == 3
    assert container.get_json(payload["object_key"])["device_id"] == "d1"
    bad = func.HttpRequest("POST", "https://app/api/cold-writer", headers={"X-Inter-Cloud-Token": TOKEN},
                           body=json.dumps({**payload, "object_key": "elsewhere.json"}).encode())
    assert module.writer.handle(bad).status_code == 400


def test_cold_to_archive_mover_sends_old_blobs_then_deletes_them(container, load_function):
    module = load_function("cold_to_archive", COLD_CONTAINER_URL=container.url, COLD_RETENTION_DAYS=90,
                           REMOTE_URL="https://archive.example/api/archive-writer", REMOTE_TOKEN_SECRET="t")
    payload = build_payloads(RECORDS, "azure")[0]
    container.put_json(payload.object_key, payload.to_dict(), COOL)

    class Sent(list):
        def post(self, body):
            self.append(body)

    sent = Sent()
    assert module.move(now=datetime.now(timezone.utc), container=container, client=sent) == 0  # still young
    later = datetime.now(timezone.utc) + timedelta(days=91)
    assert module.move(now=later, container=container, client=sent) == 1
    assert sent[0]["object_key"] == payload.object_key and not list(container.list())


def test_archive_tier_is_accepted(container):
    payload = build_payloads(RECORDS, "aws")[0]
    container.put_json(payload.object_key, payload.to_dict(), ARCHIVE)
    assert next(container.list()).tier == ARCHIVE


def test_a_retried_archive_write_finds_its_blob_archived_and_succeeds(container):
    """The first write archived the blob but its answer was lost (a timeout): Blob Storage refuses
    to overwrite an archived blob (409 BlobArchived), and the retry must not fail on it."""
    payload = build_payloads(RECORDS, "aws")[0]
    put_payload(container, payload, ARCHIVE)
    put_payload(container, payload, ARCHIVE)
    items = list(container.list())
    assert [(i.name, i.tier) for i in items] == [(payload.object_key, ARCHIVE)]
    with pytest.raises(AzureRestError) as refused:  # the emulator refuses the overwrite, as Blob Storage does
        container.put_json(payload.object_key, payload.to_dict(), ARCHIVE)
    assert (refused.value.status, refused.value.code) == (409, "BlobArchived")


def test_hot_to_cold_mover_writes_cool_blobs_then_removes_from_cosmos(container, load_function):
    from runtime.azure.cosmos_store import CosmosHotStore
    from tests.azure.runtime.memory_cosmos import InMemoryCosmosContainer

    module = load_function("hot_to_cold", COSMOS_ENDPOINT="https://c", COSMOS_DATABASE="twin", COSMOS_CONTAINER="hot",
                           HOT_RETENTION_DAYS=30, COLD_CONTAINER_URL=container.url)
    store = CosmosHotStore(InMemoryCosmosContainer(), 30)
    store.put(RECORDS + [{"device_id": "d2", "timestamp": "2026-03-01T00:00:00.000Z", "record_id": "9" * 32, "t": 9}])
    moved = module.move(now=datetime(2026, 2, 15, tzinfo=timezone.utc), store=store, container=container)
    assert moved == {"records": 3, "objects": 1}
    [blob] = list(container.list())
    assert blob.tier == COOL and blob.name.startswith("d1/2026/01/01/")
    assert store.latest("d1") is None and store.latest("d2")["t"] == 9


def test_cold_to_archive_leaves_a_blob_it_cannot_archive_and_moves_the_rest(container, load_function, caplog):
    module = load_function("cold_to_archive", COLD_CONTAINER_URL=container.url, COLD_RETENTION_DAYS=90,
                           REMOTE_URL="https://archive.example/api/archive-writer", REMOTE_TOKEN_SECRET="t")
    payload = build_payloads(RECORDS, "azure")[0]
    container.put_json("d0/broken.json", {"schema": "dt.mover.v1", "records": "none"}, COOL)
    container.put_json(payload.object_key, payload.to_dict(), COOL)

    class Sent(list):
        def post(self, body):
            self.append(body)

    sent = Sent()
    later = datetime.now(timezone.utc) + timedelta(days=91)
    assert module.move(now=later, container=container, client=sent) == 1
    assert [body["object_key"] for body in sent] == [payload.object_key]
    assert [blob.name for blob in container.list()] == ["d0/broken.json"] and "cannot be archived" in caplog.text
