"""The receiving side of a bridge on Azure: a generated token guarding public HTTP functions.

Why `random_password` in the receiver: the receiver owns the endpoint and its token (DESIGN §4);
the value lives in Terraform state and in the layer's Key Vault, the function reads it from the
vault at run time, and no synthesized file contains it. When the sender is on AWS the URL goes to
SSM Parameter Store and the token to Secrets Manager at the registry names every cloud shares
(constructs_lib/registry.py); for a sender on another Terraform cloud the stack exposes an
`InterCloudEndpoint` that the sender reads through a CDK Terrain cross-stack reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from constructs_lib.azure.secret_vault import SecretVault
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY, token_secret_name, url_parameter_name

TOKEN_LENGTH = 48


def vault_secret_name(connection_id: str) -> str:
    """Key Vault secret names allow letters, digits and hyphens only."""
    return f"{connection_id.replace('_', '-')}-token"


@dataclass(frozen=True)
class InterCloudReceiverProps:
    twin_name: str
    connection_id: str
    endpoints: tuple[tuple[str, str], ...]  # (registry key, URL reference): URL_KEY, LAST_ENTRY_URL_KEY
    vault: SecretVault
    publish_to_aws: bool  # the sender is an AWS (CloudFormation) stack: use the connection registry
    debug: bool = False


class InterCloudReceiver(Construct):
    """Exposes `token_secret_name` (Key Vault) and `endpoint` (for senders on Terraform clouds)."""

    def __init__(self, scope: Construct, id: str, props: InterCloudReceiverProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_random.password import Password

        token = Password(self, "Token", length=TOKEN_LENGTH, special=False)
        self.token_secret_name = props.vault.secret(
            self, "VaultToken", name=vault_secret_name(props.connection_id), value=token.result,
            content_type=f"inter-cloud token of {props.connection_id}",
        )
        urls = dict(props.endpoints)
        self.endpoint = InterCloudEndpoint(
            props.connection_id, urls[URL_KEY], token.result, urls.get(LAST_ENTRY_URL_KEY)
        )
        if props.publish_to_aws:
            self._publish_to_registry(props, token.result)

    def _publish_to_registry(self, props: InterCloudReceiverProps, token: str) -> None:
        from cdktn_provider_aws.secretsmanager_secret import SecretsmanagerSecret
        from cdktn_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
        from cdktn_provider_aws.ssm_parameter import SsmParameter

        secret = SecretsmanagerSecret(
            self,
            "RegistryToken",
            name=token_secret_name(props.twin_name, props.connection_id),
            description=f"Inter-cloud token of {props.connection_id}; senders send it as X-Inter-Cloud-Token",
            recovery_window_in_days=0 if props.debug else 30,
        )
        SecretsmanagerSecretVersion(self, "RegistryTokenValue", secret_id=secret.id, secret_string=token)
        for key, url in props.endpoints:
            SsmParameter(
                self,
                f"RegistryUrl-{key}",
                name=url_parameter_name(props.twin_name, props.connection_id, key),
                type="String",
                value=url,
                description=f"Endpoint of {props.connection_id} ({key})",
            )
