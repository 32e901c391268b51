"""Amazon Managed Grafana workspace of the twin, reading the twin's TwinMaker workspace only.

Customer-managed permissions. With the twin on AWS the TwinMaker data source assumes a dashboard
role (the TwinMaker plugin requires one, scoped down again per session): it gets read verbs on
this twin's TwinMaker workspace (and its entities, component types and scenes) and read access to
the TwinMaker bucket where scenes live, nothing else; the workspace role may only assume it. With
the twin on another cloud there is nothing on AWS for Grafana to read: the workspace role has no
permission at all, and the dashboards read the hot store over HTTPS (the dashboard connection).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_grafana as grafana
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.aws.nag import acknowledge_wildcard_actions, acknowledge_wildcard_resources

GRAFANA_PRINCIPAL = "grafana.amazonaws.com"
GRAFANA_VERSION = "10.4"
READ_VERBS = ("iottwinmaker:Get*", "iottwinmaker:List*")


@dataclass(frozen=True)
class TwinMakerSource:
    workspace_arn: str
    bucket: s3.IBucket


@dataclass(frozen=True)
class GrafanaWorkspaceProps:
    twin_name: str
    twinmaker: TwinMakerSource | None  # None when L4 is not on AWS


class GrafanaWorkspace(Construct):
    """Exposes `workspace` (CfnWorkspace), `role` and `dashboard_role` (None without TwinMaker)."""

    def __init__(self, scope: Construct, id: str, props: GrafanaWorkspaceProps) -> None:
        super().__init__(scope, id)
        self.role = iam.Role(
            self,
            "Role",
            description=f"Amazon Managed Grafana of {props.twin_name}: may only assume its TwinMaker dashboard role",
            assumed_by=iam.ServicePrincipal(
                GRAFANA_PRINCIPAL, conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
            ),
        )
        self.dashboard_role: iam.Role | None = None
        if props.twinmaker:
            self.dashboard_role = iam.Role(
                self,
                "TwinMakerDashboardRole",
                description=f"Grafana's TwinMaker data source of {props.twin_name}: reads the twin's workspace",
                assumed_by=self.role,
            )
            self.dashboard_role.grant_assume_role(self.role)
            self._allow_reading(self.dashboard_role, props.twinmaker)
        self.workspace = grafana.CfnWorkspace(
            self,
            "Workspace",
            name=props.twin_name,
            description=f"Dashboards of digital twin {props.twin_name}",
            account_access_type="CURRENT_ACCOUNT",
            authentication_providers=["AWS_SSO"],
            permission_type="CUSTOMER_MANAGED",
            role_arn=self.role.role_arn,
            grafana_version=GRAFANA_VERSION,
            plugin_admin_enabled=True,
        )

    def _allow_reading(self, role: iam.Role, source: TwinMakerSource) -> None:
        workspace_children = f"{source.workspace_arn}/*"
        scene_objects = source.bucket.arn_for_objects("*")
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[*READ_VERBS, "iottwinmaker:ExecuteQuery"], resources=[source.workspace_arn, workspace_children]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetBucketLocation", "s3:ListBucket"], resources=[source.bucket.bucket_arn])
        )
        role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=[scene_objects]))
        acknowledge_wildcard_actions(
            role,
            READ_VERBS,
            "read-only verbs of TwinMaker, and only on this twin's workspace and its children",
        )
        acknowledge_wildcard_resources(
            role,
            [workspace_children, scene_objects],
            "entities, component types and scenes of this twin's workspace, and its scene objects: "
            "what the TwinMaker data source of Grafana reads",
        )
