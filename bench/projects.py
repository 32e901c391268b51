"""Generated projects of any size, shaped like a real plant: few device types, many devices.

Devices cycle through a handful of schemas (so TwinMaker component types are shared) and sit in
stations under lines of at most ten stations each (TwinMaker's components-per-entity quota).
"""

from __future__ import annotations

import json
from pathlib import Path

ALL_AWS = dict.fromkeys(
    (
        "layer_1_provider",
        "layer_2_provider",
        "layer_3_hot_provider",
        "layer_3_cold_provider",
        "layer_3_archive_provider",
        "layer_4_provider",
        "layer_5_provider",
    ),
    "aws",
)
MIXED = {  # devices and twin on Azure (IoT Hub, Digital Twins), the rest spread over the three clouds
    "layer_1_provider": "azure",
    "layer_2_provider": "aws",
    "layer_3_hot_provider": "aws",
    "layer_3_cold_provider": "google",
    "layer_3_archive_provider": "google",
    "layer_4_provider": "azure",
    "layer_5_provider": "azure",
}
TOPOLOGIES = {"all-aws": ALL_AWS, "mixed": MIXED}

DEVICE_TYPES = (
    ("press", [("temperature", "DOUBLE"), ("pressure", "DOUBLE"), ("cycleCount", "LONG")]),
    ("conveyor", [("speed", "DOUBLE"), ("running", "BOOLEAN"), ("itemsPerMinute", "INTEGER")]),
    ("air", [("co2ppm", "INTEGER"), ("humidity", "DOUBLE"), ("status", "STRING")]),
    ("robot", [("jointTemperature", "DOUBLE"), ("payloadKg", "DOUBLE")]),
    ("meter", [("powerKw", "DOUBLE"), ("energyKwh", "DOUBLE"), ("phaseCount", "INTEGER")]),
)
STATIONS_PER_LINE = 10


def device_ids(count: int) -> list[str]:
    return [f"{DEVICE_TYPES[i % len(DEVICE_TYPES)][0]}-{i:05d}" for i in range(count)]


def write_project(target: Path, devices: int, providers: dict[str, str], name: str = "bench-twin") -> Path:
    target.mkdir(parents=True, exist_ok=True)
    ids = device_ids(devices)
    schema = {kind: props for kind, props in DEVICE_TYPES}
    files = {
        "config.json": {
            "digital_twin_name": name,
            "hot_storage_size_in_days": 30,
            "cold_storage_size_in_days": 90,
            "mode": "PRODUCTION",
        },
        "config_providers.json": providers,
        "config_iot_devices.json": [
            {
                "id": device_id,
                "properties": [{"name": p, "dataType": t} for p, t in schema[device_id.split("-")[0]]],
                "constProperties": [{"name": "serialNumber", "dataType": "STRING", "value": f"SN-{device_id}"}],
            }
            for device_id in ids
        ],
        "config_hierarchy.json": [
            {
                "type": "entity",
                "id": "plant",
                "children": [
                    {
                        "type": "entity",
                        "id": f"line-{start // STATIONS_PER_LINE:04d}",
                        "children": [
                            {
                                "type": "entity",
                                "id": f"station-{device_id}",
                                "children": [{"type": "component", "name": "device", "iotDeviceId": device_id}],
                            }
                            for device_id in ids[start : start + STATIONS_PER_LINE]
                        ],
                    }
                    for start in range(0, len(ids), STATIONS_PER_LINE)
                ],
            }
        ],
    }
    for file, content in files.items():
        (target / file).write_text(json.dumps(content, indent=1), encoding="utf-8")
    return target
