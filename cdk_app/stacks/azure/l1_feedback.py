"""The L1 feedback receiver on Azure: the receiving end of the L2 → L1 feedback bridge.

A stack of its own (Part.L1_FEEDBACK), deployed before L2 so the feedback function there finds its
endpoint. It needs nothing of the L1 stack to be built: the hub's host name derives from the twin
(`iot_hub_host`), and the L1 stack, deployed after, lets this stack's identity update device twins.
"""

from __future__ import annotations

from constructs import Construct

from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.l2 import iot_hub_host
from cdk_app.stacks.azure.outputs import AzureFeedbackOutputs
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings


class AzureFeedbackStack(AzureLayerStack):
    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        settings = {
            contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token(contract.FEEDBACK_RECEIVER),
            contract.IOT_HUB_HOST: iot_hub_host(self.ctx.twin),
        }
        host = self.add_function_host((contract.FEEDBACK_RECEIVER,), settings)
        self.bridges.bind_receiver(contract.FEEDBACK_RECEIVER, {URL_KEY: host.function_url(contract.FEEDBACK_RECEIVER.route)})
        self.outputs = self.layer_outputs(AzureFeedbackOutputs)
