"""Reads a project folder and validates every file, collecting all problems before failing.

File formats are the predecessor's (see README, "Project files"); each check names the file, the
JSON path and what was expected, so a user can fix everything in one pass. The loader raises
nothing but ProjectConfigError: every value is type-checked before use, every name is held to
the rules of its tightest consumer (twin_model.config.names), every number is bounded, and keys the
predecessor's formats carry but this project ignores become warnings, not silence. One module
per file: twin_and_providers (config.json, config_providers.json), devices, hierarchy (with
azure_hierarchy for the DTDL bundle), rules, features (flags and the code and workflow files),
user (the administrator).
"""

from __future__ import annotations

from pathlib import Path

from twin_model.config import (
    devices,
    features,
    hierarchy,
    inventory,
    payloads,
    rules,
    scenes,
    twin_and_providers,
    twin_names,
    user,
    user_code,
)
from twin_model.config.context import MAX_LARGE_JSON_BYTES, LoadContext
from twin_model.config.errors import Problems, ProjectConfigError
from twin_model.config.model import ActionCode, DtdlBundle, HierarchyEntity, Layer, ProjectConfig, Provider


def load_project(project_dir: str | Path) -> ProjectConfig:
    """Load and validate a project folder; raise ProjectConfigError listing every problem."""
    root = Path(project_dir)
    problems = Problems()
    try:
        is_folder = root.is_dir()
    except (OSError, ValueError):  # a NUL byte in the path, a name too long
        is_folder = False
    if not is_folder:
        problems.add(str(root), "$", "a project folder containing config.json")
        raise ProjectConfigError(str(root), problems.problems)
    ctx = LoadContext(root, problems)
    ctx.twin = twin_and_providers.twin_settings(ctx, ctx.document("config.json", required=True))
    ctx.providers = twin_and_providers.providers(ctx, ctx.document("config_providers.json", required=True))
    devices_raw = ctx.document("config_iot_devices.json", required=True, limit=MAX_LARGE_JSON_BYTES)
    ctx.devices = devices.devices(ctx, devices_raw)
    if isinstance(devices_raw, list) and devices_raw and len(devices_raw) <= devices.MAX_DEVICES:
        ctx.device_ids = {d.id for d in ctx.devices}
    tree: tuple[HierarchyEntity, ...] = ()
    dtdl_bundle: DtdlBundle | None = None
    if ctx.providers is not None and ctx.providers.get(Layer.L4) is None:
        for name in (hierarchy.NATIVE, hierarchy.AWS_TREE, hierarchy.AZURE_DTDL):  # no twin model: no consumer
            entry = ctx.files.entry(name)
            if entry is not None and entry.kind != "missing":
                ctx.warn(name, (), "not read: layer_4_provider is none (no twin model)")
    else:
        tree, dtdl_bundle = hierarchy.hierarchy(ctx)
        if ctx.l4() is Provider.AZURE:
            twin_names.check(ctx, dtdl_bundle)
    flags = features.flags(ctx, ctx.document("config_optimization.json", required=False))
    # (index in the file, rule): later checks name the rule by its position in config_events.json.
    indexed_rules = rules.rules(ctx, ctx.document("config_events.json", required=False), flags)
    l2_placed = ctx.providers is None or ctx.providers.get(Layer.L2) is not None
    processors, processors_need_info = user_code.processors(ctx) if l2_placed else ((), False)
    actions: tuple[ActionCode, ...] = ()
    workflow: tuple[Path, str] | None = None
    if ctx.providers is not None and not l2_placed:
        features.without_layer_2(ctx, flags, indexed_rules)
    elif ctx.providers is not None:
        features.check_flag_dependencies(ctx, flags, indexed_rules)
        if flags.use_event_checking:
            actions = user_code.actions(ctx, indexed_rules)
        if flags.trigger_notification_workflow:
            workflow = features.state_machine(ctx)
    admin = user.user(ctx, ctx.document(user.FILE, required=False))
    scene = scenes.scene(ctx, flags.needs_3d_model) if ctx.providers is not None else None
    payloads.payloads(ctx)
    if not problems.problems:  # its warnings are shown only with a project that loads
        inventory.note_unused_files(ctx, flags)
    if problems.problems:
        raise ProjectConfigError(str(root), problems.problems)
    assert ctx.twin is not None and ctx.providers is not None
    config = ProjectConfig(
        root=ctx.files.root,
        twin=ctx.twin,
        providers=ctx.providers,
        devices=ctx.devices,
        hierarchy=tree,
        dtdl=dtdl_bundle,
        events=tuple(rule for _, rule in indexed_rules),
        flags=flags,
        processor_files=processors,
        processors_need_twin_info=processors_need_info,
        actions=actions,
        state_machine_file=workflow[0] if workflow else None,
        workflow_definition=workflow[1] if workflow else None,
        user=admin,
        scene=scene,
        warnings=tuple(ctx.warnings.problems),
    )
    for problem in user_code.twin_info_problems(config):
        problems.add(problem.file, problem.path, problem.expected)
    if problems.problems:
        raise ProjectConfigError(str(root), problems.problems)
    return config
