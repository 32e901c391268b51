"""Azure Digital Twins at scale: import jobs for large graphs, removals, against the strict stand-in
(tests/deploy/adt_standin.py) with its job files in Azurite (the Storage emulator, 127.0.0.1).

Expected shapes come from the Jobs API reference and the "Bulk import" section of the ADT
documentation (Header / Models / Twins / Relationships, `$dtId` as a relationship's source in the
file), written here by hand."""

from __future__ import annotations

import base64
import copy
import json
import os
from urllib.parse import quote

import pytest

from runtime.azure.blob_storage import shared_key
from tests.azurite_blob import azurite_blob
from tests.conftest import EXAMPLE
from tests.deploy.adt_standin import DigitalTwinsStandIn
from tests.deploy.azure_fakes import token_for
from twin_contract.dtdl import entity_model_id
from twin_model.config import generated_dtdl as dtdl
from twin_model.config import load_project
from twin_ops.azure_storage import BlobService
from twin_ops.post_deploy import azure_digital_twins as step
from twin_ops.post_deploy.adt_import_jobs import BulkImporter, ImportJobsApi, failed_entries, import_file
from twin_ops.post_deploy.azure_data_plane import DIGITAL_TWINS_SCOPE, AzureDataPlane
from twin_ops.post_deploy.azure_digital_twins import DigitalTwinsApi, upload

ACCOUNT = "adtimports"
KEY = base64.b64encode(b"adt-import-tests-" + b"k" * 47).decode()
CONTAINER = "graph-import"
CONTAINER_URL = f"https://{ACCOUNT}.blob.core.windows.net/{CONTAINER}"  # as the L4 stack's output names it


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    with azurite_blob(tmp_path_factory.mktemp("azurite"), ACCOUNT, KEY) as endpoint:
        service = BlobService(endpoint, shared_key(ACCOUNT, KEY))
        service.create_container(CONTAINER)
        yield service


class CountedBlobs:
    """The import container as the deployer reaches it (adt_import_jobs.JobBlobs), counting calls."""

    def __init__(self, service: BlobService) -> None:
        self.service, self.calls = service, 0

    def url(self, name: str) -> str:
        return f"{CONTAINER_URL}/{quote(name)}"

    def put(self, name: str, data: bytes) -> None:
        self.calls += 1
        self.service.put(CONTAINER, name, data)

    def get(self, name: str) -> bytes | None:
        self.calls += 1
        return self.service.get(CONTAINER, name)


class Twin:
    """One instance behind the stand-in, its data plane and import jobs as the step reaches them."""

    def __init__(self, azurite: BlobService) -> None:
        self.service = DigitalTwinsStandIn(import_container=CONTAINER_URL, storage=azurite)
        self.plane = AzureDataPlane("adt.test", DIGITAL_TWINS_SCOPE, token_for, self.service)
        self.blobs = CountedBlobs(azurite)
        self.jobs = iter(f"job-{n}-{os.getpid()}-{id(self)}" for n in range(100))  # a job id is used once

    def upload(self, models, graph, **options):
        bulk = BulkImporter(ImportJobsApi(self.plane), self.blobs, job_id=lambda: next(self.jobs), sleep=lambda s: None)
        return upload(models, graph, DigitalTwinsApi(self.plane), bulk=bulk, **options)

    def run_job(self, lines: list[dict] | bytes):
        document = lines if isinstance(lines, bytes) else "".join(json.dumps(line) + "\n" for line in lines).encode()
        return BulkImporter(ImportJobsApi(self.plane), self.blobs, job_id=lambda: next(self.jobs),
                            sleep=lambda s: None).run(document)

    @property
    def calls(self) -> int:
        return sum(self.service.calls.values()) + self.blobs.calls


@pytest.fixture(scope="module")
def example():
    config = load_project(EXAMPLE)
    return dtdl.models(config.name, config.devices), dtdl.twins(config.name, config.devices, config.hierarchy)


def test_the_import_file_has_the_documented_sections_in_order():
    model = {"@id": "dtmi:t:m;1", "@type": "Interface", "@context": "dtmi:dtdl:context;2"}
    twin = {"$dtId": "a", "$metadata": {"$model": "dtmi:t:m;1"}}
    link = {"$sourceId": "a", "$relationshipId": "a-b", "$targetId": "b", "$relationshipName": "has", "$etag": "W/1"}
    lines = [json.loads(line) for line in import_file([model], [twin], [link], author="plant").decode().splitlines()]
    assert lines == [
        {"Section": "Header"}, {"fileVersion": "1.0.0", "author": "plant", "organization": "plant"},
        {"Section": "Models"}, model,
        {"Section": "Twins"}, twin,
        {"Section": "Relationships"}, {"$dtId": "a", "$relationshipId": "a-b", "$targetId": "b", "$relationshipName": "has"},
    ]
    only_twins = [json.loads(line) for line in import_file([], [twin], [], author="p").decode().splitlines()]
    assert [line.get("Section") for line in only_twins if "Section" in line] == ["Header", "Twins"]


