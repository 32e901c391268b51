"""The run's moto server does once what moto redoes at every request (services.serve_moto): the
list of its service packages (a listdir and a stat per package) and a response class's method
names (inspect.getmembers). A fleet's onboarding makes 10 requests a device (JITP), so these were
60% of moto's CPU a request. Probed in a process of its own: the patches are moto-wide."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import inspect, json, os
    from unittest import mock

    from twin_ops.local.services import serve_moto

    served = []
    with mock.patch("moto.server.main", served.append):
        serve_moto(["-H", "127.0.0.1", "-p", "0"])
    from moto.core.config import default_user_config
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.test import Client

    client = Client(DomainDispatcherApplication(create_backend_app))
    auth = "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=0"
    endpoint = lambda: client.get("/endpoint?endpointType=iot:Data-ATS", headers={"Authorization": auth}).status_code
    endpoint()  # the first request builds the IoT backend's app
    with mock.patch.object(os, "listdir", wraps=os.listdir) as listdir, \\
            mock.patch.object(inspect, "getmembers", wraps=inspect.getmembers) as getmembers:
        statuses = [endpoint() for _ in range(3)]
    print(json.dumps({"served": served, "statuses": statuses, "listdir": listdir.call_count,
                      "getmembers": getmembers.call_count, "valid_cert": default_user_config["iot"]["use_valid_cert"]}))
""")


def test_moto_server_looks_its_packages_and_methods_up_once():
    completed = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    probe = json.loads(completed.stdout.strip().splitlines()[-1])
    assert probe["served"] == [["-H", "127.0.0.1", "-p", "0"]]
    assert probe["statuses"] == [200, 200, 200]
    assert probe["valid_cert"] is True  # IoT certificate ids as IoT Core makes them (standins/jitp.py)
    assert probe["listdir"] == 0  # moto lists its packages at every request, twice
    assert probe["getmembers"] == 0  # and a response class's methods at every request
