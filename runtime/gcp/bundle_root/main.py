"""Entry module of every twin function on Google Cloud (copied to the archive root at synth).

The function's entry point is a handler module name of `runtime.gcp` (twin_contract/functions.py);
it is imported, and its environment validated, when functions-framework loads the target at
instance start. Every line the handler logs names its role.
"""

import importlib
from typing import Any

from runtime.core.logs import runs_as
from twin_contract.functions import GOOGLE, handler_modules

ENTRY_POINTS = handler_modules(GOOGLE)


def __getattr__(name: str) -> Any:
    if name not in ENTRY_POINTS:
        raise AttributeError(name)
    # A plain function (functions-framework accepts no bound methods), named like the entry point.
    entry = runs_as(name, GOOGLE)(importlib.import_module(f"runtime.gcp.{name}").handler)
    entry.__name__ = name
    return entry
