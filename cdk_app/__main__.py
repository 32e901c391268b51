"""`python -m cdk_app …`: the operator commands (twin_ops.cli), under the name the README uses."""

import sys

from twin_ops.cli import main

if __name__ == "__main__":
    sys.exit(main())
