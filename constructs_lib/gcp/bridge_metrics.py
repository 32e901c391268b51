"""Log-based metrics of the bridge senders on Google Cloud (twin_contract.monitoring).

Cloud Run keeps each sender's JSON line as `jsonPayload`; these metrics count the twin's failed
and retried deliveries and collect their latency, for the bridge alert and the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.logging_metric import (
    LoggingMetric,
    LoggingMetricBucketOptions,
    LoggingMetricBucketOptionsExponentialBuckets,
    LoggingMetricMetricDescriptor,
)
from constructs import Construct

from twin_contract.gcp_names import resource_name
from twin_contract.monitoring import DELIVERY_EVENT, DELIVERY_LATENCY, DELIVERY_RETRIES, FAILED, TWIN_DIMENSION


@dataclass(frozen=True)
class BridgeMetricNames:
    failures: str
    retried: str
    latency: str

    @classmethod
    def of(cls, twin_name: str) -> "BridgeMetricNames":
        return cls(*(resource_name(twin_name, f"bridge-{kind}", 100) for kind in ("failures", "retried", "latency")))

    def metric_type(self, name: str) -> str:
        return f"logging.googleapis.com/user/{name}"


@dataclass(frozen=True)
class BridgeMetricsProps:
    twin_name: str


class BridgeMetrics(Construct):
    """Exposes `names` and `metrics`."""

    def __init__(self, scope: Construct, id: str, props: BridgeMetricsProps) -> None:
        super().__init__(scope, id)
        self.names = BridgeMetricNames.of(props.twin_name)
        lines = f'jsonPayload.event="{DELIVERY_EVENT}" AND jsonPayload.{TWIN_DIMENSION}="{props.twin_name}"'
        counter = LoggingMetricMetricDescriptor(metric_kind="DELTA", value_type="INT64", unit="1")
        self.metrics = [
            LoggingMetric(self, "Failures", name=self.names.failures, filter=f'{lines} AND jsonPayload.outcome="{FAILED}"',
                          description="Bridge deliveries that failed after every retry", metric_descriptor=counter),
            LoggingMetric(self, "Retried", name=self.names.retried, filter=f"{lines} AND jsonPayload.{DELIVERY_RETRIES}>0",
                          description="Bridge deliveries that needed a retry", metric_descriptor=counter),
            LoggingMetric(
                self,
                "Latency",
                name=self.names.latency,
                filter=lines,
                description="Bridge delivery latency, first attempt to outcome (ms)",
                metric_descriptor=LoggingMetricMetricDescriptor(metric_kind="DELTA", value_type="DISTRIBUTION", unit="ms"),
                value_extractor=f"EXTRACT(jsonPayload.{DELIVERY_LATENCY})",
                bucket_options=LoggingMetricBucketOptions(
                    exponential_buckets=LoggingMetricBucketOptionsExponentialBuckets(num_finite_buckets=32, growth_factor=2, scale=1)
                ),
            ),
        ]
