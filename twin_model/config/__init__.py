"""Project configuration: the user's JSON files, validated into immutable objects."""

from twin_model.config.errors import ConfigProblem, ProjectConfigError
from twin_model.config.loader import load_project
from twin_model.config.model import (
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
