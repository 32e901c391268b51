"""Redrive on AWS against moto: SQS failure queues back to their functions, each message once,
also across a run interrupted half-way; records that cannot go back stay parked.

The message bodies are written from AWS's documented formats (Lambda destination invocation
records, IoT rule error-action messages, stream on-failure batch records), not from our code.
Invocations are observed on the wire (botocore's before-call event), Lambda runs nothing (moto's
Docker-free backend).
"""

from __future__ import annotations

import base64
import io
import json
import zipfile

import boto3
import pytest
from moto import mock_aws

from twin_model.config import load_project
from twin_model.config.model import Provider
from twin_model.topology import plan_project
from tests.conftest import REPO
from twin_ops.cloud_clients import AwsClients, CloudUnavailable, Clouds
from twin_ops.dead_letters import dead_letters
from twin_ops.redrive import aws
from twin_ops.redrive.engine import redrive
from twin_ops.redrive.journal import Journal
from twin_ops.redrive.run import run_redrive

REGION = "eu-central-1"
ACCOUNT = "123456789012"
TWIN = "factory-floor"
PROJECT = REPO / "examples" / "factory-floor"


@pytest.fixture
def cloud(monkeypatch):
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # moto knows the classic endpoints only
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws(config={"lambda": {"use_docker": False}}):
        yield AwsClients(boto3.Session(region_name=REGION))


def create_function(clients: AwsClients, name: str) -> None:
    iam = clients.client("iam")
    try:
        role = iam.get_role(RoleName="fn")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    clients.client("lambda").create_function(
        FunctionName=name, Runtime="python3.13", Role=role, Handler="index.handler", Code={"ZipFile": code.getvalue()}
    )


def watch_invocations(clients: AwsClients) -> list[tuple[str, str, object]]:
    """(function, invocation type, payload) of every Invoke call the client sends."""
    seen = []

    def record(params, model, **_):
        headers = params.get("headers") or {}
        function = params["url_path"].split("/functions/")[1].split("/")[0]
        seen.append((function, headers.get("X-Amz-Invocation-Type"), json.loads(params["body"])))

    clients.client("lambda").meta.events.register("before-call.lambda.Invoke", record)
    return seen


def failure_record(function: str, payload: object, request_id: str) -> str:
    """A Lambda destination's invocation record (AWS Lambda Developer Guide, "Adding a destination")."""
    return json.dumps({
        "version": "1.0",
        "timestamp": "2026-03-01T10:00:00.000Z",
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": payload,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "timeout", "errorType": "TimeoutError"},
    })


def queue(clients: AwsClients, name: str, bodies: list[str]) -> str:
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    return url


def depth(clients: AwsClients, url: str) -> int:
    attributes = clients.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def records(n: int) -> list[dict]:
    return [{"device_id": f"press-{i % 3:02d}", "timestamp": f"2026-03-01T10:00:{i:02d}.000Z", "temperature": i} for i in range(n)]


def test_failed_async_events_go_back_to_their_function_once_each(cloud, tmp_path):
    function = f"{TWIN}-persister"
    create_function(cloud, function)
    sent = records(25)
    url = queue(cloud, f"{function}-failed", [failure_record(function, r, f"req-{i}") for i, r in enumerate(sent)])
    invoked = watch_invocations(cloud)
    source = aws.SqsQueue(cloud.client("sqs"), url, wait_seconds=0)
    outcome = redrive(source, aws.lambda_async(cloud.client("lambda"), function), Journal(tmp_path / "j"), "k", 4e9)
    assert outcome.moved == 25 and outcome.ok
    assert sorted(invoked, key=lambda i: i[2]["timestamp"]) == [(function, "Event", r) for r in sent]
    assert depth(cloud, url) == 0


