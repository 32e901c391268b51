"""The sending side of a bridge on AWS: reads the receiver's URL and token from the registry.

CloudFormation resolves the URL parameter at deploy time; the function gets only the secret's
name and reads the token at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from twin_contract.registry import URL_KEY, token_secret_name, url_parameter_name


@dataclass(frozen=True)
class InterCloudSenderProps:
    twin_name: str
    connection_id: str
    url_key: str = URL_KEY


class InterCloudSender(Construct):
    """Exposes `url` (a deploy-time reference) and `token_secret` (the imported secret)."""

    def __init__(self, scope: Construct, id: str, props: InterCloudSenderProps) -> None:
        super().__init__(scope, id)
        self.url = ssm.StringParameter.value_for_string_parameter(
            self, url_parameter_name(props.twin_name, props.connection_id, props.url_key)
        )
        self.token_secret = secretsmanager.Secret.from_secret_name_v2(
            self, "Token", token_secret_name(props.twin_name, props.connection_id)
        )
