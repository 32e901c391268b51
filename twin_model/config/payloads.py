"""iot_device_simulator/payloads.json: the simulator's sample telemetry, checked with the project.

The predecessor refused a payload file whose entries name no device (V14); the simulator
(twin_ops/simulator) sends these, so a typo would only show when simulating. Its older generation
kept the file in `iot_device_simulator/aws/`, read when the first is absent.
"""

from __future__ import annotations

from twin_model.config.context import LoadContext, known_device, short

FILES = ("iot_device_simulator/payloads.json", "iot_device_simulator/aws/payloads.json")


def payloads(ctx: LoadContext) -> None:
    for file in FILES:
        entry = ctx.files.entry(file)
        if entry is None or entry.kind == "missing":
            continue
        raw = ctx.document(file, required=True)
        if raw is None:
            return
        if not isinstance(raw, list):
            ctx.add(file, (), "a JSON array of payloads {iotDeviceId, time, <properties>}")
            return
        if not raw:
            ctx.warn(file, (), "empty: the simulator has nothing to send")
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                ctx.add(file, (i,), "a payload object {iotDeviceId, time, <properties>}")
            elif not known_device(item.get("iotDeviceId"), ctx.device_ids):
                ctx.add(file, (i, "iotDeviceId"), f"a device of config_iot_devices.json (got {short(item.get('iotDeviceId'))})")
        return
