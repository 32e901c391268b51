"""`<twin>-pipeline`: source → synth → self-mutate → the twin, one deploy plan item after another.

The twin's part is the deploy plan of `make deploy` (twin_model.deploy_plan): AWS stacks deploy as a CDK
Pipelines stage, each Terraform stack's init/apply and each post-deploy step is a CodeBuild step,
and every item waits for the one before it (receivers before senders).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aws_cdk import Environment, Stack, Stage
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import pipelines
from constructs import Construct

from twin_model.config.model import ProjectConfig, Provider
from cdk_app.pipeline.nag import acknowledge_pipeline_findings
from cdk_app.pipeline.state_access import read_state_access
from cdk_app.pipeline.synth_step import CDK_CLI_VERSION, synth_step
from cdk_app.pipeline.twin_steps import StepScope, TwinStep, plan_settings, post_deploy_step, terraform_step
from cdk_app.synth_settings import SynthSettings
from twin_model.deploy_plan import deploy_plan
from twin_model.topology import Topology


class TwinStage(Stage):
    """The twin's AWS stacks as one pipeline stage; `stacks` maps layers to them."""

    def __init__(self, scope: Construct, id: str, *, env: Environment, build: Callable[[Stage], Mapping]) -> None:
        super().__init__(scope, id, env=env)
        self.stacks = build(self)


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        config: ProjectConfig,
        topology: Topology,
        settings: SynthSettings,
        *,
        env: Environment,
        build_aws_stacks: Callable[[Stage], Mapping],
    ) -> None:
        assert settings.pipeline is not None
        pipeline_settings = settings.pipeline
        twin = config.name
        super().__init__(scope, f"{twin}-pipeline", env=env, description=f"Digital twin {twin}: delivery pipeline")
        source = pipelines.CodePipelineSource.connection(
            pipeline_settings.repository, pipeline_settings.branch, connection_arn=pipeline_settings.connection_arn
        )
        synth = synth_step(source, settings)
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=f"{twin}-delivery",
            synth=synth,
            self_mutation=True,
            cli_version=CDK_CLI_VERSION,
            # CodeBuild accounts start with a low concurrent-build quota: one asset job at a time.
            publish_assets_in_parallel=False,
            cross_account_keys=False,
            artifact_bucket=self._artifact_bucket(),
        )
        scope_ = StepScope(self, twin, source, synth)
        # What each Terraform stack's state access is, from the files its step will apply.
        states = {
            twin_stack.name: read_state_access(settings.tf_outdir / "stacks" / twin_stack.name / "cdk.tf.json")
            for twin_stack in topology.stacks
            if twin_stack.cloud is not Provider.AWS
        }
        stage = TwinStage(self, "Twin", env=env, build=build_aws_stacks) if topology.layers_on(Provider.AWS) else None
        aws_stacks = {stack.stack_name: stack for stack in stage.stacks.values()} if stage else {}
        self.twin_steps: list[TwinStep] = []
        items = self._items(topology, pipeline_settings.project, scope_, states, aws_stacks)
        if pipeline_settings.approval:
            items.insert(0, pipelines.ManualApprovalStep(
                "Approve", comment=f"Deploy digital twin {twin} ({config.twin.mode} mode)?"
            ))
        self._add_in_order(stage, items)
        self.pipeline.build_pipeline()
        acknowledge_pipeline_findings(self, self.pipeline, self.artifacts, self.twin_steps)

    def _items(self, topology: Topology, project: str, scope_: StepScope, states: dict, aws_stacks: dict) -> list:
        """The deploy order as pipeline items: an AWS stack, or a step (a Terraform stack's
        init and apply together, each post-deploy step alone)."""
        items: list[Stack | pipelines.Step] = []
        settings = plan_settings(project)
        for item in deploy_plan(topology):
            stack = item.stack.name
            if item.post_deploy is not None:
                built = post_deploy_step(scope_, item, settings, states.get(stack))
            elif not item.terraform:  # a CloudFormation stack: the stage deploys it
                items.append(aws_stacks[stack])
                continue
            else:
                built = terraform_step(scope_, item, settings, states[stack])
            self.twin_steps.append(built)
            items.append(built.step)
        return items

    def _add_in_order(self, stage: TwinStage | None, items: list) -> None:
        """Every item waits for the one before it: steps chain through step dependencies, a stack's
        deploy waits for the steps before it (its `pre`), steps after a stack are its `post`."""
        pre: dict[Stack, list[pipelines.Step]] = {}
        post: dict[Stack, list[pipelines.Step]] = {}
        previous_stack: Stack | None = None
        run: list[pipelines.Step] = []  # the steps since the last stack
        for item in items:
            if isinstance(item, Stack):
                if previous_stack is not None:
                    item.add_stack_dependency(previous_stack, "the deploy plan's order")
                if run:
                    pre.setdefault(item, []).extend(run if previous_stack is None else run[-1:])
                previous_stack, run = item, []
            else:
                if run:
                    item.add_step_dependency(run[-1])
                run.append(item)
                if previous_stack is not None:
                    post.setdefault(previous_stack, []).append(item)
        if stage is None:  # no AWS stack: the steps alone
            self.pipeline.add_wave("Twin", post=run)
            return
        self.pipeline.add_stage(
            stage,
            stack_steps=[
                pipelines.StackSteps(stack=stack, pre=pre.get(stack, []), post=post.get(stack, []))
                for stack in stage.stacks.values()
                if stack in pre or stack in post
            ],
        )

    def _artifact_bucket(self) -> s3.Bucket:
        """Artifacts under a customer-managed, rotating key, with server access logs (cdk-nag S1).

        CodePipeline hands the bucket's key to every CodeBuild project it runs, so the synth,
        self-mutation, asset and twin builds encrypt their output with it (cdk-nag CB4).
        Both buckets and the key are retained on delete, as CDK Pipelines' own bucket is.
        """
        key = kms.Key(self, "ArtifactsKey", enable_key_rotation=True, description=f"{self.stack_name}: pipeline artifacts")
        access_logs = s3.Bucket(
            self, "ArtifactsAccessLogs", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        )
        self.artifacts = s3.Bucket(
            self, "Artifacts", encryption=s3.BucketEncryption.KMS, encryption_key=key, bucket_key_enabled=True,
            enforce_ssl=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=access_logs, server_access_logs_prefix="artifacts/",
        )
        return self.artifacts
