"""What the new project holds, file by file, and what stays behind.

Decided from the validated project alone: the files the loader read go to their native place
(processors to `processors/<device>/`, the hierarchy to `config_hierarchy.json` unless it is DTDL
deployed as given, flags nested, an adapted workflow as deployed), unchanged files byte for byte.
Every other file of the old project is left behind with the loader's reason for not reading it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin_model.clouds import CLOUDS
from twin_model.config import hierarchy as hierarchy_files
from twin_model.config import payloads as payload_files
from twin_model.config.files import SKIPPED_NAMES, SKIPPED_SUFFIXES
from twin_model.config.inventory import TOOL_FILES
from twin_model.config.model import Layer, ProjectConfig
from twin_model.config.scenes import FOLDER as SCENE_FOLDER
from twin_model.config.user_code import DEFAULT_KEY, DEFAULT_PROCESSOR
from twin_ops.migrate import documents
from twin_ops.migrate.documents import Notes

Transform = Callable[[Any, ProjectConfig, Notes], Any]
CONFIG_FILES: tuple[tuple[str, Transform | None], ...] = (
    ("config.json", documents.config_json),
    ("config_providers.json", None),
    ("config_iot_devices.json", None),
    ("config_events.json", documents.events),
    ("config_optimization.json", documents.optimization),
    ("config_user.json", None),
)
NATIVE_PAYLOADS = payload_files.FILES[0]
DEVICE_CREDENTIALS = "iot_devices_auth"
CREDENTIALS_LEFT = ("device credentials the post-deploy steps wrote: not copied (private keys); "
                    "`python -m twin_ops post-deploy` writes them again")


@dataclass(frozen=True)
class Written:
    """One file of the new project."""

    target: str  # path in the new project
    source: str  # the old file it comes from
    content: bytes
    how: str  # copied, moved, rewritten or converted
    changes: tuple[tuple[str, str], ...] = ()  # (JSON path in the old file, what and why)


@dataclass(frozen=True)
class LeftBehind:
    path: str  # a file or a folder none of whose files is carried over
    reason: str


@dataclass(frozen=True)
class Migration:
    written: tuple[Written, ...]
    left_behind: tuple[LeftBehind, ...]


def plan(config: ProjectConfig) -> Migration:
    warnings = {(w.file, w.path): w.expected for w in config.warnings}
    builder = _Builder(config, warnings)
    for name, transform in CONFIG_FILES:
        if (config.root / name).is_file():
            builder.json_file(name, name, transform)
    _hierarchy(builder)
    _code(builder)
    _workflow(builder)
    _scene(builder)
    _payloads(builder)
    return Migration(tuple(builder.written), tuple(_left_behind(config, builder.read, warnings)))


class _Builder:
    def __init__(self, config: ProjectConfig, warnings: dict[tuple[str, str], str]) -> None:
        self.config, self.warnings = config, warnings
        self.written: list[Written] = []
        self.read: set[Path] = set()  # real paths of the old files carried over

    def relative(self, real: Path) -> str:
        return real.relative_to(self.config.root).as_posix()

    def copy(self, target: str, real: Path) -> None:
        source = self.relative(real)
        self.read.add(real)
        self.written.append(Written(target, source, real.read_bytes(), "copied" if source == target else "moved"))

    def json_file(self, target: str, source: str, transform: Transform | None) -> None:
        real = Path(os.path.realpath(self.config.root / source))
        raw = json.loads(real.read_text(encoding="utf-8-sig"))
        notes = Notes(source, self.warnings)
        doc = transform(raw, self.config, notes) if transform else raw
        if doc == raw and not notes.changes:
            self.copy(target, real)
            return
        self.read.add(real)
        self.written.append(Written(target, source, dump(doc), "rewritten", tuple(notes.changes)))

    def document(self, target: str, source: str, doc: Any, how: str, why: str) -> None:
        self.read.add(Path(os.path.realpath(self.config.root / source)))
        self.written.append(Written(target, source, dump(doc), how, (("$", why),)))


def dump(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _hierarchy(builder: _Builder) -> None:
    config = builder.config
    l4 = config.providers.get(Layer.L4)
    if l4 is None:
        return
    source = next(name for name in hierarchy_files.ORDER[l4] if (config.root / name).is_file())
    if config.dtdl is not None:  # user DTDL with the twin on Azure: deployed as given, stays where it is
        builder.json_file(source, source, documents.dtdl)
    elif source == hierarchy_files.AZURE_DTDL:  # DTDL read as the TwinMaker tree
        builder.document(hierarchy_files.NATIVE, source, documents.tree_document(config.hierarchy), "converted",
                         "the entity tree its twins and relationships describe (layer 4 on AWS builds TwinMaker "
                         "entities from a tree)")
    else:
        builder.json_file(hierarchy_files.NATIVE, source, documents.tree)


def _code(builder: _Builder) -> None:
    config = builder.config
    for key, real in config.processor_files:
        folder = DEFAULT_PROCESSOR if key == DEFAULT_KEY else key
        builder.copy(f"processors/{folder}/{real.name}", real)
    functions = CLOUDS[config.providers[Layer.L2]].functions_folder
    for action in config.actions:
        for name, real in action.files:
            builder.copy(f"{functions}/event_actions/{action.name}/{name}", real)


def _workflow(builder: _Builder) -> None:
    config = builder.config
    real = config.state_machine_file
    if real is None or config.workflow_definition is None:
        return
    if config.workflow_definition == real.read_text(encoding="utf-8-sig"):
        builder.copy(f"state_machines/{real.name}", real)
        return
    # Adapted by the loader (twin_model.config.workflow_contract): the definition deployed, as JSON.
    source = builder.relative(real)
    target = f"state_machines/{Path(real.name).stem}.json"
    changes = tuple((w.path, w.expected) for w in config.warnings if w.file == source and w.expected.startswith("adapted: "))
    builder.read.add(real)
    builder.written.append(Written(target, source, config.workflow_definition.encode("utf-8"), "rewritten", changes))


def _scene(builder: _Builder) -> None:
    scene = builder.config.scene
    if scene is None:
        return
    folder = f"{SCENE_FOLDER}/{scene.cloud.value}"
    builder.copy(f"{folder}/{scene.config_name}", Path(os.path.realpath(builder.config.root / folder / scene.config_name)))
    for name, real in scene.files:
        builder.copy(f"{folder}/{name}", real)


def _payloads(builder: _Builder) -> None:
    for name in payload_files.FILES:  # the first present is the simulator's
        path = builder.config.root / name
        if path.is_file():
            builder.copy(NATIVE_PAYLOADS, Path(os.path.realpath(path)))
            return


def _left_behind(config: ProjectConfig, read: set[Path], warnings: dict[tuple[str, str], str]) -> list[LeftBehind]:
    """Every old file not carried over, a wholly left folder as one line, with the loader's reason."""
    by_file = {file: text for (file, path), text in warnings.items() if path == "$"}
    left: list[str] = []
    folders: dict[str, list[bool]] = {}  # folder → [is each file in it left behind]
    for current, dirs, files in os.walk(config.root):
        here = Path(current).relative_to(config.root).as_posix()
        here = "" if here == "." else here
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in sorted(files):
            if _skipped(name):
                continue
            relative = f"{here}/{name}" if here else name
            is_left = Path(os.path.realpath(Path(current) / name)) not in read
            if is_left:
                left.append(relative)
            for folder in _parents(relative):
                folders.setdefault(folder, []).append(is_left)
    shown: list[LeftBehind] = []
    done: set[str] = set()
    for relative in left:
        top = next((f for f in _parents(relative) if all(folders[f])), relative)
        if top in done:
            continue
        done.add(top)
        shown.append(LeftBehind(top, _reason(top, by_file)))
    return shown


def _reason(relative: str, by_file: dict[str, str]) -> str:
    for path in (relative, *reversed(_parents(relative))):
        if path in by_file:
            return by_file[path]
    if relative == DEVICE_CREDENTIALS or relative.startswith(f"{DEVICE_CREDENTIALS}/"):
        return CREDENTIALS_LEFT
    if relative in TOOL_FILES:
        return f"not read: the simulator reads {NATIVE_PAYLOADS}"
    return "not read by this project"


def _parents(relative: str) -> list[str]:
    parts = relative.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_NAMES or name.endswith(SKIPPED_SUFFIXES)
