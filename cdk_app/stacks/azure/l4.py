"""L4 twin on Azure: Azure Digital Twins, generated DTDL files, ADT updater and DT Data Connector.

Live values: the persister updates twin `<device_id>` — directly when L2 is on Azure (L2 grants
itself access, L4 being deployed first), through the ADT updater receiver when L2 is on another
cloud (the L2→L4 twin-update bridge). History for dashboards comes from the hot reader, through
the Digital Twin Data Connector here when L3 hot is on another cloud. The models and twins to
upload: cdk_app/stacks/azure/dtdl_upload.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cdktn import App, TerraformOutput

from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureTwinOutputs, DashboardSource
from cdk_app.stacks.azure.dtdl_upload import dtdl_upload
from twin_model.topology import BridgeKind
from constructs_lib.azure.digital_twins import DigitalTwins, DigitalTwinsProps
from constructs_lib.azure.scene_storage import SceneStorage, SceneStorageProps
from constructs_lib.tokens import generated_token
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY

SCENES_DIR = "adt/scenes"  # twin_ops/post_deploy/azure_digital_twins.py uploads it
SCENES_OUTPUT = "scenes_container_url"
MODELS_FILE = "adt/models.json"
TWINS_FILE = "adt/twins.json"
DASHBOARD_CONNECTOR_SECRET = "dashboard-connector-token"


class AzureTwinStack(AzureLayerStack):
    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        twins = DigitalTwins(self, "Twin", DigitalTwinsProps(self.placement))
        functions, settings = [], {}
        update_bridge = self.topology.bridge(BridgeKind.L2_TO_TWIN_UPDATE)
        if update_bridge is not None:
            functions.append(contract.ADT_UPDATER)
            settings[contract.ADT_URL] = twins.url
            settings[contract.UPDATER_TOKEN_SECRET] = self.bridges.inbound_token_secret(update_bridge)
            twins.grant(self, "UpdaterUpdatesTwins", self.identity.principal_id, write=True)
        reader_bridge = self.topology.bridge(BridgeKind.HOT_TO_L4_READER)
        dashboard = None
        if reader_bridge is not None:
            functions.append(contract.DT_DATA_CONNECTOR)
            settings.update(self.bridges.send(reader_bridge))
            token = generated_token(self, "DashboardConnectorToken")
            settings[contract.INBOUND_TOKEN_SECRET] = self.ensure_vault().secret(
                self, "DashboardConnectorSecret", name=DASHBOARD_CONNECTOR_SECRET, value=token,
                content_type="token of the Digital Twin Data Connector for dashboards (L5)",
            )
        if functions:
            # The ADT updater reads which properties each twin declares from the processing bundle.
            host = self.add_function_host(tuple(functions), settings, processing=update_bridge is not None)
            if update_bridge is not None:
                self.bridges.receive(update_bridge, {URL_KEY: host.function_url(contract.ADT_UPDATER.route)})
            if reader_bridge is not None:
                dashboard = DashboardSource(
                    host.function_url(contract.DT_DATA_CONNECTOR.route), host.function_url(contract.DT_DATA_CONNECTOR_LAST_ENTRY.route),
                    self.names.key_vault(), DASHBOARD_CONNECTOR_SECRET,
                )
        config = self.config
        models, twin_graph = dtdl_upload(config)
        self.write_deploy_file(MODELS_FILE, models)
        self.write_deploy_file(TWINS_FILE, twin_graph)
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
