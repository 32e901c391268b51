"""The benchmark's own parts work: generated projects validate, the bridge measurement counts right."""

from __future__ import annotations

import re

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


def _result(devices: int, alarms: int, diff: int = 0) -> SynthResult:
    return SynthResult(devices, "mixed", 1.0, 100.0, 3, 10, 1.0, 30, alarms, diff)


def test_the_report_shows_the_one_device_diff_and_the_load():
    report = render([_result(10, 42), _result(100_000, 42, diff=2)], None, (100_000, 4.5, 56.5))
    assert "| total resources | alarms | one-device diff |" in report
    assert "| 100,000 | mixed | 1.0 | 100 | 3 | 10 | 1 | 30 | 42 | 2 |" in report
    assert "Load: 100,000 devices (56.5 MB of project files) loaded and validated in 4.5 s." in report


def test_the_scale_rows_change_no_stack_when_a_device_is_added():
    """bench/scale.md (make bench since devices are data): every measured size, 0 templates or stacks
    differ between N and N+1 devices, and the stacks and resources do not grow with the fleet."""
    from tests.conftest import REPO

    rows = _table((REPO / "bench" / "scale.md").read_text(), "| devices | topology |")
    assert rows, "bench/scale.md has no row"
    assert all(row["one-device diff"] == "0" for row in rows)
    for topology in {row["topology"] for row in rows}:
        mine = [row for row in rows if row["topology"] == topology]
        assert len({(row["stacks"], row["total resources"], row["alarms"]) for row in mine}) == 1, topology


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
    for results in ("bench/results.md", "bench/local.md", "bench/scale.md"):
        lines = [line for line in (REPO / results).read_text().splitlines()
                 if line.startswith(("|", "all-aws:", "mixed:", "Ratio:", "Stages", "Budget", "Target"))]
        assert lines, results
        missing = [line for line in lines if line not in readme]
        assert missing == [], f"{results} has figures the README does not show"


