"""Write the planned project, check that it is the same twin, and report every change."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

from twin_model.config import ProjectConfig, ProjectConfigError, load_project
from twin_model.config.twin_info import digital_twin_info
from twin_ops.migrate.documents import walk
from twin_ops.migrate.plan import Migration, plan


class MigrateUsageError(Exception):
    """NEW_DIR cannot be written to (exit code 2)."""


def migrate(old: Path, new: Path, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """0 migrated, 1 the old project does not load (its report is printed) or the new one would
    not be the same twin, 2 NEW_DIR is not a new or empty folder outside OLD_DIR."""
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
    created = not new.exists()
    _write(migration, new)
    try:
        migrated = load_project(new)
        differences = [part for part, value in fingerprint(config).items() if fingerprint(migrated)[part] != value]
    except ProjectConfigError as error:
        differences = [f"it does not load:\n{error.report()}"]
    if differences:
        _remove(new, created)
        print(f"error: the migrated project would not be the same twin ({'; '.join(differences)}); nothing was "
              "kept. Please report this with the project.", file=err)
        return 1
    print(report(old, new, migration, migrated), file=out)
    return 0


def _check_target(old: Path, new: Path) -> None:
    if new.exists() and (not new.is_dir() or any(new.iterdir())):
        raise MigrateUsageError(f"{new} exists and is not an empty folder: give a new folder for the migrated project")
    real_old, real_new = Path(os.path.realpath(old)), Path(os.path.realpath(new))
    if real_new == real_old or real_old in real_new.parents:
        raise MigrateUsageError(f"{new} is inside {old}: give a folder outside the old project")


def _write(migration: Migration, new: Path) -> None:
    for written in migration.written:
        target = new / written.target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(written.content)


def _remove(new: Path, created: bool) -> None:
    if created:
        shutil.rmtree(new, ignore_errors=True)
    else:  # it was an empty folder: leave it empty
        for child in new.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()


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
