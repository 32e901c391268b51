"""Reading Terraform JSON strings as Terraform does: which `${...}` / `%{...}` sequences it evaluates.

Hand-written from Terraform's template syntax (not from our escaping code): `$${` and `%%{` are
escapes for the literal `${` and `%{`; any other `${` or `%{` opens a sequence that runs to its
matching `}`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def evaluated_sequences(text: str) -> list[str]:
    """Every interpolation or directive Terraform would evaluate in `text`."""
    found, i = [], 0
    while i < len(text):
        opener = text[i : i + 3]
        if opener in ("$${", "%%{"):
            i += 3
            continue
        if text[i : i + 2] in ("${", "%{"):
            depth, j = 0, i + 1
            while j < len(text):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            found.append(text[i : j + 1])
            i = j + 1
            continue
        i += 1
    return found


def strings_in(document: Any) -> Iterator[str]:
    """Every string of a JSON document, object keys included."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
