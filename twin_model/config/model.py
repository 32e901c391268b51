"""Typed, immutable view of a project. Everything downstream reads these, never the JSON."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from twin_model.config.errors import ConfigProblem


class Provider(str, Enum):
    AWS = "aws"
    AZURE = "azure"
    GOOGLE = "google"


class Layer(str, Enum):
    """The seven placeable layers, valued by their stack-name suffix."""

    L1 = "l1"
    L2 = "l2"
    L3_HOT = "l3-hot"
    L3_COLD = "l3-cold"
    L3_ARCHIVE = "l3-archive"
    L4 = "l4"
    L5 = "l5"

    @property
    def config_key(self) -> str:
        return _LAYER_INFO[self][0]

    @property
    def title(self) -> str:  # type: ignore[override]  # str.title() is never used on a Layer (as on Part)
        """For people: stack descriptions, the synth summary, the topology diagram."""
        return _LAYER_INFO[self][1]

    @property
    def code(self) -> str:
        """Short code for names with tight length limits (Azure storage accounts: 24 characters)."""
        return _LAYER_INFO[self][2]


# layer → (config_providers.json key, title, short code)
_LAYER_INFO = {
    Layer.L1: ("layer_1_provider", "L1 ingestion", "l1"),
    Layer.L2: ("layer_2_provider", "L2 processing", "l2"),
    Layer.L3_HOT: ("layer_3_hot_provider", "L3 hot storage", "l3h"),
    Layer.L3_COLD: ("layer_3_cold_provider", "L3 cold storage", "l3c"),
    Layer.L3_ARCHIVE: ("layer_3_archive_provider", "L3 archive storage", "l3a"),
    Layer.L4: ("layer_4_provider", "L4 digital twin", "l4"),
    Layer.L5: ("layer_5_provider", "L5 dashboards", "l5"),
}


DATA_TYPES = ("STRING", "DOUBLE", "INTEGER", "BOOLEAN", "LONG")


class ActionType(str, Enum):
    LAMBDA = "lambda"
    FUNCTION = "function"
    STEP_FUNCTION = "step_function"
    LOGIC_APP = "logic_app"
    WORKFLOW = "workflow"

    @property
    def is_workflow(self) -> bool:
        return self in (ActionType.STEP_FUNCTION, ActionType.LOGIC_APP, ActionType.WORKFLOW)


@dataclass(frozen=True)
class TwinSettings:
    digital_twin_name: str
    hot_storage_size_in_days: int
    cold_storage_size_in_days: int
    mode: str  # DEBUG or PRODUCTION
    resource_name: str = ""  # the name resources are derived from (twin_model.config.names.resource_name)

    @property
    def debug(self) -> bool:
        return self.mode == "DEBUG"


# Every layer may be left out ("none" in config_providers.json) where the rest still works: a
# pipeline without a twin model or dashboards, hot storage without cold or archive (records expire
# by their TTL), cold without archive (objects stay in cold), a twin model alone. What a placed
# layer needs placed, and why (README "Topology rules", docs/design.md §3):
LAYER_NEEDS: dict[Layer, tuple[tuple[Layer, str], ...]] = {
    Layer.L1: ((Layer.L2, "layer 1 hands every reading to layer 2"),),
    Layer.L2: ((Layer.L1, "layer 2 processes what layer 1 ingests, and nothing else sends it data"),
               (Layer.L3_HOT, "layer 2's persister stores every record in hot storage")),
    Layer.L3_HOT: ((Layer.L2, "hot storage holds what layer 2's persister writes, and nothing else writes it"),),
    Layer.L3_COLD: ((Layer.L3_HOT, "cold storage holds what hot storage's mover moves to it"),),
    Layer.L3_ARCHIVE: ((Layer.L3_COLD, "archive storage holds what cold storage moves on to it"),),
    Layer.L4: (),
    Layer.L5: ((Layer.L4, "dashboards show the twin model"),
               (Layer.L3_HOT, "dashboards read the twin's values from hot storage")),
}
OPTIONAL_LAYERS = tuple(Layer)  # kept for callers that enumerate what may be "none"


def placement_problems(placed: Collection[Layer]) -> list[tuple[Layer, str]]:
    """(layer, why it cannot be placed so) for every placed layer missing a layer it needs; a twin
    without any layer is reported against layer 4, the smallest twin being a twin model alone."""
    if not placed:
        return [(Layer.L4, "a provider: a twin needs at least one layer, the smallest being a twin model alone")]
    return [
        (layer, f"\"none\", or {needed.config_key} placed: {why}")
        for layer in Layer if layer in placed
        for needed, why in LAYER_NEEDS[layer] if needed not in placed
    ]


class LayerNotPlaced(KeyError):
    """A layer the project placed nowhere ("none") was asked for its cloud."""


@dataclass(frozen=True)
class Providers:
    """Where each placed layer runs, after defaults and aliases are applied; an optional layer
    set to "none" is absent."""

    by_layer: tuple[tuple[Layer, Provider], ...]

    def __getitem__(self, layer: Layer) -> Provider:
        provider = self.get(layer)
        if provider is None:
            raise LayerNotPlaced(f"{layer.title} is not placed ({layer.config_key} is \"none\")")
        return provider

    def get(self, layer: Layer) -> Provider | None:
        return next((provider for placed, provider in self.by_layer if placed is layer), None)

    @property
    def placed(self) -> tuple[Layer, ...]:
        return tuple(layer for layer, _ in self.by_layer)

    @classmethod
    def of(cls, mapping: Mapping[Layer, Provider | None]) -> "Providers":
        problems = placement_problems([layer for layer in Layer if mapping.get(layer) is not None])
        if problems:
            raise ValueError("; ".join(f"{layer.config_key}: {why}" for layer, why in problems))
        return cls(tuple((layer, provider) for layer in Layer if (provider := mapping.get(layer)) is not None))


@dataclass(frozen=True)
class DeviceProperty:
    name: str
    data_type: str
    init_value: object = None


@dataclass(frozen=True)
class ConstProperty:
    name: str
    data_type: str
    value: object


@dataclass(frozen=True)
class Device:
    id: str
    properties: tuple[DeviceProperty, ...]
    const_properties: tuple[ConstProperty, ...] = ()

    @property
    def schema(self) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        """The shape TwinMaker cares about: devices with equal schemas share a component type."""
        return (
            tuple((p.name, p.data_type) for p in self.properties),
            tuple((c.name, c.data_type) for c in self.const_properties),
        )


@dataclass(frozen=True)
class HierarchyComponent:
    name: str
    iot_device_id: str | None = None
    component_type_id: str | None = None
    # The device's telemetry this component shows (checked against the device; empty: all of it)
    # and constants of this component (added to, or overriding, the device's own).
    properties: tuple[DeviceProperty, ...] = ()
    const_properties: tuple[ConstProperty, ...] = ()


@dataclass(frozen=True)
class HierarchyEntity:
    id: str
    children: tuple["HierarchyEntity", ...] = ()
    components: tuple[HierarchyComponent, ...] = ()


@dataclass(frozen=True)
class DeviceTwinBinding:
    """How a device's live values land on its Azure Digital Twins twin (`$dtId` = the device id)."""

    device_id: str
    model_id: str
    properties: tuple[str, ...]  # telemetry properties the twin's model declares (patched)
    last_update: bool  # the model declares `lastUpdate` (set to the record's timestamp)


