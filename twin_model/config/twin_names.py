"""Device property names in generated Azure Digital Twins models: mapped to DTDL names, not refused.

A name becomes a DTDL name only where this project writes the model: the generated model of a
device that the project's own DTDL (twin_hierarchy/azure_hierarchy.json) gives no twin. There,
a name DTDL does not allow (the predecessor's `serial-number`) is stored under its mapped form
(twin_contract.dtdl.dtdl_name: deterministic, like the twin name's mapping), which the model, the
twin and the twin updater all use; the loader warns with the mapping. Two names of one device with
one mapped form, or a mapped form the generated model defines itself, are refused. A device the
project's DTDL binds keeps its names: they never become DTDL names (its model is the user's).
"""

from __future__ import annotations

from twin_model.config.context import LoadContext
from twin_model.config.documents import PathParts
from twin_model.config.model import DtdlBundle
from twin_contract.dtdl import GENERATED_PROPERTIES, MAPPING_RULE, dtdl_name


def check(ctx: LoadContext, bundle: DtdlBundle | None) -> None:
    bound = {binding.device_id for binding in bundle.bindings} if bundle is not None else set()
    by_device: dict[str, dict[str, str]] = {}  # device → mapped name → name
    for device_id, name, file, parts in ctx.twin_names:
        if device_id in bound:
            continue
        mapped = dtdl_name(name)
        _one(ctx, device_id, name, mapped, file, parts, by_device.setdefault(device_id, {}))


def _one(ctx: LoadContext, device_id: str, name: str, mapped: str, file: str, parts: PathParts,
         seen: dict[str, str]) -> None:
    model = f"device {device_id!r}'s generated Azure Digital Twins model"
    if mapped in GENERATED_PROPERTIES:
        ctx.add(file, parts, f"a name other than {' and '.join(GENERATED_PROPERTIES)} ({model} defines "
                f"{mapped!r} itself{'' if mapped == name else f'; {name!r} maps to it: {MAPPING_RULE}'})")
        return
    other = seen.setdefault(mapped, name)
    if other != name:
        ctx.add(file, parts, f"a name whose DTDL form differs from {other!r}'s: both would be {mapped!r} in "
                f"{model} ({MAPPING_RULE})")
    elif mapped != name:
        sent = "" if "constProperties" in parts else "; devices keep sending it as it is"
        ctx.warn(file, parts, f"stored as {mapped!r} in {model}, which allows no {name!r} ({MAPPING_RULE}){sent}")