def test_redrive_interrupted_half_way_and_run_again_delivers_each_message_exactly_once(cloud, tmp_path):
    function = f"{TWIN}-processor"
    create_function(cloud, function)
    sent = records(20)
    url = queue(cloud, f"{function}-failed", [failure_record(function, r, f"req-{i}") for i, r in enumerate(sent)])
    invoked = watch_invocations(cloud)
    journal_path = tmp_path / "redrive.jsonl"

    class CtrlC(aws.SqsQueue):
        deletes = 0

        def delete(self, message):
            CtrlC.deletes += 1
            if CtrlC.deletes == 9:  # delivered, journaled, not deleted yet
                raise KeyboardInterrupt
            super().delete(message)

    deliver = aws.lambda_async(cloud.client("lambda"), function)
    with pytest.raises(KeyboardInterrupt):
        redrive(CtrlC(cloud.client("sqs"), url, wait_seconds=0), deliver, Journal(journal_path), "k", 4e9)
    assert len(invoked) == 9 and depth(cloud, url) == 12
    assert journal_path.is_file()

    # The interrupted run released what it held: the re-run sees every remaining message at once.
    outcome = redrive(aws.SqsQueue(cloud.client("sqs"), url, wait_seconds=0), deliver, Journal(journal_path), "k", 4e9)
    assert (outcome.moved, outcome.completed) == (11, 1)
    payloads = sorted((i[2] for i in invoked), key=lambda p: p["timestamp"])
    assert payloads == sent, "no message lost, none delivered twice"
    assert depth(cloud, url) == 0


def test_records_that_are_not_this_functions_failures_stay_parked(cloud, tmp_path):
    function = f"{TWIN}-persister"
    create_function(cloud, function)
    url = queue(cloud, f"{function}-failed", [
        failure_record(function, {"ok": 1}, "a"),
        failure_record(f"{TWIN}-processor", {"elsewhere": 1}, "b"),  # another function's record
        "not json at all",
    ])
    invoked = watch_invocations(cloud)
    outcome = redrive(aws.SqsQueue(cloud.client("sqs"), url, wait_seconds=0),
                      aws.lambda_async(cloud.client("lambda"), function), Journal(tmp_path / "j"), "k", 4e9)
    assert outcome.moved == 1 and len(outcome.kept) == 2 and not outcome.ok
    assert [i[2] for i in invoked] == [{"ok": 1}]
    assert depth(cloud, url) == 2


def iot_error(topic: str, payload: bytes) -> str:
    """An IoT rule error-action message (AWS IoT Core Developer Guide, "Error action message format")."""
    return json.dumps({
        "ruleName": "factory_floor_telemetry",
        "topic": topic,
        "cloudwatchTraceId": "7e146a2c-95b5-6caf-98b9-50e3969734c7",
        "clientId": f"{TWIN}-press-01",
        "base64OriginalPayload": base64.b64encode(payload).decode(),
        "failures": [{"failedAction": "LambdaAction", "failedResource": f"{TWIN}-dispatcher",
                      "errorMessage": "Failed to invoke lambda function. Received Server error"}],
    })


def test_rejected_telemetry_goes_to_the_dispatcher_as_the_rule_would_have_sent_it(cloud, tmp_path):
    dispatcher = f"{TWIN}-dispatcher"
    create_function(cloud, dispatcher)
    url = queue(cloud, f"{TWIN}-telemetry-rejected", [
        iot_error(f"dt/{TWIN}/press-01/telemetry", b'{"temperature": 71.5, "time": "2026-03-01T10:00:00Z"}'),
        iot_error("dt/other-twin/press-01/telemetry", b'{"temperature": 1}'),
    ])
    invoked = watch_invocations(cloud)
    outcome = redrive(aws.SqsQueue(cloud.client("sqs"), url, wait_seconds=0),
                      aws.iot_rule(cloud.client("lambda"), TWIN, dispatcher), Journal(tmp_path / "j"), "k", 4e9)
    assert invoked == [(dispatcher, "Event", {"temperature": 71.5, "time": "2026-03-01T10:00:00Z", "topic_device_id": "press-01"})]
    assert outcome.moved == 1 and "not a telemetry topic" in outcome.kept[0]


