"""Files under `<project>/iot_devices_auth/`: device credentials (0600) and simulator.json.

Credentials are written owner-only from the first byte (created with mode 0600 and renamed into
place, never chmod-ed after the fact), and rewritten only when their content changed, so a re-run
is a no-op. The folder ignores itself for git: a deploy of a project inside a repository must not
lead to a committed private key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from twin_ops.simulator.config import CONFIG_FILE, SimulatorConfig, auth_dir

SELF_IGNORE = "# written by `python -m twin_ops post-deploy`: device credentials, never commit\n*\n"


def prepare_auth_dir(project: Path) -> Path:
    folder = auth_dir(project)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_file(folder / ".gitignore", SELF_IGNORE, mode=0o644)
    return folder


def write_file(path: Path, content: str, mode: int = 0o600) -> bool:
    """Atomically write `content` with `mode`; False when the file already held it (mode enforced)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.is_file() and path.read_text(encoding="utf-8") == content:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
        return False
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(temporary, mode)  # the umask may have narrowed it further than asked
    os.replace(temporary, path)
    return True


def write_simulator_config(project: Path, config: SimulatorConfig) -> Path:
    path = auth_dir(project) / CONFIG_FILE
    write_file(path, json.dumps(config.to_json(), indent=2) + "\n", mode=0o644)
    return path
