"""The twin's device fleet in IoT Core: the same few resources for 10 devices or 100,000.

Devices are data, not resources (docs/design.md §7a). What the fleet needs once:
- one IoT policy for every device. Its policy variables confine a device to itself: it may
  connect only as its own thing (`client/${iot:Connection.Thing.ThingName}`, and only while its
  certificate is attached to that thing) and use only the telemetry and feedback topics of the
  `device_id` attribute of that thing;
- the thing group every device is provisioned into (status counts it, removals list it);
- a just-in-time provisioning (JITP) template and the role IoT Core assumes to run it: the first
  time a certificate signed by the twin's CA connects, IoT Core registers the certificate, creates
  the thing `<twin>-<common name>` with the attribute `device_id` = common name, puts it in the
  group and attaches the policy. No per-device resource, API call or CloudFormation change;
- the secret that holds the twin's CA. The stack makes it with a throwaway value; the onboarding
  step (twin_ops/post_deploy/aws_device_certificates.py) generates the CA into it and registers
  it with IoT Core, so the CA's private key is in no template, output or log.
"""

from __future__ import annotations

import json
from typing import Any
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Aws, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from constructs_lib.aws.nag import acknowledge_wildcard_resources
from twin_contract.devices import (
    DEVICE_ID_ATTRIBUTE,
    DEVICE_ID_VARIABLE,
    THING_NAME_VARIABLE,
    ca_secret_name,
    feedback_topic,
    fleet_policy_name,
    provisioning_role_name,
    provisioning_template_name,
    telemetry_topic,
    thing_group_name,
)

COMMON_NAME = "AWS::IoT::Certificate::CommonName"
CERTIFICATE_ID = "AWS::IoT::Certificate::Id"


def fleet_policy_document(twin_name: str, arn_prefix: str) -> dict[str, Any]:
    """The policy of every device: `arn_prefix` is `arn:<partition>:iot:<region>:<account>:`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iot:Connect",
                "Resource": f"{arn_prefix}client/{THING_NAME_VARIABLE}",
                "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
            },
            {"Effect": "Allow", "Action": "iot:Publish",
             "Resource": f"{arn_prefix}topic/{telemetry_topic(twin_name, DEVICE_ID_VARIABLE)}"},
            {"Effect": "Allow", "Action": "iot:Subscribe",
             "Resource": f"{arn_prefix}topicfilter/{feedback_topic(twin_name, DEVICE_ID_VARIABLE)}"},
            {"Effect": "Allow", "Action": "iot:Receive",
             "Resource": f"{arn_prefix}topic/{feedback_topic(twin_name, DEVICE_ID_VARIABLE)}"},
        ],
    }


def provisioning_template_body(twin_name: str) -> dict[str, Any]:
    """What IoT Core does on a device's first connection (JITP): thing, certificate, policy."""
    common_name = {"Ref": COMMON_NAME}
    return {
        "Parameters": {COMMON_NAME: {"Type": "String"}, CERTIFICATE_ID: {"Type": "String"}},
        "Resources": {
            "thing": {
                "Type": "AWS::IoT::Thing",
                "Properties": {
                    "ThingName": {"Fn::Join": ["", [f"{twin_name}-", common_name]]},
                    "AttributePayload": {DEVICE_ID_ATTRIBUTE: common_name},
                    "ThingGroups": [thing_group_name(twin_name)],
                },
                "OverrideSettings": {"AttributePayload": "REPLACE", "ThingGroups": "MERGE"},
            },
            "certificate": {
                "Type": "AWS::IoT::Certificate",
                "Properties": {"CertificateId": {"Ref": CERTIFICATE_ID}, "Status": "ACTIVE"},
            },
            "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": fleet_policy_name(twin_name)}},
        },
    }


@dataclass(frozen=True)
class DeviceFleetProps:
    twin_name: str
    debug: bool = False