@pytest.fixture
def hot_stream(cloud):
    """The hot table with its stream, three items written and expired (deleted)."""
    ddb = cloud.client("dynamodb")
    table = ddb.create_table(
        TableName=f"{TWIN}-hot",
        KeySchema=[{"AttributeName": "device_id", "KeyType": "HASH"}, {"AttributeName": "timestamp", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "device_id", "AttributeType": "S"},
                              {"AttributeName": "timestamp", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST", StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"},
    )["TableDescription"]
    for second in range(3):
        key = {"device_id": {"S": "press-01"}, "timestamp": {"S": f"2026-03-01T10:00:0{second}.000Z"}}
        ddb.put_item(TableName=f"{TWIN}-hot", Item={**key, "temperature": {"N": str(second)}})
        ddb.delete_item(TableName=f"{TWIN}-hot", Key=key)
    streams = cloud.client("dynamodbstreams")
    arn = table["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return arn, shard, streams.get_records(ShardIterator=iterator)["Records"]


def batch_failure(arn: str, shard: str, start: str, end: str) -> str:
    """A stream event source's on-failure record (AWS Lambda Developer Guide, DynamoDB streams)."""
    return json.dumps({
        "requestContext": {"requestId": "316aa6d0", "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{TWIN}-hot-to-cold",
                           "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0", "timestamp": "2026-03-01T10:05:00.000Z",
        "DDBStreamBatchInfo": {"shardId": shard, "startSequenceNumber": start, "endSequenceNumber": end,
                               "approximateArrivalOfFirstRecord": "2026-03-01T10:00:00Z",
                               "approximateArrivalOfLastRecord": "2026-03-01T10:00:02Z", "batchSize": 2, "streamArn": arn},
    })


def test_a_failed_stream_batch_is_read_back_and_handed_to_the_mover(cloud, hot_stream, tmp_path):
    arn, shard, stream = hot_stream  # INSERT, REMOVE, INSERT, REMOVE, INSERT, REMOVE
    mover = f"{TWIN}-hot-to-cold"
    create_function(cloud, mover)
    sequence = [r["dynamodb"]["SequenceNumber"] for r in stream]
    url = queue(cloud, f"{TWIN}-hot-to-cold-failed", [batch_failure(arn, shard, sequence[1], sequence[3])])
    invoked = watch_invocations(cloud)
    outcome = redrive(aws.SqsQueue(cloud.client("sqs"), url, wait_seconds=0),
                      aws.stream_batch(cloud.client("lambda"), cloud.client("dynamodbstreams"), mover),
                      Journal(tmp_path / "j"), "k", 4e9)
    ((function, kind, event),) = invoked
    assert (function, kind) == (mover, "RequestResponse")
    assert [(r["eventName"], r["dynamodb"]["SequenceNumber"]) for r in event["Records"]] == [
        ("REMOVE", sequence[1]), ("INSERT", sequence[2]), ("REMOVE", sequence[3])]
    assert {r["eventSourceARN"] for r in event["Records"]} == {arn}
    assert event["Records"][0]["dynamodb"]["OldImage"]["temperature"] == {"N": "0"}
    assert outcome.moved == 1 and outcome.ok
    assert depth(cloud, url) == 0


def test_a_batch_trimmed_from_the_stream_stays_parked_with_the_reason(cloud, tmp_path):
    """Stream records live 24 h; DynamoDB Streams answers TrimmedDataAccessException after that."""
    from botocore.stub import Stubber

    streams = cloud.client("dynamodbstreams")
    stub = Stubber(streams)
    stub.add_client_error("get_shard_iterator", service_error_code="TrimmedDataAccessException", http_status_code=400)
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TWIN}-hot/stream/2026-01-01T00:00:00.000"
    failure = batch_failure(arn, "shardId-00000001573689847184-864758bb", "800000000003126276362", "800000000003126276399")
    url = queue(cloud, f"{TWIN}-hot-to-cold-failed", [failure])
    with stub:
        outcome = redrive(aws.SqsQueue(cloud.client("sqs"), url, wait_seconds=0),
                          aws.stream_batch(cloud.client("lambda"), streams, f"{TWIN}-hot-to-cold"),
                          Journal(tmp_path / "j"), "k", 4e9)
    assert outcome.error is None, outcome.error
    assert outcome.moved == 0 and "no longer in the table's stream" in outcome.kept[0]
    assert "point-in-time recovery" in outcome.kept[0]
    assert depth(cloud, url) == 1


def test_a_batch_the_mover_fails_again_stays_parked(cloud, hot_stream, tmp_path):
    arn, shard, stream = hot_stream

    class FailingMover:
        def invoke(self, **kwargs):
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(b'{"errorMessage": "cold writer 503"}')}

    url = queue(cloud, f"{TWIN}-hot-to-cold-failed", [batch_failure(arn, shard, stream[0]["dynamodb"]["SequenceNumber"],
                                                                    stream[1]["dynamodb"]["SequenceNumber"])])
    outcome = redrive(aws.SqsQueue(cloud.client("sqs"), url, wait_seconds=0),
                      aws.stream_batch(FailingMover(), cloud.client("dynamodbstreams"), f"{TWIN}-hot-to-cold"),
                      Journal(tmp_path / "j"), "k", 4e9)
    assert outcome.moved == 0 and "failed again" in outcome.kept[0] and "cold writer 503" in outcome.kept[0]
    assert depth(cloud, url) == 1


def test_run_redrive_over_the_example_twin(cloud, tmp_path):
    config = load_project(PROJECT)
    destinations = dead_letters(config, plan_project(config))
    create_function(cloud, f"{TWIN}-dispatcher")
    dispatcher_url = queue(cloud, f"{TWIN}-dispatcher-failed",
                           [failure_record(f"{TWIN}-dispatcher", r, str(i)) for i, r in enumerate(records(3))])
    queue(cloud, f"{TWIN}-persister-failed", [])
    clouds = Clouds({Provider.AWS: lambda: cloud})
    lines: list[str] = []
    journal = Journal(tmp_path / "j")

    assert run_redrive(TWIN, destinations, clouds, journal, dry_run=True, echo=lines.append) == 0
    assert f"[l1] {TWIN}-dispatcher-failed → {TWIN}-dispatcher: 3 parked" in lines
    assert f"[l2] {TWIN}-persister-failed → {TWIN}-persister: 0 parked" in lines
    assert f"[l2] {TWIN}-processor-failed → {TWIN}-processor: not deployed" in lines
    assert depth(cloud, dispatcher_url) == 3

    lines.clear()
    assert run_redrive(TWIN, destinations, clouds, journal, echo=lines.append) == 0
    assert f"[l1] {TWIN}-dispatcher-failed → {TWIN}-dispatcher: 3 moved" in lines
    assert lines[-1] == "# 3 moved, 0 finished from an interrupted run, 0 kept"
    assert depth(cloud, dispatcher_url) == 0


def test_a_cloud_without_credentials_is_one_line_and_exit_code_3(tmp_path):
    config = load_project(PROJECT)
    destinations = dead_letters(config, plan_project(config))

    def no_credentials():
        raise CloudUnavailable("AWS: no credentials found (...)")

    lines: list[str] = []
    code = run_redrive(TWIN, destinations, Clouds({d.cloud: no_credentials for d in destinations}), Journal(tmp_path / "j"),
                       echo=lines.append)
    assert code == 3
    assert [line for line in lines if line.startswith("AWS")] == ["AWS: no credentials found (...); its dead letters were not touched"]
