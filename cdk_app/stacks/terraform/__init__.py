"""CDK Terrain (Terraform) stacks for layers placed on Azure or Google Cloud, built in deploy order.

Each cloud's stack package is imported only when the twin has a layer on it (twin_model/clouds.py
names it), so an Azure-only twin never loads the Google provider bindings.
"""

from __future__ import annotations

import importlib

from cdktn import App

from cdk_app.bundles import BundleStager
from twin_model.clouds import CLOUDS
from twin_model.config.model import Layer, ProjectConfig
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.outputs import BuiltLayers
from cdk_app.stacks.terraform.backend import configure_backend, resolve_kind
from cdk_app.stacks.terraform.base import TerraformLayerStack
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings
from twin_model.topology import Part, Topology


def build_terraform_stacks(
    app: App, config: ProjectConfig, topology: Topology, settings: TerraformSettings, bundles: BundleStager
) -> dict[Layer | Part, TerraformLayerStack]:
    built: dict[Layer | Part, TerraformLayerStack] = {}
    upstream = BuiltLayers()
    backend = resolve_kind(settings.backend.kind, topology.clouds)
    for twin_stack in topology.stacks:
        cloud = CLOUDS[twin_stack.cloud]
        if not cloud.terraform:
            continue
        module = importlib.import_module(cloud.stacks_module)
        layer, part = twin_stack.layer, twin_stack.part
        stack_class = module.PARTS[part] if part else module.STACKS[layer]
        stack = stack_class(app, LayerContext(config, topology, layer, upstream, bundles, part), settings=settings)
        stack.complete()
        configure_backend(stack, backend, settings.backend, config.name, stack.ctx.stack_name, settings.aws_region)
        built[part or layer] = stack
        upstream = upstream.with_layer(layer, stack.outputs, part)
    return built
