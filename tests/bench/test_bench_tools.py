"""The benchmark's own parts work: generated projects validate, the bridge measurement counts right."""

from __future__ import annotations

from bench.bridge import measure_bridge
from bench.projects import STATIONS_PER_LINE, TOPOLOGIES, write_project
from bench.run import SynthResult, render
from cdk_app.config import load_project


def test_generated_projects_validate_for_every_topology(tmp_path):
    for name, providers in TOPOLOGIES.items():
        config = load_project(write_project(tmp_path / name, 123, providers))
        assert len(config.devices) == 123
        lines = config.hierarchy[0].children
        assert len(lines) == 13
        assert all(len(line.children) <= STATIONS_PER_LINE for line in lines)


def test_bridge_measurement_delivers_every_record_once():
    result = measure_bridge(records=500, batch_size=50)
    assert result.records == 500 and result.per_record_records == 50
    assert result.batched_per_second > 0 and result.per_record_per_second > 0
    assert "Ratio" in result.markdown()


def _result(devices: int, alarms: int) -> SynthResult:
    return SynthResult(devices, "mixed", 1.0, 100.0, 3, 10, 1.0, 30, alarms)


def test_the_report_shows_the_alarm_count_and_whether_it_grows_with_devices():
    steady = render([_result(10, 42), _result(1000, 42)], None)
    assert "| total resources | alarms |" in steady
    assert "| 1,000 | mixed |" in steady and steady.count("| 42 |") == 2
    assert "42 alarms at every size" in steady
    grown = render([_result(10, 42), _result(1000, 43)], None)
    assert "alarms grow with devices: 42 at 10, 43 at 1,000" in grown
