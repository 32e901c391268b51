"""Google Cloud layer stacks (CDK Terrain): the common base of the L1, L2 and L3 stacks.

The base decides what every Google layer shares: provider, enabled APIs, the layer's service
account, the function source bucket, twin functions, and both sides of a bridge through the
connection registry (AWS), CDK Terrain cross-stack references (Azure) and Secret Manager.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from cdktn import Annotations, TerraformResource, TerraformStack
from constructs import Construct

from cdk_app.bundles import RUNTIME_ROOT, Bundles, stage_bundles
from cdk_app.config.model import Layer, Provider
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terrain.settings import TerrainSettings
from cdk_app.topology import Bridge
from constructs_lib.gcp.aws_registry_entry import AwsRegistryEntry, AwsRegistryEntryProps
from constructs_lib.gcp.aws_registry_lookup import AwsRegistryLookup, AwsRegistryLookupProps
from constructs_lib.gcp.function_source import FunctionSourceBucket, FunctionSourceBucketProps
from constructs_lib.gcp.layer_service_account import LayerServiceAccount, LayerServiceAccountProps, ProjectRole
from constructs_lib.gcp.naming import bucket_name, resource_name, service_account_id, slug
from constructs_lib.gcp.project_apis import ProjectApis, ProjectApisProps
from constructs_lib.gcp.token_secret import TokenSecret, TokenSecretProps
from constructs_lib.gcp.twin_function import PUBLIC, EventTrigger, TwinFunction, TwinFunctionProps
# The Azure stacks' value object: both Terraform clouds publish the same shape (docs/terrain-bridges.md).
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY

TOKEN_LENGTH = 48
SOURCE_CLOUD = "google"
# Files the Cloud Functions Python build needs at the root of every source archive.
BUNDLE_ROOT_FILES = ("main.py", "requirements.txt")
FUNCTION_APIS = (
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "storage.googleapis.com",
    "logging.googleapis.com",
)
BASE_APIS = ("iam.googleapis.com", "cloudresourcemanager.googleapis.com")
SECRET_API = "secretmanager.googleapis.com"
SCHEDULER_API = "cloudscheduler.googleapis.com"

_STAGED: dict[Path, Bundles] = {}


def gcp_bundles(config, staging_dir: Path) -> Bundles:
    """The Google bundles (runtime/core + runtime/gcp [+ project]), staged once per synth.

    Cloud Functions builds `main.py` + `requirements.txt` at the archive root, so both are copied
    from runtime/gcp/bundle_root next to the `runtime/` package.
    """
    if staging_dir not in _STAGED:
        bundles = stage_bundles(config, staging_dir, "gcp")
        for target in (bundles.runtime, bundles.processing):
            for name in BUNDLE_ROOT_FILES:
                shutil.copyfile(RUNTIME_ROOT / "gcp" / "bundle_root" / name, target / name)
        _STAGED[staging_dir] = bundles
    return _STAGED[staging_dir]


class GcpLayerStack(TerraformStack):
    """A Terraform stack on Google Cloud for one layer; `built` holds the Terraform stacks deployed before it.

    Subclasses set APIS and implement `build()`. Every stack exposes `inter_cloud_endpoints`:
    connection id → InterCloudEndpoint(connection_id, url, token, last_entry_url) of the receivers
    it owns, read by Terraform stacks on other clouds (the Azure stacks' shape).
    """

    APIS: tuple[str, ...] = ()

    def __init__(
        self,
        scope: Construct,
        ctx: LayerContext,
        *,
        settings: TerrainSettings,
        built: Mapping[Layer, TerraformStack],
    ) -> None:
        super().__init__(scope, ctx.stack_name)
        from cdktn_provider_google.provider import GoogleProvider  # heavy: only when GCP is used
        from cdktn_provider_random.provider import RandomProvider

        # Credentials come from application-default credentials, never from project files.
        GoogleProvider(
            self,
            "google",
            project=settings.gcp_project,
            region=settings.gcp_region,
            default_labels={"digital-twin": slug(ctx.twin), "digital-twin-layer": ctx.layer.value},
        )
        RandomProvider(self, "random")
        self.ctx = ctx
        self.settings = settings
        self.built = built
        self.twin = ctx.twin
        self.debug = ctx.config.twin.debug
        self.region = settings.gcp_region
        self.inter_cloud_endpoints: dict[str, InterCloudEndpoint] = {}
        self._aws_provider = None
        self._source: FunctionSourceBucket | None = None
        self._archives: dict[str, str] = {}
        self._apis_needed: set[str] = set(BASE_APIS + self.APIS)
        self.account = LayerServiceAccount(
            self,
            "LayerAccount",
            LayerServiceAccountProps(
                account_id=service_account_id(self.twin, ctx.layer.value),
                display_name=f"Digital twin {self.twin}: {ctx.layer.value} functions",
                project=settings.gcp_project,
                project_roles=self.project_roles(),
            ),
        )
        self.build()
        # Only the APIs this stack's resources use, known once the layer is built.
        self.apis = ProjectApis(
            self, "Apis", ProjectApisProps(services=tuple(sorted(self._apis_needed)), project=settings.gcp_project)
        )
        self._wait_for_apis()

    # -- to be provided by the layer -------------------------------------------------------

    def project_roles(self) -> tuple[ProjectRole, ...]:
        return ()

    def build(self) -> None:
        """Create the layer's resources (subclasses)."""

    def require_apis(self, *services: str) -> None:
        self._apis_needed.update(services)

    # -- naming ----------------------------------------------------------------------------

    def name(self, role: str, limit: int = 63) -> str:
        return resource_name(self.twin, role, limit)

    def bucket_name(self, purpose: str) -> str:
        return bucket_name(self.twin, purpose, self.settings.gcp_project)

    # -- functions -------------------------------------------------------------------------

    @property
    def bundles(self) -> Bundles:
        return gcp_bundles(self.ctx.config, self.settings.staging_dir)

    def archive(self, id: str, path: Path) -> str:
        """The object name of `path` zipped into this stack's source bucket (uploaded once)."""
        if self._source is None:
            self._source = FunctionSourceBucket(
                self,
                "Source",
                FunctionSourceBucketProps(
                    bucket_name=self.bucket_name(f"{self.ctx.layer.value}-src"), location=self.region, debug=self.debug
                ),
            )
        if id not in self._archives:
            self._archives[id] = self._source.add_archive(id, path).name
        return self._archives[id]

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
            archive = self.archive("Processing" if processing else "Runtime", self.bundles.processing if processing else self.bundles.runtime)
        invokers = (PUBLIC,) if public else (self.account.member, *internal_callers)
        return TwinFunction(
            self,
            id,
            TwinFunctionProps(
                name=self.name(role),
                location=self.region,
                source_bucket=self._source.bucket.name,
                source_object=archive,
                entry_point=entry_point or role.replace("-", "_"),
                service_account_email=self.account.email,
                environment={
                    "TWIN_NAME": self.twin,
                    "LOG_LEVEL": "DEBUG" if self.debug else "INFO",
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

    # -- bridges ---------------------------------------------------------------------------

    def receiver_token(self, bridge: Bridge) -> tuple[str, TokenSecret]:
        """The token of a bridge this layer receives: generated here, readable by this layer only."""
        from cdktn_provider_random.password import Password

        self.require_apis(SECRET_API)
        password = Password(self, f"Token-{bridge.connection_id}", length=TOKEN_LENGTH, special=False)
        secret = TokenSecret(
            self,
            f"TokenSecret-{bridge.connection_id}",
            TokenSecretProps(
                secret_id=self._secret_id(bridge, "inbound"),
                value=password.result,
                readers=(self.account.member,),
                labels=(("connection", bridge.connection_id.replace("_", "-")),),
            ),
        )
        return password.result, secret

    def publish(self, bridge: Bridge, token: str, urls: tuple[tuple[str, str], ...]) -> None:
        """Make a receiver's URLs and token available to the sending cloud's stack."""
        by_key = dict(urls)
        self.inter_cloud_endpoints[bridge.connection_id] = InterCloudEndpoint(
            connection_id=bridge.connection_id, url=by_key[URL_KEY], token=token, last_entry_url=by_key.get(LAST_ENTRY_URL_KEY)
        )
        if bridge.sender_cloud is Provider.AWS:
            self.aws_provider()
            AwsRegistryEntry(
                self,
                f"Registry-{bridge.connection_id}",
                AwsRegistryEntryProps(
                    twin_name=self.twin, connection_id=bridge.connection_id, urls=urls, token=token, debug=self.debug
                ),
            )

    def sender(self, bridge: Bridge, url_key: str = URL_KEY) -> dict[str, str]:
        """REMOTE_URL and REMOTE_TOKEN_SECRET of a bridge this layer sends on."""
        endpoints = getattr(self.built.get(bridge.receiver_layer), "inter_cloud_endpoints", None) or {}
        endpoint = endpoints.get(bridge.connection_id)
        if bridge.receiver_cloud is not Provider.AWS and endpoint is not None:
            # Terraform ↔ Terraform: CDK Terrain cross-stack references (docs/terrain-bridges.md).
            url = endpoint.url if url_key == URL_KEY else getattr(endpoint, url_key.replace("-", "_"))
            token = endpoint.token
        else:
            if bridge.receiver_cloud is not Provider.AWS:
                Annotations.of(self).add_warning(
                    f"the {bridge.receiver_cloud.value} stack of {bridge.receiver_layer.value} does not expose "
                    f"inter_cloud_endpoints[{bridge.connection_id!r}]; reading it from the connection registry"
                )
            self.aws_provider()
            lookup = AwsRegistryLookup(
                self,
                f"Registry-{bridge.connection_id}",
                AwsRegistryLookupProps(twin_name=self.twin, connection_id=bridge.connection_id, url_keys=(url_key,)),
            )
            url, token = lookup.urls[url_key], lookup.token
        self.require_apis(SECRET_API)
        secret = TokenSecret(
            self,
            f"TokenSecret-{bridge.connection_id}",
            TokenSecretProps(
                secret_id=self._secret_id(bridge, "outbound"),
                value=token,
                readers=(self.account.member,),
                labels=(("connection", bridge.connection_id.replace("_", "-")),),
            ),
        )
        return {"REMOTE_URL": url, "REMOTE_TOKEN_SECRET": secret.name}

    def aws_provider(self):
        """The AWS provider for the connection registry, created on first use."""
        if self._aws_provider is None:
            from cdktn_provider_aws.provider import AwsProvider  # heavy: only when a registry is used

            # Credentials come from the AWS credential chain (profile, env), never from project files.
            self._aws_provider = AwsProvider(self, "aws", region=self.settings.aws_region)
        return self._aws_provider

    def _secret_id(self, bridge: Bridge, direction: str) -> str:
        return f"{slug(self.twin)}-{bridge.connection_id}-{direction}-token"

    def _wait_for_apis(self) -> None:
        """Every Google resource of the stack waits for the APIs (a fresh project has them off)."""
        # Plain addresses (`google_project_service.x`): depends_on takes references, not interpolations.
        services = {f"{service.terraform_resource_type}.{service.friendly_unique_id}" for service in self.apis.services}
        for node in self.node.find_all():
            if (
                isinstance(node, TerraformResource)
                and node.terraform_resource_type.startswith("google_")
                and node.terraform_resource_type != "google_project_service"
            ):
                node.depends_on = sorted(services | set(node.depends_on or []))
