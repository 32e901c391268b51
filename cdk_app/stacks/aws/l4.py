"""L4 on AWS: the IoT TwinMaker twin (workspace, bucket, role, readers); its component types and
entities are data, made by the aws-twinmaker-entities step (twin_ops/post_deploy/aws_twinmaker_entities.py)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Environment
from constructs import Construct

from twin_model.config import scenes
from twin_model.config.model import Layer
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsHotOutputs, AwsTwinOutputs
from constructs_lib.aws.l4_dt_data_connector import DigitalTwinDataConnector, DigitalTwinDataConnectorProps
from constructs_lib.aws.l4_scene import TwinScene, TwinSceneProps
from constructs_lib.aws.l4_twinmaker_workspace import TwinMakerWorkspace, TwinMakerWorkspaceProps
from cdk_app.stacks.context import LayerContext
from twin_contract import functions as contract


class L4Stack(AwsLayerStack):
    """Holds `workspace_id`, `workspace_arn` and `bucket` (the TwinMaker bucket).

    Component types read the hot store through the hot readers of the L3 hot stack when hot is on
    AWS, or through the Digital Twin Data Connector of this stack when it is on another cloud;
    without hot storage (a twin model alone) they read nothing. The stack outputs which.
    """

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: Environment) -> None:
        super().__init__(scope, ctx, **kwargs)
        config = self.ctx.config
        twin, debug = self.ctx.twin, config.twin.debug
        if self.bridges.outbound(contract.DT_DATA_CONNECTOR):
            connector = DigitalTwinDataConnector(
                self,
                "DigitalTwinDataConnector",
                DigitalTwinDataConnectorProps(
                    twin_name=twin,
                    bundle=self.bundles.runtime,
                    hot_reader=lambda function, key: self.bridges.bind_sender(contract.DT_DATA_CONNECTOR, function, key),
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

        # The entity graph is data (docs/design.md §7a): the aws-twinmaker-entities step makes the
        # component types and entities after this stack, from these outputs.
        CfnOutput(self, "WorkspaceId", value=self.workspace_id, description="the twin's TwinMaker workspace")
        if data_reader is not None and last_entry_reader is not None:
            CfnOutput(self, "DataReaderArn", value=data_reader.function_arn,
                      description="dataReader of the twin's component types")
            CfnOutput(self, "LastEntryReaderArn", value=last_entry_reader.function_arn,
                      description="attributePropertyValueReaderByEntity of the twin's component types")
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

