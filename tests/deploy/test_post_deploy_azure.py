"""Azure post-deploy steps: IoT Hub identities and Digital Twins upload, faked at their REST boundary."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import stat
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest

from twin_model.config import load_project
from twin_ops.post_deploy.azure_data_plane import DIGITAL_TWINS_SCOPE, IOT_HUB_SCOPE, AzureDataPlane
from twin_ops.local.standins.iot_hub_registry import IotHubRegistry
from twin_ops.post_deploy.azure_device_identities import IotHubJobs, VaultSecrets, derive_key, onboard_devices
from twin_ops.post_deploy.azure_digital_twins import DigitalTwinsApi, upload
from twin_ops.simulator.config import read_config
from twin_model.config import generated_dtdl as dtdl
from tests.conftest import EXAMPLE
from tests.deploy.adt_standin import DigitalTwinsStandIn
from tests.deploy.azure_fakes import RecordingTransport, token_for

HUB = "plant-iothub-1a2b3c"
CONTAINER = "https://plantl1st0a1b2c.blob.core.windows.net/device-identities"
MANIFEST = {  # the shape of AzureIngestionStack.hub_manifest()
    "iot_hub_name": HUB,
    "resource_group": "plant-l1-rg",
    "job_container": CONTAINER,
    "key_vault": "plant-l1-kv-0a1b",
    "enrollment_keys": {"primary": "device-enrollment-primary", "secondary": "device-enrollment-secondary"},
}
GROUP_KEYS = {  # what random_bytes(32).base64 leaves in the vault
    "device-enrollment-primary": base64.b64encode(bytes(range(32))).decode(),
    "device-enrollment-secondary": base64.b64encode(bytes(range(32, 64))).decode(),
}


@pytest.fixture(scope="module")
def example():
    config = load_project(EXAMPLE)
    return dtdl.models(config.name, config.devices), dtdl.twins(config.name, config.devices, config.hierarchy)


# ---- IoT Hub device identities ---------------------------------------------------------------


class MemoryBlobs:
    """The job container, as the hub's identity and the deployer see it."""

    def __init__(self) -> None:
        self.blobs: dict[tuple[str, str], bytes] = {}
        self.calls = 0

    def get(self, container, name):
        self.calls += 1
        return self.blobs.get((container, name))

    def put(self, container, name, data):
        self.calls += 1
        self.blobs[(container, name)] = data

    def delete(self, container, name):
        self.calls += 1
        self.blobs.pop((container, name), None)


class Azure:
    """The IoT Hub registry stand-in and a vault behind one transport, as the step reaches them."""

    def __init__(self) -> None:
        self.blobs = MemoryBlobs()  # counts the step's blob calls; the hub's own reach the same blobs uncounted
        self.hub = IotHubRegistry(SimpleNamespace(get=lambda c, n: self.blobs.blobs.get((c, n)),
                                                  put=lambda c, n, data: self.blobs.blobs.__setitem__((c, n), data)))
        self.vault_reads = 0

    def transport(self, method, url, headers, body):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        if parts.hostname == f"{HUB}.azure-devices.net":
            status, response_headers, payload = self.hub.handle(method, parts.path, query, headers, body or b"")
            return status, response_headers, json.dumps(payload).encode() if payload is not None else b""
        assert parts.hostname == f"{MANIFEST['key_vault']}.vault.azure.net" and query["api-version"] == "7.4"
        self.vault_reads += 1
        return 200, {}, json.dumps({"value": GROUP_KEYS[parts.path.rsplit("/", 1)[-1]]}).encode()

    def onboard(self, project, device_ids, **options):
        hub = IotHubJobs(AzureDataPlane(f"{HUB}.azure-devices.net", IOT_HUB_SCOPE, token_for, self.transport))
        vault = VaultSecrets(AzureDataPlane(f"{MANIFEST['key_vault']}.vault.azure.net", "vault", token_for, self.transport))
        return onboard_devices(project, "plant", device_ids, MANIFEST, hub, self.blobs, vault, sleep=lambda s: None, **options)

    @property
    def calls(self) -> int:
        return sum(self.hub.calls.values()) + self.blobs.calls + self.vault_reads


def test_device_keys_are_derived_as_dps_enrollment_groups_derive_them():
    # DPS's documented derivation: base64(HMAC-SHA256(base64decode(group key), registration id)).
    group = base64.b64encode(b"k" * 32).decode()
    expected = base64.b64encode(hmac.new(b"k" * 32, b"press-01", hashlib.sha256).digest()).decode()
    assert derive_key(group, "press-01") == expected and derive_key(group, "press-02") != expected


