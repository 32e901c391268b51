"""`python -m twin_ops …`: the operator commands (twin_ops.cli)."""

import sys

from twin_ops.cli import main

if __name__ == "__main__":
    sys.exit(main())
