"""L4 twin on Azure: Azure Digital Twins, generated DTDL files, ADT updater and DT Data Connector.

Live values: the persister updates twin `<device_id>` — directly when L2 is on Azure (this stack
grants itself access, L4 being deployed first), through the ADT updater receiver when L2 is
on another cloud (the L2→L4 twin-update bridge). History for dashboards comes from the hot reader,
through the Digital Twin Data Connector here when L3 hot is on another cloud.
"""

from __future__ import annotations

from cdk_app.stacks.terrain.azure import AzureLayerStack
from cdk_app.topology import BridgeKind
from constructs_lib.azure import dtdl
from constructs_lib.azure.digital_twins import DigitalTwins, DigitalTwinsProps
from constructs_lib.azure.inter_cloud_receiver import vault_secret_name
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY

MODELS_FILE = "adt/models.json"
TWINS_FILE = "adt/twins.json"
DASHBOARD_CONNECTOR_SECRET = "dashboard-connector-token"


class AzureTwinStack(AzureLayerStack):
    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        from cdktn_provider_random.password import Password

        self.twins = DigitalTwins(
            self, "Twin", DigitalTwinsProps(self.names, self.location, self.resource_group.name, self.tags)
        )
        functions, settings = [], {}
        update_bridge = self.bridge(BridgeKind.L2_TO_TWIN_UPDATE)
        if update_bridge is not None:
            functions.append("adt_updater")
            settings["ADT_URL"] = self.twins.url
            settings["UPDATER_TOKEN_SECRET"] = vault_secret_name(update_bridge.connection_id)
            self.twins.grant(self, "UpdaterUpdatesTwins", self.identity.principal_id, write=True)
        reader_bridge = self.bridge(BridgeKind.HOT_TO_L4_READER)
        if reader_bridge is not None:
            functions.append("dt_data_connector")
            sender = self.add_sender(reader_bridge, (URL_KEY, LAST_ENTRY_URL_KEY))
            settings.update(sender.settings())
            settings["REMOTE_LAST_ENTRY_URL"] = sender.urls[LAST_ENTRY_URL_KEY]
            token = Password(self, "DashboardConnectorToken", length=48, special=False)
            settings["INBOUND_TOKEN_SECRET"] = self.ensure_vault().secret(
                self, "DashboardConnectorSecret", name=DASHBOARD_CONNECTOR_SECRET, value=token.result,
                content_type="token of the Digital Twin Data Connector for dashboards (L5)",
            )
        self.reader_url = self.last_entry_url = None
        if functions:
            host = self.add_function_host(tuple(functions), settings)
            if update_bridge is not None:
                self.add_receiver(update_bridge, {URL_KEY: host.function_url("adt-updater")})
            if reader_bridge is not None:
                self.reader_url = host.function_url("dt-data-connector")
                self.last_entry_url = host.function_url("dt-data-connector-last-entry")
        config = self.config
        self.write_deploy_file(MODELS_FILE, dtdl.models(config.name, config.devices))
        self.write_deploy_file(TWINS_FILE, dtdl.twins(config.name, config.devices, config.hierarchy))
