"""Step Functions definitions checked by asl-validator, reported as the loader's one-line problems.

asl-validator (npm, pinned in package.json) checks a definition against the Amazon States Language
schema (every state type and field, JSONPath and JSONata expressions, Resource ARNs) and the
language's rules across states: transition targets exist, every state is reachable, each state
machine (also inside Parallel branches and Map processors) has a terminal state, no transition
leaves a branch, state names are unique. We keep no ASL rule of our own (docs/design.md §3); the
event checker's input contract is twin_model.config.workflow_contract's.

It runs in Node, started only for a project whose layer 2 is on AWS with a notification workflow:
one Node process per Python process, answering one definition per line, each distinct definition
asked once (the result depends on the definition alone).
Problems name the file, the JSON path of the element (asl-validator reports a JSON pointer for
schema errors and a state's name for the rest; the name is found in the definition) and the
validator's reason, marked as its.
"""

from __future__ import annotations

import atexit
import functools
import json
import re
import select
import shutil
import subprocess
import threading
from pathlib import Path
from collections.abc import Iterator
from typing import Any, NoReturn

from twin_model.config.documents import PathParts
from twin_model.paths import REPO_ROOT

SCRIPT = Path(__file__).with_name("asl_validator.js")
TIMEOUT_SECONDS = 60
_SOURCE = "asl-validator"
_QUOTED_STATE = re.compile(r'^State "(.*)" (MUST .*)$', re.S)


class ValidatorUnavailable(Exception):
    """Node or the asl-validator package is missing: an installation problem, not the project's."""


def problems(document: Any) -> list[tuple[PathParts, str]]:
    """Every asl-validator error of `document` as (JSON path parts, reason)."""
    return list(_validated(json.dumps(document, allow_nan=False)))  # ASCII: one line, whatever it holds


@functools.lru_cache(maxsize=256)
def _validated(line: str) -> tuple[tuple[PathParts, str], ...]:
    document = json.loads(line)
    result = _WORKER.ask(line)
    if "crash" in result:
        return (((), f"a definition asl-validator can read (it stopped: {result['crash']})"),)
    containers = [_parts(document, pointer) for pointer in result.get("containers", [])]
    found: list[tuple[PathParts, str]] = []
    for error in result.get("errors", []):
        for parts, reason in _located(error, document, containers):
            if (parts, reason) not in found:
                found.append((parts, reason))
    # An unreachable state is mostly the consequence of a broken transition: report that first.
    return tuple(sorted(found, key=lambda problem: "is not reachable" in problem[1]))