@dataclass(frozen=True)
class DtdlBundle:
    """twin_hierarchy/azure_hierarchy.json: the user's DTDL models, twins and relationships, checked
    against DTDL v3 and deployed as given."""

    models: tuple[dict[str, Any], ...]
    twins: tuple[dict[str, Any], ...]
    relationships: tuple[dict[str, Any], ...]
    bindings: tuple[DeviceTwinBinding, ...]  # devices whose twin is in the file

    def binding(self, device_id: str) -> DeviceTwinBinding | None:
        return next((b for b in self.bindings if b.device_id == device_id), None)


@dataclass(frozen=True)
class EventFeedback:
    type: str
    iot_device_id: str
    payload: object


@dataclass(frozen=True)
class EventAction:
    type: ActionType
    function_name: str
    function_name_b: str | None = None
    auto_deploy: bool = True
    feedback: EventFeedback | None = None


@dataclass(frozen=True)
class EventRule:
    condition: str
    action: EventAction


@dataclass(frozen=True)
class OptimizationFlags:
    use_event_checking: bool = False
    trigger_notification_workflow: bool = False
    return_feedback_to_device: bool = False
    needs_3d_model: bool = False  # deploy the 3D scene of scene_assets/ with the twin (L4)


@dataclass(frozen=True)
class UserSettings:
    """config_user.json: the twin's administrator (Grafana admin, notification address)."""

    # "" = no administrator: nothing is provisioned. Personal, so kept out of every repr.
    admin_email: str = field(repr=False)
    admin_first_name: str = ""
    admin_last_name: str = ""

    @property
    def has_admin(self) -> bool:
        return bool(self.admin_email)


