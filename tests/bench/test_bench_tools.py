"""The benchmark's own parts work: generated projects validate, the bridge measurement counts right."""

from __future__ import annotations

from bench.bridge import measure_bridge
from bench.projects import STATIONS_PER_LINE, TOPOLOGIES, write_project
from bench.run import SynthResult, render
from twin_model.config import load_project


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


def test_local_bench_reports_the_budget_the_target_and_every_stage():
    from bench.local import BUDGET_SECONDS, LocalBench, markdown
    from twin_ops.local.runner import LocalRunResult, Row

    result = LocalRunResult([Row("published", 1000, 1000)], [], {"services": 1.5, "ingest": 20.0})
    within = markdown([LocalBench("examples/factory-floor", 10, 100, 30.0, 40.0, result, 1.2)])
    assert "| `examples/factory-floor` | 10 × 100 | 1,000 | 30.0 | 40.0 | 25 | 1.2 | yes |" in within  # 1,000 records in 40 s
    assert "Stages (1,000 records): services 1.5 s, ingest 20 s." in within
    assert "within (40.0 s)" in within
    failed = LocalRunResult([Row("published", 999, 1000)], ["published: 999 of 1000"], {})
    over = LocalBench("examples/factory-floor", 10, 100, 30.0, BUDGET_SECONDS + 1, failed)
    assert "OVER" in markdown([over]) and "| NO |" in markdown([over]) and not over.ok
    fleet = LocalBench("examples/factory-floor-aws-azure", 1000, 10, 90.0, 25.0, result)  # 10,000 records in 25 s: 400/s
    assert "| 1,000 × 10 | 10,000 |" in fleet.row() and "| 400 |" in fleet.row()
    assert "MISSED (400 records/s)" in fleet.verdict() and not fleet.ok
    assert LocalBench("examples/factory-floor-aws-azure", 1000, 10, 90.0, 20.0, result).ok  # 500/s


def _result(devices: int, alarms: int) -> SynthResult:
    return SynthResult(devices, "mixed", 1.0, 100.0, 3, 10, 1.0, 30, alarms)


def test_the_report_shows_the_alarm_count_and_whether_it_grows_with_devices():
    steady = render([_result(10, 42), _result(1000, 42)], None)
    assert "| total resources | alarms |" in steady
    assert "| 1,000 | mixed |" in steady and steady.count("| 42 |") == 2
    assert "42 alarms at every size" in steady
    grown = render([_result(10, 42), _result(1000, 43)], None)
    assert "alarms grow with devices: 42 at 10, 43 at 1,000" in grown


def test_the_readme_shows_the_latest_benchmark_runs():
    # The README's figures are a promise: every table row and summary line of the last `make bench`
    # and `make bench-local` stands in it as written (re-run, then copy the results in).
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text()
    for results in ("bench/results.md", "bench/local.md"):
        lines = [line for line in (REPO / results).read_text().splitlines()
                 if line.startswith(("|", "all-aws:", "mixed:", "Ratio:", "Stages", "Budget", "Target"))]
        assert lines, results
        missing = [line for line in lines if line not in readme]
        assert missing == [], f"{results} has figures the README does not show"
