"""The census of the cold and archive tiers (twin_ops/local/census.py): a wait polls it again and
again, so an object it has read is not read again while its content (its ETag) is the same."""

from __future__ import annotations

import json
import ssl
from types import SimpleNamespace
from urllib.parse import urlsplit

import boto3
from moto import mock_aws

from twin_ops.cli import main
from twin_ops.local import census, runner
from twin_ops.local.deployment import LocalDeployment
from twin_ops.local.function_host import KeptAlive
from twin_ops.local.http import LocalServer, Response
from twin_ops.local.services import Services
from twin_ops.local.tls import make_tls


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
            assert set(tally) == {("press-1", "2026-01-01T00:00:00Z")}
        assert reads == ["batch-1.json"]

        s3.put_object(Bucket="cold", Key="batch-1.json", Body=_payload("2026-01-02T00:00:00Z"))  # another ETag
        tally = census.tiered_payloads(deployment, {"cold-stack"}, {})["cold"]  # type: ignore[arg-type]
        assert set(tally) == {("press-1", "2026-01-02T00:00:00Z")}
        assert reads == ["batch-1.json", "batch-1.json"]


def test_archived_blobs_are_counted_exactly_with_one_scratch_container_per_account(tmp_path):
    """The run's Azurite: an Archive-tier blob (tier from List Blobs) is copied online and read, never
    asked for directly (409 BlobArchived); the scratch container is created once, not per blob."""
    tls = make_tls(tmp_path / "tls")
    services = Services(tmp_path, tls)
    try:
        endpoints = services.azurite(["account1"])
        holder = SimpleNamespace(_http=KeptAlive(ssl.create_default_context(cafile=str(tls.ca_file))))
        calls: list[tuple[str, str]] = []

        def azurite(method: str, url: str, *args, **kwargs) -> bytes:
            calls.append((method, urlsplit(url).path.split("/", 2)[-1] + ("?" + urlsplit(url).query if "restype" in url else "")))
            return LocalDeployment.azurite(holder, method, url, *args, **kwargs)  # type: ignore[arg-type]

        deployment = SimpleNamespace(endpoints=SimpleNamespace(azurite=endpoints), azurite=azurite, s3_buckets={}, gcs_buckets={},
                                     storage_accounts={"account1": {"stack": "archive", "containers": {"tier"}}})
        azurite("PUT", f"{endpoints['blob']}/account1/tier?restype=container", allow=())
        blobs = {"a.json": "Archive", "b.json": "Archive", "c.json": "Archive", "d.json": "Cool"}
        for number, (name, tier) in enumerate(blobs.items()):
            azurite("PUT", f"{endpoints['blob']}/account1/tier/{name}", _payload(f"2026-01-0{number + 1}T00:00:00Z"),
                    {"x-ms-blob-type": "BlockBlob", "x-ms-access-tier": tier}, allow=())
        del calls[:]
        for _ in range(2):  # a second census reads nothing again
            tallies = census.tiered_payloads(deployment, {"archive"}, {})  # type: ignore[arg-type]
            assert set(tallies["archive"]) == {("press-1", f"2026-01-0{day}T00:00:00Z") for day in (1, 2, 3)}
            assert set(tallies["cold"]) == {("press-1", "2026-01-04T00:00:00Z")}
    finally:
        services.close()
    scratch = census.REHYDRATE_CONTAINER
    assert sorted(calls) == sorted([
        ("GET", "tier?restype=container&comp=list"), ("GET", "tier?restype=container&comp=list"),  # one listing per census
        ("PUT", f"{scratch}?restype=container"),
        *[(method, f"{scratch}/tier/{name}") for name in ("a.json", "b.json", "c.json") for method in ("PUT", "GET", "DELETE")],
        ("GET", "tier/d.json"),
    ])


def test_a_reader_refusing_a_census_read_ends_the_run_with_its_url_and_status(monkeypatch, capsys):
    """As a dashboard panel's refused query (dashboards._run): one line and exit 2, no traceback."""
    server = LocalServer("reader")
    server.route("POST", "/api/hot-reader", lambda request: Response(503, b"warming up"))
    server.start()
    url = f"{server.url}/api/hot-reader"

    def run_local(request):
        return census.reader_items(KeptAlive(None), url, "token-1", {"device_id": "press-1"})

    monkeypatch.setattr(runner, "run_local", run_local)
    try:
        assert main(["local", "--project", "examples/factory-floor-aws-azure"]) == 2
    finally:
        server.stop()
    assert capsys.readouterr().err.strip().splitlines() == [f"error: POST {url} answered HTTP 503: b'warming up'"]
