"""What `make install` leaves in the virtualenv: where two packages ship the same file, the right one won.

uv installs packages in parallel, so when two distributions write the same path the last writer is
not fixed (pip wrote dependencies first). One such path is known and settled by the Makefile; a new
one must be looked at, not left to chance.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections import defaultdict
from pathlib import Path

# The one shared path, and the distribution whose copy jsii needs (its struct types name aws-cdk-lib).
SHARED = {"aws_cdk/cloud_assembly_schema/__init__.py": "aws-cdk-lib"}


def test_aws_cdk_libs_cloud_assembly_schema_module_is_installed():
    """With the standalone package's copy, every CloudAssembly(...) fails in jsii ("Wired struct has
    type '@aws-cdk/cloud-assembly-schema.LoadManifestOptions', which does not match expected type")."""
    spec = importlib.util.find_spec("aws_cdk.cloud_assembly_schema")  # no import: no jsii kernel for this
    assert spec is not None and spec.origin is not None
    text = Path(spec.origin).read_text("utf-8")
    assert 'jsii_type="aws-cdk-lib.cloud_assembly_schema.LoadManifestOptions"' in text
    assert 'jsii_type="@aws-cdk/cloud-assembly-schema.' not in text


def test_no_other_file_is_installed_by_two_packages():
    owners: dict[str, set[str]] = defaultdict(set)
    for distribution in importlib.metadata.distributions():
        for file in distribution.files or ():
            if file.suffix == ".py" and ".dist-info" not in file.parts[0]:
                owners[file.as_posix()].add(distribution.metadata["Name"].lower())
    shared = {path: names for path, names in owners.items() if len(names) > 1}
    assert shared, "the known shared path disappeared: drop it from SHARED and the Makefile's reinstall"
    assert set(shared) == set(SHARED), shared
    assert all(SHARED[path] in names for path, names in shared.items())
