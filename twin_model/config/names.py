"""Name rules: what every consumer of a name on all three clouds accepts.

The twin name prefixes every resource. The predecessor accepted `^[A-Za-z0-9_-]+$` (≤ 30), but a
CloudFormation stack name must match `^[A-Za-z][A-Za-z0-9-]*$`, TwinMaker workspace ids must end
with a letter or digit, and several names cannot hold `_`. A predecessor name that does not fit
is mapped to a resource name deterministically: `_` → `-`, runs of `-` collapsed, a leading
digit prefixed with `t`, and a 4-character hash of the original name appended, so two twins whose
names differ only there (`Twin_A`, `Twin-A`) never share resources. Names with no letter or digit
have nothing to map and are refused.
"""

from __future__ import annotations

import hashlib
import re

TWIN_NAME = re.compile(r"^[A-Za-z0-9_-]+$")  # the predecessor's rule: what the user may write
MAX_TWIN_NAME = 30
RESOURCE_NAME = re.compile(r"^[A-Za-z](?:-?[A-Za-z0-9])*$")  # what every resource name accepts
HASH_LENGTH = 4

# Ids and names inside the project (device ids, property and component names, function names).
NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# IoT TwinMaker entity ids (`[a-zA-Z0-9][a-zA-Z_\-0-9.:]*[a-zA-Z0-9]+`) within the name charset.
TWINMAKER_ENTITY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9]$")
MAX_ENTITY_ID = 128
# DTDL names: Azure Digital Twins property names.
DTDL_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$")
MAX_DTDL_NAME = 512
# Logic Apps trigger and action names (no `<>%&\?/:`, at most 80 characters).
LOGIC_APP_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.()-]{0,79}$")
# The IoT thing and policy name `<twin>-<device id>` has at most 128 characters (AWS IoT), and so
# does an Azure IoT Hub device id.
MAX_THING_NAME = 128
MAX_PROPERTY_NAME = 256  # TwinMaker property and component names


def resource_name(twin_name: str) -> str | None:
    """The name resources are derived from; None when there is nothing to map (no letter or digit)."""
    if RESOURCE_NAME.fullmatch(twin_name):
        return twin_name
    slug = re.sub(r"-{2,}", "-", twin_name.replace("_", "-")).strip("-")
    if not slug:
        return None
    if not slug[0].isalpha():
        slug = f"t{slug}"
    digest = hashlib.sha256(twin_name.encode()).hexdigest()[:HASH_LENGTH]
    head = slug[: MAX_TWIN_NAME - HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}"


def max_device_id_length(twin_resource_name: str) -> int:
    return MAX_THING_NAME - len(twin_resource_name) - 1


def folded(name: str) -> str:
    """Names several consumers cannot tell apart: case and `-`/`_` differences only (construct ids,
    Google's lower-case names)."""
    return name.lower().replace("-", "").replace("_", "")
