#!/usr/bin/env python3
"""`cdk synth` entry point (cdk.json: "app": "python3 app.py")."""

import sys

from cdk_app.main import main

if __name__ == "__main__":
    sys.exit(main())
