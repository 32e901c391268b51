"""Function code bundles, staged once per synth and shared by every function of a cloud.

Staging copies exactly the files a function needs, so asset hashes change only when that code
changes (adding a device's processor does not touch the other layers' bundles). One BundleStager
belongs to one synth: it stages each cloud's bundles on first use and hands the same directories
to every stack of that cloud afterwards. Project code is copied from the file lists the loader
checked (twin_model.config.files), never by walking the project again: a bundle holds no byte from
outside the project.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from twin_model.clouds import CLOUDS
from twin_model.config.model import ProjectConfig, Provider
from twin_model.config.twin_info import TWIN_INFO_FILE, rule_definition, twin_info_json

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNTIME_ROOT = REPO_ROOT / "runtime"
CONTRACT_ROOT = REPO_ROOT / "twin_contract"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


@dataclass(frozen=True)
class Bundles:
    """Directories ready to be used as function code assets."""

    runtime: Path  # runtime/core + one cloud's handlers + twin_contract
    processing: Path  # runtime + the project's processors and event rules (L2)
    actions: tuple[tuple[str, Path], ...] = ()  # (functionName, staged copy of its code folder)


Finisher = Callable[[Bundles, ProjectConfig], None]  # what a cloud's function host needs on top


class BundleStager:
    """Stages `<cloud>-runtime` and `<cloud>-processing` under `staging_dir`, once per cloud."""

    def __init__(self, config: ProjectConfig, staging_dir: Path) -> None:
        self._config = config
        self._dir = staging_dir
        self._staged: dict[Provider, Bundles] = {}

    def text_file(self, relative: str, text: str) -> Path:
        """A generated file (e.g. an adapted workflow definition) staged as a file asset."""
        path = self._dir / "files" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def files_dir(self, relative: str, files: tuple[tuple[str, Path], ...]) -> Path:
        """Checked project files (e.g. a 3D scene's models) staged as one folder asset."""
        target = self._dir / "files" / relative
        if target.exists():
            shutil.rmtree(target)
        stage_files(files, target)
        return target

    def for_cloud(self, cloud: Provider, finish: Finisher | None = None) -> Bundles:
        """The cloud's bundles; `finish` adds the cloud's own files the first time they are staged."""
        if cloud not in self._staged:
            bundles = stage_bundles(self._config, self._dir, CLOUDS[cloud].runtime_package)
            if finish is not None:
                finish(bundles, self._config)
            self._staged[cloud] = bundles
        return self._staged[cloud]


def stage_bundles(config: ProjectConfig, staging_dir: Path, cloud: str) -> Bundles:
    """Write the code bundles for `cloud` (the runtime subpackage name, e.g. "aws") under staging_dir."""
    runtime_dir = staging_dir / f"{cloud}-runtime"
    processing_dir = staging_dir / f"{cloud}-processing"
    for target in (runtime_dir, processing_dir):
        if target.exists():
            shutil.rmtree(target)
        _copy_runtime(target, cloud)
    project_dir = processing_dir / "project"
    for key, source in config.processor_files:  # the entry file keeps its name: it says how it is called
        destination = project_dir / "processors" / key / source.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    project_dir.mkdir(parents=True, exist_ok=True)
    # Processors, and Azure's in-app actions, read it from here (AWS and Google actions from their environment).
    if config.processors_need_twin_info or (cloud == "azure" and any(a.needs_twin_info for a in config.actions)):
        (project_dir / TWIN_INFO_FILE).write_text(twin_info_json(config), encoding="utf-8")
    if config.flags.use_event_checking:
        # The validated rules (as in DIGITAL_TWIN_INFO), not the file: keys the loader ignores
        # (the predecessor's pathToCode, functionUrl) reach no function.
        rules = [rule_definition(rule) for rule in config.events]
        (project_dir / "config_events.json").write_text(json.dumps(rules, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    actions = []
    for action in config.actions:
        target = staging_dir / f"{cloud}-actions" / action.name
        if target.exists():
            shutil.rmtree(target)
        stage_files(action.files, target)
        actions.append((action.name, target))
    return Bundles(runtime=runtime_dir, processing=processing_dir, actions=tuple(actions))


def stage_files(files: tuple[tuple[str, Path], ...], target: Path) -> None:
    """Copy checked (relative path, real source) pairs under target; links were resolved by the loader."""
    target.mkdir(parents=True, exist_ok=True)
    for relative, source in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)


def _copy_runtime(target: Path, cloud: str) -> None:
    package = target / "runtime"
    package.mkdir(parents=True)
    shutil.copyfile(RUNTIME_ROOT / "__init__.py", package / "__init__.py")
    for sub in ("core", cloud):
        shutil.copytree(RUNTIME_ROOT / sub, package / sub, ignore=_IGNORE)
    shutil.copytree(CONTRACT_ROOT, target / "twin_contract", ignore=_IGNORE)