def _table(text: str, header: str) -> list[dict[str, str]]:
    """The markdown table whose header row starts with `header`, as dicts of its cells."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    names = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(names, (cell.strip() for cell in line.strip("|").split("|")), strict=True)))
    return rows


def _number(cell: str) -> float:
    return float(cell.replace(",", "").replace("*", "").rstrip("×"))


def test_the_readmes_benchmark_claims_hold_for_the_recorded_figures():
    """Each figure the README states about the benchmark follows from bench/results.md and
    bench/local.md: the per-100-devices slopes and alarm counts from the table, the budgets of
    issue #7 (read from the README's own sentence), the bridge ratio, the local run's rate and budget."""

    from bench.local import BUDGET_SECONDS
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text()
    results = (REPO / "bench" / "results.md").read_text()
    rows = _table(results, "| devices | topology |")
    assert len(rows) == 8
    for topology in ("all-aws", "mixed"):
        mine = sorted((r for r in rows if r["topology"] == topology), key=lambda r: _number(r["devices"]))
        first, last = mine[0], mine[-1]
        slope = (_number(last["wall s"]) - _number(first["wall s"])) / (_number(last["devices"]) - _number(first["devices"])) * 100
        (line,) = [line for line in readme.splitlines() if line.startswith(f"{topology}: ")]
        stated = re.fullmatch(rf"{topology}: ([\d.]+) s per 100 additional devices \(([\d,]+) → ([\d,]+) devices\); "
                              r"(\d+) alarms at every size\.", line)
        assert stated, line
        # The table's walls are rounded to 0.1 s: the slope from them may differ by that much.
        tolerance = 0.1 / (_number(last["devices"]) - _number(first["devices"])) * 100 + 0.005
        assert abs(float(stated[1]) - slope) <= tolerance, (line, slope)
        assert (_number(stated[2]), _number(stated[3])) == (_number(first["devices"]), _number(last["devices"]))
        assert {_number(r["alarms"]) for r in mine} == {float(stated[4])}
    budget = re.search(r"1,000 devices all-AWS ≤ (\d+) s and ≤ (\d+) GB, no template\s+over (\d+) resources or (\d+) KB; "
                       r"bridge ≥ (\d+)× one request per record — all hold", readme)
    assert budget, "the README's budget sentence changed: update this test with it"
    seconds, gigabytes, resources, kilobytes, ratio = (float(value) for value in budget.groups())
    (thousand,) = [r for r in rows if r["topology"] == "all-aws" and r["devices"] == "1,000"]
    assert _number(thousand["wall s"]) <= seconds and _number(thousand["peak RSS MB"]) <= gigabytes * 1000
    assert all(_number(r["largest stack resources"]) <= resources for r in rows)
    assert all(_number(r["largest template KB"]) <= kilobytes for r in rows)
    bridge = _table(results, "| sender |")
    measured = _number(bridge[0]["records/s"]) / _number(bridge[1]["records/s"])
    (stated_ratio,) = re.findall(r"Ratio: \*\*(\d+)×\*\*", readme)
    assert abs(measured - float(stated_ratio)) <= 0.5 + 0.01 * measured and measured >= ratio
    local = (REPO / "bench" / "local.md").read_text()
    runs = _table(local, "| project |")
    assert runs, "bench/local.md has no run"
    for run in runs:
        devices, messages = (_number(n) for n in run["devices × messages"].split("×"))
        assert _number(run["records"]) == devices * messages
        wall = _number(run["run after synth s"])  # rounded to 0.1 s; records/s to a whole number, from the unrounded wall
        assert abs(_number(run["records/s"]) - _number(run["records"]) / wall) <= 0.5 + _number(run["records"]) / wall**2 * 0.05
        assert run["every record accounted for"] == "yes"
        cells = ("project", "devices × messages", "records", "synth s", "run after synth s", "records/s")
        assert "| " + " | ".join(run[cell] for cell in cells) + " |" in readme
    (first,) = [run for run in runs if run["records"] == "1,000"]
    seconds = first["run after synth s"]
    verdict = f"within ({seconds} s)" if _number(seconds) <= BUDGET_SECONDS else f"OVER ({seconds} s)"
    assert f"Budget 1,000 records: one minute after the synth — {verdict}." in readme


def test_the_readme_dtdl_figures_are_the_latest_bench_dtdl_run():
    from tests.conftest import REPO

    table = {row["what"]: row["CPU s"] for row in _table((REPO / "bench" / "dtdl.md").read_text(), "| what |")}
    readme = " ".join((REPO / "README.md").read_text().split())
    stated = re.search(
        r"Node\.js with the parser costs ([\d.]+) s of CPU once per project that has a bundle \(([\d.]+) s for a "
        r"project without one\); RealEstateCore 3\.3 with the building scenario \(769 models\) is checked in "
        r"([\d.]+) s of CPU in all, start-up included; the 40-Interface diamond ontology in ([\d.]+) s, of which our "
        r"own checks take ([\d.]+) s; the issue's 4-wide, 9-level diamond \(4⁹ inheritance paths\) is refused by the "
        r"parser's count limit in ([\d.]+) s\. Synthesizing the Azure example with RealEstateCore as its DTDL takes "
        r"([\d.]+) s of CPU against ([\d.]+) s for the example itself\.", readme)
    assert stated, "the README's DTDL sentence changed: update this test with it"
    rows = ("Node start-up with the parser, one empty Interface", "the Azure example (no DTDL bundle), whole load_project",
            "RealEstateCore 3.3 + building scenario (769 models), bundle check",
            "40-Interface diamond, bundle check (parser included)", "40-Interface diamond, our checks (parser result reused)",
            "40-Interface 4-wide diamond (4**9 paths), refused", "synth of the RealEstateCore project (`python app.py`)",
            "synth of the Azure example (`python app.py`)")
    assert list(stated.groups()) == [table[row] for row in rows]
    assert float(table["40-Interface diamond, bundle check (parser included)"]) < 1.0  # issue #23: under a second
