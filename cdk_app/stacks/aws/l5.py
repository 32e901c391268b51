"""L5 on AWS: Amazon Managed Grafana, and where its data source reads the twin.

Twin on AWS (L4): the TwinMaker data source through a dashboard role. Twin on another cloud: the
L3 hot → L5 dashboard connection, whose reader URLs CloudFormation resolves from the registry at
deploy time (a receiver that published nothing fails the deploy, as for every sender). The stack's
outputs tell the post-deploy step (twin_ops/post_deploy/grafana.py) what to provision; the token
itself stays in Secrets Manager until the step stores it in Grafana's encrypted data source.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Environment
from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsDashboardOutputs, AwsTwinOutputs
from constructs_lib.aws.l5_grafana_workspace import GrafanaWorkspace, GrafanaWorkspaceProps, TwinMakerSource
from twin_contract import dashboards
from twin_contract import functions as contract
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY
from cdk_app.stacks.context import LayerContext


class L5Stack(AwsLayerStack):
    """Holds `workspace` (the Grafana CfnWorkspace) and `grafana` (GrafanaWorkspace)."""

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: Environment) -> None:
        super().__init__(scope, ctx, **kwargs)
        twin_model = self.ctx.upstream.get(Layer.L4, AwsTwinOutputs)  # None when L4 is on Azure
        source = TwinMakerSource(twin_model.workspace_arn, twin_model.bucket) if twin_model else None
        self.grafana = GrafanaWorkspace(self, "Grafana", GrafanaWorkspaceProps(twin_name=self.ctx.twin, twinmaker=source))
        self.workspace = self.grafana.workspace
        self._output(dashboards.AWS_GRAFANA_WORKSPACE_ID, self.workspace.attr_id, "the Grafana workspace")
        self._output(dashboards.AWS_GRAFANA_ENDPOINT, self.workspace.attr_endpoint, "the Grafana workspace's host")
        if twin_model is not None and self.grafana.dashboard_role is not None:
            self._output(dashboards.AWS_TWINMAKER_WORKSPACE_ID, twin_model.workspace_id, "the twin's TwinMaker workspace")
            self._output(dashboards.AWS_TWINMAKER_DASHBOARD_ROLE, self.grafana.dashboard_role.role_arn,
                         "the role Grafana's TwinMaker data source assumes")
        settings: dict[str, str] = {}
        # The twin on another cloud: Grafana reads the hot store over the dashboard readers' bridge.
        for bridge in self.bridges.bind_sender(contract.DASHBOARD_SOURCE, settings):
            self._output(dashboards.AWS_READER_URL, settings[bridge.url_setting(URL_KEY)], f"range reads ({bridge.connection_id})")
            self._output(dashboards.AWS_READER_LAST_ENTRY_URL, settings[bridge.url_setting(LAST_ENTRY_URL_KEY)],
                         f"latest values ({bridge.connection_id})")
            self._output(dashboards.AWS_READER_TOKEN_SECRET, settings[bridge.token_setting],
                         "the Secrets Manager secret of the connection's token (its name, never the value)")
        self.outputs = AwsDashboardOutputs()

    def _output(self, name: str, value: str, description: str) -> None:
        CfnOutput(self, name, value=value, description=f"Dashboards: {description}")
