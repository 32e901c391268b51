"""Reading the project folder without ever leaving it.

Why: project files end up in function bundles and error messages. A link from inside the project
to `/etc` or `~/.ssh` would copy host secrets into a deployable asset, and a FIFO in place of a
config file would hang the synth. Every path is resolved (links at any depth) and must stay
inside the project's real folder; only regular files and folders are read. Links that stay
inside the project are followed (a shared helper folder linked into two actions is fine).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from twin_model.config.errors import Problems

# Upper bounds that keep a hostile project from costing minutes or gigabytes before it is refused.
MAX_FOLDER_FILES = 1_000  # files of one action folder
MAX_FOLDER_BYTES = 50 * 1024 * 1024  # bytes of one action folder (Lambda's direct-upload zip limit)
# What the function bundles never contain (CDK asset excludes of the Lambda functions).
SKIPPED_NAMES = ("__pycache__",)
SKIPPED_SUFFIXES = (".pyc",)

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


@dataclass(frozen=True)
class Entry:
    """One project path after resolution: `real` is inside the project, `kind` what it is."""

    relative: str  # as the user sees it, e.g. processors/press-01/process.py
    real: Path
    kind: str  # "file", "folder" or "missing"
    size: int = 0


class ProjectFiles:
    """The project folder; every read goes through `entry` (problems go to `problems`)."""

    def __init__(self, root: Path, problems: Problems) -> None:
        self.root = Path(os.path.realpath(root))
        self.problems = problems
        self.used: set[str] = set()  # relative paths the loader read or bundled (the rest is reported unused)

    def use(self, relative: str) -> None:
        self.used.add(relative)

    def entry(self, relative: str, *, report_as: str | None = None) -> Entry | None:
        """The resolved entry, or None after reporting a link out of the project or a special file."""
        candidate = self.root / relative
        real = Path(os.path.realpath(candidate))
        if not _inside(real, self.root):
            shown, target = self._first_link_out(relative) if report_as is None else (report_as, real)
            self.problems.add(shown, "$", f"a path inside the project, not a link to {target} (outside the project)")
            return None
        shown = report_as or relative
        try:
            info = os.stat(real)
        except FileNotFoundError:  # also a dangling link
            return Entry(relative, real, "missing")
        except OSError as exc:  # link loops, permissions
            self.problems.add(shown, "$", f"a readable path ({exc.strerror or exc})")
            return None
        if stat.S_ISREG(info.st_mode):
            return Entry(relative, real, "file", info.st_size)
        if stat.S_ISDIR(info.st_mode):
            return Entry(relative, real, "folder")
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
        self.problems.add(shown, "$", f"a regular file or folder, not {kind}")
        return None

    def _first_link_out(self, relative: str) -> tuple[str, Path]:
        """The shortest prefix of `relative` that already resolves outside the project, and its target."""
        parts = Path(relative).parts
        for count in range(1, len(parts) + 1):
            prefix = "/".join(parts[:count])
            real = Path(os.path.realpath(self.root / prefix))
            if not _inside(real, self.root):
                return prefix, real
        return relative, Path(os.path.realpath(self.root / relative))

    def children(self, relative: str) -> list[str]:
        """Names in a project folder (already checked to be a folder), sorted."""
        try:
            return sorted(os.listdir(self.root / relative))
        except OSError as exc:
            self.problems.add(relative, "$", f"a readable folder ({exc.strerror or exc})")
            return []

    def tree(self, relative: str) -> tuple[tuple[str, Path], ...] | None:
        """Every regular file under a folder as (path inside the folder, real path); None if unusable.

        Links are followed only while they stay inside the project; a folder link back to one of
        its own ancestors is refused (it would make the bundle infinite).
        """
        top = self.entry(relative)
        if top is None or top.kind != "folder":
            return None
        self.use(relative)  # bundled whole
        before = len(self.problems)
        files: list[tuple[str, Path]] = []
        total = 0
        pending: list[tuple[Path, str, str, frozenset[Path]]] = [(top.real, "", relative, frozenset({top.real}))]
        while pending:
            folder, prefix, shown, ancestors = pending.pop()
            try:
                names = sorted(os.listdir(folder))
            except OSError as exc:
                self.problems.add(shown, "$", f"a readable folder ({exc.strerror or exc})")
                continue
            for name in names:
                if name in SKIPPED_NAMES or name.endswith(SKIPPED_SUFFIXES):
                    continue
                shown_child = f"{shown}/{name}"
                child = self.entry(os.path.relpath(folder / name, self.root), report_as=shown_child)
                if child is None:
                    continue
                if child.kind == "missing":
                    self.problems.add(shown_child, "$", f"an existing file (the link points to {child.real}, which does not exist)")
                elif child.kind == "folder":
                    if child.real in ancestors:
                        self.problems.add(shown_child, "$", "a folder link that does not point back to its own parent folders")
                    else:
                        pending.append((child.real, f"{prefix}{name}/", shown_child, ancestors | {child.real}))
                else:
                    files.append((f"{prefix}{name}", child.real))
                    total += child.size
            if len(files) > MAX_FOLDER_FILES or total > MAX_FOLDER_BYTES:
                self.problems.add(
                    relative, "$", f"at most {MAX_FOLDER_FILES} files and {MAX_FOLDER_BYTES // (1024 * 1024)} MB per code folder"
                )
                return None
        if len(self.problems) > before:
            return None
        return tuple(sorted(files))


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
