"""The one custom-resource provider that issues device certificates for every device shard.

A single provider (not one per device or shard) keeps the function count flat as the fleet grows;
its handler (l1_device_certificates_handler/) writes each private key to Secrets Manager and
returns only the certificate ARN.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Acknowledgment, Aws, Duration, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr
from constructs import Construct

from constructs_lib.aws.log_group import log_group
from constructs_lib.aws.nag import BASIC_EXECUTION_FINDING, acknowledge_wildcard_resources, wildcard_resource_finding
from constructs_lib.aws.twin_function import RUNTIME
from twin_contract.devices import device_secret_name

HANDLER_DIR = Path(__file__).resolve().parent / "l1_device_certificates_handler"
# Findings that follow from using plain Lambda functions here (handler and provider framework).
_PINNED_LAMBDA_FINDINGS = (
    Acknowledgment(
        id=BASIC_EXECUTION_FINDING,
        reason="grants only CreateLogGroup/CreateLogStream/PutLogEvents; each function's log group is made here",
    ),
    Acknowledgment(
        id="AwsSolutions-L1",
        reason="the handler uses the twin functions' pinned runtime; the provider framework's runtime is CDK's choice",
    ),
)


@dataclass(frozen=True)
class DeviceCertificateProviderProps:
    twin_name: str
    debug: bool = False


class DeviceCertificateProvider(Construct):
    """Exposes `service_token` (for the per-device custom resources) and `handler`."""

    def __init__(self, scope: Construct, id: str, props: DeviceCertificateProviderProps) -> None:
        super().__init__(scope, id)
        name = f"{props.twin_name}-device-certificates"
        self.handler = lambda_.Function(
            self,
            "Handler",
            function_name=name,
            description=f"{props.twin_name}: issues device certificates, keys go to Secrets Manager only",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["**/__pycache__", "**/*.pyc"]),
            handler="index.handler",
            timeout=Duration.minutes(2),
            log_group=log_group(self, "Logs", debug=props.debug, name=f"/aws/lambda/{name}"),
        )
        # Region and account as pseudo parameters, so the policy and its findings read the same everywhere.
        certificates = f"arn:{Aws.PARTITION}:iot:{Aws.REGION}:{Aws.ACCOUNT_ID}:cert/*"
        secret_names = f"{device_secret_name(props.twin_name, '*')}-??????"  # -??????: the name suffix
        device_secrets = f"arn:{Aws.PARTITION}:secretsmanager:{Aws.REGION}:{Aws.ACCOUNT_ID}:secret:{secret_names}"
        self.handler.add_to_role_policy(iam.PolicyStatement(actions=["iot:CreateKeysAndCertificate"], resources=["*"]))
        self.handler.add_to_role_policy(
            iam.PolicyStatement(actions=["iot:UpdateCertificate", "iot:DeleteCertificate"], resources=[certificates])
        )
        self.handler.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "secretsmanager:CreateSecret",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:DeleteSecret",
                    "secretsmanager:TagResource",
                ],
                resources=[device_secrets],
            )
        )
        provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            log_group=log_group(self, "ProviderLogs", debug=props.debug),
        )
        self.service_token = provider.service_token
        Validations.of(self.handler).acknowledge(
            Acknowledgment(
                id=wildcard_resource_finding("*"),
                reason="iot:CreateKeysAndCertificate has no resource-level permissions; it is the only action on *",
            ),
            *_PINNED_LAMBDA_FINDINGS,
        )
        acknowledge_wildcard_resources(
            self.handler,
            [certificates],
            "certificate ids are made by IoT at create time; only update/delete are allowed on them",
        )
        acknowledge_wildcard_resources(
            self.handler,
            [device_secrets],
            "one handler serves every device, so it may write any of the twin's device credential secrets",
        )
        Validations.of(provider).acknowledge(*_PINNED_LAMBDA_FINDINGS)
        acknowledge_wildcard_resources(
            provider,
            [f"{self.handler.function_arn}:*"],
            "CDK's provider framework may invoke only this handler (any version, hence :*)",
        )
