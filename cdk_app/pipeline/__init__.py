"""Continuous delivery: a self-mutating CDK Pipeline that deploys the twin as `make deploy` does.

AWS stacks deploy as a CDK Pipelines stage; each Terraform stack's init/apply and each post-deploy
step is a CodeBuild step in the plan's order (receivers before senders), with Azure/Google
credentials read from Secrets Manager at build time — never part of a template.
"""

from cdk_app.pipeline.stack import PipelineStack
from cdk_app.pipeline.synth_step import CDK_CLI_VERSION
from cdk_app.pipeline.terraform import HASHICORP_KEY_FINGERPRINT, TERRAFORM_VERSION, terraform_install_commands
from cdk_app.pipeline.twin_steps import credentials_secret_name, plan_settings

__all__ = [
    "CDK_CLI_VERSION",
    "HASHICORP_KEY_FINGERPRINT",
    "PipelineStack",
    "TERRAFORM_VERSION",
    "credentials_secret_name",
    "plan_settings",
    "terraform_install_commands",
]
