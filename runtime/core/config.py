"""Environment validation at cold start: every problem is reported at once, naming each variable."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from runtime.core import logs
from twin_contract.functions import LOG_LEVEL, PROJECT_BUNDLE_DIR

T = TypeVar("T")
Parser = Callable[[str], Any]


class ConfigurationError(Exception):
    """The function's environment is missing or has invalid variables (a deployment bug)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid function environment: " + "; ".join(problems))
        self.problems = problems


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def one_of(*choices: str) -> Parser:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text

    return parse


class Environment:
    """Reads variables and collects problems; `check()` raises them together.

    Values of invalid variables come back as None, so module-level reads can go on to
    collect the remaining problems before `check()` stops the cold start.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._problems: list[str] = []

    def required(self, name: str, parse: Parser = str) -> Any:
        text = self._environ.get(name, "")
        if not text:
            self._problems.append(f"{name} is required")
            return None
        return self._parse(name, text, parse)

    def optional(self, name: str, default: T | None = None, parse: Parser = str) -> Any | T | None:
        text = self._environ.get(name, "")
        return self._parse(name, text, parse) if text else default

    def mode(self, **modes: Mapping[str, Parser]) -> tuple[str | None, dict[str, Any]]:
        """Pick the mode whose variables are set, e.g. mode(local={...}, remote={...}).

        Exactly one mode must be configured, completely; returns its name and parsed values.
        """
        started = [name for name, variables in modes.items() if any(self._environ.get(v) for v in variables)]
        if len(started) != 1:
            options = " or ".join(f"{', '.join(variables)} ({name})" for name, variables in modes.items())
            reason = "none is set" if not started else f"{' and '.join(started)} are both set"
            self._problems.append(f"set exactly one of {options}: {reason}")
            return None, {}
        name = started[0]
        return name, {variable: self.required(variable, parse) for variable, parse in modes[name].items()}

    def check(self) -> None:
        if self._problems:
            raise ConfigurationError(list(dict.fromkeys(self._problems)))  # a setting two reads share, once

    def _parse(self, name: str, text: str, parse: Parser) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            self._problems.append(f"{name} is invalid: {exc}")
            return None


def function_environment(cloud: str, quiet_loggers: Sequence[str] = ()) -> Environment:
    """Every handler's environment starts here: LOG_LEVEL read and applied to JSON logs
    (runtime.core.logs); the handler adds its own settings and calls `check()`."""
    env = Environment()
    logs.configure(cloud, env.optional(LOG_LEVEL, "INFO", parse=one_of("DEBUG", "INFO")) or "INFO", quiet_loggers)
    return env


def project_bundle_dir(env: Environment, default: Path) -> Path:
    """PROJECT_BUNDLE_DIR, by default the bundle's `project/` folder (`default`)."""
    return Path(env.optional(PROJECT_BUNDLE_DIR) or default)
