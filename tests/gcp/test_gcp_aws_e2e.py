"""Google and AWS handlers talking over loopback HTTP with the real wire contract (docs/design.md §5).

AWS side: the real runtime.aws handlers (moto for Secrets Manager/S3/Lambda). Google side: the
runtime.gcp handlers served by functions-framework. Both sides share one connection token.
"""

from __future__ import annotations

import importlib
import json
import sys

import pytest

from tests.gcp.gcp_runtime import TOKEN, TOKEN_SECRET
from tests.runtime.runtime_testing import LoopbackServer, function_url, history_request, twinmaker_request

AWS_TOKEN_SECRET = "factory-floor/inter-cloud/test/token"
STORE = {"HOT_DATABASE": "twin-hot", "HOT_COLLECTION": "hot-data"}
AWS_VARIABLES = ("REMOTE_URL", "REMOTE_TOKEN_SECRET", "HOT_TABLE_NAME", "HOT_RETENTION_DAYS", "EVENT_CHECKER_FUNCTION_NAME",
                 "LOCAL_READER_FUNCTION_NAME", "INBOUND_TOKEN_SECRET", "COLD_BUCKET_NAME")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    from runtime.aws import bridge_clients, clients, secrets
    from tests.gcp.gcp_runtime import FAST_RETRIES

    monkeypatch.setattr(bridge_clients.BRIDGE_CLIENTS, "retry_policy", FAST_RETRIES)
    secrets.CACHE.clear()
    with mock_aws():
        clients.client.cache_clear()
        clients.client("secretsmanager").create_secret(Name=AWS_TOKEN_SECRET, SecretString=TOKEN)
        yield clients
        clients.client.cache_clear()


@pytest.fixture
def load_aws(monkeypatch: pytest.MonkeyPatch):
    def load(name: str, **variables: str):
        for variable in AWS_VARIABLES:
            monkeypatch.delenv(variable, raising=False)
        for variable, value in variables.items():
            monkeypatch.setenv(variable, value)
        sys.modules.pop(f"runtime.aws.{name}", None)
        return importlib.import_module(f"runtime.aws.{name}")

    return load


def test_aws_persister_writes_to_the_google_hot_writer(aws, load_aws, gcp_runtime, serve_function) -> None:
    writer = serve_function("hot_writer", INBOUND_TOKEN_SECRET=TOKEN_SECRET, HOT_RETENTION_DAYS=30, **STORE)
    persister = load_aws("persister", REMOTE_URL=writer.url, REMOTE_TOKEN_SECRET=AWS_TOKEN_SECRET)
    records = [{"iotDeviceId": "d1", "timestamp": f"2026-01-01T10:00:0{s}Z", "record_id": f"{s:032x}",
                "temperature": 20 + s} for s in range(3)]
    assert persister.handler(records) == {"count": 3}
    assert persister.handler(records) == {"count": 3}  # Lambda's retry of the same event
    docs = gcp_runtime.firestore.collection("hot-data").docs
    assert sorted(docs) == [f"d1_2026-01-01T10:00:0{s}.000Z_{s:032x}" for s in range(3)]
    assert docs[f"d1_2026-01-01T10:00:02.000Z_{2:032x}"]["temperature"] == 22


def test_aws_twin_connector_reads_the_google_hot_readers(aws, load_aws, gcp_runtime, serve_function) -> None:
    from runtime.gcp.firestore_store import FirestoreHotStore

    FirestoreHotStore(gcp_runtime.firestore, "hot-data", 30).put(
        [{"device_id": "d1", "timestamp": f"2026-01-01T10:00:0{s}.000Z", "record_id": f"{s:032x}", "temperature": 20.5 + s}
         for s in range(3)]
    )
    reader = serve_function("hot_reader", INBOUND_TOKEN_SECRET=TOKEN_SECRET, **STORE)
    last = serve_function("hot_reader_last_entry", INBOUND_TOKEN_SECRET=TOKEN_SECRET, **STORE)
    connector = load_aws("dt_data_connector", REMOTE_URL=reader.url, REMOTE_TOKEN_SECRET=AWS_TOKEN_SECRET)
    answer = connector.handler(history_request("d1", maxResults=2))
    [values] = answer["propertyValues"]
    assert [v["value"] for v in values["values"]] == [{"doubleValue": 20.5}, {"doubleValue": 21.5}]
    assert answer["nextToken"]
    latest = load_aws("dt_data_connector_last_entry", REMOTE_URL=last.url, REMOTE_TOKEN_SECRET=AWS_TOKEN_SECRET)
    result = latest.handler(twinmaker_request("d1"))
    assert result["propertyValues"]["temperature"]["propertyValue"] == {"doubleValue": 22.5}


def test_google_mover_sends_to_the_aws_cold_writer(aws, load_aws, gcp_runtime, serve_function, monkeypatch) -> None:
    from runtime.gcp.firestore_store import FirestoreHotStore

    aws.client("s3").create_bucket(Bucket="twin-cold")
    cold_writer = load_aws("cold_writer", INBOUND_TOKEN_SECRET=AWS_TOKEN_SECRET, COLD_BUCKET_NAME="twin-cold")
    receiver = LoopbackServer(function_url(cold_writer.handler)).start()
    for variable in AWS_VARIABLES:  # the AWS handler's environment is read; the Google one starts clean
        monkeypatch.delenv(variable, raising=False)
    try:
        FirestoreHotStore(gcp_runtime.firestore, "hot-data", 1).put(
            [{"device_id": "d1", "timestamp": f"2026-01-01T10:00:0{s}.000Z", "record_id": f"{s:032x}", "temperature": s}
             for s in range(3)]
        )
        gcp_runtime.secret_manager.values["projects/p/secrets/outbound"] = TOKEN
        mover = serve_function("hot_to_cold", HOT_RETENTION_DAYS=1, REMOTE_URL=receiver.url,
                               REMOTE_TOKEN_SECRET="projects/p/secrets/outbound", **STORE)
        assert mover.module.move() == {"records": 3, "objects": 1}
    finally:
        receiver.stop()
    [obj] = aws.client("s3").list_objects_v2(Bucket="twin-cold")["Contents"]
    stored = json.loads(aws.client("s3").get_object(Bucket="twin-cold", Key=obj["Key"])["Body"].read())
    assert stored["schema"] == "dt.mover.v1" and stored["source_cloud"] == "google" and len(stored["records"]) == 3
    assert obj["StorageClass"] == "STANDARD_IA"
    assert gcp_runtime.firestore.collection("hot-data").docs == {}
