"""The receiving side of a bridge on AWS: public Function URLs guarded by a generated token.

The URLs and the token are published to the connection registry so the sending cloud's stack can
read them at deploy time; the token value never appears in a template or an environment variable.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from twin_contract import functions as contract
from twin_contract.registry import token_secret_name, url_parameter_name
from twin_contract.wire import TOKEN_HEADER, TOKEN_LENGTH


@dataclass(frozen=True)
class InterCloudReceiverProps:
    twin_name: str
    connection_id: str
    # (registry key, function) pairs: one Function URL each, all sharing the connection's token.
    endpoints: tuple[tuple[str, lambda_.IFunction], ...]
    debug: bool = False


class InterCloudReceiver(Construct):
    """Exposes `token_secret`, `urls` (key → FunctionUrl) and `url_parameters`."""

    def __init__(self, scope: Construct, id: str, props: InterCloudReceiverProps) -> None:
        super().__init__(scope, id)
        self.token_secret = secretsmanager.Secret(
            self,
            "Token",
            secret_name=token_secret_name(props.twin_name, props.connection_id),
            description=f"Inter-cloud token of {props.connection_id}; senders send it as {TOKEN_HEADER}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=TOKEN_LENGTH, exclude_punctuation=True
            ),
            removal_policy=RemovalPolicy.DESTROY if props.debug else RemovalPolicy.RETAIN,
        )
        Validations.of(self.token_secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="the token is shared with a sender on another cloud that caches it; rotating it needs a "
                "coordinated rollover on both clouds, which single-sided Secrets Manager rotation cannot do",
            )
        )
        self.urls: dict[str, lambda_.FunctionUrl] = {}
        self.url_parameters: dict[str, ssm.StringParameter] = {}
        for key, function in props.endpoints:
            logical = "".join(part.title() for part in key.split("-"))
            # Auth type NONE on purpose: the caller is another cloud without AWS credentials; the
            # handler rejects any request without the connection's token (constant-time check).
            url = function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
            self.urls[key] = url
            self.url_parameters[key] = ssm.StringParameter(
                self,
                f"{logical}Parameter",
                parameter_name=url_parameter_name(props.twin_name, props.connection_id, key),
                string_value=url.url,
                description=f"Endpoint of {props.connection_id} ({key})",
            )
            self.token_secret.grant_read(function)
            if isinstance(function, lambda_.Function):
                function.add_environment(contract.INBOUND_TOKEN_SECRET, self.token_secret.secret_name)
