"""Press telemetry arrives in Fahrenheit from the PLC gateway; the twin stores Celsius."""


def process(event):
    if "temperature" in event and event["temperature"] is not None:
        event["temperature"] = round((event["temperature"] - 32) * 5 / 9, 2)
    return event
