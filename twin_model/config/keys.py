"""Known keys per object: an unknown key is refused (a typo silently changes behaviour), with a hint.

`"Mode": "PRODUCTION"` used to be ignored, and the default DEBUG (data deleted on destroy) was
used instead. Keys the predecessor's formats carry but this project does not use are accepted
with a warning, so a predecessor project still loads and its author learns what is ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from twin_model.config.documents import PathParts, json_path
from twin_model.config.errors import Problems


def check_keys(
    node: Mapping[str, object],
    parts: PathParts,
    file: str,
    known: tuple[str, ...],
    problems: Problems,
    warnings: Problems,
    ignored: Mapping[str, str] | None = None,
) -> None:
    """Report every key of `node` outside `known`; warn for the keys in `ignored` (key → why)."""
    ignored = ignored or {}
    for key in node:
        if key in known:
            continue
        path = json_path(parts + (key,))
        if key in ignored:
            warnings.add(file, path, f"ignored: {ignored[key]}")
            continue
        problems.add(file, path, f"a known key{did_you_mean(key, known)} (known: {', '.join(known)})")


def did_you_mean(key: str, known: tuple[str, ...]) -> str:
    if len(key) > 64:
        return ""
    for candidate in known:
        if candidate.lower() == key.lower():
            return f": did you mean {candidate!r}? (keys are case-sensitive)"
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    return f": did you mean {close[0]!r}?" if close else ""