def test_devices_are_imported_with_derived_keys_kept_owner_only(tmp_path):
    azure = Azure()
    first = azure.onboard(tmp_path, ["press-01", "conveyor-01"])
    assert first.created == ["press-01", "conveyor-01"] and first.failed == {}
    identity = azure.hub.devices["press-01"]["authentication"]["symmetricKey"]
    primary = derive_key(GROUP_KEYS["device-enrollment-primary"], "press-01")
    assert identity == {"primaryKey": primary, "secondaryKey": derive_key(GROUP_KEYS["device-enrollment-secondary"], "press-01")}
    key_file = tmp_path / "iot_devices_auth" / "press-01" / "shared_access_key"
    assert key_file.read_text() == primary and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    config = read_config(tmp_path)
    assert (config.cloud.value, config.mqtt.host, config.mqtt.port) == ("azure", f"{HUB}.azure-devices.net", 8883)
    assert config.devices[1].shared_access_key == "conveyor-01/shared_access_key"
    again = azure.onboard(tmp_path, ["press-01", "conveyor-01"])  # idempotent: no duplicate, same keys
    assert (again.created, again.updated, again.deleted) == ([], 2, [])
    assert sorted(azure.hub.devices) == ["conveyor-01", "press-01"]
    assert azure.hub.devices["press-01"]["authentication"]["symmetricKey"]["primaryKey"] == primary


def test_ten_thousand_devices_take_a_handful_of_calls(tmp_path):
    azure = Azure()
    devices = [f"sensor-{n:05d}" for n in range(10_000)]
    result = azure.onboard(tmp_path, devices)
    assert len(result.created) == 10_000 and len(azure.hub.devices) == 10_000
    # Two secrets; export job (create, poll) and its blob; the import blob, the old error log's delete,
    # import job (create, poll) and its error log.
    assert azure.calls == 10
    assert azure.hub.calls == {"POST /jobs/create": 2, "GET /jobs/{id}": 2}


def test_removed_devices_are_listed_by_a_dry_run_and_deleted_by_the_next_run(tmp_path):
    azure = Azure()
    azure.onboard(tmp_path, ["a", "b", "c"])
    dry = azure.onboard(tmp_path, ["a", "d"], dry_run=True)
    assert (dry.created, dry.deleted) == (["d"], ["b", "c"]) and "2 removed devices would be deleted (b, c)" in dry.summary(HUB)
    assert sorted(azure.hub.devices) == ["a", "b", "c"]  # nothing changed
    result = azure.onboard(tmp_path, ["a", "d"])
    assert result.deleted == ["b", "c"] and sorted(azure.hub.devices) == ["a", "d"]


def test_a_partial_failure_names_its_devices_and_a_rerun_finishes_without_duplicates(tmp_path):
    azure = Azure()
    azure.hub.devices["bad"] = {"deviceId": "bad", "status": "enabled", "authentication": {"type": "sas", "symmetricKey": {}}}
    devices = ["ok-1", "ok-2", "x" * 129]  # IoT Hub refuses ids over 128 characters
    result = azure.onboard(tmp_path, devices)
    assert list(result.failed) == ["x" * 129] and result.failed["x" * 129].startswith("ArgumentInvalid")
    assert result.deleted == ["bad"] and sorted(azure.hub.devices) == ["ok-1", "ok-2"]
    assert "1 failed: " + "x" * 129 in result.summary(HUB)
    again = azure.onboard(tmp_path, devices[:2])
    assert (again.created, again.failed, sorted(azure.hub.devices)) == ([], {}, ["ok-1", "ok-2"])


def test_the_stand_in_refuses_what_the_hub_refuses():
    blobs = MemoryBlobs()
    hub = IotHubRegistry(blobs)
    auth = {"Authorization": "Bearer t"}
    assert hub.handle("GET", "/jobs/j", {"api-version": "2020-01-01"}, auth, b"")[0] == 400
    assert hub.handle("GET", "/jobs/j", {"api-version": "2021-04-12"}, {}, b"")[0] == 401
    sas = json.dumps({"type": "export", "outputBlobContainerUri": CONTAINER, "storageAuthenticationType": "keyBased"})
    assert hub.handle("POST", "/jobs/create", {"api-version": "2021-04-12"}, auth, sas.encode())[0] == 400
    # An imported identity whose key is base64 of 5 bytes (16 to 64 are taken): its line fails, the job does not.
    short_key = {"id": "d", "authentication": {"type": "sas", "symmetricKey": {"primaryKey": "c2hvcnQ=", "secondaryKey": "c2hvcnQ="}}}
    blobs.put(CONTAINER, "devices.txt", json.dumps(short_key).encode())
    job = json.dumps({"type": "import", "inputBlobContainerUri": CONTAINER, "outputBlobContainerUri": CONTAINER,
                      "storageAuthenticationType": "identityBased"})
    assert hub.handle("POST", "/jobs/create", {"api-version": "2021-04-12"}, auth, job.encode())[0] == 200
    assert json.loads(blobs.get(CONTAINER, "importErrors.log"))["errorCode"] == "ArgumentInvalid" and hub.devices == {}


