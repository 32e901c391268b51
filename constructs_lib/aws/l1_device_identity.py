"""One device's identity in IoT Core: thing, certificate and a policy scoped to its own topics.

The policy lets the device connect only as itself (client id `<twin>-<device>`) and use only its
telemetry and feedback topics
(the predecessor granted `iot:*` on `*`). Thing and policy are attached to the certificate with
CloudFormation's own attachment resources, so CloudFormation detaches them before the certificate
is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import CustomResource, Stack
from aws_cdk import aws_iot as iot
from constructs import Construct

from twin_contract.devices import client_id, device_secret_name, feedback_topic, telemetry_topic

CERTIFICATE_RESOURCE_TYPE = "Custom::DeviceCertificate"


def iot_arn_prefix(stack: Stack) -> str:
    """`arn:<partition>:iot:<region>:<account>:` as Stack.format_arn writes it (tokens where the
    stack's environment is not concrete). The stack holding the identities asks jsii for it once:
    four format_arn calls per device were a tenth of a 1,000-device synth."""
    return f"arn:{stack.partition}:iot:{stack.region}:{stack.account}:"


@dataclass(frozen=True)
class DeviceIdentityProps:
    twin_name: str
    device_id: str
    certificate_service_token: str  # DeviceCertificateProvider.service_token
    iot_arn_prefix: str  # iot_arn_prefix() of the stack the identity is in


class DeviceIdentity(Construct):
    """Exposes `thing`, `policy` and `certificate_arn`."""

    def __init__(self, scope: Construct, id: str, props: DeviceIdentityProps) -> None:
        super().__init__(scope, id)
        name = client_id(props.twin_name, props.device_id)
        self.thing = iot.CfnThing(self, "Thing", thing_name=name)
        self.policy = iot.CfnPolicy(self, "Policy", policy_name=name, policy_document=self._policy_document(props))
        certificate = CustomResource(
            self,
            "Certificate",
            service_token=props.certificate_service_token,
            resource_type=CERTIFICATE_RESOURCE_TYPE,
            properties={
                "DeviceId": props.device_id,
                "SecretName": device_secret_name(props.twin_name, props.device_id),
                "Tags": {"digital-twin": props.twin_name, "device": props.device_id},
            },
        )
        self.certificate_arn = certificate.get_att_string("CertificateArn")
        iot.CfnPolicyPrincipalAttachment(
            self, "PolicyAttachment", policy_name=self.policy.ref, principal=self.certificate_arn
        )
        iot.CfnThingPrincipalAttachment(
            self, "ThingAttachment", thing_name=self.thing.ref, principal=self.certificate_arn
        )

    def _policy_document(self, props: DeviceIdentityProps) -> dict[str, Any]:
        def arn(resource: str, name: str) -> str:
            return f"{props.iot_arn_prefix}{resource}/{name}"

        feedback = feedback_topic(props.twin_name, props.device_id)
        return {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "iot:Connect", "Resource": arn("client", client_id(props.twin_name, props.device_id))},
                {
                    "Effect": "Allow",
                    "Action": "iot:Publish",
                    "Resource": arn("topic", telemetry_topic(props.twin_name, props.device_id)),
                },
                {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": arn("topicfilter", feedback)},
                {"Effect": "Allow", "Action": "iot:Receive", "Resource": arn("topic", feedback)},
            ],
        }
