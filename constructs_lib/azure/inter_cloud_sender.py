"""The sending side of a bridge on Azure: the receiver's URL and token, the token kept in Key Vault.

Why copy the token into the layer's vault: Azure functions cannot read AWS Secrets Manager or
another cloud's secret store with their managed identity, but they can read their own vault.
The copy is a Terraform reference (data source or cross-stack output), never a literal; the
function gets `REMOTE_URL`, `REMOTE_TOKEN_SECRET` (a vault secret name) and `KEY_VAULT_URI`.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from constructs_lib.azure.inter_cloud_receiver import vault_secret_name
from constructs_lib.azure.secret_vault import SecretVault
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY, token_secret_name, url_parameter_name


@dataclass(frozen=True)
class InterCloudSenderProps:
    twin_name: str
    connection_id: str
    vault: SecretVault
    # The receiver: None when it is an AWS stack (read the registry), else its stack's endpoint.
    endpoint: InterCloudEndpoint | None
    url_keys: tuple[str, ...] = (URL_KEY,)


class InterCloudSender(Construct):
    """Exposes `urls` (registry key → URL reference) and `token_secret_name` (Key Vault)."""

    def __init__(self, scope: Construct, id: str, props: InterCloudSenderProps) -> None:
        super().__init__(scope, id)
        if props.endpoint is None:
            token, self.urls = self._from_registry(props)
        else:
            by_key = {URL_KEY: props.endpoint.url, LAST_ENTRY_URL_KEY: props.endpoint.last_entry_url}
            missing = [key for key in props.url_keys if not by_key.get(key)]
            if missing:
                raise ValueError(f"the receiver of {props.connection_id} exposes no {', '.join(missing)}")
            token, self.urls = props.endpoint.token, {key: by_key[key] for key in props.url_keys}
        self.token_secret_name = props.vault.secret(
            self, "VaultToken", name=vault_secret_name(props.connection_id), value=token,
            content_type=f"inter-cloud token of {props.connection_id} (copy of the receiver's)",
        )

    def _from_registry(self, props: InterCloudSenderProps) -> tuple[str, dict[str, str]]:
        from cdktn_provider_aws.data_aws_secretsmanager_secret_version import DataAwsSecretsmanagerSecretVersion
        from cdktn_provider_aws.data_aws_ssm_parameter import DataAwsSsmParameter

        token = DataAwsSecretsmanagerSecretVersion(
            self, "RegistryToken", secret_id=token_secret_name(props.twin_name, props.connection_id)
        )
        urls = {
            key: DataAwsSsmParameter(
                self, f"RegistryUrl-{key}", name=url_parameter_name(props.twin_name, props.connection_id, key)
            ).value
            for key in props.url_keys
        }
        return token.secret_string, urls

    def settings(self, key: str = URL_KEY, url_variable: str = "REMOTE_URL") -> dict[str, str]:
        return {url_variable: self.urls[key], "REMOTE_TOKEN_SECRET": self.token_secret_name}
