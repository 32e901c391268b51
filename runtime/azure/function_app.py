"""The Azure Functions app (Python v2 programming model) of one layer.

The app setting DT_FUNCTIONS (set by constructs_lib/azure/function_host.py) names the function
modules of `runtime/azure/functions/` this layer runs; only those are imported, so each layer
validates only its own environment at cold start (ConfigurationError names every problem).
"""

from __future__ import annotations

import importlib
import os

import azure.functions as func

from twin_contract.functions import AZURE, DT_FUNCTIONS, handler_modules

MODULES = handler_modules(AZURE)


def build_app(names: str | None = None) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    selected = [name.strip() for name in (names if names is not None else os.environ.get(DT_FUNCTIONS, "")).split(",") if name.strip()]
    unknown = sorted(set(selected) - set(MODULES))
    if unknown:
        raise ValueError(f"{DT_FUNCTIONS} names unknown functions: {', '.join(unknown)}")
    for name in selected:
        app.register_functions(importlib.import_module(f"runtime.azure.functions.{name}").bp)
    return app


app = build_app()
