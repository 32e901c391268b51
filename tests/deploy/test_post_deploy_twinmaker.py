"""The TwinMaker entity graph as data (the strict TwinMaker stand-in): component types per device
schema, entities parents first, nothing written for an unchanged graph, changes and removals
(with a dry run), paced writes, retried throttling, and a partial failure named and finished."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from twin_model.config import load_project
from tests.conftest import EXAMPLE
from twin_ops.local.standins.twinmaker_registry import TwinMakerRegistry
from twin_ops.post_deploy.aws_twinmaker_entities import (
    EntityComponent,
    Pacer,
    TwinDevice,
    TwinEntity,
    sync_entities,
    twin_graph,
)

TWIN = "factory-floor"
READERS = ("arn:aws:lambda:eu-central-1:123456789012:function:factory-floor-hot-reader",
           "arn:aws:lambda:eu-central-1:123456789012:function:factory-floor-hot-reader-last-entry")
FAST = {"pacer": Pacer(1e9), "sleep": lambda seconds: None}


@pytest.fixture(scope="module")
def graph():
    return twin_graph(load_project(EXAMPLE))


def sync(registry, devices, entities, **options):
    return sync_entities(registry, TWIN, TWIN, devices, entities, READERS, **{**FAST, **options})


def test_the_example_becomes_shared_component_types_and_its_hierarchy(graph):
    registry = TwinMakerRegistry(TWIN)
    result = sync(registry, *graph)
    assert result.failed == {} and len(result.types_created) == 3  # both presses share one schema
    press = registry.entities["press-01-station"]
    assert press["parentEntityId"] == "press-line" and registry.entities["plant-linz"]["parentEntityId"] is None
    component = press["components"]["press"]
    assert component["componentTypeId"] == registry.entities["press-02-station"]["components"]["press"]["componentTypeId"]
    assert component["properties"]["iotDeviceId"] == {"value": {"stringValue": "press-01"}}
    assert component["properties"]["serialNumber"] == {"value": {"stringValue": "HP-2207-0042"}}
    kind = registry.component_types[component["componentTypeId"]]
    definitions = kind["propertyDefinitions"]
    assert definitions["temperature"] == {"dataType": {"type": "DOUBLE"}, "isTimeSeries": True, "isStoredExternally": True}
    assert definitions["iotDeviceId"] == {"dataType": {"type": "STRING"}, "isRequiredInEntity": True}
    assert kind["functions"]["dataReader"] == {"implementedBy": {"isNative": False, "lambda": {"arn": READERS[0]}},
                                               "requiredProperties": ["iotDeviceId"]}


def test_an_unchanged_graph_costs_two_list_calls(graph):
    registry = TwinMakerRegistry(TWIN)
    sync(registry, *graph)
    registry.calls.clear()
    again = sync(registry, *graph)
    assert (again.created, again.updated, again.deleted, again.types_created) == ([], [], [], [])
    assert registry.calls == {"ListComponentTypes": 1, "ListEntities": 1}


def test_a_changed_entity_is_updated_and_removed_ones_deleted_children_first_after_a_dry_run(graph):
    registry = TwinMakerRegistry(TWIN)
    devices, entities = graph
    sync(registry, devices, entities)
    renamed = tuple(
        TwinEntity(e.id, e.parent_id, e.depth, tuple(
            EntityComponent(c.name, c.device_id, c.component_type_id, (("serialNumber", "STRING", "NEW-1"),))
            for c in e.components)) if e.id == "press-01-station" else e
        for e in entities if e.id not in ("press-line", "press-02-station")  # press-line's subtree goes
    )
    orphaned = tuple(e if e.id != "press-01-station" else TwinEntity(e.id, "hall-a", 2, e.components) for e in renamed)
    dry = sync(registry, devices, orphaned, dry_run=True)
    assert (dry.updated, dry.deleted) == (["press-01-station"], ["press-02-station", "press-line"])
    assert "would be deleted" in dry.summary(TWIN) and "press-line" in registry.entities  # nothing changed
    result = sync(registry, devices, orphaned)
    assert result.failed == {} and "press-line" not in registry.entities and "press-02-station" not in registry.entities
    moved = registry.entities["press-01-station"]
    assert moved["parentEntityId"] == "hall-a"
    assert moved["components"]["press"]["properties"]["serialNumber"] == {"value": {"stringValue": "NEW-1"}}


def test_writes_are_paced_and_throttling_is_retried():
    registry, now, slept = TwinMakerRegistry(TWIN), [0.0], []
    throttled = {"count": 0}
    create = registry.create_entity

    def flaky(**request):
        if request["entityId"] == "e-3" and throttled["count"] < 2:
            throttled["count"] += 1
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "CreateEntity")
        return create(**request)

    registry.create_entity = flaky

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    entities = tuple(TwinEntity(f"e-{n}", None, 0) for n in range(10))
    result = sync_entities(registry, TWIN, TWIN, (), entities, None, pacer=Pacer(5, clock=lambda: now[0], sleep=sleep),
                           sleep=sleep)
    assert sorted(result.created) == sorted(e.id for e in entities) and result.failed == {}
    assert len(registry.entities) == 10 and throttled["count"] == 2
    assert now[0] >= (10 + 2 - 1) / 5  # 12 writes at 5 a second


def test_a_partial_failure_names_its_entities_and_a_rerun_finishes_without_duplicates():
    registry = TwinMakerRegistry(TWIN, entity_quota=3)  # TwinMaker's per-workspace quota, lowered
    devices = (TwinDevice("d1", (("t", "DOUBLE"),)),)
    entities = (TwinEntity("site", None, 0), *(TwinEntity(f"area-{n}", "site", 1) for n in range(3)),
                TwinEntity("cell", "area-2", 2, (EntityComponent("sensor", device_id="d1"),)))
    result = sync(registry, devices, entities)
    assert sorted(result.failed) == ["area-2", "cell"]
    assert result.failed["area-2"].startswith("ServiceQuotaExceededException")
    assert result.failed["cell"] == "its parent area-2 failed"
    registry.entity_quota = 10_000  # raised in Service Quotas
    again = sync(registry, devices, entities)
    assert sorted(again.created) == ["area-2", "cell"] and again.failed == {} and len(registry.entities) == 5


def test_ten_thousand_entities_take_one_create_each_and_two_list_calls_of_everything_else():
    devices = tuple(TwinDevice(f"d{n:05d}", (("t", "DOUBLE"),)) for n in range(10_000))
    entities = (TwinEntity("plant", None, 0), *(
        TwinEntity(f"station-{n:05d}", "plant", 1, (EntityComponent("device", device_id=f"d{n:05d}"),))
        for n in range(9_999)))
    registry = TwinMakerRegistry(TWIN)
    result = sync(registry, devices, entities)
    assert len(result.created) == 10_000 and result.failed == {}
    # TwinMaker has no batch entity call (outside metadata transfer jobs): one paced create each.
    assert registry.calls == {"ListComponentTypes": 1, "CreateComponentType": 1, "ListEntities": 1, "CreateEntity": 10_000}
    registry.calls.clear()
    assert sync(registry, devices, entities).unchanged == 10_000
    assert registry.calls == {"ListComponentTypes": 1, "ListEntities": 50}  # 200 a page


def test_the_stand_in_refuses_what_twinmaker_refuses():
    registry = TwinMakerRegistry(TWIN)
    with pytest.raises(ClientError, match="parent entity ghost does not exist"):
        registry.create_entity(workspaceId=TWIN, entityId="a1", entityName="a1", parentEntityId="ghost")
    with pytest.raises(ClientError, match="entityId"):
        registry.create_entity(workspaceId=TWIN, entityId="-bad", entityName="bad")
    registry.create_component_type(workspaceId=TWIN, componentTypeId="t", propertyDefinitions={
        "iotDeviceId": {"dataType": {"type": "STRING"}, "isRequiredInEntity": True}})
    with pytest.raises(ClientError, match="required property iotDeviceId"):
        registry.create_entity(workspaceId=TWIN, entityId="e1", entityName="e1", components={"c": {"componentTypeId": "t"}})
    registry.create_entity(workspaceId=TWIN, entityId="p1", entityName="p1")
    registry.create_entity(workspaceId=TWIN, entityId="c1", entityName="c1", parentEntityId="p1")
    with pytest.raises(ClientError, match="has children"):
        registry.delete_entity(workspaceId=TWIN, entityId="p1")
    with pytest.raises(ClientError, match="maxResults"):
        registry.list_entities(workspaceId=TWIN, maxResults=500)