class _Worker:
    """One Node process per Python process, started on the first definition, ended at exit."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def ask(self, line: str) -> dict[str, Any]:
        with self._lock:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(line + "\n")
                process.stdin.flush()
            except BrokenPipeError:
                self._failed(process)
            ready, _, _ = select.select([process.stdout], [], [], TIMEOUT_SECONDS)
            if not ready:
                self.close()
                raise ValidatorUnavailable(f"asl-validator did not answer within {TIMEOUT_SECONDS} s")
            reply = process.stdout.readline()
            if not reply:
                self._failed(process)
            answer: dict[str, Any] = json.loads(reply)
            return answer

    def _started(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        node = shutil.which("node")
        if node is None:
            raise ValidatorUnavailable("node is not on PATH")
        self._process = subprocess.Popen(
            [node, str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", cwd=REPO_ROOT,
        )
        return self._process

    def _failed(self, process: subprocess.Popen[str]) -> NoReturn:
        self.close()
        last = ((process.stderr.read() if process.stderr else "").strip().splitlines() or ["no output"])[-1]
        raise ValidatorUnavailable(f"asl-validator could not run ({last}); `make install` installs it")

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_WORKER = _Worker()
atexit.register(_WORKER.close)


def close_worker() -> None:
    """Ends the Node worker now rather than at exit (a long-lived host, such as a test session that
    checks for leftover processes, ends it when it is done); the next check starts a new one."""
    _WORKER.close()


def _parts(document: Any, pointer: str) -> PathParts:
    """A JSON pointer (RFC 6901) into `document` as path parts: indexes of arrays, keys of objects."""
    parts: list[str | int] = []
    node = document
    for token in pointer.split("/")[1:] if pointer else ():
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit():
            parts.append(int(key))
            node = node[int(key)] if int(key) < len(node) else None
        else:
            parts.append(key)
            node = node.get(key) if isinstance(node, dict) else None
    return tuple(parts)


def _at(document: Any, parts: PathParts) -> Any:
    node = document
    for part in parts:
        node = node[part] if isinstance(node, list) and isinstance(part, int) else (
            node.get(part) if isinstance(node, dict) and isinstance(part, str) else None)
    return node


def _states(document: Any, containers: list[PathParts]) -> Iterator[tuple[str, PathParts]]:
    for container in containers:
        states = _at(document, container)
        if isinstance(states, dict):
            for name in states:
                yield name, container + (name,)


def _references(node: Any, name: str, keys: tuple[str, ...], parts: PathParts = ()) -> Iterator[PathParts]:
    """Where a transition field (`keys`) names `name`, anywhere in the definition."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and value == name:
                yield parts + (key,)
            yield from _references(value, name, keys, parts + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _references(value, name, keys, parts + (index,))


def _located(error: dict[str, Any], document: Any, containers: list[PathParts]) -> list[tuple[PathParts, str]]:
    code, message = str(error.get("Error code", "")), str(error.get("Message", ""))

    def reason(text: str) -> str:
        return f"{text} ({_SOURCE} {code})"

    schema = error.get("schemaError")
    if isinstance(schema, dict):
        pointer = str(schema.get("instancePath", ""))
        text = message.split(" is invalid. ", 1)[-1] if " is invalid. " in message else message
        parts = _parts(document, pointer)
        if missing := re.fullmatch(r"must have required property '(.*)'", text, re.S):
            parts += (missing.group(1),)  # the missing field's own path, as the rest of the loader reports
        return [(parts, reason(text))]

    def state_paths(name: str) -> list[PathParts]:
        return [parts for state, parts in _states(document, containers) if state == name]

    def target_paths(name: str, keys: tuple[str, ...] = ("StartAt", "Next", "Default")) -> list[PathParts]:
        return list(_references(document, name, keys)) or [()]

    if match := re.fullmatch(r"State (.*) is not reachable", message, re.S):
        name = match.group(1)
        return [(parts, reason(f"a state some StartAt, Next or Default names: {name!r} is not reachable"))
                for parts in state_paths(name) or [()]]
    if match := re.fullmatch(r"Missing 'StartAt'\|'Next'\|'Default' target: (.*)", message, re.S):
        name = match.group(1)
        return [(parts, reason(f"the name of a state of this state machine ({name!r} is none)"))
                for parts in target_paths(name)]
    if match := re.fullmatch(r"(Parallel branch|Map branch) state cannot transition to target: (.*)", message, re.S):
        kind, name = match.groups()
        inside = "Branches" if kind.startswith("Parallel") else "Iterator"
        return [(parts, reason(f"a state of the same {kind.split()[0]} branch ({name!r} is outside it)"))
                for parts in target_paths(name, ("Next", "Default")) if inside in parts] or [((), reason(message))]
    if match := re.fullmatch(r"State machine fsm(\d+) is missing a terminal state", message):
        index = int(match.group(1)) - 1
        where = containers[index] if index < len(containers) else ()
        return [(where, reason("at least one terminal state (End: true, Succeed or Fail)"))]
    if match := re.fullmatch(r"A state with this name already exists: (.*)", message, re.S):
        name = match.group(1)
        return [(parts, reason(f"a state name used once in the whole definition ({name!r} is used again)"))
                for parts in state_paths(name) or [()]]
    if match := _QUOTED_STATE.match(message):
        name, rule = match.groups()
        return [(parts, reason(rule.replace("MUST ", "must ", 1)))
                for parts in state_paths(name) or [()]]
    return [((), reason(message))]
