"""Snapshot helpers: mask values that change without a meaningful change (asset hashes)."""

from __future__ import annotations

import json
import re

from syrupy.matchers import path_value

ASSET_HASH = re.compile(r"[0-9a-f]{64}")
# Any string holding an asset hash (S3 keys, asset parameters, staging paths) is compared masked.
asset_hash_matcher = path_value(
    mapping={r".*": rf".*{ASSET_HASH.pattern}.*"},
    replacer=lambda data, match: ASSET_HASH.sub("<asset-hash>", data) if match else data,
    types=(str,),
    regex=True,
    strict=False,
)


def without_traces(metadata: str) -> str:
    """A cloud assembly's metadata file without its `trace` entries. A trace is the call stack that
    added the entry, the synthesizing Python caller's frames included (aws-cdk-lib appends jsii's host
    stack trace): it depends on which test asked for the synth first, not on the stacks."""
    entries = json.loads(metadata)
    for path_entries in entries.values():
        for entry in path_entries:
            entry.pop("trace", None)
    return json.dumps(entries, indent=1, sort_keys=True)
