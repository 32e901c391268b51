"""The local run's Cosmos DB stand-in refuses what the service refuses, and the runtime's Cosmos
adapter passes it only as written.

The requests and answers come from Cosmos DB's REST reference ("Common Azure Cosmos DB REST
request headers", "Access control in the Azure Cosmos DB SQL API", "Querying Azure Cosmos DB
resources using the REST API") and its data-plane RBAC ("Configure role-based access control
with Microsoft Entra ID"), written here by hand. @vercel/cosmosdb-server was tried in its place:
it accepts every one of the refused requests below (any Authorization, no x-ms-date, a partition
key header that does not match the item), so the stand-in stays (README, "Try it locally").
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from email.utils import formatdate
from urllib.parse import quote

import pytest

from runtime.azure import identity
from runtime.azure.cosmos_store import CosmosQuery, CosmosRestContainer
from runtime.azure.rest import AzureRestError
from twin_ops.local.http import LocalServer
from twin_ops.local.standins.azure import Cosmos, Identity, entra_token

ACCOUNT, DATABASE, CONTAINER = "twinhot", "twin", "telemetry"
CONTAINER_ID = (f"/subscriptions/s/resourceGroups/r/providers/Microsoft.DocumentDB/databaseAccounts/{ACCOUNT}"
                f"/dbs/{DATABASE}/colls/{CONTAINER}")
CONTRIBUTOR = "/subscriptions/s/.../sqlRoleDefinitions/00000000-0000-0000-0000-000000000002"
READER = "/subscriptions/s/.../sqlRoleDefinitions/00000000-0000-0000-0000-000000000001"
WRITER, READER_ONLY, STRANGER = "principal-writer", "principal-reader", "principal-without-grant"
ITEM = {"id": "press-01_2026-01-01T00:00:00.000Z_r1", "device_id": "press-01", "timestamp": "2026-01-01T00:00:00.000Z#r1"}


@pytest.fixture(scope="module")
def cosmos():
    server = LocalServer("azure")
    store, identities = Cosmos(server), Identity(server)
    store.add_container(ACCOUNT, DATABASE, CONTAINER, "/device_id")
    store.grant(WRITER, CONTRIBUTOR, CONTAINER_ID)
    store.grant(READER_ONLY, READER, CONTAINER_ID)
    identities.principals.update({"client-writer": WRITER, "client-reader": READER_ONLY})
    server.start()
    yield server, store, identities
    server.stop()


def aad(principal: str = WRITER, audience: str = "https://cosmos.azure.com") -> str:
    return quote(f"type=aad&ver=1.0&sig={entra_token(audience, principal=principal)[0]}", safe="")


def headers(**changes: str | None) -> dict[str, str]:
    base = {"Authorization": aad(), "x-ms-date": formatdate(usegmt=True), "x-ms-version": "2018-12-31",
            "Content-Type": "application/json", "x-ms-documentdb-is-upsert": "True", "x-ms-documentdb-partitionkey": '["press-01"]'}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def send(server, method: str, path: str, header: dict[str, str], body: object = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server.url}/cosmos/{ACCOUNT}/dbs/{DATABASE}/colls/{CONTAINER}/docs{path}",
                                     data=data, method=method, headers=header)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


QUERY = {"query": "SELECT * FROM c WHERE c.device_id = @device", "parameters": [{"name": "@device", "value": "press-01"}]}
QUERY_HEADERS = {"x-ms-documentdb-isquery": "True", "Content-Type": "application/query+json", "x-ms-documentdb-is-upsert": None}

NO_PK = {"x-ms-documentdb-partitionkey": None}
BEARER = f"Bearer {entra_token('https://cosmos.azure.com')[0]}"
# (what, method, path, headers, body) → (status, error code), as the service answers; the headers are
# made when the test runs (a date or token made at collection is stale by then on a busy machine)
REFUSED = [
    ("a bearer token", "POST", "", lambda: headers(Authorization=BEARER), ITEM, 401, "Unauthorized"),
    ("a master key token", "POST", "",
     lambda: headers(Authorization=quote("type=master&ver=1.0&sig=abc", safe="")), ITEM, 401, "Unauthorized"),
    ("an unencoded aad token", "POST", "", lambda: headers(Authorization="type=aad ver=1.0 sig=x"), ITEM, 401, "Unauthorized"),
    ("a token for storage", "POST", "",
     lambda: headers(Authorization=aad(audience="https://storage.azure.com/")), ITEM, 401, "Unauthorized"),
    ("no Authorization", "POST", "", lambda: headers(Authorization=None), ITEM, 401, "Unauthorized"),
    ("no x-ms-date", "POST", "", lambda: headers(**{"x-ms-date": None}), ITEM, 401, "Unauthorized"),
    ("an x-ms-date an hour old", "POST", "",
     lambda: headers(**{"x-ms-date": formatdate(usegmt=True, timeval=time.time() - 3600)}), ITEM, 403, "Forbidden"),
    ("no x-ms-version", "POST", "", lambda: headers(**{"x-ms-version": None}), ITEM, 400, "BadRequest"),
    ("a write without a partition key", "POST", "", lambda: headers(**NO_PK), ITEM, 400, "BadRequest"),
    ("a partition key of another device", "POST", "",
     lambda: headers(**{"x-ms-documentdb-partitionkey": '["press-02"]'}), ITEM, 400, "BadRequest"),
    ("a partition key that is no JSON array", "POST", "",
     lambda: headers(**{"x-ms-documentdb-partitionkey": "press-01"}), ITEM, 400, "BadRequest"),
    ("an id with a slash", "POST", "", lambda: headers(), {**ITEM, "id": "press/01"}, 400, "BadRequest"),
    ("a write as text/plain", "POST", "", lambda: headers(**{"Content-Type": "text/plain"}), ITEM, 400, "BadRequest"),
    ("a query as application/json", "POST", "",
     lambda: headers(**{**QUERY_HEADERS, "Content-Type": "application/json"}), QUERY, 400, "BadRequest"),
    ("a cross-partition query not enabled", "POST", "", lambda: headers(**QUERY_HEADERS, **NO_PK), QUERY, 400, "BadRequest"),
    ("a write of a principal with the reader role", "POST", "", lambda: headers(Authorization=aad(READER_ONLY)), ITEM, 403, "Forbidden"),
    ("a query of a principal without a role", "POST", "",
     lambda: headers(**QUERY_HEADERS, Authorization=aad(STRANGER)), QUERY, 403, "Forbidden"),
    ("a delete of a reader", "DELETE", f"/{ITEM['id']}", lambda: headers(Authorization=aad(READER_ONLY)), None, 403, "Forbidden"),
    ("a delete without a partition key", "DELETE", f"/{ITEM['id']}", lambda: headers(**NO_PK), None, 400, "BadRequest"),
    ("a delete of an item that is not there", "DELETE", "/no-such-item", lambda: headers(), None, 404, "NotFound"),
]


@pytest.mark.parametrize(("what", "method", "path", "header", "body", "status", "code"), REFUSED, ids=[case[0] for case in REFUSED])
def test_the_stand_in_refuses_what_cosmos_refuses(cosmos, what, method, path, header, body, status, code):
    answer = send(cosmos[0], method, path, header(), body)
    assert answer[0] == status and answer[1].get("code") == code and answer[1].get("message"), answer


def test_a_well_formed_request_of_a_granted_principal_passes(cosmos):
    assert send(cosmos[0], "POST", "", headers(), ITEM)[0] == 201
    assert send(cosmos[0], "POST", "", headers(**QUERY_HEADERS, Authorization=aad(READER_ONLY)), QUERY)[0] == 200
    created = headers(**{"x-ms-documentdb-is-upsert": None})
    assert send(cosmos[0], "POST", "", created, {**ITEM, "id": "second"})[0] == 201
    assert send(cosmos[0], "POST", "", created, {**ITEM, "id": "second"})[:2][0] == 409  # create, not upsert: the id exists


@pytest.fixture
def adapter(cosmos, monkeypatch):
    server, _, identities = cosmos
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"{server.url}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", identities.secret)
    monkeypatch.setenv("AZURE_CLIENT_ID", "client-writer")
    monkeypatch.setattr(identity, "_cache", {})
    monkeypatch.setattr(identity, "_provider", identity.managed_identity_token)  # other tests install their own
    return CosmosRestContainer(f"{server.url}/cosmos/{ACCOUNT}/", DATABASE, CONTAINER)


def test_the_runtime_adapter_writes_and_reads_through_the_stand_in(adapter):
    adapter.upsert({**ITEM, "id": "adapter-1"})
    assert "adapter-1" in {item["id"] for item in adapter.query(CosmosQuery("press-01"))}


def test_the_runtime_adapter_with_a_bearer_authorization_header_fails(adapter, monkeypatch):
    written = CosmosRestContainer._headers

    def bearer(self, partition_key, **extra):
        return {**written(self, partition_key, **extra), "Authorization": f"Bearer {identity.token(identity.COSMOS)}"}

    monkeypatch.setattr(CosmosRestContainer, "_headers", bearer)
    with pytest.raises(AzureRestError) as refused:
        adapter.upsert({**ITEM, "id": "adapter-2"})
    assert refused.value.status == 401 and refused.value.code == "Unauthorized"


def test_the_runtime_adapter_of_an_identity_without_a_write_grant_fails(adapter, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_ID", "client-reader")
    with pytest.raises(AzureRestError) as refused:
        adapter.upsert({**ITEM, "id": "adapter-3"})
    assert refused.value.status == 403 and refused.value.code == "Forbidden"
