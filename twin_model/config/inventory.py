"""Nothing in a project is silently ignored: every file the loader did not read or bundle is named.

After every check has run, the project folder is walked and each file that no check read or
bundled gets a warning, with the reason where it is known (the predecessor's files this project
replaces, another cloud's function folder, a workflow of another cloud). A folder none of whose
files is read is one warning. Left out: hidden files, Python caches, and what this project's own
tools keep in a project (`iot_devices_auth/` written by the post-deploy steps,
`iot_device_simulator/payloads.json` read by the simulator).
"""

from __future__ import annotations

import os
from pathlib import Path

from twin_model.config.context import LoadContext
from twin_model.config.files import SKIPPED_NAMES, SKIPPED_SUFFIXES
from twin_model.config.model import Layer, OptimizationFlags

MAX_LISTED = 20_000  # a project with more files is not walked further (and says so)
# twin_ops: the post-deploy steps' output, the simulator's payloads (and their older place).
TOOL_FILES = ("iot_devices_auth", "iot_device_simulator/payloads.json", "iot_device_simulator/aws/payloads.json")
FEEDBACK = "not read: device feedback is built in (README: event feedback reaches the device without user code)"
KNOWN = {
    "config_credentials.json": "not read: credentials come from each cloud's standard chain (delete it: it holds secrets)",
    "config_inter_cloud.json": "not read: bridge URLs and tokens are created at deploy time",
    "project_info.json": "not read (project metadata)",
    "deployment_manifest.json": "not read (the predecessor's deployment record)",
    "config_grafana.json": "not read: the dashboards' administrator comes from config_user.json",
    "lambda_functions/event-feedback": FEEDBACK,
    "azure_functions/event-feedback": FEEDBACK,
    "cloud_functions/event-feedback": FEEDBACK,
    "lambda_functions/processor_wrapper": "not read: the twin's processor function runs every device's code",
    "cloud_functions/processor_wrapper": "not read: the twin's processor function runs every device's code",
    "iot_device_simulator": "not read: the simulator reads iot_device_simulator/payloads.json",
}


def note_unused_files(ctx: LoadContext, flags: OptimizationFlags) -> None:
    warned = {problem.file for problem in ctx.warnings.problems}
    used = ctx.files.used
    unused: list[str] = []
    folders: dict[str, bool] = {}  # folder → whether every file in it (at any depth) is unused
    root = ctx.files.root
    seen = 0
    for current, dirs, files in os.walk(root, followlinks=False):
        here = Path(current).relative_to(root).as_posix()
        here = "" if here == "." else here
        dirs[:] = sorted(d for d in dirs if not _skipped(d) and not _is_tool(_join(here, d)))
        for name in sorted(files):
            if _skipped(name):
                continue
            relative = _join(here, name)
            seen += 1
            if seen > MAX_LISTED:
                ctx.warn(".", (), f"only the first {MAX_LISTED:,} files were checked for use")
                break
            is_unused = not _is_tool(relative) and not _covered(relative, used) and not _covered(relative, warned)
            if is_unused:
                unused.append(relative)
            for folder in _parents(relative):
                folders[folder] = folders.get(folder, True) and is_unused
        if seen > MAX_LISTED:
            break
    reported: set[str] = set()
    for relative in unused:
        top = next((f for f in _parents(relative) if folders[f]), None)  # the highest wholly unused folder
        shown = top or relative
        if shown in reported or _covered(shown, reported):
            continue
        reported.add(shown)
        ctx.warn(shown, (), _reason(ctx, shown, flags))


def _reason(ctx: LoadContext, relative: str, flags: OptimizationFlags) -> str:
    from twin_model.clouds import CLOUDS

    for known, why in KNOWN.items():
        if relative == known or relative.startswith(f"{known}/"):
            return why
    top = relative.split("/", 1)[0]
    l2 = ctx.providers.get(Layer.L2) if ctx.providers is not None else None
    if ctx.providers is not None and l2 is None and (
        top in {cloud.functions_folder for cloud in CLOUDS.values()} | {"processors", "state_machines"}
    ):
        return 'not read: layer_2_provider is "none" (processors, actions and workflows run in layer 2)'
    for cloud in CLOUDS.values():
        if top == cloud.functions_folder and l2 is not None and cloud.provider is not l2:
            return (f"not read: layer 2 runs on {CLOUDS[l2].title}; {cloud.functions_folder}/ is read when layer 2 is "
                    f"on {cloud.title}")
    if top == "scene_assets" and "/" in relative:
        l4 = ctx.l4()
        scene_cloud = relative.split("/")[1]
        if l4 is not None and scene_cloud != l4.value and scene_cloud in {c.provider.value for c in CLOUDS.values()}:
            return f"not read: layer 4 is on {CLOUDS[l4].title}: scene_assets/{l4.value}/ is its scene"
    if top == "state_machines":
        if not flags.trigger_notification_workflow:
            return "not read: triggerNotificationWorkflow is not true in config_optimization.json"
        if l2 is not None:
            return f"not read: layer 2's workflow is state_machines/{' or '.join(CLOUDS[l2].workflow_files)}"
    if "/event_actions/" in f"/{relative}" and not flags.use_event_checking:
        return "not read: useEventChecking is not true in config_optimization.json"
    if "/event_actions/" in f"/{relative}":
        return "not read: no rule of config_events.json deploys this action"
    return "not read: this project has no use for it"


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _parents(relative: str) -> list[str]:
    parts = relative.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _covered(relative: str, paths: set[str]) -> bool:
    return relative in paths or any(parent in paths for parent in _parents(relative))


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_NAMES or name.endswith(SKIPPED_SUFFIXES)


def _is_tool(relative: str) -> bool:
    return any(relative == tool or relative.startswith(f"{tool}/") for tool in TOOL_FILES)
