"""The project's code: processors and event actions, where this project or the predecessor keeps them.

Processors (one entry file per device, run by the twin's processor function: runtime.core.user_code):
- `processors/<device>/` (this project): `process.py` with `process(record)`, or any of the
  predecessor's shapes the processor function runs on every cloud (`lambda_function.py`
  `lambda_handler(event, context)`, `main.py` `main(request)`), or with layer 2 on Azure its
  `function_app.py` (an app with one `@app.route` function);
- `<functions>/processors/<device>/<entry>`: the predecessor's per-device function on layer 2's
  cloud (`lambda_functions/…/lambda_function.py`, `azure_functions/…/function_app.py`,
  `cloud_functions/…/main.py`), or its older `process.py`;
- a `default_processor/` folder in either place: for devices without their own.
A device with two processors is refused (which one runs would be a guess). Event actions:
`<functions>/event_actions/<functionName>/` with the entry layer 2's cloud runs
(twin_model.clouds: `action_entries`). Every entry file must parse and define its entry function:
the predecessor refused a processor without `lambda_handler`, so do we.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from twin_model.config.context import LoadContext, known_device, short
from twin_model.config.errors import ConfigProblem
from twin_model.config.model import ActionCode, EventRule, Layer, ProjectConfig

if TYPE_CHECKING:
    from twin_model.clouds import Cloud

MAX_CODE_BYTES = 1024 * 1024  # one processor or action entry file
DEFAULT_PROCESSOR = "default_processor"  # the predecessor's folder for devices without their own
DEFAULT_KEY = ".default"  # where the bundle keeps it (runtime.core.processors.DEFAULT_FOLDER)
TWIN_INFO_VARIABLE = "DIGITAL_TWIN_INFO"


def _cloud(ctx: LoadContext) -> Cloud:
    from twin_model.clouds import CLOUDS  # imported late: twin_model.clouds imports the config model

    return CLOUDS[ctx.l2()]


def processors(ctx: LoadContext) -> tuple[tuple[tuple[str, Path], ...], bool]:
    """(device id or DEFAULT_KEY, entry file) of every processor, checked; and whether any of them
    reads DIGITAL_TWIN_INFO."""
    found: dict[str, tuple[str, Path]] = {}  # key → (shown path, real path)
    predecessor = _predecessor_processors(ctx) if ctx.providers is not None else []  # layer 2's cloud names the folder
    for key, relative, real in _native_processors(ctx) + predecessor:
        if key in found:
            ctx.problems.add(relative, "$", f"one processor per device: {found[key][0]} is {short(key)}'s too "
                             "(remove one of them)")
            continue
        found[key] = (relative, real)
    needs_info = any(TWIN_INFO_VARIABLE in (ctx.read_text(relative, required=True, limit=MAX_CODE_BYTES) or "")
                     for relative, _ in found.values())
    return tuple((key, real) for key, (_, real) in sorted(found.items())), needs_info


# Shapes the processor function runs on every cloud (runtime.core.user_code.LOADERS), in preference order.
PORTABLE_ENTRIES = (("process.py", "process"), ("lambda_function.py", "lambda_handler"), ("main.py", "main"))


def _native_processors(ctx: LoadContext) -> list[tuple[str, str, Path]]:
    """`processors/<device>/` (or `default_processor/`): any shape that runs on every cloud, plus
    layer 2's cloud's own (an Azure Functions app), so processors survive a move of layer 2."""
    own = [_cloud(ctx).processor_entry] if ctx.providers is not None else []
    entries = PORTABLE_ENTRIES + tuple(entry for entry in own if entry not in PORTABLE_ENTRIES)
    return _processors_in(ctx, "processors", entries, missing_at="process.py")


def _predecessor_processors(ctx: LoadContext) -> list[tuple[str, str, Path]]:
    """`<functions>/processors/<device>/`: layer 2's cloud's entry (as the predecessor deployed it),
    or the older `process.py`."""
    cloud = _cloud(ctx)
    return _processors_in(ctx, f"{cloud.functions_folder}/processors", (cloud.processor_entry, ("process.py", "process")))


def _processors_in(
    ctx: LoadContext, base: str, entries: tuple[tuple[str, str], ...], missing_at: str | None = None
) -> list[tuple[str, str, Path]]:
    """(device id or DEFAULT_KEY, entry file shown, real path) of each processor folder under `base`.

    The first entry present is the processor; others in the same folder are named unread.
    `missing_at`: report problems of a folder at this file in it (this project's own layout)
    rather than at the folder."""
    folder = ctx.files.entry(base)
    if folder is None or folder.kind != "folder":
        return []
    result = []
    for name in ctx.files.children(base):
        if name.startswith((".", "__")):
            continue
        here = f"{base}/{name}"
        entry = ctx.files.entry(here)
        if entry is None or entry.kind != "folder":
            continue
        at = f"{here}/{missing_at}" if missing_at else here
        is_default = name == DEFAULT_PROCESSOR and not known_device(name, ctx.device_ids or set())
        if not is_default and not known_device(name, ctx.device_ids):
            ctx.problems.add(at, "$", f"a folder named after a device of config_iot_devices.json, or {DEFAULT_PROCESSOR} "
                             f"for devices without their own (no device {short(name)})")
            continue
        present = []
        for file, function in entries:
            source = ctx.files.entry(f"{here}/{file}")
            if source is not None and source.kind == "file":
                present.append((file, function, source))
        if not present:
            wanted = ", ".join(f"{file} defining {_shown(function)}" for file, function in entries)
            ctx.problems.add(at, "$", f"the processor's code: one of {wanted}")
            continue
        (file, function, source), unused = present[0], present[1:]
        for other, _, _ in unused:
            ctx.warn(f"{here}/{other}", (), f"not read: {file} is this processor (the first of "
                     f"{', '.join(f for f, _ in entries)})")
        relative = f"{here}/{file}"
        if has_function(ctx, relative, function, source.real, "the file to exist"):
            result.append((DEFAULT_KEY if is_default else name, relative, source.real))
    return result


def actions(ctx: LoadContext, events: tuple[tuple[int, EventRule], ...]) -> tuple[ActionCode, ...]:
    cloud = _cloud(ctx)
    found: dict[str, ActionCode] = {}
    checked: set[str] = set()
    for i, rule in events:
        action = rule.action
        if not action.auto_deploy or action.type not in cloud.action_types:
            continue
        second = action.function_name_b if action.type.is_workflow else None  # set on every workflow action
        names = [action.function_name] + ([second] if second is not None else [])
        for name in names:
            if name in checked:
                continue
            checked.add(name)
            relative = f"{cloud.functions_folder}/event_actions/{name}"
            entry = ctx.files.entry(relative)
            if entry is None:
                continue
            if entry.kind != "folder":
                ctx.add("config_events.json", (i, "action"), f"a code folder {relative}/ (useEventChecking deploys every action)")
                continue
            code = ctx.files.tree(relative)
            if code is None:
                continue
            files = dict(code)
            present = [(file, function) for file, function in cloud.action_entries if file in files]
            if not present:
                wanted = " or ".join(f"{file} defining {_shown(function)}" for file, function in cloud.action_entries)
                ctx.problems.add(f"{relative}/{cloud.action_entries[0][0]}", "$", f"the action's code: {wanted}")
                continue
            file, function = present[0]
            if has_function(ctx, f"{relative}/{file}", function, files[file], "the file to exist"):
                found[name] = ActionCode(name, entry.real, code, needs_twin_info=_mentions_twin_info(ctx, relative, code))
    return tuple(found[name] for name in sorted(found))


def _mentions_twin_info(ctx: LoadContext, relative: str, code: tuple[tuple[str, Path], ...]) -> bool:
    for name, _path in code:
        if name.endswith(".py"):
            text = ctx.read_text(f"{relative}/{name}", required=True, limit=MAX_CODE_BYTES)
            if text is not None and TWIN_INFO_VARIABLE in text:
                return True
    return False


def _shown(function: str) -> str:
    from twin_model.clouds import ROUTE

    return "an Azure Functions app with an @app.route function" if function == ROUTE else f"{function}()"


def has_function(ctx: LoadContext, relative: str, function: str, source: Path | None, missing: str) -> bool:
    """Whether the file exists, is Python and defines `function` at the top level (reported if not)."""
    from twin_model.clouds import ROUTE

    if source is None:
        ctx.problems.add(relative, "$", missing)
        return False
    text = ctx.read_text(relative, required=True, limit=MAX_CODE_BYTES)
    if text is None:
        return False
    nul = text.find("\x00")
    if nul >= 0:  # Python reports it without a line
        line, column = _position(text, nul)
        ctx.problems.add(relative, f"line {line}", f"valid Python (a NUL character at column {column}: source code cannot hold one)")
        return False
    try:
        tree = ast.parse(text, filename=relative)
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        ctx.problems.add(relative, f"line {exc.lineno}" if exc.lineno else "$", f"valid Python ({exc.msg}{where})")
        return False
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        ctx.problems.add(relative, "$", f"valid Python ({exc or type(exc).__name__})")
        return False
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if function == ROUTE:
        routed = [f for f in functions if any(_is_route(d) for d in f.decorator_list)]
        if len(routed) != 1:
            ctx.problems.add(relative, "$", f"exactly one top-level function decorated with @app.route(...) (found "
                             f"{len(routed)}): it is called with the JSON request")
            return False
        return True
    if not any(n.name == function for n in functions):
        ctx.problems.add(relative, "$", f"a top-level function {function}()")
        return False
    return True


def _position(text: str, index: int) -> tuple[int, int]:
    """(line, column) of a character, both counted from 1 as editors and Python do."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _is_route(decorator: ast.expr) -> bool:
    call = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(call, ast.Attribute) and call.attr == "route"


def twin_info_problems(config: ProjectConfig) -> list[ConfigProblem]:
    """Actions that read DIGITAL_TWIN_INFO from their own function's environment need it to fit."""
    from twin_model.clouds import CLOUDS
    from twin_model.config.twin_info import twin_info_json

    needing = [action for action in config.actions if action.needs_twin_info]
    if not needing:  # no actions without layer 2
        return []
    cloud = CLOUDS[config.providers[Layer.L2]]
    if cloud.twin_info_max_bytes is None:
        return []
    size = len(twin_info_json(config).encode("utf-8"))
    if size <= cloud.twin_info_max_bytes:
        return []
    return [
        ConfigProblem(
            f"{cloud.functions_folder}/event_actions/{action.name}", "$",
            f"code that fits its environment: it reads {TWIN_INFO_VARIABLE}, which for this project has "
            f"{size:,} bytes, and a {cloud.title} function's environment leaves room for "
            f"{cloud.twin_info_max_bytes:,} (the predecessor set it the same way): read the rule from the event",
        )
        for action in needing
    ]
