"""Write the planned project, check that it is the same twin, and report every change."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from twin_model.config import ProjectConfig, ProjectConfigError, load_project
from twin_model.config.twin_info import digital_twin_info
from twin_ops.migrate.documents import walk
from twin_ops.migrate.plan import Migration, plan


class MigrateUsageError(Exception):
    """NEW_DIR cannot be used: it is taken, lies inside OLD_DIR, or cannot be created or written (exit 2)."""


def migrate(old: Path, new: Path, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """0 migrated, 1 the old project does not load (its report is printed) or the new one would
    not be the same twin, 2 NEW_DIR cannot be used (taken, inside OLD_DIR, cannot be written).

    NEW_DIR is checked before OLD_DIR is read, and created for real (a write probe included)
    only once OLD_DIR has loaded: whatever the file system refuses is exit 2 with its reason,
    and an interrupted or failed run leaves nothing it created behind."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        _check_target(old, new)
    except MigrateUsageError as error:
        print(f"error: {error}", file=err)
        return 2
    try:
        config = load_project(old)
    except ProjectConfigError as error:
        print(error.report(), file=err)
        print("Nothing was written: migrate reads a project as `cdk synth` does; fix the problems above first.", file=err)
        return 1
    migration = plan(config)
    target = _Target(new)
    try:
        target.create()
        _write(migration, new)
        migrated = load_project(new)
        differences = [part for part, value in fingerprint(config).items() if fingerprint(migrated)[part] != value]
    except MigrateUsageError as error:
        target.remove()
        print(f"error: {error}; nothing was kept", file=err)
        return 2
    except ProjectConfigError as error:
        differences = [f"it does not load:\n{error.report()}"]
    except BaseException:  # Ctrl-C, SIGTERM: no half-written project is left
        target.remove()
        raise
    if differences:
        target.remove()
        print(f"error: the migrated project would not be the same twin ({'; '.join(differences)}); nothing was "
              "kept. Please report this with the project.", file=err)
        return 1
    print(report(old, new, migration, migrated), file=out)
    return 0


def _check_target(old: Path, new: Path) -> None:
    """What can be known about NEW_DIR without writing: refused with the reason."""
    try:
        if new.is_symlink() and not new.exists():
            raise MigrateUsageError(f"{new} is a link to {os.readlink(new)}, which is no folder: give a new folder "
                                    "for the migrated project")
        if new.exists() and (not new.is_dir() or any(new.iterdir())):
            raise MigrateUsageError(f"{new} exists and is not an empty folder: give a new folder for the migrated project")
        real_old, real_new = Path(os.path.realpath(old)), Path(os.path.realpath(new))
        if real_new == real_old or real_old in real_new.parents:
            raise MigrateUsageError(f"{new} is inside {old}: give a folder outside the old project")
        for parent in new.absolute().parents:
            if parent.is_dir():
                break
            if parent.exists() or parent.is_symlink():
                what = "a link to nothing" if parent.is_symlink() and not parent.exists() else "not a folder"
                raise MigrateUsageError(f"{new} cannot be created: {parent} is {what}")
    except OSError as error:  # a name too long, a parent that cannot be listed, ...
        raise MigrateUsageError(f"{new} cannot be used: {_reason(error)}") from None


class _Target:
    """NEW_DIR and the folders above it that this run creates, so a failed run can take them back."""

    def __init__(self, new: Path) -> None:
        self.new = new
        self.created: list[Path] = []  # outermost first
        self.written = False

    def create(self) -> None:
        missing = [p for p in (self.new, *self.new.absolute().parents) if not p.exists()]
        try:
            for folder in reversed(missing):
                folder.mkdir()
                self.created.append(folder)
            with tempfile.TemporaryFile(dir=self.new):  # a folder can exist and still refuse files
                pass
        except OSError as error:
            raise MigrateUsageError(f"{self.new} cannot be created or written: {_reason(error)}") from None
        self.written = True

    def remove(self) -> None:
        if not self.written and not self.created:
            return
        if self.created:
            shutil.rmtree(self.created[0], ignore_errors=True)
        else:  # it was an empty folder: leave it empty
            for child in self.new.iterdir():
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() and not child.is_symlink() else child.unlink()


def _write(migration: Migration, new: Path) -> None:
    for written in migration.written:
        target = new / written.target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(written.content)
        except OSError as error:
            raise MigrateUsageError(f"{target} cannot be written: {_reason(error)}") from None


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def fingerprint(config: ProjectConfig) -> dict[str, Any]:
    """Everything the stacks are built from; two projects with equal fingerprints synthesize the
    same stacks. Component type ids are left out: a component names its device (iotDeviceId)."""
    tree = tuple(
        (entity.id, tuple(child.id for child in entity.children),
         tuple(dataclasses.replace(c, component_type_id=None) for c in entity.components))
        for entity in walk(config.hierarchy)
    )
    scene = config.scene
    return {
        "twin": (config.name, config.twin),
        "project": digital_twin_info(config),  # devices, rules, providers
        "hierarchy": tree,
        "DTDL": config.dtdl,
        "flags": config.flags,
        "processors": tuple((key, path.name, path.read_bytes()) for key, path in config.processor_files),
        "DIGITAL_TWIN_INFO for processors": config.processors_need_twin_info,
        "event actions": tuple((a.name, a.needs_twin_info, tuple((n, p.read_bytes()) for n, p in a.files))
                               for a in config.actions),
        "workflow": config.workflow_definition,
        "administrator": config.user,
        "3D scene": scene and (scene.cloud, scene.config_name, scene.document,
                               tuple((n, p.read_bytes()) for n, p in scene.files)),
    }


def report(old: Path, new: Path, migration: Migration, migrated: ProjectConfig) -> str:
    lines = [f"Migrated {old} to {new}: {len(migration.written)} files written, "
             f"{len(migration.left_behind)} left behind; it describes the same twin ({migrated.name})."]
    width = max((len(w.target) for w in migration.written), default=0)
    for written in migration.written:
        origin = "" if written.source == written.target else f"  from {written.source}"
        lines.append(f"  {written.target.ljust(width)}  {written.how}{origin}")
        lines.extend(f"      {path}: {what}" for path, what in written.changes)
    if migration.left_behind:
        lines.append("Left behind (not read by this project; still in the old folder):")
        lines.extend(f"  {left.path}: {left.reason}" for left in migration.left_behind)
    remaining = [w for w in migrated.warnings]
    if remaining:
        lines.append("Warnings of the migrated project (what it holds that a synth reports):")
        lines.extend(f"  - {w.file} {w.path}: {w.expected}" for w in remaining)
    return "\n".join(lines)
