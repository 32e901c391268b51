"""One service account per layer, holding only the project roles its functions need.

Per-layer accounts keep a compromised function from reaching another layer's data. Roles that
can be scoped to one resource are granted on that resource by the construct that owns it; only
roles without a resource-level binding (Firestore, Eventarc receiving) are project roles here,
each narrowed with an IAM condition where the service supports one.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from cdktn_provider_google.service_account import ServiceAccount
from constructs import Construct


@dataclass(frozen=True)
class ProjectRole:
    role: str
    condition_title: str | None = None
    condition_expression: str | None = None


@dataclass(frozen=True)
class LayerServiceAccountProps:
    account_id: str  # 6–30 characters (constructs_lib.gcp.naming.service_account_id)
    display_name: str
    project: str | None = None
    project_roles: tuple[ProjectRole, ...] = ()


class LayerServiceAccount(Construct):
    """Exposes `account`, `email` and `member` (`serviceAccount:<email>`)."""

    def __init__(self, scope: Construct, id: str, props: LayerServiceAccountProps) -> None:
        super().__init__(scope, id)
        self.account = ServiceAccount(
            self, "Account", account_id=props.account_id, display_name=props.display_name, project=props.project
        )
        self.email = self.account.email
        self.member = self.account.member
        for index, grant in enumerate(props.project_roles):
            condition = None
            if grant.condition_expression:
                condition = ProjectIamMemberCondition(
                    title=grant.condition_title or "scoped", expression=grant.condition_expression
                )
            ProjectIamMember(
                self,
                f"Role{index}",
                project=props.project or self.account.project,
                role=grant.role,
                member=self.member,
                condition=condition,
            )
