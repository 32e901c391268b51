from pathlib import Path

import pytest

from runtime.core.processors import ProcessorRunner
from tests.runtime.runtime_testing import contract_id, record


def write_processor(bundle: Path, device_id: str, body: str) -> None:
    path = bundle / "processors" / device_id / "process.py"
    path.parent.mkdir(parents=True)
    path.write_text(body)


def test_devices_without_a_processor_pass_through(tmp_path: Path) -> None:
    assert ProcessorRunner(tmp_path).run(record(temperature=1)) == [record(temperature=1)]


def test_user_processor_runs_per_device_and_is_loaded_once(tmp_path: Path) -> None:
    loads = tmp_path / "loads.txt"  # every execution of the module appends one line
    code = f"open({str(loads)!r}, 'a').write('x\\n')\ndef process(e):\n    return {{**e, 'f': e['c'] * 1.8 + 32}}\n"
    write_processor(tmp_path, "d1", code)
    runner = ProcessorRunner(tmp_path)
    first = runner.run([record("d1", 1, c=100), record("d2", 1, c=0)])
    second = runner.run(record("d1", 2, c=0))
    assert first == [record("d1", 1, c=100, f=212.0), record("d2", 1, c=0)]
    assert second == [record("d1", 2, c=0, f=32.0)]
    assert loads.read_text() == "x\n"


def test_processor_may_split_a_record_and_each_part_gets_its_own_id(tmp_path: Path) -> None:
    write_processor(tmp_path, "d1", "def process(e):\n    return [{'a': 1}, {'a': 2}, {'b': 2, 'timestamp': 0}]\n")
    parent = record()["record_id"]
    first, second, third = ProcessorRunner(tmp_path).run(record())
    # docs/runtime-contract.md: the i-th of n > 1 outputs gets uuid5(namespace, "<input id>:<i>").
    assert first == {**record(a=1), "record_id": contract_id(f"{parent}:0")}
    assert second == {**record(a=2), "record_id": contract_id(f"{parent}:1")}  # same time, kept apart
    assert third == {"device_id": "d1", "timestamp": "1970-01-01T00:00:00.000Z", "record_id": contract_id(f"{parent}:2"),
                     "b": 2}
    assert ProcessorRunner(tmp_path).run(record()) == [first, second, third]  # the same on a replay


def test_record_ids_belong_to_the_twin_not_to_user_code(tmp_path: Path) -> None:
    write_processor(tmp_path, "d1", "def process(e):\n    return {**e, 'record_id': 'f' * 32, 'x': 1}\n")
    assert ProcessorRunner(tmp_path).run(record()) == [record(x=1)]


def test_user_errors_propagate(tmp_path: Path) -> None:
    write_processor(tmp_path, "d1", "def process(e):\n    raise ValueError('user bug')\n")
    with pytest.raises(ValueError, match="user bug"):
        ProcessorRunner(tmp_path).run(record())


def test_non_record_results_are_a_type_error(tmp_path: Path) -> None:
    write_processor(tmp_path, "d1", "def process(e):\n    return None\n")
    with pytest.raises(TypeError, match="processor of d1 returned NoneType"):
        ProcessorRunner(tmp_path).run(record())
