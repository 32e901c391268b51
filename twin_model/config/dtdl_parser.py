"""The official DTDL parser over a bundle's models, its verdicts reported as project problems.

Microsoft's DTDL parser (the .NET DTDLParser that Azure Digital Twins' model upload runs) compiled
to WebAssembly, `@digicatapult/dtdl-parser` (package.json), runs in one Node.js process per bundle:
Node starts only for a project that has a DTDL bundle. Everything the language decides (names,
DTMIs, contexts, element and schema types, Object/Map/Enum/Array schemas, Commands, semantic types,
`extends` cycles, depth and count limits, names unique across inheritance, references that resolve)
is the parser's verdict, reported as `file path: DTDL parser: <its cause> <its action>` at the JSON
path of the element it names. A reference to a DTMI that no model of the file defines (an Interface
extended or used as a component or schema) is refused as the parser's resolution failure: the
upload to Azure Digital Twins needs it. Relationship targets may name Interfaces outside the file,
as DTDL allows: the parser does not resolve them.

Results are memoised per models text for the life of the process (a synth loads its bundle once;
the tests load one fixture many times, and `prepare` parses many model sets in one Node process).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import OrderedDict
from pathlib import Path
from typing import Any

from twin_model.config.context import LoadContext
from twin_model.config.documents import PathParts
from twin_model.config.dtdl_object_model import ObjectModel

SCRIPT = Path(__file__).with_name("dtdl_parser.mjs")
# V8 compiles the .NET runtime's WebAssembly twice by default (a baseline, then optimised code in
# background threads). A check runs for a few seconds at most, over code the .NET interpreter spends
# its time in, so the optimising tier never pays back: baseline only takes 60% off the CPU of every
# check, RealEstateCore's included (bench/dtdl.md).
NODE_FLAGS = ("--liftoff-only",)
TIMEOUT_SECONDS = 300
CACHED_RESULTS = 64
_results: OrderedDict[str, dict[str, Any]] = OrderedDict()
SOURCE = "DTDL parser"
_QUOTED = re.compile(r"'([^']+)'")


class ParserUnavailable(Exception):
    """Node.js or the parser package is missing, or the parser process failed."""


def check(ctx: LoadContext, file: str, models: list[Any]) -> ObjectModel | None:
    """The parser's object model of `models`, or None after reporting why it refused them."""
    try:
        result = run(models_text(models))
    except ParserUnavailable as exc:
        ctx.add(file, ("models",), f"models checked by the official DTDL parser, which could not run: {exc}")
        return None
    if result.get("ok") is True and isinstance(result.get("model"), dict):
        return ObjectModel(result["model"])
    index = _Index(models)
    kind = result.get("kind")
    if kind == "Parsing":
        for error in result.get("errors") or [{}]:
            _report_parsing(ctx, file, index, error if isinstance(error, dict) else {})
    elif kind == "Resolution":
        for dtmi in result.get("undefined") or []:
            where = index.references(dtmi)
            ctx.add(file, where, f"{SOURCE}: {dtmi} is used here but no model of this file defines it (an Interface "
                    "extended, or used as a component or schema, must be uploaded to Azure Digital Twins with the "
                    "models that use it; relationship targets may be outside the file)")
    else:
        ctx.add(file, ("models",), f"models the official DTDL parser can read (it failed: {result.get('message')})")
    return None


def models_text(models: list[Any]) -> str:
    return json.dumps(models, ensure_ascii=False, separators=(",", ":"))


def run(text: str) -> dict[str, Any]:
    """The parser's result for one JSON array of models (memoised)."""
    if text not in _results:
        prepare([text])
    _results.move_to_end(text)
    return _results[text]


def prepare(texts: list[str]) -> None:
    """Parse the model sets not parsed yet, all in one Node.js process."""
    pending = list(dict.fromkeys(t for t in texts if t not in _results))
    if not pending:
        return
    for text, result in zip(pending, _parse(pending), strict=True):
        _results[text] = result
        while len(_results) > CACHED_RESULTS:
            _results.popitem(last=False)


