#!/usr/bin/env python3
"""`cdk synth` entry point (cdk.json: "app": "python3 app.py")."""

import os
import sys

# Node 20 prints an end-of-life banner on every jsii start; the toolchain is pinned, so silence it.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from cdk_app.main import main  # noqa: E402  (after the environment is set)

if __name__ == "__main__":
    sys.exit(main())
