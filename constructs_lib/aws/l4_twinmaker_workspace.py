"""The IoT TwinMaker workspace of the twin, its bucket, and the role TwinMaker acts with.

The role can touch only this workspace's bucket (TwinMaker keeps scenes and a
`DO_NOT_DELETE_WORKSPACE_*` marker there) and invoke only the reader functions the component
types name. TwinMaker checks the role when the workspace is created, so the workspace waits for
the role and its policy. The bucket allows GET from Amazon Managed Grafana workspaces of the
region, which load scenes in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iottwinmaker as twinmaker
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.aws.l3_hardened_bucket import HardenedBucket, HardenedBucketProps
from constructs_lib.aws.nag import acknowledge_wildcard_actions, acknowledge_wildcard_resources

TWINMAKER_PRINCIPAL = "iottwinmaker.amazonaws.com"
BUCKET_METADATA_READS = "s3:GetBucket*"


@dataclass(frozen=True)
class TwinMakerWorkspaceProps:
    twin_name: str  # also the workspace id
    debug: bool
    reader_functions: tuple[lambda_.IFunction, ...]  # what the component types invoke


class TwinMakerWorkspace(Construct):
    """Exposes `workspace` (CfnWorkspace), `workspace_id`, `bucket` and `role`."""

    def __init__(self, scope: Construct, id: str, props: TwinMakerWorkspaceProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.workspace_id = props.twin_name
        self.bucket = HardenedBucket(
            self,
            "Storage",
            HardenedBucketProps(
                debug=props.debug,
                cors_rules=(
                    s3.CorsRule(
                        allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                        allowed_origins=[f"https://*.grafana-workspace.{stack.region}.amazonaws.com"],
                        allowed_headers=["*"],
                        max_age=3000,
                    ),
                ),
            ),
        ).bucket
        self.role = iam.Role(
            self,
            "Role",
            description=f"IoT TwinMaker workspace {self.workspace_id}: its bucket and reader functions only",
            # Only TwinMaker acting for this account may assume it (confused-deputy guard).
            assumed_by=iam.ServicePrincipal(
                TWINMAKER_PRINCIPAL, conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
        )
        # The bucket-level verbs of TwinMaker's documented workspace-role policy, on its own bucket only.
        self.role.add_to_policy(
            iam.PolicyStatement(actions=[BUCKET_METADATA_READS, "s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
        acknowledge_wildcard_actions(
            self.role,
            [BUCKET_METADATA_READS],
            "read-only bucket metadata of the workspace's own bucket, as TwinMaker's documented "
            "workspace role policy grants it",
        )
        objects = self.bucket.arn_for_objects("*")
        workspace_markers = self.bucket.arn_for_objects("DO_NOT_DELETE_WORKSPACE_*")
        self.role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[objects]))
        self.role.add_to_policy(iam.PolicyStatement(actions=["s3:DeleteObject"], resources=[workspace_markers]))
        if props.reader_functions:  # none in a twin without hot storage
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"], resources=[f.function_arn for f in props.reader_functions]
                )
            )
        acknowledge_wildcard_resources(
            self.role,
            [objects, workspace_markers],
            "objects of the workspace's own bucket: TwinMaker names its scene and marker objects itself",
        )
        self.workspace = twinmaker.CfnWorkspace(
            self,
            "Workspace",
            workspace_id=self.workspace_id,
            role=self.role.role_arn,
            s3_location=self.bucket.bucket_arn,
            description=f"Digital twin {props.twin_name}",
        )
        self.workspace.node.add_dependency(self.role)
