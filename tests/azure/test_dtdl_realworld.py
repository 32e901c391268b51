"""RealEstateCore 3.3 and the ADT sample app's building scenario (tests/fixtures/realworld): one project
with layer 4 on Azure loads them, synthesizes, and its ADT files upload to the strict stand-in
(tests/deploy/adt_standin.py) as the service takes them: dependency order, at most 250 models per
request, relationships with their properties, twins with their components."""

from __future__ import annotations

import json

import pytest

from tests.conftest import synthesize_project
from tests.deploy.adt_standin import MAX_MODELS_PER_REQUEST, DigitalTwinsStandIn
from tests.realworld import ROOM_COMPONENTS, building_scenario, rec_models, write_realworld_project
from twin_ops.post_deploy.azure_data_plane import DIGITAL_TWINS_SCOPE, AzureDataPlane
from twin_model.config.adt_graph import twin_model
from twin_ops.post_deploy.azure_digital_twins import DigitalTwinsApi, upload
from tests.deploy.azure_fakes import token_for


@pytest.fixture(scope="module")
def realworld(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("realworld")
    return synthesize_project(write_realworld_project(workdir / "project"), workdir)


def adt_files(synth) -> tuple[list[dict], dict]:
    """What the azure-digital-twins step uploads (the twin graph is data, computed from the project)."""
    return twin_model(synth.config)


def test_the_ontology_and_the_scenario_are_deployed_as_given(realworld):
    models, graph = adt_files(realworld)
    ids = [m["@id"] for m in models]
    rec = rec_models()
    assert ids[: len(rec)] == [m["@id"] for m in rec]  # as given, nothing dropped or rewritten
    assert {"dtmi:contosocom:DigitalTwins:Space;1", "dtmi:contosocom:DigitalTwins:Thermostat;1"} <= set(ids)
    room = next(t for t in graph["twins"] if t["$dtId"] == "hq-r101")
    assert all(room[name] == {"$metadata": {}} for name in ROOM_COMPONENTS if name != "area")
    edge = next(r for r in graph["relationships"] if r["$relationshipId"] == "floor_to_room_edge")
    assert (edge["$sourceId"], edge["ownershipUser"], edge["ownershipDepartment"]) == ("floor1", "Contoso", "Comms Division")
    assert {d.id for d in realworld.config.devices} <= {t["$dtId"] for t in graph["twins"]}  # generated device twins


def test_the_upload_is_taken_as_adt_takes_it_and_a_rerun_changes_nothing(realworld):
    models, graph = adt_files(realworld)
    service = DigitalTwinsStandIn()
    api = DigitalTwinsApi(AzureDataPlane("adt.test", DIGITAL_TWINS_SCOPE, token_for, service))
    first = upload(models, graph, api)
    assert service.refusals == []
    assert first.models_created == len(models) == len(service.models)
    assert len(service.model_requests) == -(-len(models) // MAX_MODELS_PER_REQUEST)  # full batches of 250
    assert first.twins_created == len(graph["twins"]) and first.relationships_created == len(graph["relationships"])
    assert service.relationships[("room21", "room_to_therm_edge")]["ownershipUser"] == "Contoso"
    assert service.twins["hq"]["address"] == {"$metadata": {}, "city": "Linz", "country": "AT"}
    again = upload(models, graph, api)  # lists 100 models per page, queries twins and relationships, creates nothing
    assert (again.models_created, again.twins_created, again.relationships_created) == (0, 0, 0)
    assert service.refusals == [] and again.twins_deleted == [] and again.relationships_deleted == []


def test_models_in_file_order_are_refused_by_the_stand_in():
    """The guard of the order above: RealEstateCore in file order, 250 per request, as the upload
    sent it before, is refused (Interfaces extend Interfaces later in the file)."""
    service = DigitalTwinsStandIn()
    api = DigitalTwinsApi(AzureDataPlane("adt.test", DIGITAL_TWINS_SCOPE, token_for, service))
    from twin_ops.post_deploy.azure_data_plane import AzureRestError

    models = rec_models()
    with pytest.raises(AzureRestError, match="400 DTDLParserError"):
        for start in range(0, len(models), MAX_MODELS_PER_REQUEST):
            api.create_models(models[start : start + MAX_MODELS_PER_REQUEST])
    with pytest.raises(AzureRestError, match="400 LimitExceeded"):
        api.create_models(models[:251])


def test_the_stand_in_refuses_a_twin_without_components_and_unknown_relationship_properties():
    scenario = building_scenario()
    service = DigitalTwinsStandIn()
    api = DigitalTwinsApi(AzureDataPlane("adt.test", DIGITAL_TWINS_SCOPE, token_for, service))
    from twin_ops.post_deploy.azure_data_plane import AzureRestError

    rec = rec_models()
    upload(rec + scenario["models"], {"twins": scenario["twins"], "relationships": []}, api)
    with pytest.raises(AzureRestError, match="400 ValidationFailed"):
        api.create_twin("bare-room", {"$metadata": {"$model": "dtmi:digitaltwins:rec_3_3:core:Room;1"}})
    assert "component 'area' is not initialised" in service.refusals[-1][2]
    relationship = {**json.loads(json.dumps(scenario["relationships"][0])), "$sourceId": "floor1", "colour": "red"}
    relationship.pop("$dtId")
    with pytest.raises(AzureRestError, match="400 ValidationFailed"):
        api.create_relationship(relationship)
    assert "declares no property ['colour']" in service.refusals[-1][2]
