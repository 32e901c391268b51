"""The receiving side of a bridge on Azure: a generated token guarding public HTTP functions.

Why `random_password` in the receiver: the receiver owns the endpoint and its token
(docs/design.md, "Bridges"); the value lives in Terraform state and in the layer's Key Vault, the
function reads it from the vault at run time, and no synthesized file contains it. Where the
endpoint and token are published (the AWS registry or the stack's outputs) is the stack's
bridge endpoints' decision (cdk_app/stacks/azure/bridge_endpoints.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure.secret_vault import SecretVault
from constructs_lib.tokens import generated_token
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY


def vault_secret_name(connection_id: str) -> str:
    """Key Vault secret names allow letters, digits and hyphens only."""
    return f"{connection_id.replace('_', '-')}-token"


@dataclass(frozen=True)
class InterCloudReceiverProps:
    connection_id: str
    endpoints: tuple[tuple[str, str], ...]  # (registry key, URL reference): URL_KEY, LAST_ENTRY_URL_KEY
    vault: SecretVault


class InterCloudReceiver(Construct):
    """Exposes `token` (Terraform reference), `token_secret_name` (Key Vault) and `endpoint`."""

    def __init__(self, scope: Construct, id: str, props: InterCloudReceiverProps) -> None:
        super().__init__(scope, id)
        self.token = generated_token(self, "Token")
        self.token_secret_name = props.vault.secret(
            self, "VaultToken", name=vault_secret_name(props.connection_id), value=self.token,
            content_type=f"inter-cloud token of {props.connection_id}",
        )
        urls = dict(props.endpoints)
        self.endpoint = InterCloudEndpoint(props.connection_id, urls[URL_KEY], self.token, urls.get(LAST_ENTRY_URL_KEY))
