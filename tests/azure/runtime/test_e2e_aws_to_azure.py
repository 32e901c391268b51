"""End to end over loopback HTTP: the AWS connector (L1 on AWS) delivers to the Azure ingestion
(L2 on Azure) served by a local http.server, each side reading the connection's token from its
own secret store (Secrets Manager under moto, Key Vault faked), then the reverse direction:
the Azure persister delivers to the AWS hot writer."""

from __future__ import annotations

import importlib
import json
import sys

import azure.functions as func
import pytest
from tests.runtime.runtime_testing import JsonLogLines, LoopbackServer, RecordedRequest, Reply, function_url

from tests.azure.runtime.conftest import TOKEN

moto = pytest.importorskip("moto")

CONNECTION = "aws_l1_to_azure_l2"


def azure_http(handler) -> callable:
    """Serve an Azure HTTP function as the Functions host would."""

    def respond(request: RecordedRequest) -> Reply:
        req = func.HttpRequest("POST", f"https://app{request.path}", headers=request.headers, body=request.body)
        response = handler(req)
        return response.status_code, {"Content-Type": "application/json"}, response.get_body()

    return respond


def load_aws(name: str, monkeypatch, **variables) -> object:
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    module_name = f"runtime.aws.{name}"
    return importlib.reload(sys.modules[module_name]) if module_name in sys.modules else importlib.import_module(module_name)


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    from runtime.aws import bridge_clients, clients, secrets
    from tests.azure.runtime.conftest import FAST_RETRIES

    monkeypatch.setattr(bridge_clients.BRIDGE_CLIENTS, "retry_policy", FAST_RETRIES)
    secrets.CACHE.clear()
    with moto.mock_aws():
        clients.client.cache_clear()
        clients.dynamodb_table.cache_clear()
        yield clients
        clients.client.cache_clear()
        clients.dynamodb_table.cache_clear()


def test_aws_connector_to_azure_ingestion(aws, load_function, fake_azure, monkeypatch):
    ingestion = load_function("ingestion", INBOUND_TOKEN_SECRET="inbound-token",
                              PROCESSOR_QUEUE_URL=fake_azure.queue_url("processor"))
    server = LoopbackServer(azure_http(ingestion.ingest)).start()
    try:
        aws.client("secretsmanager").create_secret(Name=f"twin/inter-cloud/{CONNECTION}/token", SecretString=TOKEN)
        connector = load_aws("connector", monkeypatch, REMOTE_URL=server.url + "api/ingestion",
                             REMOTE_TOKEN_SECRET=f"twin/inter-cloud/{CONNECTION}/token")
        records = [{"device_id": "d1", "timestamp": f"2026-01-01T10:00:0{i}.000Z", "record_id": f"{i:032x}", "t": i}
                   for i in range(3)]
        with JsonLogLines() as logs:
            assert connector.handler(records) == {"count": 3}
    finally:
        server.stop()
    assert fake_azure.queues["processor"] == [records]
    assert server.requests[0].headers["X-Inter-Cloud-Token"] == TOKEN
    # One trace id on both sides of the bridge, each line naming its own cloud and function.
    trace_id = json.loads(server.requests[0].body)["trace_id"]
    (sent,) = logs.where(trace_id=trace_id, function="connector")
    (received,) = logs.where(trace_id=trace_id, function="ingestion")
    assert (sent["cloud"], sent["count"], received["cloud"], received["count"]) == ("aws", 3, "azure", 3)
    assert received["connection"] == CONNECTION and received["source_cloud"] == "aws"


def test_wrong_token_is_refused_and_not_retried(aws, load_function, fake_azure, monkeypatch):
    from runtime.core.http_client import DeliveryError

    ingestion = load_function("ingestion", INBOUND_TOKEN_SECRET="inbound-token",
                              PROCESSOR_QUEUE_URL=fake_azure.queue_url("processor"))
    server = LoopbackServer(azure_http(ingestion.ingest)).start()
    try:
        aws.client("secretsmanager").create_secret(Name="wrong", SecretString="not-the-token")
        connector = load_aws("connector", monkeypatch, REMOTE_URL=server.url, REMOTE_TOKEN_SECRET="wrong")
        with pytest.raises(DeliveryError) as raised:
            connector.handler({"device_id": "d1", "timestamp": "2026-01-01T10:00:00.000Z"})
    finally:
        server.stop()
    assert raised.value.status == 401 and len(server.requests) == 1
    assert "not-the-token" not in str(raised.value)
    assert "processor" not in fake_azure.queues


def test_azure_persister_to_aws_hot_writer(aws, load_function, fake_azure, monkeypatch):
    aws.client("dynamodb").create_table(
        TableName="twin-hot", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "device_id", "KeyType": "HASH"}, {"AttributeName": "timestamp", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "device_id", "AttributeType": "S"},
                              {"AttributeName": "timestamp", "AttributeType": "S"}])
    aws.client("secretsmanager").create_secret(Name="hot-token", SecretString=TOKEN)
    writer = load_aws("hot_writer", monkeypatch, INBOUND_TOKEN_SECRET="hot-token", HOT_TABLE_NAME="twin-hot",
                      HOT_RETENTION_DAYS="30")
    server = LoopbackServer(function_url(writer.handler)).start()
    fake_azure.secrets["hot-token"] = TOKEN
    try:
        persister = load_function("persister", REMOTE_URL=server.url, REMOTE_TOKEN_SECRET="hot-token")
        record = {"device_id": "d1", "timestamp": "2026-01-01T10:00:00.000Z", "record_id": "ab" * 16, "t": 1.5}
        persister.persist(func.QueueMessage(body=json.dumps([record]).encode()))
        persister.persist(func.QueueMessage(body=json.dumps([record]).encode()))  # the queue's redelivery
    finally:
        server.stop()
    key = {"device_id": "d1", "timestamp": f"{record['timestamp']}#{record['record_id']}"}
    item = aws.dynamodb_table("twin-hot").get_item(Key=key)["Item"]
    assert float(item["t"]) == 1.5 and aws.dynamodb_table("twin-hot").scan()["Count"] == 1
