#!/usr/bin/env python3
"""`cdk synth` entry point (cdk.json: "app": "python3 app.py").

The CDK CLI starts it with the first `python3` on PATH — in CodeBuild or a fresh shell, the
system's, which lacks the project's packages. Then the repository's `.venv` (made by
`make install`) runs it instead; an interpreter that has the packages runs it as it is.
"""

import importlib.util
import os
import sys
from pathlib import Path

VENV_PYTHON = Path(__file__).resolve().parent / ".venv" / "bin" / "python"
_REEXEC_MARK = "DIGITAL_TWIN_APP_REEXEC"  # set once: a broken .venv must not loop


def _run_in_venv_if_needed() -> None:
    if importlib.util.find_spec("aws_cdk") is not None:
        return
    if VENV_PYTHON.is_file() and not os.environ.get(_REEXEC_MARK):
        os.environ[_REEXEC_MARK] = "1"
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.exit(
        f"error: {sys.executable} has no aws-cdk-lib and there is no working {VENV_PYTHON}: "
        "run `make install` in the repository first"
    )


_run_in_venv_if_needed()

# Node 20 prints an end-of-life banner on every jsii start; the toolchain is pinned, so silence it.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from cdk_app.main import main  # noqa: E402  (after the interpreter and environment are settled)

if __name__ == "__main__":
    sys.exit(main())
