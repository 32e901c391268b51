"""User code in the predecessor's shapes, run in-process by the twin's own functions.

The predecessor deployed every processor as a function of its own; here one processor function
runs every device's code, so each shape is called the way its platform would call it:
- `process.py`: `process(record) -> record` (this project's shape, and the predecessor's first);
- `lambda_function.py`: `lambda_handler(event, context) -> event` (context is None);
- `main.py`: `main(request)` as a Cloud Function over HTTP: `request.get_json()` is the record, the
  answer is what Flask accepts (a dict or list, JSON text, `(body, status[, headers])`, or a
  response object); a status of 400 or more is an error;
- `function_app.py` (Azure) needs the Azure Functions library: runtime/azure/user_code.py.

Code that reads `DIGITAL_TWIN_INFO` gets it: the bundle's `digital_twin_info.json` (written at
synth only when some user code mentions it) is put into the environment before the module loads.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

TWIN_INFO_FILE = "digital_twin_info.json"
TWIN_INFO_VARIABLE = "DIGITAL_TWIN_INFO"

Call = Callable[[Any], Any]  # one JSON value in, one JSON value out
Loader = Callable[[ModuleType, Path], Call]


def load_module(path: Path, name: str, bundle_dir: Path | None = None) -> ModuleType:
    """Execute a user file as a module of its own (its folder first on the import path)."""
    if bundle_dir is not None:
        provide_twin_info(bundle_dir)
    spec = importlib.util.spec_from_file_location(re.sub(r"\W", "_", name), path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def provide_twin_info(bundle_dir: Path) -> None:
    info = bundle_dir / TWIN_INFO_FILE
    if TWIN_INFO_VARIABLE not in os.environ and info.is_file():
        os.environ[TWIN_INFO_VARIABLE] = info.read_text(encoding="utf-8")


def _process(module: ModuleType, path: Path) -> Call:
    return module.process


def _lambda_handler(module: ModuleType, path: Path) -> Call:
    return lambda event: module.lambda_handler(event, None)


def _http_main(module: ModuleType, path: Path) -> Call:
    return lambda event: http_answer(module.main(JsonRequest(event)), path)


# Entry file → how it is called; the first file present in a code folder is the entry.
LOADERS: dict[str, Loader] = {
    "process.py": _process,
    "lambda_function.py": _lambda_handler,
    "main.py": _http_main,
}


class JsonRequest:
    """What a Cloud Function's `main(request)` reads of a JSON POST (the Flask request subset)."""

    method = "POST"
    args: Mapping[str, str] = {}
    mimetype = "application/json"
    is_json = True

    def __init__(self, body: Any) -> None:
        self._body = body
        self.headers = {"Content-Type": "application/json"}

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        return copy.deepcopy(self._body)

    @property
    def json(self) -> Any:
        return self.get_json()

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False) -> Any:
        text = json.dumps(self._body)
        return text if as_text else text.encode("utf-8")

    @property
    def data(self) -> bytes:
        return self.get_data()


class UserCodeError(RuntimeError):
    """User code answered with an error status: raised, so the platform's retries apply."""


def http_answer(answer: Any, source: Path | str) -> Any:
    """The JSON value of what an HTTP handler returned (Flask's return conventions)."""
    status = 200
    if isinstance(answer, tuple):
        body = answer[0]
        if len(answer) > 1 and isinstance(answer[1], int):
            status = answer[1]
    elif hasattr(answer, "get_data") and hasattr(answer, "status_code"):  # a response object
        body, status = answer.get_data(), answer.status_code
    else:
        body = answer
    if status >= 400:
        raise UserCodeError(f"{source} answered with status {status}: {str(body)[:200]}")
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8")
    if isinstance(body, str):
        return json.loads(body) if body.strip() else None
    return body