def test_the_stand_in_fails_a_malformed_or_misordered_file_before_importing_anything(azurite, example):
    models, graph = example
    twin = Twin(azurite)
    header = [{"Section": "Header"}, {"fileVersion": "1.0.0"}]
    cases = {
        "not NDJSON": b'{"Section": "Header"}\n{"fileVersion": "1.0.0"\n',
        "no header": [{"Section": "Models"}, *models],
        "sections out of order": [*header, {"Section": "Twins"}, graph["twins"][0], {"Section": "Models"}, *models],
        "unknown section": [*header, {"Section": "Devices"}, {"id": "x"}],
    }
    for why, lines in cases.items():
        outcome = twin.run_job(lines)
        assert outcome.status == "failed" and outcome.error.startswith("ValidationFailed"), why
    assert twin.service.models == {} and twin.service.twins == {}  # nothing was imported


def test_the_stand_in_fails_only_the_elements_the_service_refuses(azurite, example):
    models, graph = example
    twin = Twin(azurite)
    ghost = {"$dtId": "ghost", "$metadata": {"$model": "dtmi:nowhere:Thing;1"}}
    to_ghost = {"$dtId": "plant-linz", "$relationshipId": "to-ghost", "$targetId": "ghost", "$relationshipName": "contains"}
    lines = [{"Section": "Header"}, {"fileVersion": "1.0.0"}, {"Section": "Models"}, *models,
             {"Section": "Twins"}, *graph["twins"], ghost, {"Section": "Relationships"}, to_ghost]
    outcome = twin.run_job(lines)
    assert outcome.status == "failed"
    assert sorted(outcome.failed) == ["Relationships plant-linz/to-ghost", "Twins ghost"]
    assert outcome.failed["Twins ghost"].startswith("ValidationFailed")  # a twin of a model not in the instance
    assert outcome.failed["Relationships plant-linz/to-ghost"].startswith("DigitalTwinNotFound")
    assert set(twin.service.twins) == {t["$dtId"] for t in graph["twins"]}  # the others were created
    again = twin.run_job([{"Section": "Header"}, {"fileVersion": "1.0.0"}, {"Section": "Twins"}, graph["twins"][0]])
    assert again.failed == {f"Twins {graph['twins'][0]['$dtId']}": "DigitalTwinAlreadyExists: import jobs only create"}


def test_a_large_graph_is_one_import_job_and_a_rerun_changes_nothing(azurite, tmp_path):
    """10,000 devices in the bench's plant: 1 plant, 1,000 lines, 10,000 stations and 10,000 devices are
    21,001 twins, each but the plant the target of one relationship: a handful of calls."""
    from bench.projects import MIXED, write_project
    from twin_model.config.adt_graph import twin_model

    config = load_project(write_project(tmp_path / "fleet", 10_000, MIXED))
    models, graph = twin_model(config)
    twin = Twin(azurite)
    first = twin.upload(models, graph, author=config.name)
    assert first.import_job and first.failed == {} and twin.service.refusals == []
    assert (first.models_created, first.twins_created, first.relationships_created) == (
        len(models), len(graph["twins"]), len(graph["relationships"]))
    assert len(twin.service.twins) == len(graph["twins"]) == 21_001
    assert len(twin.service.relationships) == len(graph["relationships"]) == 21_000
    # The models list, two queries (an empty instance: a page each), the job (create, two polls),
    # the input blob and the output log: 8 calls for 10,000 devices.
    assert twin.service.calls == {"GET /models": 1, "POST /query": 2, "PUT /jobs/imports/{id}": 1,
                                  "GET /jobs/imports/{id}": 2}
    assert twin.calls == 8
    twin.service.calls.clear()
    again = twin.upload(models, graph, author=config.name)
    assert again.import_job is None and (again.twins_created, again.relationships_created, again.twins_updated) == (0, 0, 0)
    # Reading 21,001 twins and 21,000 relationships back, 1,000 a page; nothing written.
    assert twin.service.calls == {"GET /models": 1, "POST /query": 22 + 21}


