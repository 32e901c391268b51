"""TwinMaker entities of the hierarchy, sharded into nested stacks so thousands fit.

A CloudFormation template holds at most 500 resources, so entities go into nested stacks. The
assignment must be stable: an entity that moved to another nested stack would be created there
before it is deleted from the old one, and TwinMaker rejects the duplicate entity id. So each
entity's shard is a pure function of itself: `(depth in the hierarchy, crc32(entity id) % 16)`.
Adding or removing entities never moves the others; only moving an entity to another depth does.

Depth also orders creation: TwinMaker needs an entity's parent to exist first, and a shard holds
one depth only, so every shard depends on the shards of its entities' parents (never the other
way: no cycles). Root-depth shards depend on the component types, so every entity is created
after the types its components use. Capacity: 16 shards × 450 entities per depth.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from aws_cdk import NestedStack
from aws_cdk import aws_iottwinmaker as twinmaker
from constructs import Construct

from constructs_lib.aws.l4_component_types import TwinComponentTypes
from constructs_lib.quota import QuotaExceeded

SHARDS_PER_DEPTH = 16
MAX_ENTITIES_PER_SHARD = 450  # headroom below the 500-resource template limit


@dataclass(frozen=True)
class EntityComponent:
    """A component of an entity: a device's telemetry, or an existing component type."""

    name: str
    device_id: str | None = None
    component_type_id: str | None = None
    constants: tuple[tuple[str, str, object], ...] = ()  # (name, data type, value) of this component


@dataclass(frozen=True)
class TwinEntity:
    id: str
    parent_id: str | None
    depth: int  # 0 for roots
    components: tuple[EntityComponent, ...] = ()

    @property
    def shard(self) -> tuple[int, int]:
        return self.depth, zlib.crc32(self.id.encode()) % SHARDS_PER_DEPTH


@dataclass(frozen=True)
class TwinEntitiesProps:
    workspace_id: str
    entities: tuple[TwinEntity, ...]
    component_types: TwinComponentTypes


class TwinEntities(Construct):
    """Exposes `shards`: (depth, index) → the nested stack holding those entities."""

    def __init__(self, scope: Construct, id: str, props: TwinEntitiesProps) -> None:
        super().__init__(scope, id)
        shard_of = {entity.id: entity.shard for entity in props.entities}
        self.shards: dict[tuple[int, int], NestedStack] = {}
        for entity in sorted(props.entities, key=lambda e: (e.shard, e.id)):
            shard = self._shard(entity.shard, props)
            twinmaker.CfnEntity(
                shard,
                entity.id,
                workspace_id=props.workspace_id,
                entity_id=entity.id,
                entity_name=entity.id,
                parent_entity_id=entity.parent_id,
                components={
                    component.name: self._component(component, props.component_types)
                    for component in entity.components
                }
                or None,
            )
            if entity.parent_id is not None:
                shard.node.add_dependency(self.shards[shard_of[entity.parent_id]])
        for key, shard in self.shards.items():
            size = len(shard.node.children)
            if size > MAX_ENTITIES_PER_SHARD:
                raise QuotaExceeded(
                    f"{size} entities at depth {key[0]} hash to one shard; at most {MAX_ENTITIES_PER_SHARD} fit",
                    subject="entities",
                )

    def _shard(self, key: tuple[int, int], props: TwinEntitiesProps) -> NestedStack:
        if key not in self.shards:
            depth, index = key
            shard = NestedStack(self, f"Depth{depth}Shard{index:02d}", description=f"{props.workspace_id} entities")
            if depth == 0:
                shard.node.add_dependency(props.component_types)
            self.shards[key] = shard
        return self.shards[key]

    @staticmethod
    def _component(component: EntityComponent, types: TwinComponentTypes) -> twinmaker.CfnEntity.ComponentProperty:
        if component.device_id is None:
            return twinmaker.CfnEntity.ComponentProperty(component_type_id=component.component_type_id)
        return types.entity_component(component.device_id, component.constants)
