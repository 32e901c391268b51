"""The run's moto server does once what moto redoes at every request (services.serve_moto): the
list of its service packages (a listdir and a stat per package) and a response class's method
names (inspect.getmembers). A fleet's onboarding makes 10 requests a device (JITP), so these were
60% of moto's CPU a request. Probed in a process of its own: the patches are moto-wide."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import textwrap
import time

import pytest

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


AUTH = "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=0"


@pytest.fixture(scope="module")
def moto_port():
    from twin_ops.local.services import MOTO_SERVER, free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def test_moto_keeps_the_connection_for_the_next_request_as_an_aws_endpoint_does(moto_port):
    """werkzeug closes after every answer; the run's moto keeps the connection, also after a body
    the app did not read (it must not be taken for the next request's start)."""
    connection = http.client.HTTPConnection("127.0.0.1", moto_port, timeout=10)
    answers = []
    for body in (b"unread", None, b"{}"):
        connection.request("GET", "/endpoint?endpointType=iot:Data-ATS", body=body, headers={"Authorization": AUTH})
        response = connection.getresponse()
        answers.append((response.status, json.loads(response.read()).get("endpointAddress", "").endswith(".amazonaws.com"),
                        response.getheader("Connection")))
        if connection.sock is None:
            break  # the server closed it
    assert answers == [(200, True, None)] * 3
    assert connection.sock is not None


def test_a_client_waiting_for_100_continue_gets_it_once_before_sending_its_body(moto_port):
    body = b"unread"
    with socket.create_connection(("127.0.0.1", moto_port), timeout=5) as client:
        client.sendall((f"GET /endpoint?endpointType=iot:Data-ATS HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n"
                        f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n").encode())
        answers = client.makefile("rb")
        assert [answers.readline(), answers.readline()] == [b"HTTP/1.1 100 Continue\r\n", b"\r\n"]
        client.sendall(body)
        assert answers.readline().startswith(b"HTTP/1.1 200 ")


def test_moto_finds_a_host_names_backend_once():
    """A host name's backend is looked up by trying every backend's URL patterns in turn: once a name."""
    completed = subprocess.run([sys.executable, "-c", BACKEND_PROBE], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    probe = json.loads(completed.stdout.strip().splitlines()[-1])
    assert probe["backends"] == ["iot", "iot", "s3", "s3"]
    assert probe["tried"] == [True, False, True, False]  # the patterns tried for a name's first request only


BACKEND_PROBE = textwrap.dedent("""
    import json
    from unittest import mock

    from twin_ops.local.services import serve_moto

    with mock.patch("moto.server.main"):
        serve_moto(["-H", "127.0.0.1", "-p", "0"])
    from moto.server import DomainDispatcherApplication, create_backend_app

    class Patterns(list):
        tried = False

        def __iter__(self):
            Patterns.tried = True
            return super().__iter__()

    app = DomainDispatcherApplication(create_backend_app)
    app.backend_url_patterns = Patterns(app.backend_url_patterns)
    backends, tried = [], []
    for host in ("iot.us-east-1.amazonaws.com", "iot.us-east-1.amazonaws.com", "s3.amazonaws.com", "s3.amazonaws.com"):
        Patterns.tried = False
        backends.append(app.get_backend_for_host(host))
        tried.append(Patterns.tried)
    print(json.dumps({"backends": backends, "tried": tried}))
""")