@dataclass(frozen=True)
class SceneAssets:
    """scene_assets/<l4 cloud>/: the 3D scene deployed with the twin (needs3DModel)."""

    cloud: Provider  # layer 4's
    config_name: str  # scene.json (TwinMaker) or 3DScenesConfiguration.json (3D Scenes Studio)
    document: dict[str, Any]  # the scene definition, parsed
    files: tuple[tuple[str, Path], ...]  # the models and textures it shows: (name in the folder, real path)


@dataclass(frozen=True)
class ActionCode:
    """An auto-deployed event action's code: every file of its folder, checked to be inside the project."""

    name: str  # the functionName
    folder: Path  # the folder's real path
    files: tuple[tuple[str, Path], ...]  # (path inside the folder, real path of the file)
    needs_twin_info: bool = False  # its code reads DIGITAL_TWIN_INFO (the predecessor set it everywhere)


@dataclass(frozen=True)
class ProjectConfig:
    """The whole validated project; `root` is kept so later stages can bundle user code."""

    root: Path
    twin: TwinSettings
    providers: Providers
    devices: tuple[Device, ...]
    hierarchy: tuple[HierarchyEntity, ...] = ()
    dtdl: DtdlBundle | None = None  # the user's DTDL (twin_hierarchy/azure_hierarchy.json), deployed when L4 is Azure
    events: tuple[EventRule, ...] = ()
    flags: OptimizationFlags = field(default_factory=OptimizationFlags)
    # (device id, or ".default" for devices without their own; the processor's entry file)
    processor_files: tuple[tuple[str, Path], ...] = ()
    processors_need_twin_info: bool = False  # some processor reads DIGITAL_TWIN_INFO
    actions: tuple[ActionCode, ...] = ()
    state_machine_file: Path | None = None  # the workflow file read (state_machines/...)
    workflow_definition: str | None = None  # what is deployed: the file's text, or its adapted form
    user: UserSettings | None = None  # config_user.json; None when the project has none
    scene: SceneAssets | None = None  # scene_assets/ when needs3DModel (and L4 is placed)
    # Keys and files of the predecessor's format that are accepted but not used, and names that
    # were mapped: printed with the synth summary.
    warnings: tuple[ConfigProblem, ...] = ()

    @property
    def alarm_email(self) -> str | None:
        """The administrator's address, subscribed to the twin's alarm channels (README, Alarms)."""
        return self.user.admin_email if self.user is not None and self.user.admin_email else None

    @property
    def name(self) -> str:
        """The twin's name in stacks and resources (the configured name, mapped where it must be)."""
        return self.twin.resource_name or self.twin.digital_twin_name

    def device(self, device_id: str) -> Device:
        return next(d for d in self.devices if d.id == device_id)
