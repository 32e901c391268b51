"""The one shape of the twin's failure queues: what a function, rule or stream could not deliver.

Encrypted, TLS-only and kept for the longest retention SQS allows, so nothing is dropped before
someone looks. The queue is made in `scope` under `id` itself (no wrapping construct), so its
logical id is the caller's.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_sqs as sqs
from constructs import Construct


def failure_queue(scope: Construct, id: str, *, queue_name: str, debug: bool, serves_as: str) -> sqs.Queue:
    """`serves_as` names what the queue is the failure destination of; being that, it needs no
    dead-letter queue of its own (cdk-nag's SQS3)."""
    queue = sqs.Queue(
        scope,
        id,
        queue_name=queue_name,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
        removal_policy=RemovalPolicy.DESTROY if debug else RemovalPolicy.RETAIN,
    )
    Validations.of(queue).acknowledge(
        Acknowledgment(id="AwsSolutions-SQS3", reason=f"this queue is itself {serves_as}")
    )
    return queue
