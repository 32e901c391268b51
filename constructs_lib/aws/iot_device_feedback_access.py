"""What a function needs to deliver feedback to the twin's devices on AWS IoT Core.

It publishes on the twin's device feedback topics and checks that the device's thing exists
(runtime/aws/iot_devices.py), both limited to the twin's own names: the device level is a
wildcard, one statement per device would outgrow the policy size limit.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from constructs_lib.aws.nag import acknowledge_wildcard_resources
from twin_contract.devices import client_id, feedback_topic


def grant_device_feedback(function: lambda_.Function, twin_name: str) -> None:
    # Region and account as pseudo parameters, so the policy and its finding read the same everywhere.
    prefix = f"arn:{Aws.PARTITION}:iot:{Aws.REGION}:{Aws.ACCOUNT_ID}"
    topics = f"{prefix}:topic/{feedback_topic(twin_name, '*')}"
    things = f"{prefix}:thing/{client_id(twin_name, '*')}"
    function.add_to_role_policy(iam.PolicyStatement(actions=["iot:Publish"], resources=[topics]))
    function.add_to_role_policy(iam.PolicyStatement(actions=["iot:DescribeThing"], resources=[things]))
    acknowledge_wildcard_resources(
        function,
        [topics, things],
        "feedback may go to any device of the twin: the wildcard is the device level of the twin's own "
        "feedback topics and things (one statement per device would outgrow the policy size limit)",
    )
