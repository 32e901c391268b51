"""L3 handlers: hot writer, cold and archive writers, hot→cold mover."""

import json
from typing import Any

import pytest

from runtime.aws import clients
from runtime.core.config import ConfigurationError
from runtime.core.envelope import build_envelope
from runtime.core.http_client import DeliveryError
from runtime.core.mover import build_payloads
from tests.runtime.runtime_testing import TOKEN, cold_object_key, function_url_event, json_reply, record

COLD, ARCHIVE = "twin-cold", "twin-archive"


def post(module: Any, body: Any, token: str = TOKEN) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = module.handler(function_url_event(raw, {"x-inter-cloud-token": token}))
    return response["statusCode"], json.loads(response["body"])


@pytest.fixture
def buckets(aws: Any) -> None:
    for bucket in (COLD, ARCHIVE):
        clients.client("s3").create_bucket(Bucket=bucket)


def stored_objects(bucket: str) -> list[tuple[str, str]]:
    return [
        (entry["Key"], entry["StorageClass"])
        for entry in clients.client("s3").list_objects_v2(Bucket=bucket)["Contents"]
    ]


# hot writer


@pytest.fixture
def hot_writer(load_handler, hot_table: str, token_secret: str) -> Any:
    return load_handler("hot_writer", INBOUND_TOKEN_SECRET=token_secret, HOT_TABLE_NAME=hot_table, HOT_RETENTION_DAYS=7)


def test_hot_writer_stores_records_idempotently(hot_writer: Any, hot_table: str) -> None:
    envelope = build_envelope([record(second=1, t=1), record(second=2, t=2)], "azure", "L3_hot")
    assert post(hot_writer, envelope) == (200, {"status": "received", "trace_id": envelope["trace_id"], "count": 2})
    assert post(hot_writer, envelope)[0] == 200  # a retried delivery
    items = clients.dynamodb_table(hot_table).scan()["Items"]
    assert sorted(int(item["t"]) for item in items) == [1, 2]


@pytest.mark.parametrize(
    ("body", "token", "status"),
    [
        (build_envelope(record(), "gcp", "L3_hot"), "nope", 401),
        (b"[", TOKEN, 400),
        (build_envelope(record(), "gcp", "L2"), TOKEN, 400),
        (build_envelope({"device_id": "d 1"}, "gcp", "L3_hot"), TOKEN, 400),
    ],
)
def test_hot_writer_rejects_bad_requests(hot_writer: Any, hot_table: str, body: Any, token: str, status: int) -> None:
    assert post(hot_writer, body, token)[0] == status
    assert clients.dynamodb_table(hot_table).scan()["Items"] == []


def test_hot_writer_returns_500_when_the_table_fails(load_handler, token_secret: str) -> None:
    writer = load_handler("hot_writer", INBOUND_TOKEN_SECRET=token_secret, HOT_TABLE_NAME="gone", HOT_RETENTION_DAYS=7)
    assert post(writer, build_envelope(record(), "gcp", "L3_hot"))[0] == 500


def test_receivers_return_500_when_the_token_secret_is_unreadable(load_handler, hot_table: str, aws: Any) -> None:
    writer = load_handler(
        "hot_writer", INBOUND_TOKEN_SECRET="missing-secret", HOT_TABLE_NAME=hot_table, HOT_RETENTION_DAYS=7
    )
    assert post(writer, build_envelope(record(), "gcp", "L3_hot"))[0] == 500


# cold and archive writers


@pytest.mark.parametrize(
    ("module", "variable", "bucket", "storage_class"),
    [
        ("cold_writer", "COLD_BUCKET_NAME", COLD, "STANDARD_IA"),
        ("archive_writer", "ARCHIVE_BUCKET_NAME", ARCHIVE, "DEEP_ARCHIVE"),
    ],
)
def test_mover_writers_store_one_object_per_payload(
    load_handler, buckets: None, token_secret: str, module: str, variable: str, bucket: str, storage_class: str
) -> None:
    writer = load_handler(module, INBOUND_TOKEN_SECRET=token_secret, **{variable: bucket})
    (payload,) = build_payloads([record(second=1), record(second=2)], "gcp")
    assert post(writer, payload.to_dict()) == (200, {"status": "received", "trace_id": None, "count": 2})
    assert post(writer, payload.to_dict())[0] == 200  # retried: same key, one object
    assert stored_objects(bucket) == [(payload.object_key, storage_class)]
    if storage_class != "DEEP_ARCHIVE":  # archived objects cannot be read back without a restore
        body = clients.client("s3").get_object(Bucket=bucket, Key=payload.object_key)["Body"].read()
        assert json.loads(body) == payload.to_dict()


@pytest.mark.parametrize("change", [{"object_key": "../../etc/passwd"}, {"schema": "other"}, {"records": "x"}])
def test_cold_writer_rejects_bad_payloads(load_handler, buckets: None, token_secret: str, change: dict) -> None:
    writer = load_handler("cold_writer", INBOUND_TOKEN_SECRET=token_secret, COLD_BUCKET_NAME=COLD)
    (payload,) = build_payloads([record()], "gcp")
    status, body = post(writer, {**payload.to_dict(), **change})
    assert status == 400 and body["error"]["code"] == "invalid_mover_payload"
    assert "Contents" not in clients.client("s3").list_objects_v2(Bucket=COLD)


