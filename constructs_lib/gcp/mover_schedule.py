"""A Cloud Scheduler job that calls a mover function daily, authenticated with an OIDC token.

Google has no change stream that fires when Firestore's TTL removes a document (as DynamoDB
Streams do) nor an object-age event in GCS, so data leaving Google for another cloud is moved on
a schedule. The job's account holds `roles/run.invoker` on the mover and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.cloud_scheduler_job import (
    CloudSchedulerJob,
    CloudSchedulerJobHttpTarget,
    CloudSchedulerJobHttpTargetOidcToken,
    CloudSchedulerJobRetryConfig,
)
from constructs import Construct


@dataclass(frozen=True)
class MoverScheduleProps:
    name: str
    region: str
    target_url: str
    service_account_email: str  # must be allowed to invoke the target
    schedule: str = "0 2 * * *"
    time_zone: str = "Etc/UTC"


class MoverSchedule(Construct):
    """Exposes `job`."""

    def __init__(self, scope: Construct, id: str, props: MoverScheduleProps) -> None:
        super().__init__(scope, id)
        self.job = CloudSchedulerJob(
            self,
            "Job",
            name=props.name,
            region=props.region,
            schedule=props.schedule,
            time_zone=props.time_zone,
            attempt_deadline="540s",
            retry_config=CloudSchedulerJobRetryConfig(retry_count=3, min_backoff_duration="60s"),
            http_target=CloudSchedulerJobHttpTarget(
                uri=props.target_url,
                http_method="POST",
                headers={"Content-Type": "application/json"},
                body="e30=",  # base64 of "{}"
                oidc_token=CloudSchedulerJobHttpTargetOidcToken(
                    service_account_email=props.service_account_email, audience=props.target_url
                ),
            ),
        )
