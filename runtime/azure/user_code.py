"""The predecessor's Azure user code: a `function_app.py` holding an Azure Functions app.

Its one HTTP-triggered function is called in-process with a POST request whose JSON body is the
record (processors) or the action payload (event actions); its response's JSON body is the result,
and a status of 400 or more is an error (raised, so the queue's retries and poison queue apply).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func

from runtime.core.user_code import Call, UserCodeError


def function_app(module: ModuleType, path: Path) -> Call:
    apps = [value for value in vars(module).values() if isinstance(value, func.FunctionApp)]
    functions = [f for app in apps for f in app.get_functions()
                 if any(b.type == "httpTrigger" for b in f.get_bindings())]
    if len(functions) != 1:
        raise ImportError(f"{path}: one HTTP-triggered function expected in the FunctionApp, found {len(functions)}")
    function = functions[0]
    route = next((getattr(b, "route", None) for b in function.get_bindings() if b.type == "httpTrigger"), None)
    handler = function.get_user_function()

    def call(event: Any) -> Any:
        request = func.HttpRequest(
            method="POST", url=f"http://localhost/api/{route or function.get_function_name()}",
            headers={"Content-Type": "application/json"}, body=json.dumps(event).encode("utf-8"),
        )
        response = handler(request)
        if response is None:
            return None
        if response.status_code >= 400:
            raise UserCodeError(f"{path} answered with status {response.status_code}: {response.get_body()[:200]!r}")
        body = response.get_body()
        return json.loads(body) if body.strip() else None

    return call


LOADERS = {"function_app.py": function_app}
