"""The run's Azurite keeps its queues in files of the run's folder, not in memory.

In memory (--inMemoryPersistence) every queue message is an extent of its own, and Azurite's queue
garbage collection (once a minute, not configurable) removes the deleted messages' extents one by
one from an indexed LokiJS collection, in quadratic time without yielding: a 300 devices × 10
messages run of factory-floor-aws-azure saw Azurite at full CPU answering nothing for 22 s, past
the functions' storage timeout (15 s): 91 function errors. On disk, messages share extent files.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from twin_ops.local.function_host import KeptAlive, queue_message
from twin_ops.local.services import Services
from twin_ops.local.standins.azure import entra_token
from twin_ops.local.tls import make_tls


@contextmanager
def queue_created(tmp_path: Path) -> Iterator[tuple[KeptAlive, str, dict[str, str]]]:
    """The run's Azurite with the queue `work` of account1: a client, the queue's URL, the headers
    a call needs. Azurite stops on the way out."""
    tls = make_tls(tmp_path / "tls")
    services = Services(tmp_path, tls)
    try:
        queue = f"{services.azurite(['account1'])['queue']}/account1/work"
        http = KeptAlive(ssl.create_default_context(cafile=str(tls.ca_file)))
        headers = {"x-ms-version": "2021-08-06", "Authorization": f"Bearer {entra_token('https://storage.azure.com/')[0]}"}
        status, _ = http.call("PUT", queue, b"", {**headers, "Content-Length": "0"})
        assert status == 201
        yield http, queue, headers
    finally:
        services.close()


def test_azurite_writes_queue_messages_to_files_of_the_run_folder(tmp_path):
    with queue_created(tmp_path) as (http, queue, headers):
        body = queue_message("aGVsbG8=" * 64)
        status, _ = http.call("POST", f"{queue}/messages", body, {**headers, "Content-Length": str(len(body))})
        assert status == 201
        stored = tmp_path / "azurite" / "__queuestorage__"
        assert stored.is_dir() and sum(path.stat().st_size for path in stored.rglob("*") if path.is_file()) >= len("aGVsbG8=" * 64)
    assert not any(name.startswith("__azurite") for name in os.listdir(tmp_path))  # nothing in the run folder's root


def test_azurite_runs_without_telemetry(tmp_path, monkeypatch):
    """Azurite 3.35 and later record every request for Microsoft's telemetry service unless told not
    to (--disableTelemetry): CPU per request for nothing the run needs, data sent off the machine,
    and what it could not send spooled into the temporary folder (Microsoft-AzureMonitor-*)."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # Azurite inherits the environment: node's os.tmpdir()
    with queue_created(tmp_path):
        deadline = time.monotonic() + 5  # with telemetry, its spool appears within a second or two
        while time.monotonic() < deadline and not spooled(scratch):
            time.sleep(0.1)
    assert not spooled(scratch)


def spooled(folder):
    return [name for name in os.listdir(folder) if name.startswith("Microsoft-AzureMonitor")]


# LokiJS (Azurite's database) rebuilt every index of a collection whenever an array of documents was
# removed, an empty one too: Azurite removes a queue's expired messages (mostly none) before each
# dequeue, peek, delete and update. twin_ops/local/azurite_loki.js, loaded into Azurite, removes an
# empty array as nothing and an array of one as a single document. The script below runs LokiJS as
# Azurite loads it, with or without the preload, and reports the rebuilds and what the collection answers.
LOKI_SCRIPT = r"""
const path = require("path"), fs = require("fs");
const [azurite, preload] = process.argv.slice(1);
process.argv[1] = azurite;
const Loki = require(require.resolve("lokijs", { paths: [path.dirname(fs.realpathSync(azurite))] }));
if (preload) require(preload);
const coll = new Loki("t", { persistenceMethod: "memory" }).addCollection("m", { indices: ["queueName", "visibleTime"] });
let rebuilds = 0;
const ensureIndex = Loki.Collection.prototype.ensureIndex;
Loki.Collection.prototype.ensureIndex = function (p, force) {
  if (force || !this.binaryIndices[p] || this.binaryIndices[p].dirty) rebuilds++;
  return ensureIndex.call(this, p, force);
};
for (let i = 0; i < 50; i++) coll.insert({ queueName: "q" + (i % 3), visibleTime: (i * 7) % 11, n: i });
rebuilds = 0;
coll.remove(coll.find({ queueName: "none" }));
const empty = rebuilds;
coll.remove(coll.find({ n: 10 }));
coll.remove([coll.findOne({ n: 20 }).$loki]);
const single = rebuilds - empty;
coll.remove(coll.find({ n: { $in: [30, 31] } }));
const sorted = (docs) => docs.map((d) => d.n).sort((a, b) => a - b);
console.log(JSON.stringify({
  empty, single, count: coll.count(), q1: sorted(coll.find({ queueName: "q1" })),
  early: sorted(coll.find({ visibleTime: { $lte: 1 } })),
  indexes: ["queueName", "visibleTime"].map((p) => coll.checkIndex(p, { randomSampling: false, repair: false })),
}));
"""
REMOVED = {10, 20, 30, 31}


def run_loki(preload: Path | None) -> dict:
    from twin_ops.local.services import AZURITE

    command = ["node", "-e", LOKI_SCRIPT, str(AZURITE.resolve()), str(preload or "")]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout)


def test_azurite_loki_preload_removes_without_rebuilding_indexes_and_answers_the_same():
    from twin_ops.local.services import AZURITE_LOKI

    expected = {  # 50 documents n = 0..49, queue q(n % 3), visible at (7n) % 11; four removed
        "count": 46,
        "q1": [n for n in range(50) if n % 3 == 1 and n not in REMOVED],
        "early": [n for n in range(50) if (7 * n) % 11 <= 1 and n not in REMOVED],
        "indexes": [True, True],  # each binary index still sorted and complete
    }
    plain, preloaded = run_loki(None), run_loki(AZURITE_LOKI)
    assert {key: plain[key] for key in expected} == expected  # the script reads LokiJS right
    assert (plain["empty"], plain["single"]) == (2, 4)  # as Azurite runs it: both indexes rebuilt at each removal
    assert {key: preloaded[key] for key in expected} == expected
    assert (preloaded["empty"], preloaded["single"]) == (0, 0)


def test_azurite_starts_with_the_loki_preload(tmp_path):
    from twin_ops.local.services import AZURITE_LOKI

    services = Services(tmp_path, make_tls(tmp_path / "tls"))
    try:
        services.azurite(["account1"])
        (azurite,) = [started for started in services._processes if started.name == "azurite"]  # noqa: SLF001
        environment = Path(f"/proc/{azurite.process.pid}/environ").read_bytes().split(b"\0")
    finally:
        services.close()
    options = next(entry for entry in environment if entry.startswith(b"NODE_OPTIONS=")).decode()
    assert f'--require "{AZURITE_LOKI}"' in options
