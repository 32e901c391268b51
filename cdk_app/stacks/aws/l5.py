"""L5 on AWS: Amazon Managed Grafana, reading the twin's TwinMaker workspace when L4 is on AWS."""

from __future__ import annotations

from cdk_app.config.model import Layer
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsDashboardOutputs, AwsTwinOutputs
from constructs_lib.aws.l5_grafana_workspace import GrafanaWorkspace, GrafanaWorkspaceProps, TwinMakerSource


class L5Stack(AwsLayerStack):
    """Holds `workspace` (the Grafana CfnWorkspace)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        twin_model = self.ctx.upstream.get(Layer.L4, AwsTwinOutputs)  # None when L4 is on Azure
        source = TwinMakerSource(twin_model.workspace_arn, twin_model.bucket) if twin_model else None
        self.workspace = GrafanaWorkspace(
            self, "Grafana", GrafanaWorkspaceProps(twin_name=self.ctx.twin, twinmaker=source)
        ).workspace
        self.outputs = AwsDashboardOutputs()
