"""Azure post-deploy steps: IoT Hub identities and Digital Twins upload, faked at their REST boundary."""

from __future__ import annotations

import copy
import stat

import pytest

from twin_model.config import load_project
from twin_ops.post_deploy.azure_data_plane import DIGITAL_TWINS_SCOPE, IOT_HUB_SCOPE, AzureDataPlane
from twin_ops.post_deploy.azure_device_identities import DeviceKeyError, IotHubRegistry, register_devices
from twin_ops.post_deploy.azure_digital_twins import DigitalTwinsApi, upload
from twin_ops.simulator.config import read_config
from constructs_lib.azure import dtdl_models
from twin_ops.post_deploy.azure_data_plane import AzureRestError
from tests.conftest import EXAMPLE
from tests.deploy.adt_standin import DigitalTwinsStandIn
from tests.deploy.azure_fakes import InMemoryRegistry, RecordingTransport, token_for

HUB = "plant-iothub-1a2b3c"
MANIFEST = {  # the shape of AzureIngestionStack.devices_manifest()
    "iot_hub_name": HUB,
    "resource_group": "plant-l1-rg",
    "devices": [{"device_id": "press-01", "auth_method": "shared_private_key", "init_values": {}},
                {"device_id": "conveyor-01", "auth_method": "shared_private_key", "init_values": {}}],
}


@pytest.fixture(scope="module")
def example():
    config = load_project(EXAMPLE)
    return dtdl_models.models(config.name, config.devices), dtdl_models.twins(config.name, config.devices, config.hierarchy)


# ---- IoT Hub device identities ---------------------------------------------------------------


def test_devices_are_registered_once_and_their_keys_kept_owner_only(tmp_path):
    registry = InMemoryRegistry()
    first = register_devices(tmp_path, "plant", MANIFEST, registry)
    assert first.created == ("press-01", "conveyor-01") and first.existing == ()
    key_file = tmp_path / "iot_devices_auth" / "press-01" / "shared_access_key"
    assert key_file.read_text() == registry.devices["press-01"]["authentication"]["symmetricKey"]["primaryKey"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    config = read_config(tmp_path)
    assert (config.cloud.value, config.mqtt.host, config.mqtt.port) == ("azure", f"{HUB}.azure-devices.net", 8883)
    assert config.devices[1].shared_access_key == "conveyor-01/shared_access_key"

    second = register_devices(tmp_path, "plant", MANIFEST, registry)
    assert second.created == () and second.existing == ("press-01", "conveyor-01")


def test_an_identity_without_a_symmetric_key_is_a_clear_error(tmp_path):
    registry = InMemoryRegistry()
    registry.devices["press-01"] = {"deviceId": "press-01", "authentication": {"type": "selfSigned"}}
    with pytest.raises(DeviceKeyError, match="'press-01' has authentication type 'selfSigned'"):
        register_devices(tmp_path, "plant", MANIFEST, registry)


def test_registry_rest_calls_create_only_a_missing_identity():
    created = {"deviceId": "press-01", "authentication": {"type": "sas", "symmetricKey": {"primaryKey": "a2V5"}}}
    transport = RecordingTransport([(404, {"Message": "DeviceNotFound"}, {}), (200, created, {})])
    registry = IotHubRegistry(AzureDataPlane(f"{HUB}.azure-devices.net", IOT_HUB_SCOPE, token_for, transport))
    assert registry.get_device("press-01") is None
    assert registry.create_device("press-01") == created
    get, put = transport.requests
    assert (get.method, get.url) == ("GET", f"https://{HUB}.azure-devices.net/devices/press-01?api-version=2021-04-12")
    assert get.headers["Authorization"] == f"Bearer token-for-{IOT_HUB_SCOPE}"
    assert put.method == "PUT" and put.body["authentication"] == {
        "type": "sas", "symmetricKey": {"primaryKey": None, "secondaryKey": None},  # the hub generates the keys
    }


def test_registry_reads_back_an_identity_created_concurrently():
    device = {"deviceId": "d", "authentication": {"symmetricKey": {"primaryKey": "a2V5"}}}
    transport = RecordingTransport([(409, None, {"iothub-errorcode": "DeviceAlreadyExists"}), (200, device, {})])
    registry = IotHubRegistry(AzureDataPlane("h", IOT_HUB_SCOPE, token_for, transport))
    assert registry.create_device("d") == device
    assert [r.method for r in transport.requests] == ["PUT", "GET"]


def test_ids_travel_as_one_path_segment_each():
    # Device and twin ids are the project's: '/', '#', '?' and spaces must not split or end the path.
    transport = RecordingTransport([(404, None, {}), (404, None, {}), (200, None, {})])
    IotHubRegistry(AzureDataPlane("h", IOT_HUB_SCOPE, token_for, transport)).get_device("line/1 #a?b")
    graph = DigitalTwinsApi(AzureDataPlane("t", DIGITAL_TWINS_SCOPE, token_for, transport))
    graph.get_twin("hall/2")
    graph.create_relationship({"$sourceId": "a b", "$relationshipId": "a#b", "$targetId": "b", "$relationshipName": "has"})
    assert [r.url for r in transport.requests] == [
        "https://h/devices/line%2F1%20%23a%3Fb?api-version=2021-04-12",
        "https://t/digitaltwins/hall%2F2?api-version=2023-10-31",
        "https://t/digitaltwins/a%20b/relationships/a%23b?api-version=2023-10-31",
    ]


def test_a_refused_call_names_status_and_code_but_not_the_token():
    transport = RecordingTransport([(403, None, {"x-ms-error-code": "AuthorizationFailed"})])
    registry = IotHubRegistry(AzureDataPlane("h", IOT_HUB_SCOPE, token_for, transport))
    with pytest.raises(AzureRestError, match="403 AuthorizationFailed") as raised:
        registry.get_device("d")
    assert "token-for" not in str(raised.value)


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
