"""What Cloud Functions needs in the shared bundles (cdk_app/bundles.py): `main.py` and
`requirements.txt` at the archive root (copied from runtime/gcp/bundle_root next to `runtime/`)."""

from __future__ import annotations

import shutil

from cdk_app.bundles import RUNTIME_ROOT, Bundles
from twin_model.config.model import ProjectConfig

BUNDLE_ROOT_FILES = ("main.py", "requirements.txt")


def finish_gcp_bundles(bundles: Bundles, config: ProjectConfig) -> None:
    for target in (bundles.runtime, bundles.processing):
        for name in BUNDLE_ROOT_FILES:
            shutil.copyfile(RUNTIME_ROOT / "gcp" / "bundle_root" / name, target / name)
