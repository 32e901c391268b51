"""Starts synthesized functions the way their clouds do: a standalone script, run with `python -I`.

It imports nothing of this repository: the code it runs comes from the synthesized output only
(the asset directory or unpacked archive of each function), so a bundle that lacks a module, or a
setting the code needs but the template does not give, fails here as it would in the cloud.

`boot [SITE]` reads "JOBS RESULTS" lines (JSON files: a list of jobs in, one result per job out;
SITE, for a `python -I -S` start, the only folder of packages besides the stdlib) and starts each
function in turn, batch after batch, in the same process but isolated: the environment is exactly the job's, and every module
of the previous function's code is forgotten before the next one is imported (every bundle has
its own `runtime` package). A job: {"label", "cloud", "code", "entry", "environment", "signature_type"}.

- aws: the Lambda Python runtime's bootstrap: the code directory first on sys.path (output.py
  refuses layers); `handler` = "<module path>.<attribute>", imported, it must be callable.
- azure: the Functions Python worker's indexing (programming model v2): the app root on sys.path,
  `function_app.py` imported, every `FunctionApp` in it asked for its functions, each with a
  trigger and a callable.
- google: functions-framework's own `create_app(target, source=main.py, signature_type)`, as
  Cloud Functions gen2 starts the container.

`fork SPEC...` serves each spec in a child of one interpreter that imported the platforms'
libraries once (a run starts a dozen hosts or more: each paid for the same imports). Each child
serves one function (a job plus "ready_file", "report_url", "listen_fd", "tls", "hosts",
"google_clients") and plays its platform's part for the local run:
- aws: POST /invoke {"event", "context", "clock_offset"} runs the handler (one at a time, as a
  Lambda instance does) and answers {"ok", "result"} or {"ok": false, "errorType", "errorMessage"};
- azure: the app's HTTP functions at /api/<route> (HTTPS), its queue triggers polling their
  queues (Azurite) with the managed identity, poison queue after `maxDequeueCount` (host.json),
  and POST /admin/functions/<name> running a timer function (the Functions host's admin API);
- google: functions-framework's app itself, served on its port (the function's URL).
Every invocation is reported to the runner ({"label", "function", "ok", "result"}); the runner
may make an HTTP endpoint answer 503 for a while (POST /__local/outage) to test senders, and run
an invocation with the clock moved forward (header X-Dt-Local-Clock-Offset, seconds) to compress
time for movers. `hosts` maps cloud host names (host:port) the code reaches to local servers, as
the machine's resolver would; `google_clients` installs the stand-ins of Google's gRPC services.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as datetime_module
import functools
import http.client
import importlib
import importlib.util
import io
import json
import os
import queue
import re
import socket
import ssl
import sys
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit
from xml.sax.saxutils import escape

BASE_PATH = list(sys.path)
CLOCK_HEADER = "X-Dt-Local-Clock-Offset"
QUEUE_API_VERSION = "2021-08-06"
STORAGE_RESOURCE = "https://storage.azure.com/"


# -- starting a function (boot and serve)


def boot(job: dict[str, Any]) -> dict[str, Any]:
    """Start one function; returns {"label", "ok", "functions", "error"}."""
    code = Path(job["code"])
    os.environ.clear()
    os.environ.update(job["environment"])
    try:
        functions = [name for name, _ in STARTERS[job["cloud"]](job, code)]
        return {"label": job["label"], "ok": True, "functions": functions, "error": None}
    except BaseException as exc:  # a failed cold start, whatever it raised (SystemExit included)
        return {
            "label": job["label"],
            "ok": False,
            "functions": [],
            "error": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
            "traceback": traceback.format_exc(limit=-8),
        }
    finally:
        forget(code)


def start_lambda(job: dict[str, Any], code: Path) -> list[tuple[str, Any]]:
    sys.path.insert(0, str(code))
    module_name, _, attribute = job["entry"].rpartition(".")
    if not module_name:
        raise ValueError(f"handler {job['entry']!r} is not <module>.<function>")
    handler = getattr(importlib.import_module(module_name.replace("/", ".")), attribute)
    if not callable(handler):
        raise TypeError(f"{job['entry']} is not callable")
    return [(job["entry"], handler)]


def start_azure_app(job: dict[str, Any], code: Path) -> list[tuple[str, Any]]:
    import azure.functions as func

    sys.path.insert(0, str(code))
    module = importlib.import_module(job["entry"])
    apps = [value for value in vars(module).values() if isinstance(value, func.FunctionRegister)]
    if not apps:
        raise LookupError(f"{job['entry']}.py defines no FunctionApp")
    functions = []
    for app in apps:
        for function in app.get_functions():
            name = function.get_function_name()
            if not callable(function.get_user_function()):
                raise TypeError(f"function {name} has no callable")
            if function.get_trigger() is None:
                raise LookupError(f"function {name} has no trigger")
            functions.append((name, function))
    names = [name for name, _ in functions]
    if len(set(names)) != len(names):
        raise ValueError(f"function names repeat: {sorted(names)}")
    return functions


def start_google_function(job: dict[str, Any], code: Path) -> list[tuple[str, Any]]:
    import functions_framework

    app = functions_framework.create_app(
        target=job["entry"], source=str(code / "main.py"), signature_type=job.get("signature_type") or "http"
    )
    return [(job["entry"], app)]


STARTERS = {"aws": start_lambda, "azure": start_azure_app, "google": start_google_function}


_real = functools.lru_cache(maxsize=None)(os.path.realpath)  # Path.resolve(), once a path: a boot process lives for many jobs


def forget(code: Path) -> None:
    """Drop every module loaded from this function's code, and its directory from sys.path."""
    root = _real(code)
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None) or ""
        search = list(getattr(module, "__path__", None) or [])
        if any(_real(place).startswith(root) for place in (location, *search) if place):
            del sys.modules[name]
    sys.path[:] = [entry for entry in sys.path if entry in BASE_PATH]


