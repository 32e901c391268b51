"""The base every Google Cloud layer stack extends (CDK Terrain).

It decides what every Google layer shares: provider, enabled APIs, the layer's service account,
the function source bucket and twin functions. Cross-cloud wiring is the bridge endpoints' job
(bridges.py); what a stack needs of an earlier Google layer comes from that layer's typed outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from cdktn import TerraformResource
from constructs import Construct

from cdk_app.bundles import Bundles
from twin_model.config.model import Provider
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.gcp.bridge_endpoints import GcpBridgeEndpoints
from cdk_app.stacks.gcp.bundle import finish_gcp_bundles
from cdk_app.stacks.gcp.monitoring import add_monitoring
from cdk_app.stacks.outputs import LayerOutputs
from cdk_app.stacks.terraform.base import TerraformLayerStack
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings
from constructs_lib.gcp.function_source import FunctionSourceBucket, FunctionSourceBucketProps
from constructs_lib.gcp.layer_service_account import LayerServiceAccount, LayerServiceAccountProps, ProjectRole
from constructs_lib.gcp.mover_schedule import MoverSchedule, MoverScheduleProps
from constructs_lib.gcp.naming import bucket_name, resource_name, service_account_id, slug
from constructs_lib.gcp.project_apis import ProjectApis, ProjectApisProps
from constructs_lib.gcp.twin_function import PUBLIC, EventTrigger, TwinFunction, TwinFunctionProps
from twin_contract import functions as contract

FUNCTION_APIS = (
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "storage.googleapis.com",
    "logging.googleapis.com",
)
BASE_APIS = ("iam.googleapis.com", "cloudresourcemanager.googleapis.com")
SCHEDULER_API = "cloudscheduler.googleapis.com"
MOVER_MEMORY, MOVER_TIMEOUT = "512M", 540  # movers work in pages until their time budget (480 s) is spent

Outputs = TypeVar("Outputs", bound=LayerOutputs)


class GcpLayerStack(TerraformLayerStack):
    """A Terraform stack on Google Cloud for one layer. Subclasses set APIS and `project_roles()`."""

    APIS: tuple[str, ...] = ()

    def __init__(self, scope: Construct, ctx: LayerContext, *, settings: TerraformSettings) -> None:
        super().__init__(scope, ctx, settings=settings)
        from cdktn_provider_google.provider import GoogleProvider  # heavy: only when GCP is used
        from cdktn_provider_random.provider import RandomProvider

        # Credentials come from application-default credentials, never from project files.
        GoogleProvider(
            self,
            "google",
            project=settings.gcp_project,
            region=settings.gcp_region,
            default_labels={"digital-twin": slug(ctx.twin), "digital-twin-layer": ctx.stack.suffix},
        )
        RandomProvider(self, "random")
        self.region = settings.gcp_region
        self._source: FunctionSourceBucket | None = None
        self._archives: dict[str, str] = {}
        self._apis_needed: set[str] = set(BASE_APIS + self.APIS)
        self.bridges = GcpBridgeEndpoints(self)
        self.account = LayerServiceAccount(
            self,
            "LayerAccount",
            LayerServiceAccountProps(
                account_id=service_account_id(self.twin, ctx.stack.suffix),
                display_name=f"Digital twin {self.twin}: {ctx.stack.suffix} functions",
                project=settings.gcp_project,
                project_roles=self.project_roles(),
            ),
        )

    def project_roles(self) -> tuple[ProjectRole, ...]:
        return ()

    def require_apis(self, *services: str) -> None:
        self._apis_needed.update(services)

    def complete(self) -> None:
        """Alert on what the layer made (and hold the channels or dashboard where this stack does),
        then enable only the APIs this stack's resources use (known once the layer is built), and
        make every Google resource wait for them: a fresh project has them off. Every bridge with
        an end here must have been bound by then."""
        self.bridges.check_bound()
        self.outputs = replace(self.outputs, health=add_monitoring(self))
        apis = ProjectApis(
            self, "Apis", ProjectApisProps(services=tuple(sorted(self._apis_needed)), project=self.settings.gcp_project)
        )
        # Plain addresses (`google_project_service.x`): depends_on takes references, not interpolations.
        services = {f"{service.terraform_resource_type}.{service.friendly_unique_id}" for service in apis.services}
        for node in self.node.find_all():
            if (
                isinstance(node, TerraformResource)
                and node.terraform_resource_type.startswith("google_")
                and node.terraform_resource_type != "google_project_service"
            ):
                node.depends_on = sorted(services | set(node.depends_on or []))

    # -- naming ----------------------------------------------------------------------------

    def name(self, role: str, limit: int = 63) -> str:
        return resource_name(self.twin, role, limit)

    def bucket_name(self, purpose: str) -> str:
        return bucket_name(self.twin, purpose, self.settings.gcp_project)

    # -- functions -------------------------------------------------------------------------

    @property
    def bundles(self) -> Bundles:
        return self.ctx.bundles.for_cloud(Provider.GOOGLE, finish_gcp_bundles)

    def archive(self, id: str, path: Path) -> str:
        """The object name of `path` zipped into this stack's source bucket (uploaded once)."""
        if id not in self._archives:
            self._archives[id] = self._source_bucket().add_archive(id, path).name
        return self._archives[id]

    def _source_bucket(self) -> FunctionSourceBucket:
        if self._source is None:
            self._source = FunctionSourceBucket(
                self,
                "Source",
                FunctionSourceBucketProps(
                    bucket_name=self.bucket_name(f"{self.ctx.stack.suffix}-src"), location=self.region, debug=self.debug
                ),
            )
        return self._source

    def scheduled_mover(self, id: str, role: str, environment: Mapping[str, str], description: str) -> TwinFunction:
        """A mover that Cloud Scheduler alone calls (internal ingress), one instance at a time with
        the longest timeout; the schedule `<id>Schedule` runs it."""
        mover = self.function(
            id,
            role,
            environment=environment,
            memory=MOVER_MEMORY,
            timeout_seconds=MOVER_TIMEOUT,
            max_instances=1,
            description=description,
            internal_ingress_only=True,
        )
        self.require_apis(SCHEDULER_API)
        MoverSchedule(
            self,
            f"{id}Schedule",
            MoverScheduleProps(name=self.name(role), region=self.region, target_url=mover.url, service_account_email=self.account.email),
        )
        return mover

    def function(
        self,
        id: str,
        role: str,
        *,
        environment: Mapping[str, str] | None = None,
        entry_point: str | None = None,
        processing: bool = False,
        source: Path | None = None,
        public: bool = False,
        internal_callers: tuple[str, ...] = (),
        event_trigger: EventTrigger | None = None,
        memory: str = "256M",
        timeout_seconds: int = 60,
        max_instances: int = 10,
        description: str = "",
        internal_ingress_only: bool = False,
    ) -> TwinFunction:
        """A twin function named `<twin>-<role>` running `runtime.gcp.<entry_point>` as the layer's account.

        `public` functions are bridge receivers (allUsers, token checked in code); others may be
        called only by this layer's account and `internal_callers`.
        """
        self.require_apis(*FUNCTION_APIS)
        if source is not None:
            archive = self.archive(id, source)
        else:
            bundle = self.bundles.processing if processing else self.bundles.runtime
            archive = self.archive("Processing" if processing else "Runtime", bundle)
        invokers = (PUBLIC,) if public else (self.account.member, *internal_callers)
        return TwinFunction(
            self,
            id,
            TwinFunctionProps(
                name=self.name(role),
                location=self.region,
                source_bucket=self._source_bucket().bucket.name,
                source_object=archive,
                entry_point=entry_point or role.replace("-", "_"),
                service_account_email=self.account.email,
                environment={
                    contract.TWIN_NAME: self.twin,
                    contract.LOG_LEVEL: "DEBUG" if self.debug else "INFO",
                    **(environment or {}),
                },
                description=description or f"Digital twin {self.twin}: {role}",
                memory=memory,
                timeout_seconds=timeout_seconds,
                max_instances=max_instances,
                event_trigger=event_trigger,
                invokers=invokers,
                internal_ingress_only=internal_ingress_only,
            ),
        )
