"""The simulated fleet of `make local`: clones for `--devices N` and the messages they send."""

from __future__ import annotations

import json

from twin_model.config import load_project
from tests.conftest import REPO
from twin_ops.local.fleet import messages, scaled_project

EXAMPLE = REPO / "examples" / "factory-floor"


def _entities(tree: list[dict], parent: str = "") -> dict[str, tuple[str, list[str]]]:
    """entity id → (parent entity id, devices of its components)."""
    found = {}
    for node in tree:
        if node.get("type") == "entity":
            devices = [c["iotDeviceId"] for c in node.get("children", []) if c.get("type") == "component"]
            found[node["id"]] = (parent, devices)
            found.update(_entities(node.get("children", []), node["id"]))
    return found


def test_the_project_itself_when_it_has_enough_devices(tmp_path):
    assert scaled_project(EXAMPLE, 4, tmp_path / "scaled") == EXAMPLE
    assert scaled_project(EXAMPLE, None, tmp_path / "scaled") == EXAMPLE
    assert not (tmp_path / "scaled").exists()


def test_clones_get_an_entity_next_to_their_original_and_load_as_a_project(tmp_path):
    project = scaled_project(EXAMPLE, 10, tmp_path / "scaled")
    config = load_project(project)
    assert [device.id for device in config.devices] == [
        "press-01", "press-02", "conveyor-01", "air-quality-01",
        "press-01-2", "press-02-2", "conveyor-01-2", "air-quality-01-2", "press-01-3", "press-02-3",
    ]
    entities = _entities(json.loads((project / "config_hierarchy.json").read_text("utf-8")))
    # Written from examples/factory-floor/config_hierarchy.json: each clone's entity is a sibling
    # of its original's, holding only the clone's component.
    assert entities["press-01-station-2"] == ("press-line", ["press-01-2"])
    assert entities["press-01-station-3"] == ("press-line", ["press-01-3"])
    assert entities["press-02-station-3"] == ("press-line", ["press-02-3"])
    assert entities["conveyor-line-2"] == ("hall-a", ["conveyor-01-2"])
    assert entities["hall-a-climate-2"] == ("plant-linz", ["air-quality-01-2"])
    press_line = next(n for n in json.loads((project / "config_hierarchy.json").read_text("utf-8"))[0]["children"][0]["children"]
                      if n["id"] == "press-line")
    assert [child["id"] for child in press_line["children"]] == [
        "press-01-station", "press-01-station-2", "press-01-station-3",
        "press-02-station", "press-02-station-2", "press-02-station-3",
    ]
    assert (project / "processors" / "press-01-3" / "process.py").is_file()
    # The original example is untouched.
    assert len(json.loads((EXAMPLE / "config_iot_devices.json").read_text("utf-8"))) == 4


def test_every_message_has_its_own_timestamp_and_cycles_the_devices_samples():
    sent = messages(EXAMPLE, ["press-01", "air-quality-01"], 3)
    assert [m.device_id for m in sent] == ["press-01", "air-quality-01"] * 3
    assert len({(m.device_id, m.timestamp) for m in sent}) == 6
    # press-01's sample payloads (iot_device_simulator/payloads.json): 172.4, 190.5, then again.
    assert [m.body["temperature"] for m in sent if m.device_id == "press-01"] == [172.4, 190.5, 172.4]
    assert all(m.body["time"] == m.timestamp and m.body["iotDeviceId"] == m.device_id for m in sent)
