"""Where an AWS function's output goes: a resource of the twin on AWS, or the bridge to the writer
of the tier's cloud. The topology decides which; a props field of this type cannot hold both or
neither, so no construct re-checks it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from constructs_lib.aws.twin_function import FunctionLink

R = TypeVar("R")


@dataclass(frozen=True)
class Local(Generic[R]):
    """The tier is on AWS: the function writes to `resource` and is granted exactly that."""

    resource: R


@dataclass(frozen=True)
class Remote:
    """The tier is on another cloud: `send` wires the bridge's URL and token into the function."""

    send: FunctionLink