class DeviceFleet(Construct):
    """Exposes `policy`, `thing_group`, `provisioning_template`, `provisioning_role` and `ca_secret`."""

    def __init__(self, scope: Construct, id: str, props: DeviceFleetProps) -> None:
        super().__init__(scope, id)
        twin = props.twin_name
        stack = Stack.of(self)
        arn_prefix = f"arn:{stack.partition}:iot:{stack.region}:{stack.account}:"
        self.policy = iot.CfnPolicy(
            self, "Policy", policy_name=fleet_policy_name(twin), policy_document=fleet_policy_document(twin, arn_prefix)
        )
        self.thing_group = iot.CfnThingGroup(
            self,
            "Group",
            thing_group_name=thing_group_name(twin),
            thing_group_properties=iot.CfnThingGroup.ThingGroupPropertiesProperty(
                thing_group_description=f"Every device of the digital twin {twin}"
            ),
        )
        self.provisioning_role = self._provisioning_role(twin)
        self.provisioning_template = iot.CfnProvisioningTemplate(
            self,
            "Provisioning",
            template_name=provisioning_template_name(twin),
            template_type="JITP",
            description=f"{twin}: provisions a device on its first connection with a certificate of the twin's CA",
            enabled=True,
            provisioning_role_arn=self.provisioning_role.role_arn,
            template_body=json.dumps(provisioning_template_body(twin), separators=(",", ":")),
        )
        self.provisioning_template.node.add_dependency(self.policy, self.thing_group)
        self.ca_secret = secretsmanager.Secret(
            self,
            "Ca",
            secret_name=ca_secret_name(twin),
            description=f"{twin}: the device CA (filled by the aws-device-certificates step; its key is in no template)",
            removal_policy=RemovalPolicy.DESTROY if props.debug else RemovalPolicy.RETAIN,
        )
        Validations.of(self.ca_secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="a CA is replaced by registering a new one with IoT Core (devices need certificates of it), "
                "not by Secrets Manager rotation, which would orphan every issued device certificate",
            )
        )

    def _provisioning_role(self, twin: str) -> iam.Role:
        """What IoT Core may do when it runs the template: only on the twin's things, group and policy."""
        prefix = f"arn:{Aws.PARTITION}:iot:{Aws.REGION}:{Aws.ACCOUNT_ID}"
        things = f"{prefix}:thing/{twin}-*"
        certificates = f"{prefix}:cert/*"
        role = iam.Role(
            self,
            "ProvisioningRole",
            role_name=provisioning_role_name(twin),
            assumed_by=iam.ServicePrincipal("iot.amazonaws.com"),
            description=f"{twin}: IoT Core provisions the twin's devices just in time",
        )
        role.add_to_policy(iam.PolicyStatement(
            actions=["iot:CreateThing", "iot:DescribeThing", "iot:UpdateThing", "iot:AttachThingPrincipal",
                     "iot:ListThingPrincipals", "iot:ListThingGroupsForThing", "iot:UpdateThingGroupsForThing"],
            resources=[things],
        ))
        role.add_to_policy(iam.PolicyStatement(
            actions=["iot:AddThingToThingGroup", "iot:DescribeThingGroup"],
            resources=[f"{prefix}:thinggroup/{thing_group_name(twin)}", things],
        ))
        role.add_to_policy(iam.PolicyStatement(
            actions=["iot:AttachPolicy", "iot:GetPolicy"], resources=[f"{prefix}:policy/{fleet_policy_name(twin)}"],
        ))
        role.add_to_policy(iam.PolicyStatement(
            actions=["iot:DescribeCertificate", "iot:UpdateCertificate", "iot:RegisterCertificate"],
            resources=[certificates],
        ))
        acknowledge_wildcard_resources(
            role,
            [things, certificates],
            "the fleet's things are named <twin>-<device> and made at run time by provisioning; certificate ids "
            "are made by IoT Core when a device first connects",
        )
        return role
