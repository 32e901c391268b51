"""One Linux Function App (Python, Functions runtime 4, Flex Consumption FC1) hosting a layer's functions.

Why Flex Consumption: it scales to zero like the old Linux Consumption plan (Y1), which Microsoft
is retiring, and it authenticates to its own storage with the managed identity, so no storage
key or connection string is ever an app setting (a predecessor defect).

Why one app per layer: functions of a layer share code (`runtime/`), identity and scaling; the
app's `DT_FUNCTIONS` setting tells `runtime/azure/function_app.py` which functions to register.
Functions of the app hand work to each other through Storage queues in the host account (the
Azure counterpart of Lambda's async invoke: retries, then a poison queue keeps the message).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs import Construct

from constructs_lib.azure import roles
from constructs_lib.azure.placement import AzurePlacement
from constructs_lib.azure.storage_account import storage_account
from twin_contract import functions as contract
from twin_contract.azure_names import function_storage_account

PYTHON_VERSION = "3.11"
DEPLOYMENT_CONTAINER = "deployments"
QUEUE_CONNECTION = "DT_QUEUES"  # the connection name the queue triggers use (identity-based)


@dataclass(frozen=True)
class FunctionHostProps:
    placement: AzurePlacement
    identity_id: str
    identity_client_id: str
    identity_principal_id: str
    bundle_dir: Path  # staged code: function_app.py, host.json, runtime/, project/
    functions: tuple[str, ...]  # runtime/azure/functions/<name>.py modules to register
    queues: tuple[str, ...] = ()
    app_settings: tuple[tuple[str, str], ...] = ()
    app_insights_connection_string: str | None = None
    debug: bool = False


class FunctionHost(Construct):
    """Exposes `app`, `storage_account`, `queue_ids` and `queue_urls` (name → id/URL), `base_url`."""

    def __init__(self, scope: Construct, id: str, props: FunctionHostProps) -> None:
        super().__init__(scope, id)
        from cdktn import AssetType, TerraformAsset
        from cdktn_provider_azurerm.function_app_flex_consumption import FunctionAppFlexConsumption
        from cdktn_provider_azurerm.service_plan import ServicePlan
        from cdktn_provider_azurerm.storage_container import StorageContainer
        from cdktn_provider_azurerm.storage_queue import StorageQueue

        names, placement = props.placement.names, props.placement
        self.functions = props.functions
        self.storage_account = storage_account(
            self,
            "Storage",
            name=function_storage_account(names),
            placement=placement,
            blob_properties={"delete_retention_policy": {"days": 7}},
        )
        deployments = StorageContainer(
            self,
            "Deployments",
            name=DEPLOYMENT_CONTAINER,
            storage_account_id=self.storage_account.id,
            container_access_type="private",
        )
        self.queue_ids: dict[str, str] = {}
        self.queue_urls: dict[str, str] = {}
        for queue in props.queues:
            resource = StorageQueue(self, f"Queue-{queue}", name=queue, storage_account_id=self.storage_account.id)
            self.queue_ids[queue] = resource.id
            self.queue_urls[queue] = f"{self.storage_account.primary_queue_endpoint}{queue}"
        grants = [
            roles.grant(self, "HostBlobOwner", role=roles.BLOB_DATA_OWNER,
                        principal_id=props.identity_principal_id, resource_id=self.storage_account.id),
            roles.grant(self, "HostQueues", role=roles.QUEUE_DATA_CONTRIBUTOR,
                        principal_id=props.identity_principal_id, resource_id=self.storage_account.id),
            roles.grant(self, "HostTables", role=roles.TABLE_DATA_CONTRIBUTOR,
                        principal_id=props.identity_principal_id, resource_id=self.storage_account.id),
        ]
        plan = ServicePlan(
            self,
            "Plan",
            name=names.plain("plan"),
            **placement.resource_args(),
            os_type="Linux",
            sku_name="FC1",
        )
        code = TerraformAsset(self, "Code", path=str(props.bundle_dir), type=AssetType.ARCHIVE)
        identity_settings = {
            "AzureWebJobsStorage__accountName": self.storage_account.name,
            "AzureWebJobsStorage__credential": "managedidentity",
            "AzureWebJobsStorage__clientId": props.identity_client_id,
            f"{QUEUE_CONNECTION}__queueServiceUri": self.storage_account.primary_queue_endpoint,
            f"{QUEUE_CONNECTION}__credential": "managedidentity",
            f"{QUEUE_CONNECTION}__clientId": props.identity_client_id,
            "AZURE_CLIENT_ID": props.identity_client_id,
        }
        settings = {
            **identity_settings,
            contract.DT_FUNCTIONS: ",".join(props.functions),
            # Every queue of the app as `<NAME>_QUEUE_URL` (functions enqueue by URL).
            **{contract.queue_url_setting(queue): url for queue, url in self.queue_urls.items()},
            **dict(props.app_settings),
        }
        site_config: dict[str, Any] = {"minimum_tls_version": "1.2", "http2_enabled": True}
        if props.app_insights_connection_string:
            site_config["application_insights_connection_string"] = props.app_insights_connection_string
        self.app = FunctionAppFlexConsumption(
            self,
            "App",
            name=names.global_name("func"),
            **placement.resource_args(),
            service_plan_id=plan.id,
            runtime_name="python",
            runtime_version=PYTHON_VERSION,
            storage_container_type="blobContainer",
            storage_container_endpoint=f"{self.storage_account.primary_blob_endpoint}{DEPLOYMENT_CONTAINER}",
            storage_authentication_type="UserAssignedIdentity",
            storage_user_assigned_identity_id=props.identity_id,
            identity={"type": "UserAssigned", "identity_ids": [props.identity_id]},
            https_only=True,
            client_certificate_mode="Optional",
            webdeploy_publish_basic_authentication_enabled=False,
            zip_deploy_file=code.path,
            app_settings=settings,
            site_config=site_config,
            depends_on=[deployments, *grants],
        )
        self.base_url = f"https://{self.app.default_hostname}"

    def function_url(self, route: str) -> str:
        """The public URL of an HTTP function (`route` as declared by the function, under /api/)."""
        return f"{self.base_url}/api/{route}"