def _parse(texts: list[str]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        raise ParserUnavailable("Node.js is not on PATH (the synth needs it for jsii too)")
    try:
        completed = subprocess.run(
            [node, *NODE_FLAGS, str(SCRIPT)], input=json.dumps(texts).encode("utf-8"), capture_output=True, timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ParserUnavailable(f"it did not finish within {TIMEOUT_SECONDS} s") from None
    lines = completed.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        results = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        results = None
    if isinstance(results, list) and len(results) == len(texts) and all(isinstance(r, dict) for r in results):
        return results
    stderr = completed.stderr.decode("utf-8", "replace")
    detail = stderr.strip().splitlines() or [str(results)[:300] if isinstance(results, dict) else "no output"]
    hint = " (run `make install`)" if "ERR_MODULE_NOT_FOUND" in stderr else ""
    raise ParserUnavailable(f"exit code {completed.returncode}{hint}: {detail[-1][:300]}")


def _report_parsing(ctx: LoadContext, file: str, index: _Index, error: dict[str, Any]) -> None:
    cause = str(error.get("Cause") or "the models are not valid DTDL").strip()
    action = str(error.get("Action") or "").strip()
    primary = error.get("PrimaryID")
    prop = error.get("Property")
    where = index.element(primary, prop) if isinstance(primary, str) else index.mentioned(cause)
    ctx.add(file, where, f"{SOURCE}: {cause} {action}".rstrip())


class _Index:
    """JSON paths of the elements the parser names: by explicit `@id`, or by the id the parser gives
    an element without one (`<parent>:_<property>:__<name>;<version>`)."""

    def __init__(self, models: list[Any]) -> None:
        self._models = models
        self._ids: dict[str, tuple[PathParts, Any]] = {}
        for i, model in enumerate(models):
            self._collect(model, ("models", i))

    def _collect(self, node: Any, parts: PathParts) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("@id"), str):
                self._ids.setdefault(node["@id"], (parts, node))
            for key, value in node.items():
                self._collect(value, parts + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self._collect(value, parts + (i,))

    def element(self, element_id: str, prop: Any) -> PathParts:
        parts, node = self._walk(element_id)
        name = prop.strip("'") if isinstance(prop, str) else None
        if name and isinstance(node, dict) and name in node:
            parts = parts + (name,)
        return parts

    def _walk(self, element_id: str) -> tuple[PathParts, Any]:
        if element_id in self._ids:
            return self._ids[element_id]
        base, _, version = element_id.partition(";")
        head, sep, rest = base.partition(":_")
        if not sep or f"{head};{version}" not in self._ids:
            return ("models",), None
        parts, node = self._ids[f"{head};{version}"]
        for token in ("_" + rest).split(":"):
            if token.startswith("__"):  # an element of the list just entered, by name or position
                wanted = token[2:]
                if isinstance(node, dict) and node.get("name") == wanted:
                    continue  # JSON-LD's one-element form: `contents` or `fields` written as one object
                if not isinstance(node, list):
                    break
                position = next((i for i, item in enumerate(node) if isinstance(item, dict) and item.get("name") == wanted), None)
                if position is None and wanted.isdigit() and int(wanted) < len(node):
                    position = int(wanted)
                if position is None:
                    break
                parts, node = parts + (position,), node[position]
            elif isinstance(node, dict) and token[1:] in node:
                value = node[token[1:]]
                parts = parts + (token[1:],)
                node = value if isinstance(value, dict | list) else None
            else:
                break
        return parts, node

    def references(self, dtmi: str) -> PathParts:
        """Where a model refers to `dtmi` (the first place), else the models."""
        for i, model in enumerate(self._models):
            found = _find_string(model, dtmi, ("models", i))
            if found is not None:
                return found
        return ("models",)

    def mentioned(self, cause: str) -> PathParts:
        """Where a message without an element id points: the first value it quotes that a model
        holds (an invalid @id or @context), else the model it names, else the models."""
        for quoted in _QUOTED.findall(cause):
            for i, model in enumerate(self._models):
                found = _find_string(model, quoted, ("models", i), skip_ids=False)
                if found is not None:
                    return found
        named = [dtmi for dtmi in self._ids if dtmi in cause]
        return self._ids[max(named, key=len)][0] if named else ("models",)


def _find_string(node: Any, wanted: str, parts: PathParts, skip_ids: bool = True) -> PathParts | None:
    if isinstance(node, str):
        return parts if node == wanted else None
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if key == "@id" and skip_ids:
            continue
        found = _find_string(value, wanted, parts + (key,), skip_ids)
        if found is not None:
            return found
    return None
