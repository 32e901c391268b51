"""Reads a receiver on AWS from the connection registry, for a Google sender (DESIGN §4).

The receiver's AWS stack is deployed first (receivers before senders); Terraform reads its URL
parameter and token secret with data sources at plan time. The token is then copied into the
sender's own Secret Manager secret (constructs_lib.gcp.token_secret) because Google functions
have no AWS credentials to read it at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_aws.data_aws_secretsmanager_secret_version import DataAwsSecretsmanagerSecretVersion
from cdktn_provider_aws.data_aws_ssm_parameter import DataAwsSsmParameter
from constructs import Construct

from twin_contract.registry import URL_KEY, token_secret_name, url_parameter_name


@dataclass(frozen=True)
class AwsRegistryLookupProps:
    twin_name: str
    connection_id: str
    url_keys: tuple[str, ...] = (URL_KEY,)


class AwsRegistryLookup(Construct):
    """Exposes `urls` (key → URL expression) and `token` (expression, sensitive)."""

    def __init__(self, scope: Construct, id: str, props: AwsRegistryLookupProps) -> None:
        super().__init__(scope, id)
        self.urls = {
            key: DataAwsSsmParameter(
                self, f"Url-{key}", name=url_parameter_name(props.twin_name, props.connection_id, key)
            ).value
            for key in props.url_keys
        }
        self.token = DataAwsSecretsmanagerSecretVersion(
            self, "Token", secret_id=token_secret_name(props.twin_name, props.connection_id)
        ).secret_string