# ---- Azure Digital Twins ------------------------------------------------------------------------


def adt(standin: DigitalTwinsStandIn) -> DigitalTwinsApi:
    return DigitalTwinsApi(AzureDataPlane("adt.test", DIGITAL_TWINS_SCOPE, token_for, standin))


def test_first_upload_creates_everything_and_a_rerun_changes_nothing(example):
    models, twins = example
    graph = DigitalTwinsStandIn()
    first = upload(models, twins, adt(graph))
    assert (first.models_created, first.twins_created, first.relationships_created) == (
        len(models), len(twins["twins"]), len(twins["relationships"]))
    assert graph.twins["press-01"]["serialNumber"] == "HP-2207-0042"
    again = upload(models, twins, adt(graph))
    assert (again.models_created, again.twins_created, again.twins_updated, again.relationships_created) == (0, 0, 0, 0)
    assert again.twins_unchanged == len(twins["twins"]) and graph.patches == []


def test_an_existing_twin_is_patched_keeping_its_live_values(example):
    models, twins = example
    graph = DigitalTwinsStandIn()
    upload(models, twins, adt(graph))
    graph.twins["press-01"]["temperature"] = 180.2  # written by the persister since
    del graph.twins["press-01"]["serialNumber"]
    changed = copy.deepcopy(twins)
    press = next(t for t in changed["twins"] if t["$dtId"] == "press-01")
    press["maxPressureBar"] = 300.0  # a const property changed in the project
    press["temperature"] = 21.5  # the init value: must not overwrite the live value
    result = upload(models, changed, adt(graph))
    assert (result.twins_updated, result.twins_unchanged) == (1, len(twins["twins"]) - 1)
    assert graph.patches == [("press-01", [
        {"op": "add", "path": "/serialNumber", "value": "HP-2207-0042"},
        {"op": "replace", "path": "/maxPressureBar", "value": 300.0},
    ])]
    assert graph.twins["press-01"]["temperature"] == 180.2 and graph.twins["press-01"]["maxPressureBar"] == 300.0


def test_adt_rest_calls_page_models_and_create_conditionally():
    transport = RecordingTransport([
        (200, {"value": [{"id": "dtmi:a;1"}], "nextLink": "https://adt.example/models?api-version=2023-10-31&continuationToken=x"}, {}),
        (200, {"value": [{"id": "dtmi:b;1"}]}, {}),
        (412, None, {"x-ms-error-code": "PreconditionFailed"}),
        (204, None, {}),
        (200, {}, {}),
    ])
    api = DigitalTwinsApi(AzureDataPlane("adt.example", DIGITAL_TWINS_SCOPE, token_for, transport))
    assert api.model_ids() == {"dtmi:a;1", "dtmi:b;1"}
    assert api.create_twin("press 01", {"$metadata": {"$model": "dtmi:a;1"}}) is False  # it existed
    api.patch_twin("press-01", [{"op": "add", "path": "/x", "value": 1}])
    assert api.create_relationship({"$sourceId": "hall", "$relationshipId": "hall-contains-press", "$targetId": "press",
                                    "$relationshipName": "contains", "since": "2024-01-01"})
    page2, twin, patch, relationship = transport.requests[1:]
    assert page2.url == "https://adt.example/models?api-version=2023-10-31&continuationToken=x"
    assert (twin.method, twin.url, twin.headers["If-None-Match"]) == (
        "PUT", "https://adt.example/digitaltwins/press%2001?api-version=2023-10-31", "*")
    assert patch.method == "PATCH" and patch.headers["Content-Type"] == "application/json-patch+json"
    assert relationship.url == "https://adt.example/digitaltwins/hall/relationships/hall-contains-press?api-version=2023-10-31"
    assert relationship.body == {"$targetId": "press", "$relationshipName": "contains", "since": "2024-01-01"}
    assert relationship.headers["If-None-Match"] == "*"


def test_realestatecore_and_the_building_scenario_upload_as_adt_takes_them():
    """767 Interfaces, some extending Interfaces later in the file: the stand-in refuses a model
    before what it needs and more than 250 per request."""
    from tests.realworld import realworld_bundle

    bundle = realworld_bundle()
    relationships = [{"$sourceId": r["$dtId"], **{k: v for k, v in r.items() if k != "$dtId"}}
                     for r in bundle["relationships"]]
    service = DigitalTwinsStandIn()
    result = upload(bundle["models"], {"twins": bundle["twins"], "relationships": relationships}, adt(service))
    assert service.refusals == [] and result.models_created == len(bundle["models"]) == 769
    assert [len(ids) for ids in service.model_requests] == [250, 250, 250, 19]
    assert service.relationships[("floor1", "floor_to_room_edge")]["ownershipDepartment"] == "Comms Division"
    assert service.twins["hq-r101"]["area"] == {"$metadata": {}, "grossArea": 31.5}
