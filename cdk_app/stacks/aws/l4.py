"""L4 on AWS: the IoT TwinMaker twin (workspace, shared component types, entities)."""

from __future__ import annotations

from twin_model.config import scenes
from twin_model.config.model import HierarchyEntity, Layer, ProjectConfig
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsHotOutputs, AwsTwinOutputs
from twin_model.topology import BridgeKind
from constructs_lib.aws.l4_component_types import TwinComponentTypes, TwinComponentTypesProps, TwinDevice
from constructs_lib.aws.l4_dt_data_connector import DigitalTwinDataConnector, DigitalTwinDataConnectorProps
from constructs_lib.aws.l4_entities import EntityComponent, TwinEntities, TwinEntitiesProps, TwinEntity
from constructs_lib.aws.l4_scene import TwinScene, TwinSceneProps
from constructs_lib.aws.l4_twinmaker_workspace import TwinMakerWorkspace, TwinMakerWorkspaceProps


class L4Stack(AwsLayerStack):
    """Holds `workspace_id`, `workspace_arn`, `bucket` (the TwinMaker bucket) and `entities`.

    Component types read the hot store through the hot readers of the L3 hot stack when hot is on
    AWS, or through the Digital Twin Data Connector of this stack when it is on another cloud;
    without hot storage (a twin model alone) they read nothing.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        config = self.ctx.config
        twin, debug = self.ctx.twin, config.twin.debug
        bridge_to_hot = self.ctx.topology.bridge(BridgeKind.HOT_TO_L4_READER)
        if bridge_to_hot:
            connector = DigitalTwinDataConnector(
                self,
                "DigitalTwinDataConnector",
                DigitalTwinDataConnectorProps(
                    twin_name=twin,
                    bundle=self.bundles.runtime,
                    hot_reader=lambda function, key: self.bridges.send(bridge_to_hot, function, key),
                    debug=debug,
                ),
            )
            data_reader, last_entry_reader = connector.data_reader, connector.last_entry_reader
        elif self.ctx.topology.placed(Layer.L3_HOT):
            hot = self.ctx.upstream.require(Layer.L3_HOT, AwsHotOutputs, self.ctx.stack_name)
            data_reader, last_entry_reader = hot.hot_reader, hot.hot_reader_last_entry
        else:  # a twin model alone: nothing to read
            data_reader = last_entry_reader = None
        readers = tuple(f for f in (data_reader, last_entry_reader) if f is not None)

        twin_workspace = TwinMakerWorkspace(
            self,
            "TwinMaker",
            TwinMakerWorkspaceProps(twin_name=twin, debug=debug, reader_functions=readers),
        )
        self.workspace_id = twin_workspace.workspace_id
        self.workspace_arn = twin_workspace.workspace.attr_arn
        self.bucket = twin_workspace.bucket

        devices = twin_devices(config)
        component_types = TwinComponentTypes(
            self,
            "ComponentTypes",
            TwinComponentTypesProps(
                twin_name=twin,
                workspace_id=self.workspace_id,
                devices=devices,
                data_reader_arn=data_reader.function_arn if data_reader else None,
                last_entry_reader_arn=last_entry_reader.function_arn if last_entry_reader else None,
            ),
        )
        component_types.node.add_dependency(twin_workspace.workspace)
        self.entities = TwinEntities(
            self,
            "Entities",
            TwinEntitiesProps(
                workspace_id=self.workspace_id,
                entities=twin_entities(config.hierarchy),
                component_types=component_types,
            ),
        )
        if config.scene is not None:  # needs3DModel: scene_assets/aws/
            scene = TwinScene(
                self,
                "Scene",
                TwinSceneProps(
                    workspace_id=self.workspace_id,
                    bucket=self.bucket,
                    scene_id=scenes.SCENE_ID,
                    definition=config.scene.document,
                    model_dir=self.ctx.bundles.files_dir("scene_assets/aws", config.scene.files) if config.scene.files else None,
                    model_file=scenes.model_file,
                    description=f"3D scene of {config.twin.digital_twin_name}",
                ),
            )
            scene.node.add_dependency(twin_workspace.workspace)
        self.outputs = AwsTwinOutputs(
            workspace_arn=self.workspace_arn, workspace_id=self.workspace_id, bucket=self.bucket
        )


def twin_devices(config: ProjectConfig) -> tuple[TwinDevice, ...]:
    return tuple(
        TwinDevice(
            id=device.id,
            telemetry=tuple((p.name, p.data_type) for p in device.properties),
            constants=tuple((c.name, c.data_type, c.value) for c in device.const_properties),
        )
        for device in config.devices
    )


def twin_entities(
    roots: tuple[HierarchyEntity, ...], parent_id: str | None = None, depth: int = 0
) -> tuple[TwinEntity, ...]:
    """The hierarchy, flattened parents first, each entity knowing its parent and depth."""
    flat: list[TwinEntity] = []
    for entity in roots:
        components = tuple(
            EntityComponent(
                c.name, device_id=c.iot_device_id, component_type_id=c.component_type_id,
                constants=tuple((k.name, k.data_type, k.value) for k in c.const_properties),
            )
            for c in entity.components
        )
        flat.append(TwinEntity(entity.id, parent_id, depth, components))
        flat.extend(twin_entities(entity.children, entity.id, depth + 1))
    return tuple(flat)
