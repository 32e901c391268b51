"""Locations inside this repository (kept free of heavy imports: the CLI reads them too)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROJECT = REPO_ROOT / "examples" / "factory-floor"