def test_a_partially_failed_import_names_its_elements_and_a_rerun_finishes_without_duplicates(azurite, example, monkeypatch):
    monkeypatch.setattr(step, "BULK_THRESHOLD", 0)  # the example's eleven twins by a job
    models, graph = example
    twin = Twin(azurite)
    broken = copy.deepcopy(graph)
    broken["twins"][4]["$metadata"]["$model"] = "dtmi:nowhere:Press;1"  # press-01, of a model the file lacks
    result = twin.upload(models, broken)
    assert result.import_job and sorted(result.failed) == [
        "Relationships press-01-station/press-01-station-contains-press-01", "Twins press-01"]
    assert (result.twins_created, result.relationships_created) == (len(graph["twins"]) - 1, len(graph["relationships"]) - 1)
    assert "2 failed: Relationships press-01-station" in result.summary()
    again = twin.upload(models, graph)  # the project fixed: only what is missing goes into the next job
    assert again.failed == {} and (again.twins_created, again.relationships_created) == (1, 1)
    assert set(twin.service.twins) == {t["$dtId"] for t in graph["twins"]}
    assert len(twin.service.relationships) == len(graph["relationships"])


def test_removed_devices_are_listed_by_a_dry_run_and_deleted_relationships_first(azurite, example):
    models, graph = example
    twin = Twin(azurite)
    twin.upload(models, graph)
    assert twin.service.calls.get("PUT /jobs/imports/{id}") is None  # eleven twins: per request
    fewer = {"twins": [t for t in graph["twins"] if t["$dtId"] != "press-01"],
             "relationships": [r for r in graph["relationships"] if r["$targetId"] != "press-01"]}
    dry = twin.upload(models, fewer, dry_run=True)
    assert dry.twins_deleted == ["press-01"]
    assert dry.relationships_deleted == [("press-01-station", "press-01-station-contains-press-01")]
    assert "1 removed twins would be deleted (press-01); relationships 0 would be created" in dry.summary()
    assert "press-01" in twin.service.twins and twin.service.calls.get("DELETE /digitaltwins/{id}") is None
    done = twin.upload(models, fewer)  # the stand-in refuses a twin's delete while a relationship is left
    assert done.twins_deleted == ["press-01"] and twin.service.refusals == []
    assert "press-01" not in twin.service.twins
    assert ("press-01-station", "press-01-station-contains-press-01") not in twin.service.relationships
    assert twin.service.calls["DELETE /digitaltwins/{id}/relationships/{id}"] == 1
    assert twin.upload(models, fewer).twins_deleted == []  # nothing twice


def test_a_relationship_moved_to_another_twin_is_replaced(azurite, example):
    models, graph = example
    twin = Twin(azurite)
    twin.upload(models, graph)
    moved = copy.deepcopy(graph)
    link = next(r for r in moved["relationships"] if r["$relationshipId"] == "hall-a-contains-conveyor-line")
    link["$targetId"] = "press-line"  # same id, another target: ADT cannot update a target
    result = twin.upload(models, moved)
    assert result.relationships_deleted == [("hall-a", "hall-a-contains-conveyor-line")] and result.relationships_created == 1
    assert twin.service.relationships[("hall-a", "hall-a-contains-conveyor-line")]["$targetId"] == "press-line"


def test_the_output_log_names_each_failed_element():
    log = b"\n".join([
        b'{"timestamp":"t","jobId":"j","jobType":"Import","logType":"Info","details":{"status":"Started"}}',
        b'{"timestamp":"t","jobId":"j","jobType":"Import","logType":"Error","details":{"section":"Twins","id":"a","code":"C","message":"m"}}',
        b'{"timestamp":"t","jobId":"j","jobType":"Import","logType":"Error","details":{"section":"Models","reason":"r"}}',
        b"not json",
    ])
    assert failed_entries(log) == {"Twins a": "C: m", "Models line 3": '{"section": "Models", "reason": "r"}'}


def test_up_to_a_thousand_creations_go_per_request_and_more_by_one_job(azurite, example):
    models, _ = example
    entity = entity_model_id("factory-floor")
    assert entity in {m["@id"] for m in models}
    small = {"twins": [{"$dtId": f"e{n:04d}", "$metadata": {"$model": entity}} for n in range(1000)], "relationships": []}
    twin = Twin(azurite)
    assert twin.upload(models, small).import_job is None
    assert twin.service.calls["PUT /digitaltwins/{id}"] == 1000 and "PUT /jobs/imports/{id}" not in twin.service.calls
    large = {"twins": [{"$dtId": f"e{n:04d}", "$metadata": {"$model": entity}} for n in range(1000, 2001)], "relationships": []}
    other = Twin(azurite)
    result = other.upload(models, large)
    assert result.import_job and result.twins_created == 1001 and "PUT /digitaltwins/{id}" not in other.service.calls
