"""`status`: per stack its deployed state, dead-letter depths and the newest record per device,
against moto (CloudFormation, SQS, DynamoDB, S3 state), Azurite (poison queues, azurerm state)
and stand-ins where no emulator exists (Cosmos DB answers, Firestore, Cloud Monitoring)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from twin_model.config import load_project
from twin_model.config.model import Provider
from twin_model.topology import plan_project
from tests.conftest import REPO, WITHOUT_EVENTS, write_project
from tests.gcp.fake_firestore import FakeFirestore
from tests.ops.conftest import AZURE_TWIN, AZURITE_ACCOUNTS, Azurite
from twin_ops.cloud_clients import AwsClients, AzureClients, CloudUnavailable, Clouds
from twin_ops.dead_letters import dead_letters
from twin_ops.status.hot import CosmosHot, firestore_newest
from twin_ops.status.pubsub_depth import METRIC, undelivered_messages
from twin_ops.status.run import run_status

REGION = "eu-central-1"
TWIN = "factory-floor"


def status(project, clouds, tf_outdir) -> tuple[int, list[str]]:
    config = load_project(project)
    topology = plan_project(config)
    lines: list[str] = []
    code = run_status(config, topology, dead_letters(config, topology), clouds, tf_outdir, echo=lines.append)
    return code, lines


@pytest.fixture
def aws_cloud(monkeypatch):
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    with mock_aws():
        yield AwsClients(boto3.Session(region_name=REGION))


def deploy_stack(clients: AwsClients, name: str, queues: tuple[str, ...] = ()) -> None:
    template = {"Resources": {f"Q{i}": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": q}} for i, q in enumerate(queues)}
                or {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
    clients.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))


def put_records(clients: AwsClients, records: list[dict]) -> None:
    ddb = clients.client("dynamodb")
    ddb.create_table(
        TableName=f"{TWIN}-hot", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "device_id", "KeyType": "HASH"}, {"AttributeName": "timestamp", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "device_id", "AttributeType": "S"}, {"AttributeName": "timestamp", "AttributeType": "S"}],
    )
    table = clients.session.resource("dynamodb").Table(f"{TWIN}-hot")
    for record in records:
        table.put_item(Item=record)


def test_status_of_a_partly_deployed_all_aws_twin(aws_cloud, tmp_path):
    from decimal import Decimal

    deploy_stack(aws_cloud, f"{TWIN}-l3-hot", (f"{TWIN}-hot-to-cold-failed",))
    deploy_stack(aws_cloud, f"{TWIN}-l1", (f"{TWIN}-dispatcher-failed", f"{TWIN}-telemetry-rejected"))
    sqs = aws_cloud.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{TWIN}-dispatcher-failed")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"i": i}))
    put_records(aws_cloud, [
        {"device_id": "press-01", "timestamp": "2026-03-01T10:00:00.000Z", "temperature": Decimal("70.5"), "ttl": 1},
        {"device_id": "press-01", "timestamp": "2026-03-01T10:05:00.000Z", "temperature": Decimal("71.5"), "ttl": 1},
        {"device_id": "press-02", "timestamp": "2026-03-01T09:00:00.000Z", "pressure": 7, "ttl": 1},
    ])
    code, lines = status(REPO / "examples" / "factory-floor", Clouds({Provider.AWS: lambda: aws_cloud}), tmp_path)
    assert code == 0
    stacks = [line.split() for line in lines[lines.index("stacks:") + 1: lines.index("dead letters (messages parked, approximate):")]]
    assert stacks == [
        [f"{TWIN}-l3-archive", "AWS", "not", "deployed"],
        [f"{TWIN}-l3-cold", "AWS", "not", "deployed"],
        [f"{TWIN}-l3-hot", "AWS", "CREATE_COMPLETE"],
        [f"{TWIN}-l4", "AWS", "not", "deployed"],
        [f"{TWIN}-l2", "AWS", "not", "deployed"],
        [f"{TWIN}-l1", "AWS", "CREATE_COMPLETE"],
        [f"{TWIN}-l5", "AWS", "not", "deployed"],
    ]
    assert f"  [l1] {TWIN}-dispatcher-failed → {TWIN}-dispatcher: 3" in lines
    assert f"  [l1] {TWIN}-telemetry-rejected → {TWIN}-dispatcher: 0" in lines
    assert f"  [l3-hot] {TWIN}-hot-to-cold-failed → {TWIN}-hot-to-cold: 0" in lines
    assert f"  [l2] {TWIN}-processor-failed → {TWIN}-processor: not deployed" in lines
    assert lines[lines.index("hot storage, newest record per device (AWS):") + 1:] == [
        '  press-01: 2026-03-01T10:05:00.000Z  {"temperature": 71.5}',
        '  press-02: 2026-03-01T09:00:00.000Z  {"pressure": 7}',
        "  conveyor-01: no record",
        "  air-quality-01: no record",
    ]


MIXED = {"layer_1_provider": "aws", "layer_2_provider": "azure", "layer_3_hot_provider": "aws",
         "layer_3_cold_provider": "azure", "layer_3_archive_provider": "aws", "layer_4_provider": "aws"}


def tf_stack(tf_outdir, stack: str, backend: dict) -> None:
    """What synth writes about the backend (tests/deploy/test_backend.py checks the real output)."""
    directory = tf_outdir / "stacks" / stack
    directory.mkdir(parents=True)
    (directory / "cdk.tf.json").write_text(json.dumps({"terraform": {"backend": backend}, "resource": {}}))


STATE = {"version": 4, "serial": 3, "resources": [
    {"mode": "managed", "type": "azurerm_resource_group", "name": "rg", "instances": [{}]},
    {"mode": "managed", "type": "azurerm_storage_account", "name": "fn", "instances": [{}]},
    {"mode": "data", "type": "aws_ssm_parameter", "name": "url", "instances": [{}]},
]}


def test_terraform_stacks_report_whether_their_state_holds_resources(aws_cloud, azurite, tmp_path):
    project = write_project(tmp_path / "project", MIXED, **WITHOUT_EVENTS)
    tf_out = tmp_path / "cdktf.out"
    tf_stack(tf_out, f"{TWIN}-l2", {"s3": {"bucket": f"{TWIN}-tfstate", "key": f"{TWIN}-l2.tfstate", "region": REGION,
                                            "encrypt": True, "use_lockfile": True}})
    tf_stack(tf_out, f"{TWIN}-l3-cold", {"azurerm": {"storage_account_name": AZURITE_ACCOUNTS[0], "container_name": "tfstate",
                                                     "key": f"{TWIN}-l3-cold.tfstate", "resource_group_name": "rg",
                                                     "use_azuread_auth": True}})
    s3 = aws_cloud.client("s3")
    s3.create_bucket(Bucket=f"{TWIN}-tfstate", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=f"{TWIN}-tfstate", Key=f"{TWIN}-l2.tfstate", Body=json.dumps(STATE).encode())
    azure = AzureClients(Azurite.signer, tokens=lambda scope: "unused", endpoint=azurite.endpoint)
    azure.blobs(AZURITE_ACCOUNTS[0]).create_container("tfstate")  # no state blob: never applied

    code, lines = status(project, Clouds({Provider.AWS: lambda: aws_cloud, Provider.AZURE: lambda: azure}), tf_out)
    assert f"  {TWIN}-l2          Azure         state present: 2 resources (s3 backend)" in lines
    assert f"  {TWIN}-l3-cold     Azure         not deployed (azurerm backend)" in lines

    azure.blobs(AZURITE_ACCOUNTS[0]).put("tfstate", f"{TWIN}-l3-cold.tfstate", json.dumps({**STATE, "resources": []}).encode())
    code, lines = status(project, Clouds({Provider.AWS: lambda: aws_cloud, Provider.AZURE: lambda: azure}), tf_out)
    assert f"  {TWIN}-l3-cold     Azure         not deployed (empty state) (azurerm backend)" in lines


def test_a_stack_not_synthesized_and_a_local_state(tmp_path, aws_cloud):
    from twin_ops.status import stacks

    tf_out = tmp_path / "cdktf.out"
    assert stacks.terraform_backend(tf_out, "x") is None
    tf_stack(tf_out, "x", {"local": {"path": "terraform.x.tfstate"}})
    kind, settings = stacks.terraform_backend(tf_out, "x")
    assert stacks.describe_state(stacks.read_state(kind, settings, tf_out / "stacks" / "x", None)) == "not deployed"
    (tf_out / "stacks" / "x" / "terraform.x.tfstate").write_text(json.dumps(STATE))
    assert stacks.describe_state(stacks.read_state(kind, settings, tf_out / "stacks" / "x", None)) == "state present: 2 resources"


def test_gcs_state_is_read_from_prefix_default_tfstate():
    from google.api_core.exceptions import NotFound

    from twin_ops.status import stacks

    asked = []

    class Blob:
        def __init__(self, name):
            self.name = name

        def download_as_bytes(self):
            asked.append(self.name)
            if self.name != "twin-l1/default.tfstate":
                raise NotFound("no such object")
            return json.dumps(STATE).encode()

    storage = SimpleNamespace(bucket=lambda name: SimpleNamespace(blob=Blob))
    clients = SimpleNamespace(storage=lambda: storage)
    assert stacks.read_state("gcs", {"bucket": "b", "prefix": "twin-l1"}, None, clients) is not None
    assert stacks.read_state("gcs", {"bucket": "b", "prefix": "twin-l2"}, None, clients) is None
    assert asked == ["twin-l1/default.tfstate", "twin-l2/default.tfstate"]


def test_azure_poison_depths_and_the_newest_cosmos_record(azurite, tmp_path):
    """The Azure example: poison queue depths from Azurite, hot storage from Cosmos DB's REST answer."""
    queues = AzureClients(Azurite.signer, tokens=lambda scope: "t", endpoint=azurite.endpoint).queues(AZURITE_ACCOUNTS[1])
    queues.create("event-checker-poison")
    queues.call("DELETE", "event-checker-poison/messages")
    for i in range(4):
        queues.put_message("event-checker-poison", f"m{i}")
    sent = []

    def cosmos(method, url, headers, body):
        query = json.loads(body)
        sent.append((method, url, headers, query))
        device = query["parameters"][0]["value"]
        documents = [{"id": "x", "device_id": device, "timestamp": "2026-03-01T10:00:00.000Z", "t": 1, "ttl": 9,
                      "_rid": "r", "_ts": 1}] if device == "press-01" else []
        return 200, {}, json.dumps({"Documents": documents, "_count": len(documents)}).encode()

    class Clients(AzureClients):
        def cosmos(self, account, database, container):
            return CosmosHot(f"https://{account}.documents.azure.com", database, container, self.tokens, transport=cosmos)

    clients = Clients(Azurite.signer, tokens=lambda scope: f"token-for-{scope}", endpoint=azurite.endpoint)
    code, lines = status(REPO / "examples" / "factory-floor-azure", Clouds({Provider.AZURE: lambda: clients}), tmp_path)
    assert code == 0
    assert f"  [l2] {AZURITE_ACCOUNTS[1]}/event-checker-poison → event-checker: 4" in lines
    assert f"  [l1] {AZURITE_ACCOUNTS[0]}/telemetry-deadletter → telemetry: 0" in lines
    assert '  press-01: 2026-03-01T10:00:00.000Z  {"t": 1}' in lines and "  press-02: no record" in lines
    method, url, headers, query = sent[0]
    assert method == "POST" and url.endswith("/dbs/twin/colls/hot/docs") and ".documents.azure.com/" in url
    assert headers["x-ms-documentdb-partitionkey"] == '["press-01"]' and headers["x-ms-documentdb-isquery"] == "True"
    assert headers["Authorization"] == "type%3Daad%26ver%3D1.0%26sig%3Dtoken-for-https%3A%2F%2Fcosmos.azure.com%2F.default"
    assert query["query"] == "SELECT TOP 1 * FROM c WHERE c.device_id = @device ORDER BY c.timestamp DESC"


