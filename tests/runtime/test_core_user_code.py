"""Processors in the predecessor's shapes, run by the one processor function (runtime.core.user_code)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runtime.core.processors import ProcessorRunner
from runtime.core.user_code import UserCodeError, http_answer

RECORD = {"device_id": "press-01", "timestamp": "2026-01-01T10:00:00.000Z", "temperature": 20.0}

SHAPES = {
    "process.py": "def process(event):\n    event['shape'] = 'process'\n    return event\n",
    "lambda_function.py": "def lambda_handler(event, context):\n    assert context is None\n"
                          "    event['shape'] = 'lambda_handler'\n    return event\n",
    "main.py": "import json\n\ndef main(request):\n    event = request.get_json()\n    event['shape'] = 'main'\n"
               "    return json.dumps(event), 200, {'Content-Type': 'application/json'}\n",
}


def bundle(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = tmp_path / "processors" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize("entry", SHAPES)
def test_each_shape_processes_the_record(tmp_path, entry):
    runner = ProcessorRunner(bundle(tmp_path, {f"press-01/{entry}": SHAPES[entry]}))
    (result,) = runner.run(RECORD)
    expected_shape = {"process.py": "process", "lambda_function.py": "lambda_handler", "main.py": "main"}[entry]
    assert result["shape"] == expected_shape and result["temperature"] == 20.0 and "record_id" in result


def test_the_default_processor_serves_devices_without_their_own(tmp_path):
    runner = ProcessorRunner(bundle(tmp_path, {".default/lambda_function.py": SHAPES["lambda_function.py"],
                                               "press-01/process.py": SHAPES["process.py"]}))
    own, default = runner.run([RECORD, {**RECORD, "device_id": "press-02"}])
    assert own["shape"] == "process" and default["shape"] == "lambda_handler"


def test_without_any_processor_records_pass_unchanged(tmp_path):
    (result,) = ProcessorRunner(bundle(tmp_path, {})).run(RECORD)
    assert {k: result[k] for k in RECORD} == RECORD


def test_code_reading_digital_twin_info_at_import_gets_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DIGITAL_TWIN_INFO", raising=False)
    code = ("import json, os\nINFO = json.loads(os.environ['DIGITAL_TWIN_INFO'])\n\n"
            "def lambda_handler(event, context):\n    event['twin'] = INFO['config']['digital_twin_name']\n"
            "    return event\n")
    root = bundle(tmp_path, {"press-01/lambda_function.py": code})
    (root / "digital_twin_info.json").write_text(json.dumps({"config": {"digital_twin_name": "plant"}}))
    (result,) = ProcessorRunner(root).run(RECORD)
    assert result["twin"] == "plant" and "DIGITAL_TWIN_INFO" in os.environ


@pytest.mark.parametrize(
    "answer, value",
    [({"a": 1}, {"a": 1}), ('{"a": 1}', {"a": 1}), ((b'{"a": 1}', 201), {"a": 1}), (("[1]", 200, {}), [1])],
    ids=["dict", "text", "bytes-status", "tuple-headers"],
)
def test_http_answers_follow_flask_conventions(answer, value):
    assert http_answer(answer, "main.py") == value


def test_an_error_status_raises_so_the_platform_retries():
    with pytest.raises(UserCodeError, match="status 503"):
        http_answer(("busy", 503), "main.py")
