"""AWS dead letters: SQS failure queues, and how each kind's messages go back (twin_ops.dead_letters).

Clients are boto3 clients passed in (moto in the tests).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from twin_contract.devices import telemetry_topic
from twin_ops.redrive.engine import Deliver, Parked, Refused

VISIBILITY_SECONDS = 120  # how long a received message stays hidden while the run works on it
STREAM_PAGE = 1000


class SqsQueue:
    """A failure queue as a redrive source."""

    def __init__(self, sqs: Any, queue_url: str, wait_seconds: int = 1) -> None:
        self.sqs, self.url, self.wait_seconds = sqs, queue_url, wait_seconds

    @classmethod
    def named(cls, sqs: Any, name: str, wait_seconds: int = 1) -> "SqsQueue | None":
        """The queue, or None when it does not exist (its stack is not deployed)."""
        try:
            return cls(sqs, sqs.get_queue_url(QueueName=name)["QueueUrl"], wait_seconds)
        except sqs.exceptions.QueueDoesNotExist:
            return None

    def receive(self, limit: int) -> list[Parked]:
        answer = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=min(limit, 10),
            VisibilityTimeout=VISIBILITY_SECONDS,
            WaitTimeSeconds=self.wait_seconds,  # long polling asks every SQS server, so none is missed
            MessageSystemAttributeNames=["SentTimestamp"],
        )
        return [
            Parked(m["MessageId"], m["Body"], int(m["Attributes"]["SentTimestamp"]) / 1000, m["ReceiptHandle"])
            for m in answer.get("Messages", [])
        ]

    def delete(self, message: Parked) -> None:
        self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message.handle)

    def release(self, message: Parked) -> None:
        self.sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=message.handle, VisibilityTimeout=0)

    def depth(self) -> int:
        """Approximate count of parked messages, including those a consumer holds right now."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _json(body: str) -> dict:
    try:
        value = json.loads(body)
    except ValueError as error:
        raise Refused("not JSON") from error
    if not isinstance(value, dict):
        raise Refused("not a JSON object")
    return value


def _invoke_async(lambda_client: Any, function: str, payload: Any) -> None:
    answer = lambda_client.invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(payload).encode())
    answer["Payload"].read()  # empty; read to its end, the connection goes back to the pool for the next event
    if answer.get("StatusCode") != 202:
        raise RuntimeError(f"{function}: asynchronous invoke answered {answer.get('StatusCode')}")


def function_of(arn: str | None) -> str | None:
    """`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` → name."""
    parts = (arn or "").split(":")
    return parts[6] if len(parts) >= 7 and parts[5] == "function" else None


def lambda_async(lambda_client: Any, function: str) -> Deliver:
    """An on-failure record of an asynchronous invocation: its event, invoked again asynchronously."""

    def deliver(message: Parked) -> None:
        record = _json(message.body)
        failed = function_of((record.get("requestContext") or {}).get("functionArn"))
        if "requestPayload" not in record or failed != function:
            raise Refused(f"not an on-failure record of {function} (function: {failed})")
        _invoke_async(lambda_client, function, record["requestPayload"])

    return deliver


def iot_rule(lambda_client: Any, twin: str, dispatcher: str) -> Deliver:
    """An error-action message of the telemetry rule: the dispatcher gets what the rule's SQL
    (`SELECT *, topic(3) AS topic_device_id`) would have handed it."""

    def deliver(message: Parked) -> None:
        record = _json(message.body)
        parts = str(record.get("topic", "")).split("/")
        if len(parts) != 4 or record.get("topic") != telemetry_topic(twin, parts[2]):
            raise Refused(f"topic {record.get('topic')!r} is not a telemetry topic of {twin}")
        try:
            payload = json.loads(base64.b64decode(record["base64OriginalPayload"], validate=True))
        except (KeyError, ValueError) as error:
            raise Refused("no JSON base64OriginalPayload") from error
        if not isinstance(payload, dict):
            raise Refused("the device's payload is not a JSON object")
        _invoke_async(lambda_client, dispatcher, {**payload, "topic_device_id": parts[2]})

    return deliver


def stream_batch(lambda_client: Any, streams: Any, function: str) -> Deliver:
    """A stream mapping's failure record names a batch by position: read it back from the hot
    table's stream and invoke the mover synchronously; the message goes only once it succeeded."""

    def deliver(message: Parked) -> None:
        info = _json(message.body).get("DDBStreamBatchInfo")
        if not isinstance(info, dict) or not {"streamArn", "shardId", "startSequenceNumber", "endSequenceNumber"} <= set(info):
            raise Refused("not a DynamoDB stream batch failure record")
        records = read_batch(streams, info)
        answer = lambda_client.invoke(
            FunctionName=function, InvocationType="RequestResponse",
            Payload=json.dumps({"Records": records}, default=_json_default).encode(),
        )
        if answer.get("FunctionError"):
            detail = answer["Payload"].read()[:300].decode(errors="replace")
            raise Refused(f"{function} failed again: {detail}")

    return deliver


def read_batch(streams: Any, info: dict) -> list[dict]:
    """The batch's stream records, shaped as Lambda delivers them (with eventSourceARN)."""
    start, end = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    expired = Refused(
        "the batch's records are no longer in the table's stream (kept 24 h); "
        "they are in the table's point-in-time recovery"
    )
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=info["streamArn"], ShardId=info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=info["startSequenceNumber"],
        )["ShardIterator"]
    except (streams.exceptions.TrimmedDataAccessException, streams.exceptions.ResourceNotFoundException) as error:
        raise expired from error
    records: list[dict] = []
    empty_pages = 0
    while iterator and empty_pages < 5:
        page = streams.get_records(ShardIterator=iterator, Limit=STREAM_PAGE)
        iterator = page.get("NextShardIterator")
        empty_pages = 0 if page["Records"] else empty_pages + 1
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                iterator = None
                break
            records.append({**record, "eventSourceARN": info["streamArn"]})
        if records and int(records[-1]["dynamodb"]["SequenceNumber"]) == end:
            break
    if not records or int(records[0]["dynamodb"]["SequenceNumber"]) != start:
        raise expired
    if int(records[-1]["dynamodb"]["SequenceNumber"]) != end:
        raise Refused(f"read the stream up to {records[-1]['dynamodb']['SequenceNumber']}, not to the batch's end {end}")
    return records


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):  # ApproximateCreationDateTime: epoch seconds in a Lambda event
        return int(value.timestamp())
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
