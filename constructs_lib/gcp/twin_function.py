"""A Cloud Function (gen2) of the twin: one place decides runtime, limits, identity and who may call.

Every function runs as its layer's service account. Callers are granted `roles/run.invoker` on
the function's Cloud Run service: the layer's own accounts for internal calls (IAM-authenticated
HTTP with an ID token), or `allUsers` for bridge receivers, which other clouds call without
Google credentials and which reject any request without the connection's token (checked in code,
constant time). Functions triggered only by Google services of the project (Eventarc, Cloud
Scheduler) also take internal traffic only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktn_provider_google.cloud_run_v2_service_iam_member import CloudRunV2ServiceIamMember
from cdktn_provider_google.cloudfunctions2_function import (
    Cloudfunctions2Function,
    Cloudfunctions2FunctionBuildConfig,
    Cloudfunctions2FunctionBuildConfigSource,
    Cloudfunctions2FunctionBuildConfigSourceStorageSource,
    Cloudfunctions2FunctionEventTrigger,
    Cloudfunctions2FunctionServiceConfig,
)
from constructs import Construct

RUNTIME = "python312"
PUBLIC = "allUsers"


@dataclass(frozen=True)
class EventTrigger:
    """An Eventarc trigger created with the function (e.g. Pub/Sub messagePublished)."""

    event_type: str
    service_account_email: str
    pubsub_topic: str | None = None
    retry: bool = True


@dataclass(frozen=True)
class TwinFunctionProps:
    name: str  # ≤ 63 characters (constructs_lib.gcp.naming.resource_name)
    location: str | None
    source_bucket: str
    source_object: str
    entry_point: str  # a handler of runtime.gcp (see runtime/gcp/bundle_root/main.py) or user code's
    service_account_email: str
    environment: dict[str, str] = field(default_factory=dict)
    description: str = ""
    memory: str = "256M"
    timeout_seconds: int = 60
    max_instances: int = 10
    event_trigger: EventTrigger | None = None
    invokers: tuple[str, ...] = ()  # IAM members allowed to call; PUBLIC for bridge receivers
    # Functions called only by Eventarc, Pub/Sub, Cloud Scheduler or Workflows of the project accept
    # internal traffic only; functions called by other functions (their calls leave Google's
    # network without a VPC connector) or by other clouds need "ALLOW_ALL" and rely on IAM/token.
    internal_ingress_only: bool = False
    labels: dict[str, str] = field(default_factory=dict)


class TwinFunction(Construct):
    """Exposes `function`, `name`, `url` and `service` (the Cloud Run service name)."""

    def __init__(self, scope: Construct, id: str, props: TwinFunctionProps) -> None:
        super().__init__(scope, id)
        trigger = None
        if props.event_trigger:
            trigger = Cloudfunctions2FunctionEventTrigger(
                event_type=props.event_trigger.event_type,
                pubsub_topic=props.event_trigger.pubsub_topic,
                service_account_email=props.event_trigger.service_account_email,
                retry_policy="RETRY_POLICY_RETRY" if props.event_trigger.retry else "RETRY_POLICY_DO_NOT_RETRY",
                trigger_region=props.location,
            )
        self.function = Cloudfunctions2Function(
            self,
            "Function",
            name=props.name,
            location=props.location,
            description=props.description or props.name,
            labels=props.labels or None,
            build_config=Cloudfunctions2FunctionBuildConfig(
                runtime=RUNTIME,
                entry_point=props.entry_point,
                source=Cloudfunctions2FunctionBuildConfigSource(
                    storage_source=Cloudfunctions2FunctionBuildConfigSourceStorageSource(
                        bucket=props.source_bucket, object=props.source_object
                    )
                ),
            ),
            service_config=Cloudfunctions2FunctionServiceConfig(
                service_account_email=props.service_account_email,
                available_memory=props.memory,
                timeout_seconds=props.timeout_seconds,
                min_instance_count=0,
                max_instance_count=props.max_instances,
                ingress_settings="ALLOW_INTERNAL_ONLY" if props.internal_ingress_only else "ALLOW_ALL",
                all_traffic_on_latest_revision=True,
                environment_variables=dict(props.environment) or None,
            ),
            event_trigger=trigger,
        )
        self.name = self.function.name
        self.url = self.function.url
        self.service = self.function.service_config.service
        for index, member in enumerate(props.invokers):
            grant_invoke(self, f"Invoker{index}", self.service, self.function.location, member)


def grant_invoke(scope: Construct, id: str, service: str, location: str | None, member: str) -> CloudRunV2ServiceIamMember:
    """Let `member` call a function (`roles/run.invoker` on its Cloud Run service).

    A caller's stack creates the binding for its own account (it is deployed after the callee),
    so no stack ever refers to a stack deployed later.
    """
    return CloudRunV2ServiceIamMember(scope, id, name=service, location=location, role="roles/run.invoker", member=member)
