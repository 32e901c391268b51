"""The twin's 3D scene in IoT TwinMaker: the scene definition and its models in the workspace bucket.

The files go to `scene_assets/` of the workspace bucket with a BucketDeployment; the definition is
written there as JSON with its model references pointed at that bucket (its name is known only at
deploy time, which BucketDeployment substitutes). The scene resource then names the definition.
TwinMaker reads both with the workspace role (its bucket only) and dashboards load the models
through the bucket's CORS rule for Grafana.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, DefaultStackSynthesizer, Fn, Stack, Token, Validations
from aws_cdk import aws_iottwinmaker as twinmaker
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk.region_info import RegionInfo
from constructs import Construct

from constructs_lib.aws.nag import BASIC_EXECUTION_FINDING, acknowledge_wildcard_actions, acknowledge_wildcard_resources

PREFIX = "scene_assets"


@dataclass(frozen=True)
class TwinSceneProps:
    workspace_id: str
    bucket: s3.IBucket
    scene_id: str
    definition: Mapping[str, Any]  # the TwinMaker scene JSON
    model_dir: Path | None  # the files the scene shows (uploaded under scene_assets/); None: none
    # A ModelRef uri → the file it names in model_dir (None: leave the uri as written).
    model_file: Callable[[Any], str | None]
    description: str = ""


class TwinScene(Construct):
    """Exposes `scene` (CfnScene) and `deployment` (the BucketDeployment of its files)."""

    def __init__(self, scope: Construct, id: str, props: TwinSceneProps) -> None:
        super().__init__(scope, id)
        definition = _pointed_at(props.definition, props.bucket.bucket_name, props.model_file)
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Files",
            sources=[
                *([s3deploy.Source.asset(str(props.model_dir))] if props.model_dir is not None else []),
                s3deploy.Source.json_data("scene.json", definition),
            ],
            destination_bucket=props.bucket,
            destination_key_prefix=f"{PREFIX}/",
            prune=False,  # TwinMaker keeps its own objects in the bucket
            retain_on_delete=False,
        )
        self.scene = twinmaker.CfnScene(
            self,
            "Scene",
            workspace_id=props.workspace_id,
            scene_id=props.scene_id,
            content_location=f"s3://{props.bucket.bucket_name}/{PREFIX}/scene.json",
            description=props.description or None,
        )
        self.scene.node.add_dependency(self.deployment)
        _acknowledge_deployment(self, self.deployment, props.bucket)


def _pointed_at(definition: Mapping[str, Any], bucket_name: str, model_file: Callable[[Any], str | None]) -> dict[str, Any]:
    nodes = []
    for node in definition.get("nodes", []):
        if isinstance(node, dict):
            components = []
            for component in node.get("components", []):
                if isinstance(component, dict) and component.get("type") == "ModelRef":
                    name = model_file(component.get("uri"))
                    if name is not None:
                        component = {**component, "uri": f"s3://{bucket_name}/{PREFIX}/{name}"}
                components.append(component)
            node = {**node, "components": components} if "components" in node else node
        nodes.append(node)
    return {**definition, "nodes": nodes}


def _acknowledge_deployment(scope: Construct, deployment: s3deploy.BucketDeployment, bucket: s3.IBucket) -> None:
    """BucketDeployment's own handler: CDK's, with the permissions it needs to copy the assets."""
    role = deployment.handler_role
    Validations.of(role).acknowledge(
        Acknowledgment(id=BASIC_EXECUTION_FINDING, reason="CDK's BucketDeployment handler writes its logs"),
    )
    acknowledge_wildcard_actions(
        role, ["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"],
        "CDK's BucketDeployment copies the scene's asset into the workspace bucket (its grants are CDK's)",
    )
    stack = Stack.of(scope)
    acknowledge_wildcard_resources(
        role, [bucket.arn_for_objects("*"), _asset_objects(stack)],
        "CDK's BucketDeployment reads the scene's asset from the CDK asset bucket and writes it under "
        "scene_assets/ of the workspace bucket",
    )
    for child in stack.node.children:
        if child.node.id.startswith("Custom::CDKBucketDeployment"):
            Validations.of(child).acknowledge(
                Acknowledgment(id="AwsSolutions-L1", reason="CDK's BucketDeployment handler pins its own runtime"),
            )


def _asset_objects(stack: Stack) -> str:
    """The objects of the bootstrap asset bucket, as CDK writes their ARN into the handler's policy."""
    region = stack.region
    resolved = not Token.is_unresolved(region)
    qualifier = getattr(stack.synthesizer, "bootstrap_qualifier", None) or DefaultStackSynthesizer.DEFAULT_QUALIFIER
    partition = RegionInfo.get(region).partition if resolved else stack.partition
    bucket = Fn.sub(f"cdk-{qualifier}-assets-${{AWS::AccountId}}-{region if resolved else '${AWS::Region}'}")
    return Fn.join("", [f"arn:{partition}:s3:::", bucket, "/*"])
