"""Publishes a Google receiver to the connection registry on AWS (DESIGN §4).

The AWS sender's stack resolves `/<twin>/inter-cloud/<connection>/<key>` (SSM) and the secret
`<twin>/inter-cloud/<connection>/token` (Secrets Manager) at deploy time, exactly as it does for
any other receiver; this construct writes both through the Terraform AWS provider. The token is
a Terraform expression (the receiver's `random_password`), so no value appears in the files.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktn_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from cdktn_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from twin_contract.registry import token_secret_name, url_parameter_name


@dataclass(frozen=True)
class AwsRegistryEntryProps:
    twin_name: str
    connection_id: str
    urls: tuple[tuple[str, str], ...]  # (registry key, URL expression)
    token: str  # Terraform expression of the token
    debug: bool = False


class AwsRegistryEntry(Construct):
    """Exposes `parameters` (key → SsmParameter) and `secret`."""

    def __init__(self, scope: Construct, id: str, props: AwsRegistryEntryProps) -> None:
        super().__init__(scope, id)
        self.parameters: dict[str, SsmParameter] = {}
        for key, url in props.urls:
            self.parameters[key] = SsmParameter(
                self,
                f"Url-{key}",
                name=url_parameter_name(props.twin_name, props.connection_id, key),
                type="String",
                value=url,
                description=f"Endpoint of {props.connection_id} ({key}) on Google Cloud",
            )
        self.secret = SecretsmanagerSecret(
            self,
            "Token",
            name=token_secret_name(props.twin_name, props.connection_id),
            description=f"Inter-cloud token of {props.connection_id}; senders send it as X-Inter-Cloud-Token",
            # DEBUG twins are torn down and redeployed: a recovery window would block the name.
            recovery_window_in_days=0 if props.debug else 7,
        )
        SecretsmanagerSecretVersion(self, "TokenValue", secret_id=self.secret.id, secret_string=props.token)
