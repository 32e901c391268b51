"""Single-cloud twin, in process: IoT rule → dispatcher → processor → persister → DynamoDB
(moto) → event checker, and TwinMaker → Digital Twin Data Connector → hot reader.
Lambda invokes are routed in-process by the fake at the boto3 boundary."""

import json
from pathlib import Path

from tests.runtime.runtime_testing import LambdaContext, history_request, twinmaker_request

PROCESSOR = "def process(event):\n    return {**event, 'fahrenheit': event['celsius'] * 9 / 5 + 32}\n"
RULE = {"condition": "room.sensor.celsius > DOUBLE(30)", "action": {"type": "lambda", "functionName": "alarm"}}


def test_device_telemetry_reaches_twinmaker(load_handler, fake_lambda, hot_table: str, tmp_path: Path) -> None:
    (tmp_path / "processors" / "d1").mkdir(parents=True)
    (tmp_path / "processors" / "d1" / "process.py").write_text(PROCESSOR)
    (tmp_path / "config_events.json").write_text(json.dumps([RULE]))
    fake_lambda.routes = {
        "twin-processor": load_handler(
            "processor", PERSISTER_FUNCTION_NAME="twin-persister", PROJECT_BUNDLE_DIR=tmp_path
        ).handler,
        "twin-persister": load_handler(
            "persister",
            HOT_TABLE_NAME=hot_table,
            HOT_RETENTION_DAYS=30,
            EVENT_CHECKER_FUNCTION_NAME="twin-event-checker",
        ).handler,
        "twin-event-checker": load_handler(
            "event_checker", PROJECT_BUNDLE_DIR=tmp_path, ACTION_FUNCTION_PREFIX="twin-"
        ).handler,
        "twin-hot-reader": load_handler("hot_reader", HOT_TABLE_NAME=hot_table).handler,
        "twin-hot-reader-last-entry": load_handler("hot_reader_last_entry", HOT_TABLE_NAME=hot_table).handler,
    }
    dispatcher = load_handler("dispatcher", TARGET_FUNCTION_NAME="twin-processor")
    for second, celsius in enumerate([20.0, 35.0, 25.0]):
        message = {"iotDeviceId": "d1", "time": f"2026-01-01T08:00:0{second}Z", "celsius": celsius}
        dispatcher.handler({**message, "topic_device_id": "d1"}, LambdaContext("twin-dispatcher"))

    history = load_handler("dt_data_connector", LOCAL_READER_FUNCTION_NAME="twin-hot-reader").handler(
        history_request(types={"fahrenheit": "DOUBLE", "celsius": "DOUBLE"})
    )
    by_name = {pv["entityPropertyReference"]["propertyName"]: pv["values"] for pv in history["propertyValues"]}
    assert [v["value"]["doubleValue"] for v in by_name["fahrenheit"]] == [68.0, 95.0, 77.0]
    assert [v["time"] for v in by_name["celsius"]] == [f"2026-01-01T08:00:0{s}.000Z" for s in range(3)]

    latest = load_handler(
        "dt_data_connector_last_entry", LOCAL_READER_FUNCTION_NAME="twin-hot-reader-last-entry"
    ).handler(twinmaker_request(types={"fahrenheit": "DOUBLE"}))
    assert latest["propertyValues"]["fahrenheit"]["propertyValue"] == {"doubleValue": 77.0}

    (alarm,) = fake_lambda.events_for("twin-alarm")
    assert alarm["record"]["celsius"] == 35.0 and alarm["rule"] == RULE
