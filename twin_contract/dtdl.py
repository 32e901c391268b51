"""DTDL names: what Azure Digital Twins accepts as a property name, and how a project name maps to one.

DTDL v3 names match `^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$` (at most 512 characters); device
property names may also hold `-` or start with a digit or `_` (the predecessor allowed
`serial-number`, which the ADT model upload rejects). The generated models use the mapped name,
and the twin updater patches the mapped name (the synth gives it each device's mapping), so both
sides agree; the loader refuses two names of one device with one mapped form: every character other than
a letter, digit or `_` becomes `_`, leading and trailing `_` are dropped, and a name that then
starts with a digit (or is empty) gets a `p` in front.
"""

from __future__ import annotations

import re

DTDL_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$")
MAX_DTDL_NAME = 512
DTMI = re.compile(
    r"^dtmi:[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?(?::[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?)*"
    r"(?:;[1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,5})?)?$"
)
MAX_DTMI = 2048
# Properties a generated device model defines itself (the device's id, the time of its newest record).
GENERATED_PROPERTIES = ("iotDeviceId", "lastUpdate")
MAPPING_RULE = ("characters other than letters, digits and _ become _, leading and trailing _ are dropped, "
                "a leading digit gets a p in front")


def dtdl_name(name: str) -> str:
    """The DTDL name a project property name is stored under in Azure Digital Twins."""
    if DTDL_NAME.fullmatch(name) and len(name) <= MAX_DTDL_NAME:
        return name
    mapped = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_")
    if not mapped or not mapped[0].isalpha():
        mapped = f"p{mapped}"
    return mapped[:MAX_DTDL_NAME].rstrip("_")


# The ids of the models generated for a twin (constructs_lib/azure/dtdl_models.py); the project
# loader checks a device's model id against the DTMI limits before any model is generated.
def _segment(text: str) -> str:
    """A DTMI path segment: letters, digits, underscores; starts with a letter, no trailing `_`."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or "x"
    return cleaned if cleaned[0].isalpha() else f"n{cleaned}"


def namespace(twin: str) -> str:
    return f"dtmi:digitaltwin:{_segment(twin)}"


def device_model_id(twin: str, device_id: str) -> str:
    return f"{namespace(twin)}:device:{_segment(device_id)};1"


def entity_model_id(twin: str) -> str:
    return f"{namespace(twin)}:Entity;1"