def test_archive_writer_needs_its_bucket_and_token(load_handler) -> None:
    with pytest.raises(ConfigurationError, match="INBOUND_TOKEN_SECRET is required; ARCHIVE_BUCKET_NAME is required"):
        load_handler("archive_writer")


# hot → cold mover


def stream_record(item: dict, event_name: str = "REMOVE", principal: str | None = "dynamodb.amazonaws.com") -> dict:
    """The stream record of a hot table item (its sort key holds `<timestamp>#<record_id>`)."""
    stored = {**item, "timestamp": f"{item['timestamp']}#{item['record_id']}"}
    image = {
        key: ({"N": str(value)} if isinstance(value, (int, float)) else {"S": value}) for key, value in stored.items()
    }
    stream = {"eventName": event_name, "dynamodb": {"Keys": {}, "OldImage": image}}
    if principal:
        stream["userIdentity"] = {"type": "Service", "principalId": principal}
    return stream


def expiry_event() -> dict:
    expired = [record(second=2, t=2.5, ttl=1), record(second=1, t=1, ttl=1), record("d2", 3, t=3, ttl=1)]
    return {
        "Records": [stream_record(item) for item in expired]
        + [
            stream_record(record(second=9, t=9), principal=None),  # a user's DeleteItem
            stream_record(record(second=8, t=8), event_name="MODIFY"),
        ]
    }


def test_hot_to_cold_moves_only_ttl_expiries_grouped_per_device_and_day(load_handler, buckets: None) -> None:
    mover = load_handler("hot_to_cold", COLD_BUCKET_NAME=COLD)
    assert mover.handler(expiry_event()) == {"records": 3, "objects": 2}
    s3 = clients.client("s3")
    keys = sorted(entry["Key"] for entry in s3.list_objects_v2(Bucket=COLD)["Contents"])
    assert keys == [
        cold_object_key([record(second=1), record(second=2)]),
        cold_object_key([record("d2", 3)]),
    ]
    assert keys[0].startswith("d1/2026/01/01/20260101T100001000Z_20260101T100002000Z_2_")
    d1 = s3.get_object(Bucket=COLD, Key=keys[0])
    assert d1["StorageClass"] == "STANDARD_IA"
    assert json.loads(d1["Body"].read())["records"] == [record(second=1, t=1), record(second=2, t=2.5)]


def test_hot_to_cold_sends_mover_payloads_to_a_remote_cold_writer(load_handler, serve, token_secret: str) -> None:
    server = serve(lambda request: json_reply(200, {"status": "received"}))
    mover = load_handler("hot_to_cold", REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret)
    mover.handler(expiry_event())
    bodies = [json.loads(request.body) for request in server.requests]
    assert sorted((b["schema"], b["device_id"], len(b["records"])) for b in bodies) == [  # sent side by side
        ("dt.mover.v1", "d1", 2),
        ("dt.mover.v1", "d2", 1),
    ]
    assert all(request.headers["X-Inter-Cloud-Token"] == TOKEN for request in server.requests)


def test_hot_to_cold_raises_so_the_stream_retries(load_handler, serve, token_secret: str) -> None:
    server = serve(lambda request: json_reply(503, {}))
    mover = load_handler("hot_to_cold", REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret)
    with pytest.raises(DeliveryError, match="503"):
        mover.handler(expiry_event())


def test_hot_to_cold_ignores_batches_without_expiries(load_handler, buckets: None) -> None:
    mover = load_handler("hot_to_cold", COLD_BUCKET_NAME=COLD)
    assert mover.handler({"Records": [stream_record(record(), event_name="INSERT")]}) == {"records": 0, "objects": 0}


def test_a_function_url_body_that_cannot_be_decoded_is_400(hot_writer: Any, hot_table: str) -> None:
    event = function_url_event(b"{}", {"x-inter-cloud-token": TOKEN})
    event["body"] = "not base64 at all!"
    response = hot_writer.handler(event)
    assert response["statusCode"] == 400 and json.loads(response["body"])["error"]["code"] == "invalid_body"


def test_the_hot_writer_keeps_readings_of_one_millisecond_apart(hot_writer: Any, hot_table: str) -> None:
    """Two readings of a device in the same millisecond overwrote each other before record ids."""
    first, second = {**record(second=1, t=1), "record_id": "a" * 32}, {**record(second=1, t=2), "record_id": "b" * 32}
    assert post(hot_writer, build_envelope([first, second], "azure", "L3_hot"))[0] == 200
    assert post(hot_writer, build_envelope([second], "azure", "L3_hot"))[0] == 200  # a replay in a new envelope
    items = clients.dynamodb_table(hot_table).scan()["Items"]
    assert sorted((item["timestamp"], int(item["t"])) for item in items) == [
        (f"2026-01-01T10:00:01.000Z#{'a' * 32}", 1), (f"2026-01-01T10:00:01.000Z#{'b' * 32}", 2)]
