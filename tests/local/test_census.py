"""The census of the cold and archive tiers (twin_ops/local/census.py): a wait polls it again and
again, so an object it has read is not read again while its content (its ETag) is the same."""

from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
from moto import mock_aws

from twin_ops.local import census


def _payload(*timestamps: str) -> bytes:
    return json.dumps({"schema": census.MOVER_SCHEMA,
                       "records": [{"device_id": "press-1", "timestamp": stamp} for stamp in timestamps]}).encode()


def test_each_s3_object_is_read_once_until_its_content_changes():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="cold")
        s3.put_object(Bucket="cold", Key="batch-1.json", Body=_payload("2026-01-01T00:00:00Z"))
        reads: list[str] = []
        s3.meta.events.register("before-parameter-build.s3.GetObject", lambda params, **_: reads.append(params["Key"]))
        deployment = SimpleNamespace(s3_buckets={"cold": "cold-stack"}, storage_accounts={}, gcs_buckets={},
                                     aws=lambda service: s3)

        for _ in range(3):
            tally = census.tiered_payloads(deployment, {"cold-stack"}, {})["cold"]  # type: ignore[arg-type]
            assert tally.distinct == {("press-1", "2026-01-01T00:00:00Z")}
        assert reads == ["batch-1.json"]

        s3.put_object(Bucket="cold", Key="batch-1.json", Body=_payload("2026-01-02T00:00:00Z"))  # another ETag
        tally = census.tiered_payloads(deployment, {"cold-stack"}, {})["cold"]  # type: ignore[arg-type]
        assert tally.distinct == {("press-1", "2026-01-02T00:00:00Z")}
        assert reads == ["batch-1.json", "batch-1.json"]
