"""What every project file's check shares: the folder, the problems and warnings, what is known so far.

Files are checked in order (twin settings, providers, devices, hierarchy, flags, rules, code), and later
checks read what earlier ones found: the twin's resource name bounds device ids, layer 4's cloud
decides which name rules apply, the device list is what references must name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeGuard

from twin_model.config import names as naming
from twin_model.config.documents import JsonObject, PathParts, json_path, parse
from twin_model.config.errors import Problems
from twin_model.config.files import ProjectFiles
from twin_model.config.keys import check_keys
from twin_model.config.model import Device, Layer, Provider, Providers, TwinSettings

MAX_JSON_BYTES = 1024 * 1024
MAX_LARGE_JSON_BYTES = 16 * 1024 * 1024  # devices and hierarchy of large fleets


class LoadContext:
    def __init__(self, root: Path, problems: Problems) -> None:
        self.root = root
        self.problems = problems
        self.warnings = Problems()
        self.files = ProjectFiles(root, problems)
        self.twin: TwinSettings | None = None
        self.providers: Providers | None = None
        self.devices: tuple[Device, ...] = ()
        self.device_ids: set[str] | None = None  # None: the device list is unusable, references unchecked
        self.flags_path = "$.result.inputParamsUsed"  # where config_optimization.json holds its flags
        # (device id, property or constant name, file, path) of every name a generated Azure Digital
        # Twins model may hold: checked once the hierarchy says which devices get one (twin_names).
        self.twin_names: list[tuple[str, str, str, PathParts]] = []

    def add(self, file: str, parts: PathParts, expected: str) -> None:
        self.problems.add(file, json_path(parts), expected)

    def warn(self, file: str, parts: PathParts, text: str) -> None:
        self.warnings.add(file, json_path(parts), text)

    def check_keys(
        self, node: JsonObject, parts: PathParts, file: str, known: tuple[str, ...], ignored: dict[str, str] | None = None
    ) -> None:
        check_keys(node, parts, file, known, self.problems, self.warnings, ignored)

    def name(self, file: str, parts: PathParts, value: Any, what: str, limit: int, note: str = "") -> str | None:
        """`value` as a name of 1-`limit` characters of the one name alphabet (naming.NAME) every
        cloud accepts in resource names; otherwise a problem at `parts` and None."""
        if isinstance(value, str) and naming.NAME.fullmatch(value) and len(value) <= limit:
            return value
        self.add(file, parts, f"{what} of 1-{limit} characters matching {naming.NAME.pattern} ({note}got {short(value)})")
        return None

    def l4(self) -> Provider | None:
        return self.providers.get(Layer.L4) if self.providers is not None else None

    def l2(self) -> Provider:
        """Layer 2's cloud, for the checks the loader runs only once config_providers.json was usable."""
        if self.providers is None:
            raise RuntimeError("layer 2's cloud was asked for before config_providers.json was usable")
        return self.providers[Layer.L2]

    def read_bytes(self, name: str, *, required: bool, limit: int) -> bytes | None:
        entry = self.files.entry(name)
        if entry is None:
            return None
        self.files.use(name)
        if entry.kind == "folder":
            self.problems.add(name, "$", "a file, not a folder")
            return None
        if entry.kind == "missing":
            if required:
                self.problems.add(name, "$", "the file to exist")
            return None
        if entry.size > limit:
            self.problems.add(name, "$", f"a file of at most {size(limit)} (it has {size(entry.size)})")
            return None
        try:
            with open(entry.real, "rb") as stream:
                data = stream.read(limit + 1)
        except OSError as exc:
            self.problems.add(name, "$", f"a readable file ({exc.strerror or exc})")
            return None
        if len(data) > limit:  # grew since it was checked
            self.problems.add(name, "$", f"a file of at most {size(limit)}")
            return None
        return data

    def read_text(self, name: str, *, required: bool, limit: int) -> str | None:
        data = self.read_bytes(name, required=required, limit=limit)
        if data is None:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.problems.add(name, "$", f"UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8)")
            return None

    def document(self, name: str, *, required: bool, limit: int = MAX_JSON_BYTES) -> Any:
        text = self.read_text(name, required=required, limit=limit)
        if text is None:
            return None
        ok, value = parse(text, name, self.problems)
        if ok and value is None:  # `null` is not "no file": it must not fall back to defaults
            self.problems.add(name, "$", "a JSON array or object, not null")
        return value if ok else None


def known_device(device_id: Any, device_ids: set[str] | None) -> TypeGuard[str]:
    """A device reference is a string naming a device (any string when the device list is unusable)."""
    return isinstance(device_id, str) and (device_ids is None or device_id in device_ids)


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def short(value: Any) -> str:
    """A value for a report: never the whole of a huge one."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text):,} characters)"


def short_text(text: str) -> str:
    return text if len(text) <= 200 else f"{text[:150]}... ({len(text):,} characters)"


def size(count: int) -> str:
    for unit, name in ((1024 * 1024, "MB"), (1024, "KB")):
        if count % unit == 0:
            return f"{count // unit} {name}"
    return f"{count:,} bytes"