def test_the_newest_firestore_record_per_device():
    client = FakeFirestore()
    hot = client.collection("hot-data")
    for second in (1, 3, 2):
        hot.document(f"press-01_{second}").set({"device_id": "press-01", "timestamp": f"2026-03-01T10:00:0{second}.000Z",
                                                 "t": second, "ttl": "later"})
    hot.document("press-02_1").set({"device_id": "press-02", "timestamp": "2026-03-01T11:00:00.000Z", "t": 9})
    assert firestore_newest(client, "hot-data", "press-01") == {"timestamp": "2026-03-01T10:00:03.000Z", "t": 3}
    assert firestore_newest(client, "hot-data", "conveyor-01") is None


def test_pubsub_depth_is_the_newest_cloud_monitoring_sample():
    from datetime import UTC, datetime

    asked = []

    class Session:
        def get(self, url, params, timeout):
            asked.append((url, params))
            points = [{"value": {"int64Value": "7"}}, {"value": {"int64Value": "9"}}]
            series = [{"points": points}] if "dl-retained" in params["filter"] else []
            return SimpleNamespace(raise_for_status=lambda: None, json=lambda: {"timeSeries": series} if series else {})

    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert undelivered_messages(Session(), "p1", "dl-retained", now) == 7
    assert undelivered_messages(Session(), "p1", "other", now) is None
    url, params = asked[0]
    assert url == "https://monitoring.googleapis.com/v3/projects/p1/timeSeries"
    assert params == {"filter": f'metric.type="{METRIC}" AND resource.labels.subscription_id="dl-retained"',
                      "interval.startTime": "2026-03-01T11:50:00Z", "interval.endTime": "2026-03-01T12:00:00Z"}


