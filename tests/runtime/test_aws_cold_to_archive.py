"""L3 cold → archive on another cloud: each new cold object goes to the remote archive writer."""

import json
from typing import Any

import pytest

from runtime.aws import clients
from runtime.aws.object_storage import put_payload
from runtime.core.http_client import DeliveryError
from runtime.core.mover import build_payloads
from tests.runtime.runtime_testing import TOKEN, cold_object_key, contract_id, function_url, json_reply, record

COLD, ARCHIVE = "twin-cold", "twin-archive"


def created(key: str, bucket: str = COLD, event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    return {"eventName": event_name, "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}


@pytest.fixture
def cold_object(aws: Any) -> str:
    for bucket in (COLD, ARCHIVE):
        clients.client("s3").create_bucket(Bucket=bucket)
    payload = build_payloads([record("d1", second=1, t=1), record("d1", second=2, t=2)], "aws")[0]
    put_payload(COLD, payload, "STANDARD_IA")
    return payload.object_key


def test_new_cold_objects_reach_the_remote_archive_writer(load_handler, serve, token_secret, cold_object):
    archive_writer = load_handler("archive_writer", INBOUND_TOKEN_SECRET=token_secret, ARCHIVE_BUCKET_NAME=ARCHIVE)
    server = serve(function_url(archive_writer.handler))
    forwarder = load_handler(
        "cold_to_archive", COLD_BUCKET_NAME=COLD, REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret
    )
    # S3 URL-encodes keys in events (":" → "%3A"); the forwarder must decode them.
    encoded = cold_object.replace(":", "%3A")
    assert forwarder.handler({"Records": [created(encoded)]}) == {"forwarded": 1}
    # Deep Archive objects cannot be read back without a restore: check the listing and the wire.
    listing = clients.client("s3").list_objects_v2(Bucket=ARCHIVE)["Contents"]
    assert [(o["Key"], o["StorageClass"]) for o in listing] == [(cold_object, "DEEP_ARCHIVE")]
    sent = json.loads(server.requests[0].body)
    assert sent["records"] == [record("d1", second=1, t=1), record("d1", second=2, t=2)]
    assert server.requests[0].headers["X-Inter-Cloud-Token"] == TOKEN


def test_other_events_are_ignored(load_handler, serve, token_secret, cold_object):
    server = serve(lambda request: json_reply(200, {}))
    forwarder = load_handler(
        "cold_to_archive", COLD_BUCKET_NAME=COLD, REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret
    )
    assert forwarder.handler({"Records": [created(cold_object, event_name="ObjectRemoved:Delete")]}) == {"forwarded": 0}
    assert forwarder.handler({"Event": "s3:TestEvent"}) == {"forwarded": 0}
    assert server.requests == []


def test_an_event_for_another_bucket_is_refused(load_handler, serve, token_secret, cold_object):
    server = serve(lambda request: json_reply(200, {}))
    forwarder = load_handler(
        "cold_to_archive", COLD_BUCKET_NAME=COLD, REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret
    )
    with pytest.raises(ValueError, match="expected the cold bucket"):
        forwarder.handler({"Records": [created(cold_object, bucket="someone-else")]})


def test_a_failing_archive_writer_raises_so_s3_retries(load_handler, serve, token_secret, cold_object):
    server = serve(lambda request: json_reply(503, {}))
    forwarder = load_handler(
        "cold_to_archive", COLD_BUCKET_NAME=COLD, REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret
    )
    with pytest.raises(DeliveryError, match="503"):
        forwarder.handler({"Records": [created(cold_object)]})


def test_the_forwarder_needs_its_bucket_and_remote(load_handler):
    from runtime.core.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="COLD_BUCKET_NAME"):
        load_handler("cold_to_archive")


def test_objects_from_before_record_ids_are_forwarded_and_a_bad_one_does_not_block_the_rest(
    load_handler, serve, token_secret, cold_object, caplog
):
    legacy_records = [{"device_id": "d2", "timestamp": "2026-01-01T10:00:0{}.000Z".format(s), "t": s} for s in (1, 2)]
    legacy_key = "d2/2026/01/01/20260101T100001000Z_20260101T100002000Z_2.json"  # the old key layout
    legacy = {"schema": "dt.mover.v1", "source_cloud": "aws", "device_id": "d2", "records": legacy_records,
              "start_timestamp": legacy_records[0]["timestamp"], "end_timestamp": legacy_records[1]["timestamp"],
              "object_key": legacy_key}
    s3 = clients.client("s3")
    s3.put_object(Bucket=COLD, Key=legacy_key, Body=json.dumps(legacy).encode())
    s3.put_object(Bucket=COLD, Key="d3/broken.json", Body=b'{"schema": "dt.mover.v1", "records": "no"}')
    server = serve(lambda request: json_reply(200, {"status": "received"}))
    forwarder = load_handler(
        "cold_to_archive", COLD_BUCKET_NAME=COLD, REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret
    )
    events = {"Records": [created(legacy_key), created("d3/broken.json"), created(cold_object)]}
    assert forwarder.handler(events) == {"forwarded": 2}
    first, second = (json.loads(request.body) for request in server.requests)
    with_ids = [{**r, "record_id": contract_id(f"d2:{r['timestamp']}")} for r in legacy_records]
    assert first["records"] == with_ids and first["object_key"] == cold_object_key(with_ids)
    assert second["object_key"] == cold_object
    assert "d3/broken.json" in caplog.text and "cannot be archived" in caplog.text