# -- the local platform around a served function


class Clock:
    """Moves `now` forward for one invocation (time compression for movers): every module of the
    function's code that imported the `datetime` class gets a subclass whose now() adds the
    offset of the current thread."""

    _local = threading.local()

    @classmethod
    def install(cls, code: Path) -> None:
        offset = cls._local

        class ShiftedDatetime(datetime_module.datetime):
            @classmethod
            def now(klass, tz=None):
                return super().now(tz) + datetime_module.timedelta(seconds=getattr(offset, "seconds", 0.0))

            @classmethod
            def utcnow(klass):
                return super().utcnow() + datetime_module.timedelta(seconds=getattr(offset, "seconds", 0.0))

        root = str(code.resolve())
        for module in list(sys.modules.values()):  # the cheap test first: a thousand paths resolved cost each host 40 ms
            if (getattr(module, "__dict__", {}).get("datetime") is datetime_module.datetime
                    and str(Path(getattr(module, "__file__", "") or "/").resolve()).startswith(root)):
                module.datetime = ShiftedDatetime

    @classmethod
    @contextlib.contextmanager
    def shifted(cls, seconds: float):
        cls._local.seconds = seconds
        try:
            yield
        finally:
            cls._local.seconds = 0.0


def route_hosts(overrides: dict[str, str]) -> None:
    """Resolve the cloud host names the code reaches (`name:port`) to local servers."""
    if not overrides:
        return
    original = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        target = overrides.get(f"{host}:{port}")
        if target is not None:
            host, port = target.rsplit(":", 1)
            port = int(port)
        return original(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


# Seconds a host gathers reports before it sends them, as a platform ships its logs in batches: at
# 0.05 s a busy host sent about one request per record, a third of what the runner served while
# records flowed. Below the runner's half second of calm (runner.py `_settle`), so a host that still
# works keeps the run from settling. Events (an S3 write) go at once: the runner acts on them, and
# a run that settled before an object's replication came deleted it (lifecycle expiry) first.
REPORT_INTERVAL = 0.25


class Reporter:
    """Sends every invocation's outcome to the runner, in batches, off the invocation's path."""

    def __init__(self, url: str | None, label: str) -> None:
        self._url, self._label = url, label
        self._queue: queue.Queue = queue.Queue()
        self._urgent = threading.Event()  # an event waits for no batch: the platform acts on it (S3 replication)
        self._http = KeptAlive()
        if url:
            threading.Thread(target=self._loop, daemon=True).start()

    def event(self, kind: str, data: Any) -> None:
        """Something the platform reacts to (an object written to S3), not an invocation."""
        if self._url:
            self._queue.put({"label": self._label, "event": kind, "data": data})
            self._urgent.set()

    def failed(self, function: str, exc: BaseException, disposition: str | None = None) -> str:
        """Log the traceback, report the error; returns it ("<type>: <message>")."""
        traceback.print_exc()
        error = f"{type(exc).__name__}: {exc}"[:500]
        self.report(function, False, error=error, disposition=disposition)
        return error

    def report(self, function: str, ok: bool, result: Any = None, error: str | None = None,
               disposition: str | None = None) -> None:
        """`disposition` of a failed invocation the host itself retries: "retry" or "dead-letter";
        "denied": a call the function's grants refuse (final: no retry changes the grants)."""
        if self._url:
            self._queue.put({"label": self._label, "function": function, "ok": ok,
                             "result": summary(result), "error": error, "disposition": disposition})

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            self._urgent.wait(REPORT_INTERVAL)
            self._urgent.clear()
            while not self._queue.empty():
                batch.append(self._queue.get())
            try:  # one kept-alive connection: a new one per batch cost the runner a thread each
                self._http.call("POST", self._url, json.dumps(batch).encode(), {"Content-Type": "application/json"}, 10)
            except (OSError, http.client.HTTPException) as exc:
                print(f"function host: cannot report to the runner: {exc}", file=sys.stderr)


def summary(result: Any) -> Any:
    """What the runner counts: a number, the length of a list, or a dict's numbers."""
    if isinstance(result, bool) or result is None:
        return None
    if isinstance(result, (int, float)):
        return result
    if isinstance(result, list):
        return len(result)
    if isinstance(result, dict):
        return {key: value for key, value in result.items() if isinstance(value, (int, float)) and not isinstance(value, bool)}
    return None


class Outage:
    """Paths that answer 503 until a deadline (the runner's injected receiver outage)."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def set(self, paths: list[str], seconds: float) -> None:
        for path in paths:
            self._until[path] = time.monotonic() + seconds

    def active(self, path: str) -> bool:
        now = time.monotonic()
        return any(now < until and (prefix == "*" or path.rstrip("/") == prefix.rstrip("/")) for prefix, until in self._until.items())


OUTAGE = "__outage__"  # reported for each refused request (twin_ops/local/ledger.py counts them)
OUTAGE_BODY = json.dumps({"error": {"code": "unavailable", "message": "receiver outage (local run)"}}).encode()


# The platforms' own request limits, enforced before a function runs (the runtime's receivers
# have their own, smaller one: runtime/core/receiver.py).
AZURE_MAX_BODY = 100 * 1024 * 1024  # the Functions host's maxRequestLength
GOOGLE_MAX_BODY = 32 * 1024 * 1024  # Cloud Run's HTTP/1 request size
READ_TIMEOUT = 10.0  # seconds a client may take to send its request


def _drain(rfile: Any, length: int) -> None:
    """Read and drop a body that is refused: closing on unread bytes would reset the connection
    before the client reads the answer (bodies far above the limit are not read at all)."""
    try:
        while length > 0:
            chunk = rfile.read(min(length, 1 << 16))
            if not chunk:
                return
            length -= len(chunk)
    except OSError:
        return


def request_body(headers: Any, rfile: Any, limit: int) -> tuple[int, bytes | str]:
    """(200, body), or (status, reason) of a request the front end refuses: 411 chunked, 400 an
    invalid Content-Length or fewer bytes than it declares, 413 above `limit` (nothing read)."""
    if headers.get("Transfer-Encoding"):
        return 411, "chunked request bodies are not accepted here: send Content-Length"
    declared = headers.get("Content-Length")
    if declared is None:
        return 200, b""
    if not declared.isdigit():
        return 400, "invalid Content-Length"
    if int(declared) > limit:
        _drain(rfile, int(declared) if int(declared) <= 2 * limit else 0)
        return 413, f"request body larger than {limit} bytes"
    try:
        body = rfile.read(int(declared)) if int(declared) else b""
    except OSError:  # the read timed out
        body = b""
    if len(body) < int(declared):
        return 400, f"incomplete request body: {len(body)} of {declared} bytes"
    return 200, body


def refusal(status: int, reason: str) -> bytes:
    return json.dumps({"error": {"code": "too_large" if status == 413 else "bad_request", "message": reason}}).encode()


def _answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "application/json",
            headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT
    # An answer goes out in two writes (headers, then body): with Nagle on, the body waits for the
    # caller's delayed ACK of the headers, 40 ms on every kept-alive request (a cloud's front end
    # answers at once).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


# -- AWS: a Lambda instance


def serve_lambda(spec: dict[str, Any], reporter: Reporter) -> HTTPServer:
    guard_sdk(spec, reporter)
    ((name, handler),) = start_lambda(spec, Path(spec["code"]))
    Clock.install(Path(spec["code"]))

    class Invoke(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
            context = SimpleNamespace(**request.get("context", {}), get_remaining_time_in_millis=lambda: 30_000)
            try:
                with Clock.shifted(float(request.get("clock_offset") or 0)):
                    result = handler(request.get("event"), context)
                answer = {"ok": True, "result": result}
                reporter.report(name, True, result)
            except Exception as exc:
                reporter.failed(name, exc)
                answer = {"ok": False, "errorType": type(exc).__name__, "errorMessage": str(exc)[:2000]}
            _answer(self, 200, json.dumps(answer, default=str).encode())

    # Lambda runs concurrent invocations side by side (one instance each): a single-threaded server
    # would hold a Function URL request behind another caller's idle keep-alive connection.
    return _http_server(spec, Invoke)


# -- AWS: the SDK's calls at the function's boundary (IAM grants, S3 writes)

# IAM actions whose name is not the API operation's (Service Authorization Reference), and IAM
# service prefixes that are not the API's signing name.
IAM_ACTIONS = {"lambda:Invoke": "lambda:InvokeFunction", "s3:ListObjectsV2": "s3:ListBucket", "s3:ListObjects": "s3:ListBucket",
               "s3:HeadObject": "s3:GetObject", "s3:HeadBucket": "s3:ListBucket", "s3:CopyObject": "s3:PutObject"}
IAM_PREFIXES = {"iotdata": "iot"}


def iam_requests(service: str, operation: str, params: dict[str, Any], region: str, account: str,
                 secrets: dict[str, str]) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs an SDK call needs allowed, as IAM authorizes it."""
    action = IAM_ACTIONS.get(f"{service}:{operation}", f"{service}:{operation}")
    base = f"arn:aws:{service}:{region}:{account}"
    if service == "dynamodb":
        index = f"/index/{params['IndexName']}" if "IndexName" in params else ""
        return [(action, f"{base}:table/{table}{index}") for table in (list(params.get("RequestItems") or {}) or [params.get("TableName")])]
    if service == "s3":
        bucket = f"arn:aws:s3:::{params.get('Bucket')}"
        pairs = [(action, f"{bucket}/{params['Key']}" if "Key" in params else bucket)]
        if operation == "CopyObject":
            source = params["CopySource"]
            source = f"{source['Bucket']}/{source['Key']}" if isinstance(source, dict) else str(source).lstrip("/")
            pairs.append(("s3:GetObject", f"arn:aws:s3:::{source}"))
        return pairs
    name = str(params.get("FunctionName") or params.get("SecretId") or params.get("stateMachineArn") or params.get("Name") or "")
    resource = {
        "lambda": name if name.startswith("arn:") else f"{base}:function:{name}",
        "sqs": f"{base}:{str(params.get('QueueUrl') or params.get('QueueName')).rstrip('/').rsplit('/', 1)[-1]}",
        "secretsmanager": name if name.startswith("arn:") else secrets.get(name, f"{base}:secret:{name}"),
        "ssm": f"{base}:parameter/{name.lstrip('/')}",
        "iot": f"{base}:topic/{params['topic']}" if "topic" in params else f"{base}:thing/{params.get('thingName')}",
        "states": name,
    }.get(service, "*")
    return [(action, resource)]


def _wildcards(patterns: Any, value: str, fold: bool) -> bool:
    """IAM's `*` and `?` wildcards (nothing else is special); actions compare case-insensitively."""
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
        if re.fullmatch(regex, value, re.IGNORECASE if fold else 0):
            return True
    return False


def allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """IAM's decision for one identity's policy statements: an explicit Deny wins, else an Allow
    is needed (no statement: denied). Action/NotAction and Resource/NotResource; a statement with
    a Condition is refused when the policies are read (twin_ops/local/grants.py)."""
    def applies(statement: dict[str, Any]) -> bool:
        acts = (not _wildcards(statement["NotAction"], action, True) if "NotAction" in statement
                else _wildcards(statement.get("Action", []), action, True))
        on = (not _wildcards(statement["NotResource"], resource, False) if "NotResource" in statement
              else _wildcards(statement.get("Resource", []), resource, False))
        return acts and on

    effects = {statement.get("Effect") for statement in statements if applies(statement)}
    return "Allow" in effects and "Deny" not in effects


def iam_decisions(statements: list[dict[str, Any]]) -> Callable[[str, str], bool]:
    """`allowed` for one identity's statements, decided once per (action, resource) pair: the role's
    policies do not change while its function runs, and its calls repeat the same pairs (the
    dispatcher invokes one function per record). Bounded: a writer's keys are new at every call."""
    return functools.lru_cache(maxsize=4096)(functools.partial(allowed, statements))


def guard_sdk(spec: dict[str, Any], reporter: Reporter) -> None:
    """Every botocore client of this function checks its call against the function role's
    policies before sending it (AccessDenied, as IAM answers, reported to the runner), and reports
    each object it wrote to S3 (S3's event notifications and replication react to writes)."""
    import botocore.handlers
    from botocore.awsrequest import AWSResponse

    grants = spec.get("grants")
    decide = iam_decisions(grants["statements"]) if grants is not None else None

    def before_parameters(params: dict[str, Any], model: Any, context: dict[str, Any], **kwargs: Any) -> None:
        service = model.service_model.signing_name
        context["dt_call"] = (IAM_PREFIXES.get(service, service), model.name, dict(params))

    def before_call(model: Any, context: dict[str, Any], **kwargs: Any) -> Any:
        if grants is None or decide is None or "dt_call" not in context:
            return None
        service, operation, params = context["dt_call"]
        for action, resource in iam_requests(service, operation, params, os.environ.get("AWS_REGION", ""), grants["account"],
                                             grants["secrets"]):
            if not decide(action, resource):
                message = (f"User: {grants['principal']} is not authorized to perform: {action} on resource: {resource} "
                           f"because no identity-based policy allows the {action} action")
                reporter.report("IAM", False, error=f"AccessDenied: {message}", disposition="denied")
                code = "AccessDenied" if service == "s3" else "AccessDeniedException"
                return AWSResponse("", 403, {}, None), {"Error": {"Code": code, "Message": message},
                                                         "ResponseMetadata": {"HTTPStatusCode": 403}}
        return None

    def after_s3(http_response: Any, parsed: Any, model: Any, context: dict[str, Any], **kwargs: Any) -> None:
        if model.name in ("PutObject", "CopyObject", "CompleteMultipartUpload") and http_response.status_code < 300:
            params = context["dt_call"][2]
            event = {"bucket": params["Bucket"], "key": params["Key"]}
            size = _body_size(params.get("Body"))
            if model.name == "PutObject" and size is not None and parsed.get("ETag"):
                event.update(size=size, etag=parsed["ETag"])  # S3's notification carries both: known from the write
            reporter.event("s3-created", event)

    botocore.handlers.BUILTIN_HANDLERS.extend(
        [("before-parameter-build", before_parameters), ("before-call", before_call), ("after-call.s3", after_s3)])


def _body_size(body: Any) -> int | None:
    """A PutObject body's size (botocore has made bytes a BytesIO by then); None for a stream."""
    if isinstance(body, str):
        return len(body.encode())
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    if isinstance(body, io.BytesIO):
        return body.getbuffer().nbytes
    return None


# -- Azure: a Function App on the Functions host


def serve_azure_app(spec: dict[str, Any], reporter: Reporter) -> HTTPServer:
    import azure.functions as func

    code = Path(spec["code"])
    functions = dict(start_azure_app(spec, code))
    Clock.install(code)
    outage = Outage()
    host_json = json.loads((code / "host.json").read_text()) if (code / "host.json").is_file() else {}
    queues_config = (host_json.get("extensions") or {}).get("queues") or {}
    # The Python worker runs synchronous functions on one thread pool of PYTHON_THREADPOOL_THREAD_COUNT
    # threads (default min(32, CPUs + 4)): every queue trigger of the app shares it.
    from concurrent.futures import ThreadPoolExecutor

    workers = int(os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT") or min(32, (os.cpu_count() or 1) + 4))
    worker_pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="python-worker")
    http_routes, timers = [], {}
    for name, function in functions.items():
        trigger = function.get_trigger()
        kind = trigger.get_binding_name()
        if kind == "httpTrigger":
            methods = [str(getattr(m, "value", m)) for m in trigger.methods or ()]
            http_routes.append((_route_pattern(trigger.route or name), methods, name, function))
        elif kind == "queueTrigger":
            service = os.environ[f"{trigger.connection}__queueServiceUri"].rstrip("/")
            poller = QueuePoller(f"{service}/{trigger.queue_name}", name, function, reporter, queues_config,
                                 os.environ.get(f"{trigger.connection}__clientId"), worker_pool)
            threading.Thread(target=poller.run, daemon=True).start()
        elif kind == "timerTrigger":
            timers[name] = function
        else:
            raise ValueError(f"function {name}: trigger {kind} is not run locally")

    class Host(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            status, body = request_body(self.headers, self.rfile, AZURE_MAX_BODY)
            if isinstance(body, str):
                self.close_connection = True
                return _answer(self, status, refusal(status, body))
            if parts.path == "/__local/outage":
                request = json.loads(body)
                outage.set(request["paths"], float(request["seconds"]))
                return _answer(self, 200, b"{}")
            if parts.path == "/admin/functions":
                return _answer(self, 200, json.dumps([{"name": name, "trigger": f.get_trigger().get_binding_name()}
                                                      for name, f in functions.items()]).encode())
            if parts.path.startswith("/admin/functions/"):
                return self._run_timer(parts.path.rsplit("/", 1)[-1])
            if outage.active(parts.path):
                reporter.report(OUTAGE, True)
                return _answer(self, 503, OUTAGE_BODY)
            for pattern, methods, name, function in http_routes:
                match = pattern.fullmatch(parts.path)
                if match and (not methods or method in methods):
                    request = func.HttpRequest(
                        method, f"https://{self.headers.get('Host', 'localhost')}{self.path}",
                        headers=dict(self.headers.items()), params=dict(parse_qsl(parts.query, keep_blank_values=True)),
                        route_params=match.groupdict(), body=body,
                    )
                    try:
                        response = function.get_user_function()(**{function.get_trigger().name: request})
                    except Exception as exc:
                        reporter.failed(name, exc)
                        return _answer(self, 500, b'{"error": {"code": "internal_error"}}')
                    status = response.status_code
                    payload = response.get_body()
                    reporter.report(name, status < 500, _json_or_none(payload) if status < 300 else None, http_error(status))
                    return _answer(self, status, payload, response.mimetype or "application/json")
            _answer(self, 404, b'{"error": {"code": "not_found"}}')

        def _run_timer(self, name: str) -> None:
            function = timers.get(name)
            if function is None:
                return _answer(self, 404, b'{"error": {"code": "not_found"}}')
            try:
                with Clock.shifted(float(self.headers.get(CLOCK_HEADER) or 0)):
                    result = function.get_user_function()(**{function.get_trigger().name: SimpleNamespace(past_due=False)})
                reporter.report(name, True, result)
                _answer(self, 200, json.dumps({"result": summary(result)}).encode())
            except Exception as exc:
                _answer(self, 500, json.dumps({"error": reporter.failed(name, exc)}).encode())

    server = _http_server(spec, Host)
    if spec.get("tls"):
        serve_tls(server, spec["tls"]["cert"], spec["tls"]["key"])
    return server


def serve_tls(server: Any, cert: str, key: str) -> None:
    """HTTPS with each connection's TLS handshake in its own thread: a listening socket wrapped
    whole shakes hands inside accept(), so one slow client would hold back every other one (under
    load, their handshakes timed out)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    plain = server.finish_request

    def finish_request(request: socket.socket, client_address: Any) -> None:
        request.settimeout(READ_TIMEOUT)
        try:
            secured = context.wrap_socket(request, server_side=True)
        except OSError:  # a failed handshake ends this connection only
            return
        try:
            plain(secured, client_address)
        finally:
            secured.close()

    server.finish_request = finish_request


def _http_server(spec: dict[str, Any], handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A threaded server on the listening socket the runner handed over (`listen_fd`: its port is
    in the URLs the deployment wrote, so it was bound before them), else on a free port."""
    if spec.get("listen_fd") is None:
        return ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler, bind_and_activate=False)
    server.socket.close()
    server.socket = socket.socket(fileno=int(spec["listen_fd"]))
    server.server_address = server.socket.getsockname()
    return server


def _route_pattern(route: str):
    pattern = re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", route.strip("/"))
    return re.compile(f"/api/{pattern}")


def http_error(status: int) -> str | None:
    """The error an HTTP function's answer reports: its status when the function failed (5xx), so
    the run's table says more than `None` (the function's own log has the traceback)."""
    return f"HTTP {status}" if status >= 500 else None


def _json_or_none(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return None


class KeptAlive:
    """HTTP(S) requests on kept-alive connections, idle ones shared by every thread (a connection
    serves one request at a time), with one TLS context (the trust store of SSL_CERT_FILE loaded
    once): the platform's own calls, made thousands of times a run, without a TLS handshake each,
    also from threads that live for one call (a workflow execution's)."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self._idle: dict[tuple[str, str], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._context = context  # made on the first HTTPS call when not given: loading the trust store costs

    def call(self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
             timeout: float = 30.0) -> tuple[int, bytes]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        while True:
            with self._lock:
                idle = self._idle.get(key)
                connection = idle.pop() if idle else None
            reused = connection is not None
            if connection is None:
                if parts.scheme == "https" and self._context is None:
                    self._context = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or None)
                connection = (http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=self._context)
                              if parts.scheme == "https" else http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout))
            elif connection.sock is not None:
                connection.sock.settimeout(timeout)
            try:
                connection.request(method, target, body=body, headers=headers or {})
                response = connection.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest,
                    ssl.SSLEOFError, ssl.SSLZeroReturnError):
                connection.close()
                if reused:
                    continue  # the server closed it while idle: the request never reached it
                raise
            except BaseException:
                connection.close()
                raise
            if (response.getheader("Connection") or "").lower() == "close":
                connection.close()
            else:
                with self._lock:
                    self._idle.setdefault(key, []).append(connection)
            return response.status, payload


# An idle queue is polled again after 0.1 s, doubling up to `maxPollingInterval` (host.json; one
# minute by default), compressed here to one second: every poll is a request Azurite must serve.
IDLE_POLL = (0.1, 1.0)


def _seconds(text: str) -> float:
    hours, minutes, seconds = (float(part) for part in str(text).split(":"))
    return hours * 3600 + minutes * 60 + seconds


class QueuePoller:
    """The Functions host's queue trigger: dequeue a batch (`batchSize`, 16) leased for ten minutes,
    as the host does, run its messages on the app's worker threads, fetch the next batch once no more
    than `newBatchThreshold` (half) wait; delete each message that ran, make a failed one visible
    again, and move it to the poison queue after `maxDequeueCount` (host.json, extensions.queues)."""

    def __init__(self, queue_url: str, name: str, function: Any, reporter: Reporter, settings: dict[str, Any],
                 client_id: str | None, pool: Any) -> None:
        self._url, self._name, self._function, self._reporter = queue_url, name, function, reporter
        self._max_dequeue = int(settings.get("maxDequeueCount", 5))
        self._batch = max(1, min(32, int(settings.get("batchSize", 16))))
        self._threshold = int(settings.get("newBatchThreshold", self._batch // 2))
        self._max_idle = min(IDLE_POLL[1], _seconds(settings.get("maxPollingInterval", "00:01:00")))
        self._client_id = client_id  # the connection's identity (`<connection>__clientId`)
        self._token: tuple[str, float] | None = None
        self._http = KeptAlive()
        self._running = threading.Semaphore(self._batch + self._threshold)
        self._pool = pool  # the app's worker threads, shared with its other triggers

    def run(self) -> None:
        pool = self._pool
        idle = IDLE_POLL[0]
        while True:
            try:
                messages = self._receive()
            except Exception as exc:  # the queue may not exist yet, or the emulator restarts
                print(f"queue {self._url}: {exc}", file=sys.stderr)
                time.sleep(1.0)
                continue
            if not messages:
                time.sleep(idle)
                idle = min(idle * 2, self._max_idle)
                continue
            idle = IDLE_POLL[0]
            for message in messages:
                self._running.acquire()
                pool.submit(self._run_one, *message)
            for _ in range(self._batch):  # wait until at most newBatchThreshold still run
                self._running.acquire()
            for _ in range(self._batch):
                self._running.release()

    def _run_one(self, message_id: str, pop_receipt: str, dequeue_count: int, text: str) -> None:
        import azure.functions as func

        leased = f"{self._url}/messages/{message_id}?popreceipt={quote(pop_receipt, safe='')}"
        try:
            message = func.QueueMessage(id=message_id, body=base64.b64decode(text), pop_receipt=pop_receipt)
            try:
                result = self._function.get_user_function()(**{self._function.get_trigger().name: message})
            except Exception as exc:
                last = dequeue_count >= self._max_dequeue
                self._reporter.failed(self._name, exc, "dead-letter" if last else "retry")
                if last:
                    self._call("POST", f"{self._url}-poison/messages", queue_message(text), allow=(404,))
                    self._call("DELETE", leased)
                else:  # visible again soon (compressed: the host would wait the visibility timeout)
                    self._call("PUT", f"{leased}&visibilitytimeout=1", queue_message(text))
                return
            self._reporter.report(self._name, True, result)
            self._call("DELETE", leased)
        except Exception as exc:  # noqa: BLE001 - the message stays in the queue and comes back after its visibility timeout
            print(f"queue {self._url}: message {message_id}: {exc}", file=sys.stderr)
        finally:
            self._running.release()

    def _receive(self) -> list[tuple[str, str, int, str]]:
        _, payload = self._call("GET", f"{self._url}/messages?numofmessages={self._batch}&visibilitytimeout=600")
        root = ET.fromstring(payload)
        return [
            (m.findtext("MessageId"), m.findtext("PopReceipt"), int(m.findtext("DequeueCount") or 1), m.findtext("MessageText") or "")
            for m in root.iter("QueueMessage")
        ]

    def _call(self, method: str, url: str, body: bytes = b"", allow: tuple[int, ...] = ()) -> tuple[int, bytes]:
        status, payload = self._http.call(method, url, body if method in ("POST", "PUT") else None, {
            "x-ms-version": QUEUE_API_VERSION, "Authorization": f"Bearer {self._bearer()}",
            "Content-Type": "application/xml", "Content-Length": str(len(body) if method in ("POST", "PUT") else 0),
        })
        if 200 <= status < 300 or status in allow:
            return status, payload
        raise RuntimeError(f"{method} {urlsplit(url).path} → HTTP {status}")

    def _bearer(self) -> str:
        if self._token is None or self._token[1] < time.time() + 300:
            endpoint, secret = os.environ["IDENTITY_ENDPOINT"], os.environ["IDENTITY_HEADER"]
            client = f"&client_id={self._client_id}" if self._client_id else ""
            _, payload = self._http.call("GET", f"{endpoint}?resource={STORAGE_RESOURCE}&api-version=2019-08-01{client}",
                                         headers={"X-IDENTITY-HEADER": secret}, timeout=10)
            answer = json.loads(payload)
            self._token = (answer["access_token"], float(answer["expires_on"]))
        return self._token[0]


def queue_message(text: str) -> bytes:
    return f"<QueueMessage><MessageText>{escape(text)}</MessageText></QueueMessage>".encode()


# -- Google: a Cloud Functions (gen2) container


def serve_google_function(spec: dict[str, Any], reporter: Reporter):
    from werkzeug.serving import WSGIRequestHandler, make_server

    code = Path(spec["code"])
    ((name, app),) = start_google_function(spec, code)
    if spec.get("google_clients") and (code / "runtime" / "gcp" / "clients.py").is_file():
        clients = importlib.import_module("runtime.gcp.clients")
        location = spec["google_clients"]["module"]
        loader = importlib.util.spec_from_file_location("dt_local_google_clients", location)
        standins = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(standins)
        standins.install(clients, spec["google_clients"]["url"], spec["google_clients"]["principal"])
    Clock.install(code)
    outage = Outage()

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO", "/")
        declared = environ.get("CONTENT_LENGTH") or ""
        refused = (411, "chunked request bodies are not accepted here") if environ.get("HTTP_TRANSFER_ENCODING") else (
            (400, "invalid Content-Length") if declared and not declared.isdigit() else
            (413, f"request body larger than {GOOGLE_MAX_BODY} bytes") if declared and int(declared) > GOOGLE_MAX_BODY else None)
        if refused is not None:
            start_response(f"{refused[0]} Refused", [("Content-Type", "application/json"), ("Connection", "close")])
            return [refusal(*refused)]
        if path == "/__local/outage":
            request = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
            outage.set(request["paths"], float(request["seconds"]))
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b"{}"]
        if outage.active(path):
            reporter.report(OUTAGE, True)
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [OUTAGE_BODY]
        captured: dict[str, Any] = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        with Clock.shifted(float(environ.get("HTTP_" + CLOCK_HEADER.upper().replace("-", "_")) or 0)):
            body = b"".join(app(environ, capture))
        status = captured.get("status", 500)
        reporter.report(name, status < 500, _json_or_none(body) if status < 300 else None, http_error(status))
        return [body]

    class Handler(WSGIRequestHandler):
        timeout = READ_TIMEOUT

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    fd = spec.get("listen_fd")  # the runner's listening socket (see _http_server)
    return make_server("127.0.0.1", 0, wsgi, threaded=True, request_handler=Handler, fd=int(fd) if fd is not None else None)


SERVERS = {"aws": serve_lambda, "azure": serve_azure_app, "google": serve_google_function}


def serve(spec: dict[str, Any]) -> None:
    os.environ.clear()
    os.environ.update(spec["environment"])
    route_hosts(spec.get("hosts") or {})
    reporter = Reporter(spec.get("report_url"), spec["label"])
    server = SERVERS[spec["cloud"]](spec, reporter)
    port = server.server_port if hasattr(server, "server_port") else server.server_address[1]
    ready = Path(spec["ready_file"])
    ready.with_suffix(".tmp").write_text(json.dumps({"port": port, "pid": os.getpid()}), "utf-8")
    ready.with_suffix(".tmp").replace(ready)  # whole or not at all: the runner polls for it
    server.serve_forever()


# -- many hosts from one interpreter: what every host imports, imported once, then one fork per host

# The platforms' own libraries (the Lambda runtime's boto3, the Functions worker's azure.functions,
# Cloud Functions' framework): importing them before the fork changes nothing a function can
# import, only who pays for it. No session, client or thread is made before the fork: each host
# makes its own (guard_sdk must see every botocore session its function makes).
PRELOAD = {"aws": ("boto3", "botocore.client"), "azure": ("azure.functions",),
           "google": ("functions_framework", "werkzeug.serving", "google.cloud.storage")}
PR_SET_PDEATHSIG = 1


def fork_hosts(spec_files: list[Path]) -> int:
    """Serve each spec in a child forked from this process after PRELOAD: each child keeps only
    its own listening socket, its own log, and its spec's environment (`serve` clears the rest).
    SIGTERM ends every child, then this process; a child's exit is written to `<ready>.exit`."""
    import signal

    specs = [json.loads(path.read_text("utf-8")) for path in spec_files]
    for cloud in sorted({spec["cloud"] for spec in specs}):
        for module in PRELOAD[cloud]:
            with contextlib.suppress(ImportError):  # the function's own import reports it, as its cloud would
                importlib.import_module(module)
    listeners = {int(spec["listen_fd"]) for spec in specs if spec.get("listen_fd") is not None}
    children: dict[int, dict[str, Any]] = {}
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    for spec in specs:
        pid = os.fork()
        if pid == 0:
            _host_child(spec, listeners, parent)
        children[pid] = spec
    for fd in listeners:  # each is its child's alone now
        os.close(fd)

    def signal_all(signum: int) -> None:
        for child in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)

    def stop(signum: int, frame: Any) -> None:
        signal_all(signal.SIGTERM)
        deadline = time.monotonic() + 5.0
        while children and time.monotonic() < deadline:
            try:
                child, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if child:
                children.pop(child, None)
            else:
                time.sleep(0.02)
        signal_all(signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            child, status = os.wait()
        except ChildProcessError:
            break
        spec = children.pop(child, None)
        if spec is not None:
            Path(spec["ready_file"] + ".exit").write_text(str(os.waitstatus_to_exitcode(status)), "utf-8")
    return 0


def _host_child(spec: dict[str, Any], listeners: set[int], parent: int) -> None:
    """In a forked child: die with the parent, keep only this host's socket, log to its file, serve."""
    import ctypes
    import signal

    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent ended before the line above
            return
        for fd in listeners - {spec.get("listen_fd")}:
            os.close(fd)
        log = os.open(spec["log_file"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        serve(spec)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> int:
    if len(sys.argv) in (2, 3) and sys.argv[1] == "boot":
        if len(sys.argv) == 3:  # started with -S: SITE is the only place for packages beyond the stdlib
            import site

            site.addsitedir(sys.argv[2])
            BASE_PATH[:] = sys.path
        answers = os.fdopen(os.dup(1), "w")
        os.dup2(2, 1)  # the functions' own prints go to stderr, the answers (one line a batch) to stdout
        for line in sys.stdin:  # "JOBS.json RESULTS.json", a batch a line, until the caller closes stdin
            jobs, results = line.split()
            Path(results).write_text(json.dumps([boot(job) for job in json.loads(Path(jobs).read_text("utf-8"))]), "utf-8")
            print(results, file=answers, flush=True)
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "fork":
        return fork_hosts([Path(name) for name in sys.argv[2:]])
    print(f"usage: {Path(__file__).name} boot [SITE] (JOBS.json RESULTS.json lines on stdin) | fork SPEC.json...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
