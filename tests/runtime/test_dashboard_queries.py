"""The dashboard's reader queries against real readers: every Infinity query of the provisioned
dashboard, sent as Grafana's server sends it (macros expanded, the data source's header), to the hot
readers behind their Function URL on 127.0.0.1, DynamoDB under moto; then read with the query's own
root selector and columns. What comes out must be what the devices stored.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest

from runtime.aws.dynamodb_store import DynamoHotStore
from tests.runtime.runtime_testing import TOKEN, function_url, record
from twin_ops.post_deploy.grafana import DeviceSeries, ReaderSource, twin_dashboard

FROM, TO = "2026-01-01T00:00:00.000Z", "2026-01-01T23:59:59.999Z"  # the dashboard's time range
PRESS = DeviceSeries("d1", (("temperature", "DOUBLE"), ("running", "BOOLEAN")))
IDLE = DeviceSeries("d2", (("temperature", "DOUBLE"),))


@pytest.fixture
def readers(load_handler, serve, hot_table: str, token_secret: str) -> ReaderSource:
    """The dashboard reader pair as the L3 hot stack deploys it (the hot readers' code, its own token)."""
    DynamoHotStore(hot_table, retention_days=30).put([
        record("d1", 0, temperature=20.5, running=True),
        record("d1", 1, temperature=21.5, running=False),
        record("d1", 2, temperature=22.5),
        record("d1", 3, running=True),
    ])
    range_reader = load_handler("hot_reader", HOT_TABLE_NAME=hot_table, INBOUND_TOKEN_SECRET=token_secret)
    range_server = serve(function_url(range_reader.handler))
    latest_reader = load_handler("hot_reader_last_entry", HOT_TABLE_NAME=hot_table, INBOUND_TOKEN_SECRET=token_secret)
    latest_server = serve(function_url(latest_reader.handler))
    return ReaderSource(range_server.url, latest_server.url, TOKEN)


def infinity(datasource: dict, target: dict) -> list[dict[str, Any]]:
    """What the Infinity backend does with a POST/JSON query: macros, header, allowed hosts, root, columns."""
    url = target["url"]
    origin = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    assert origin in datasource["jsonData"]["allowedHosts"], url
    body = target["url_options"]["data"].replace("${__from:date:iso}", FROM).replace("${__to:date:iso}", TO)
    headers = {"Content-Type": target["url_options"]["body_content_type"],
               datasource["jsonData"]["httpHeaderName1"]: datasource["secureJsonData"]["httpHeaderValue1"]}
    request = urllib.request.Request(url, data=body.encode(), method=target["url_options"]["method"], headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    rows = answer[target["root_selector"]] if target["root_selector"] else [answer]
    return [{column["text"]: _select(row, column["selector"]) for column in target["columns"]} for row in rows]


def _select(row: dict, selector: str) -> Any:
    for part in selector.split("."):
        row = row.get(part) if isinstance(row, dict) else None
    return row


def targets(source: ReaderSource, *devices: DeviceSeries) -> dict[str, dict]:
    panels = twin_dashboard("twin", devices, source)["panels"]
    return {panel["title"]: panel["targets"][0] for panel in panels if panel["type"] not in ("row", "text")}


def test_history_panels_get_each_propertys_readings_of_the_time_range(readers) -> None:
    datasource, queries = readers.datasource("twin"), targets(readers, PRESS)
    temperature = infinity(datasource, queries["d1: temperature"])
    # Newest first (the panel sorts by time); a reading without the property has no value for it.
    assert [(row["time"], row["temperature"]) for row in temperature] == [
        ("2026-01-01T10:00:03.000Z", None), ("2026-01-01T10:00:02.000Z", 22.5),
        ("2026-01-01T10:00:01.000Z", 21.5), ("2026-01-01T10:00:00.000Z", 20.5),
    ]
    running = infinity(datasource, queries["d1: running"])
    assert [row["running"] for row in running] == [True, None, False, True]


def test_the_latest_values_panel_gets_the_newest_reading(readers) -> None:
    (latest,) = infinity(readers.datasource("twin"), targets(readers, PRESS)["d1: latest values"])
    assert latest == {"time": "2026-01-01T10:00:03.000Z", "temperature": None, "running": True}


def test_a_device_without_readings_shows_no_data_rather_than_an_error(readers) -> None:
    datasource, queries = readers.datasource("twin"), targets(readers, IDLE)
    assert infinity(datasource, queries["d2: temperature"]) == []
    assert infinity(datasource, queries["d2: latest values"]) == [{"time": None, "temperature": None}]


def test_a_data_source_with_another_token_is_refused(readers) -> None:
    wrong = ReaderSource(readers.url, readers.last_entry_url, "not-the-token")
    with pytest.raises(urllib.error.HTTPError) as refused:
        infinity(wrong.datasource("twin"), targets(wrong, PRESS)["d1: temperature"])
    assert refused.value.code == 401