def test_missing_credentials_are_one_line_per_cloud_and_exit_code_3(tmp_path):
    project = write_project(tmp_path / "project", {**MIXED, "layer_1_provider": "google"}, **WITHOUT_EVENTS)

    def missing(line):
        def open_cloud():
            raise CloudUnavailable(line)
        return open_cloud

    clouds = Clouds({Provider.AWS: missing("AWS: no credentials found (x)"), Provider.AZURE: missing("Azure: no credentials found (y)"),
                     Provider.GOOGLE: missing("Google Cloud: no application-default credentials found (z)")})
    code, lines = status(project, clouds, tmp_path / "cdktf.out")
    assert code == 3
    assert sorted(lines[-3:]) == [
        "AWS: no credentials found (x); its rows above were not checked",
        "Azure: no credentials found (y); its rows above were not checked",
        "Google Cloud: no application-default credentials found (z); its rows above were not checked",
    ]
    assert f"  [l1] {TWIN}-telemetry-dead-letter-retained → {TWIN}-telemetry: not checked (no Google Cloud credentials)" in lines
    assert "  press-01: not checked (no AWS credentials)" in lines


def test_a_failing_check_is_reported_in_its_row_and_exit_code_1(aws_cloud, tmp_path):
    class Denied(AwsClients):
        def client(self, service, region=None):
            if service == "dynamodb":
                raise PermissionError("dynamodb:Query denied")
            return super().client(service, region)

    denied = Denied(aws_cloud.session)
    code, lines = status(REPO / "examples" / "factory-floor", Clouds({Provider.AWS: lambda: denied}), tmp_path)
    assert code == 1
    assert "  press-01: error: PermissionError: dynamodb:Query denied" in lines
    assert "  air-quality-01: error: PermissionError: dynamodb:Query denied" in lines


