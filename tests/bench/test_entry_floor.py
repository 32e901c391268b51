"""bench/local.py's entry floor: a record's first hop alone (the devices' MQTT publish over TLS →
the run's broker → the IoT rule's subscription), with the run's own broker, fleet and rule stand-in."""

from __future__ import annotations

from collections import Counter

from tests.conftest import REPO


def test_the_floor_carries_every_record_of_every_device_to_the_iot_rule(tmp_path):
    from bench.local import DEVICES, entry_floor

    floor = entry_floor(REPO / "examples" / "factory-floor-aws-azure", 12, 3, tmp_path, mosquitto=False, timeout=20)
    assert floor.broker == "amqtt" and floor.records == 12 * 3  # each of 12 devices' 3 messages, once
    assert set(floor.cpu) == {"amqtt", DEVICES} and all(seconds > 0 for seconds in floor.cpu.values())
    # publishing only (0.3-0.6 ms a record): the broker's start and the 12 TLS connections (~0.2 CPU-s, 5 ms a record here) not counted
    assert 1000 * floor.cpu["amqtt"] / floor.records < 2.5
    assert floor.seconds > 0 and "Entry floor (36 records, " in floor.line()
    # the connections are measured on their own (a CPU-s comparison with publishing failed under a loaded
    # clean-clone run: 0.09 vs 0.49 at 10 ms ticks); that they stay out of the publishing figure is the line above
    assert floor.devices == 12 and floor.link_seconds > 0 and floor.link_cpu > 0


def test_the_floor_line_gives_records_per_second_and_cpu_per_record_by_process():
    from bench.local import EntryFloor, LocalBench, markdown
    from twin_ops.local.runner import LocalRunResult, Row

    floor = EntryFloor("amqtt", 1000, 10_000, 20.0, Counter({"amqtt": 5.0, "devices + IoT rule (one process)": 4.0}), 12.04, 9.96, 1.5)
    # 10,000 records in 20 s: 500/s; 9 CPU-s: 0.90 ms per record, 0.50 of them the broker's
    assert floor.line() == ("Entry floor (10,000 records, devices' MQTT publish over TLS → amqtt → the IoT rule's subscription, "
                            "nothing after it): 500 records/s, 0.90 ms CPU per record (amqtt 0.50, devices + IoT rule (one process) 0.40); "
                            "before them, 1,000 devices' certificates and connections: 12.0 s, 10.0 CPU-s; load 1.5.")
    bench = LocalBench("examples/factory-floor", 10, 100, 30.0, 40.0, LocalRunResult([Row("published", 1000, 1000)], [], {}))
    lines = markdown([bench], floor).splitlines()
    assert lines.index(floor.line()) == lines.index(bench.verdict()) + 2  # after the verdicts, a line of its own
    assert floor.line() not in markdown([bench])
