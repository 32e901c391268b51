"""L4 twin on Azure: Azure Digital Twins, generated DTDL files, ADT updater and DT Data Connector.

Live values: the persister updates twin `<device_id>` — directly when L2 is on Azure (L2 grants
itself access, L4 being deployed first), through the ADT updater receiver when L2 is on another
cloud (the L2→L4 twin-update bridge). History for dashboards comes from the hot reader, through
the Digital Twin Data Connector here when L3 hot is on another cloud. The models, twins and
relationships are data the azure-digital-twins step loads (twin_model/config/adt_graph.py), large
graphs by an import job whose files sit in the GraphImportStorage container.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cdktn import App, TerraformOutput
from constructs import Construct

from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureTwinOutputs, DashboardSource
from constructs_lib.azure.digital_twins import DigitalTwins, DigitalTwinsProps
from constructs_lib.azure.graph_import_storage import GraphImportStorage, GraphImportStorageProps
from constructs_lib.azure.scene_storage import SceneStorage, SceneStorageProps
from constructs_lib.tokens import generated_token
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings

SCENES_DIR = "adt/scenes"  # twin_ops/post_deploy/azure_digital_twins.py uploads it
SCENES_OUTPUT = "scenes_container_url"
GRAPH_IMPORT_OUTPUT = "graph_import_container_url"  # where the step puts import jobs' files
DASHBOARD_CONNECTOR_SECRET = "dashboard-connector-token"


class AzureTwinStack(AzureLayerStack):
    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        twins = DigitalTwins(self, "Twin", DigitalTwinsProps(self.placement))
        graph_import = GraphImportStorage(
            self, "GraphImport",
            GraphImportStorageProps(self.placement, twins.instance.identity.principal_id, self.client.object_id),
        )
        TerraformOutput(self, GRAPH_IMPORT_OUTPUT, value=graph_import.container_url,
                        description="blob container of the Azure Digital Twins import jobs (large graphs)")
        functions, settings = [], {}
        updates = self.bridges.inbound(contract.ADT_UPDATER) is not None  # L2 on another cloud
        if updates:
            functions.append(contract.ADT_UPDATER)
            settings[contract.ADT_URL] = twins.url
            settings[contract.UPDATER_TOKEN_SECRET] = self.bridges.inbound_token(contract.ADT_UPDATER)
            twins.grant(self, "UpdaterUpdatesTwins", self.identity.principal_id, write=True)
        connects = bool(self.bridges.outbound(contract.DT_DATA_CONNECTOR))  # L3 hot on another cloud
        dashboard = None
        if connects:
            functions.append(contract.DT_DATA_CONNECTOR)
            self.bridges.bind_sender(contract.DT_DATA_CONNECTOR, settings)
            token = generated_token(self, "DashboardConnectorToken")
            settings[contract.INBOUND_TOKEN_SECRET] = self.ensure_vault().secret(
                self, "DashboardConnectorSecret", name=DASHBOARD_CONNECTOR_SECRET, value=token,
                content_type="token of the Digital Twin Data Connector for dashboards (L5)",
            )
        if functions:
            # The ADT updater reads which properties each twin declares from its model in the instance.
            host = self.add_function_host(tuple(functions), settings, processing=updates)
            if updates:
                self.bridges.bind_receiver(contract.ADT_UPDATER, {URL_KEY: host.function_url(contract.ADT_UPDATER.route)})
            if connects:
                dashboard = DashboardSource(
                    host.function_url(contract.DT_DATA_CONNECTOR.route), host.function_url(contract.DT_DATA_CONNECTOR_LAST_ENTRY.route),
                    self.names.key_vault(), DASHBOARD_CONNECTOR_SECRET,
                )
        config = self.config  # models, twins and relationships are data: the azure-digital-twins step loads them
        if config.scene is not None:  # needs3DModel: scene_assets/azure/, uploaded by the post-deploy step
            storage = SceneStorage(self, "Scenes", SceneStorageProps(self.placement, self.client.object_id))
            self.write_deploy_file(f"{SCENES_DIR}/{config.scene.config_name}", config.scene.document)
            for name, path in config.scene.files:
                copy_deploy_file(self, f"{SCENES_DIR}/{name}", path)
            TerraformOutput(self, SCENES_OUTPUT, value=storage.container_url,
                            description="blob container of the 3D Scenes Studio configuration")
        self.outputs = self.layer_outputs(AzureTwinOutputs, twins=twins, dashboard=dashboard)



def copy_deploy_file(stack: AzureLayerStack, relative: str, source: Path) -> None:
    """A checked project file (a scene's model) next to the stack for a post-deploy step."""
    target = Path(App.of(stack).outdir) / "stacks" / stack.ctx.stack_name / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
