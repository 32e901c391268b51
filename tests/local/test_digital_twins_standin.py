"""The Azure Digital Twins stand-in reads models as the official DTDL parser does: a property an
Interface inherits (`extends`), or declares in the one-object `contents` form, is patched; a
Telemetry or an undeclared name is refused as the service refuses it (400 ValidationFailed)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from twin_ops.local.http import LocalServer
from twin_ops.local.standins.azure import DigitalTwins, entra_token

BASE = {"@context": "dtmi:dtdl:context;3", "@id": "dtmi:example:base;1", "@type": "Interface",
        "contents": {"@type": "Property", "name": "temperature", "schema": "double"}}  # one object, not a list
DEVICE = {"@context": "dtmi:dtdl:context;3", "@id": "dtmi:example:device;1", "@type": "Interface", "extends": "dtmi:example:base;1",
          "contents": [{"@type": "Component", "name": "sensor", "schema": "dtmi:example:base;1"},
                       {"@type": "Telemetry", "name": "vibration", "schema": "double"}]}
TWIN = {"$dtId": "press-01", "$metadata": {"$model": "dtmi:example:device;1"}, "sensor": {"$metadata": {}}}


@pytest.fixture(scope="module")
def adt():
    server = LocalServer("adt-test").start()
    twins = DigitalTwins(server)
    twins.add("twin", [BASE, DEVICE], [TWIN])
    yield server, twins
    server.stop()


def patch(server, path: str) -> int:
    body = json.dumps([{"op": "add", "path": path, "value": 21.5}]).encode()
    request = urllib.request.Request(f"{server.url}/adt/twin/digitaltwins/press-01", data=body, method="PATCH", headers={
        "Authorization": f"Bearer {entra_token('https://digitaltwins.azure.net')[0]}", "Content-Type": "application/json-patch+json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(("path", "status"), [
    ("/temperature", 204),  # inherited from the base, declared there in the one-object form
    ("/sensor/temperature", 204),  # a component's property
    ("/vibration", 400),  # a Telemetry: twins hold no telemetry
    ("/humidity", 400),  # declared nowhere
    ("/sensor/vibration", 400),
])
def test_patches_follow_the_parsers_object_model(adt, path, status):
    server, twins = adt
    assert patch(server, path) == status
    if status == 204:
        *parents, name = path.lstrip("/").split("/")
        target = twins.instances["twin"].twins["press-01"]
        assert (target[parents[0]] if parents else target)[name] == 21.5
