"""Starts synthesized functions the way their clouds do: a standalone script, run with `python -I`.

It imports nothing of this repository: the code it runs comes from the synthesized output only
(the asset directory or unpacked archive of each function), so a bundle that lacks a module, or a
setting the code needs but the template does not give, fails here as it would in the cloud.

`boot JOBS RESULTS` (JSON files: a list of jobs in, one result per job out) starts each function in turn,
in the same process but isolated: the environment is exactly the job's, and every module of the
previous function's code is forgotten before the next one is imported (every bundle has its own
`runtime` package). A job: {"label", "cloud", "code", "entry", "layers", "environment",
"signature_type"}.

- aws: the Lambda Python runtime's bootstrap: the code directory, then the layers, first on
  sys.path; `handler` = "<module path>.<attribute>", imported, the attribute must be callable.
- azure: the Functions Python worker's indexing (programming model v2): the app root on sys.path,
  `function_app.py` imported, every `FunctionApp` in it asked for its functions, each with a
  trigger and a callable.
- google: functions-framework's own `create_app(target, source=main.py, signature_type)`, as
  Cloud Functions gen2 starts the container.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

BASE_PATH = list(sys.path)


def boot(job: dict[str, Any]) -> dict[str, Any]:
    """Start one function; returns {"label", "ok", "functions", "error"}."""
    code = Path(job["code"])
    os.environ.clear()
    os.environ.update(job["environment"])
    try:
        functions = STARTERS[job["cloud"]](job, code)
        return {"label": job["label"], "ok": True, "functions": functions, "error": None}
    except BaseException as exc:  # a failed cold start, whatever it raised (SystemExit included)
        return {
            "label": job["label"],
            "ok": False,
            "functions": [],
            "error": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
            "traceback": traceback.format_exc(limit=-8),
        }
    finally:
        forget(code, [Path(layer) for layer in job.get("layers", ())])


def start_lambda(job: dict[str, Any], code: Path) -> list[str]:
    sys.path[:0] = [str(code), *job.get("layers", ())]
    module_name, _, attribute = job["entry"].rpartition(".")
    if not module_name:
        raise ValueError(f"handler {job['entry']!r} is not <module>.<function>")
    handler = getattr(importlib.import_module(module_name.replace("/", ".")), attribute)
    if not callable(handler):
        raise TypeError(f"{job['entry']} is not callable")
    return [job["entry"]]


def start_azure_app(job: dict[str, Any], code: Path) -> list[str]:
    import azure.functions as func

    sys.path.insert(0, str(code))
    module = importlib.import_module(job["entry"])
    apps = [value for value in vars(module).values() if isinstance(value, func.FunctionRegister)]
    if not apps:
        raise LookupError(f"{job['entry']}.py defines no FunctionApp")
    names = []
    for app in apps:
        for function in app.get_functions():
            name = function.get_function_name()
            if not callable(function.get_user_function()):
                raise TypeError(f"function {name} has no callable")
            if function.get_trigger() is None:
                raise LookupError(f"function {name} has no trigger")
            names.append(name)
    if len(set(names)) != len(names):
        raise ValueError(f"function names repeat: {sorted(names)}")
    return names


def start_google_function(job: dict[str, Any], code: Path) -> list[str]:
    import functions_framework

    functions_framework.create_app(
        target=job["entry"], source=str(code / "main.py"), signature_type=job.get("signature_type") or "http"
    )
    return [job["entry"]]


STARTERS = {"aws": start_lambda, "azure": start_azure_app, "google": start_google_function}


def forget(code: Path, layers: list[Path]) -> None:
    """Drop every module loaded from this function's code, and its directories from sys.path."""
    roots = [str(path.resolve()) for path in (code, *layers)]
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None) or ""
        search = list(getattr(module, "__path__", None) or [])
        if any(str(Path(place).resolve()).startswith(root) for place in (location, *search) if place for root in roots):
            del sys.modules[name]
    sys.path[:] = [entry for entry in sys.path if entry in BASE_PATH]


def main() -> int:
    if len(sys.argv) != 4 or sys.argv[1] != "boot":
        print(f"usage: {Path(__file__).name} boot JOBS.json RESULTS.json", file=sys.stderr)
        return 2
    jobs = json.loads(Path(sys.argv[2]).read_text("utf-8"))
    results = [boot(job) for job in jobs]  # the functions' own prints go to stdout, results to the file
    Path(sys.argv[3]).write_text(json.dumps(results), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
