"""Snapshot helpers: mask values that change without a meaningful change (asset hashes)."""

from __future__ import annotations

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