def test_an_azure_layer_whose_accounts_do_not_exist_is_not_deployed(tmp_path):
    """Storage and Cosmos DB account names are DNS names: one that does not resolve was never deployed."""
    from twin_ops.redrive.journal import Journal
    from twin_ops.redrive.run import run_redrive

    def nowhere(account: str, service: str) -> str:
        return f"https://{account}.{service}.example.invalid"  # .invalid never resolves (RFC 2606)

    clients = AzureClients(lambda m, u, h: {"Authorization": "Bearer t"}, tokens=lambda scope: "t", endpoint=nowhere)
    clouds = Clouds({Provider.AZURE: lambda: clients})
    code, lines = status(REPO / "examples" / "factory-floor-azure", clouds, tmp_path)
    assert code == 0
    not_deployed = (
        f"[l2] {AZURITE_ACCOUNTS[1]}/processor-poison → processor: "
        f"not deployed ({AZURITE_ACCOUNTS[1]}.queue.example.invalid does not resolve)"
    )
    assert f"  {not_deployed}" in lines
    assert any(line.startswith("  press-01: not deployed (") for line in lines)

    config = load_project(REPO / "examples" / "factory-floor-azure")
    out: list[str] = []
    assert run_redrive(AZURE_TWIN, dead_letters(config, plan_project(config)), clouds, Journal(tmp_path / "j"),
                       echo=out.append) == 0
    assert not_deployed in out
