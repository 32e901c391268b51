"""Project configuration: the user's JSON files, validated into immutable objects."""

from cdk_app.config.errors import ConfigProblem, ProjectConfigError
from cdk_app.config.loader import load_project
from cdk_app.config.model import (
    ActionType,
    ConstProperty,
    Device,
    DeviceProperty,
    EventAction,
    EventFeedback,
    EventRule,
    HierarchyComponent,
    HierarchyEntity,
    Layer,
    OptimizationFlags,
    ProjectConfig,
    Provider,
    Providers,
    TwinSettings,
    UserSettings,
)

__all__ = [
    "ActionType",
    "ConfigProblem",
    "ConstProperty",
    "Device",
    "DeviceProperty",
    "EventAction",
    "EventFeedback",
    "EventRule",
    "HierarchyComponent",
    "HierarchyEntity",
    "Layer",
    "OptimizationFlags",
    "ProjectConfig",
    "ProjectConfigError",
    "Provider",
    "Providers",
    "TwinSettings",
    "UserSettings",
    "load_project",
]
