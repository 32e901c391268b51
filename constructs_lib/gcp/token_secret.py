"""An inter-cloud token held in Secret Manager: functions get the secret's resource name only.

The value comes from a Terraform expression (a `random_password` for a receiver, the registry's
secret for a sender), so it exists only in Terraform state and Secret Manager, never in a
synthesized file or an environment variable. Read access is granted per secret to the accounts
that need it (`roles/secretmanager.secretAccessor`), not project-wide.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.secret_manager_secret import SecretManagerSecret, SecretManagerSecretReplication
from cdktn_provider_google.secret_manager_secret_iam_member import SecretManagerSecretIamMember
from cdktn_provider_google.secret_manager_secret_version import SecretManagerSecretVersion
from constructs import Construct


@dataclass(frozen=True)
class TokenSecretProps:
    secret_id: str  # ≤ 255 characters, [A-Za-z0-9_-]
    value: str  # a Terraform expression (token), never a literal
    readers: tuple[str, ...] = ()  # IAM members
    labels: tuple[tuple[str, str], ...] = ()


class TokenSecret(Construct):
    """Exposes `secret` and `name` (`projects/<p>/secrets/<id>`, what functions are given)."""

    def __init__(self, scope: Construct, id: str, props: TokenSecretProps) -> None:
        super().__init__(scope, id)
        self.secret = SecretManagerSecret(
            self,
            "Secret",
            secret_id=props.secret_id,
            replication=SecretManagerSecretReplication(auto={}),
            labels=dict(props.labels) or None,
        )
        SecretManagerSecretVersion(self, "Version", secret=self.secret.id, secret_data=props.value)
        self.name = self.secret.id
        for index, member in enumerate(props.readers):
            self.grant_read(member, f"Reader{index}")

    def grant_read(self, member: str, id: str) -> SecretManagerSecretIamMember:
        return SecretManagerSecretIamMember(
            self, id, secret_id=self.secret.id, role="roles/secretmanager.secretAccessor", member=member
        )
