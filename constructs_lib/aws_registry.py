"""The connection registry as Terraform stacks (Azure, Google Cloud) use it: publish and look up.

Across the CloudFormation/Terraform boundary a receiver's URLs live in SSM Parameter Store and its
token in Secrets Manager under the registry names (twin_contract/registry.py). A Terraform stack
writes them with the AWS provider when it receives from an AWS sender (RegistryEntry) and reads
them with data sources when it sends to an AWS receiver (RegistryLookup). Tokens are Terraform
expressions (a `random_password`, a data source), never literals in the synthesized files.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from twin_contract.registry import token_secret_name, url_parameter_name
from twin_contract.wire import TOKEN_HEADER

# Days Secrets Manager keeps a deleted token recoverable (PRODUCTION; DEBUG deletes at once so a
# torn-down twin can be deployed again under the same names). 30: the service's default, the
# same as CloudFormation's for the AWS receivers' secrets.
RECOVERY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class RegistryEntryProps:
    twin_name: str
    connection_id: str
    urls: tuple[tuple[str, str], ...]  # (registry key, URL expression)
    token: str  # Terraform expression of the receiver's token
    cloud_title: str  # where the receiver runs, for the descriptions
    debug: bool = False


class RegistryEntry(Construct):
    """Publishes a receiver. Exposes `parameters` (key → SsmParameter) and `secret`."""

    def __init__(self, scope: Construct, id: str, props: RegistryEntryProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_aws.secretsmanager_secret import SecretsmanagerSecret
        from cdktn_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
        from cdktn_provider_aws.ssm_parameter import SsmParameter

        self.parameters = {
            key: SsmParameter(
                self,
                f"Url-{key}",
                name=url_parameter_name(props.twin_name, props.connection_id, key),
                type="String",
                value=url,
                description=f"Endpoint of {props.connection_id} ({key}) on {props.cloud_title}",
            )
            for key, url in props.urls
        }
        self.secret = SecretsmanagerSecret(
            self,
            "Token",
            name=token_secret_name(props.twin_name, props.connection_id),
            description=f"Inter-cloud token of {props.connection_id}; senders send it as {TOKEN_HEADER}",
            recovery_window_in_days=0 if props.debug else RECOVERY_WINDOW_DAYS,
        )
        SecretsmanagerSecretVersion(self, "TokenValue", secret_id=self.secret.id, secret_string=props.token)


@dataclass(frozen=True)
class RegistryLookupProps:
    twin_name: str
    connection_id: str
    url_keys: tuple[str, ...]


class RegistryLookup(Construct):
    """Reads a receiver on AWS (deployed first). Exposes `urls` (key → expression) and `token`."""

    def __init__(self, scope: Construct, id: str, props: RegistryLookupProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_aws.data_aws_secretsmanager_secret_version import DataAwsSecretsmanagerSecretVersion
        from cdktn_provider_aws.data_aws_ssm_parameter import DataAwsSsmParameter

        self.urls = {
            key: DataAwsSsmParameter(
                self, f"Url-{key}", name=url_parameter_name(props.twin_name, props.connection_id, key)
            ).value
            for key in props.url_keys
        }
        self.token = DataAwsSecretsmanagerSecretVersion(
            self, "Token", secret_id=token_secret_name(props.twin_name, props.connection_id)
        ).secret_string
