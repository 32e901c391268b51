"""Validation problems, collected so the user sees all of them in one report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in one project file: where it is and what was expected."""

    file: str
    path: str
    expected: str

    def __str__(self) -> str:
        return f"{self.file} {self.path}: {self.expected}"


class Problems:
    """Accumulates problems; every check reports here instead of raising."""

    def __init__(self) -> None:
        self.problems: list[ConfigProblem] = []

    def add(self, file: str, path: str, expected: str) -> None:
        problem = ConfigProblem(file, path, expected)
        if problem not in self.problems[-8:]:  # one link under several actions is one problem
            self.problems.append(problem)

    def __len__(self) -> int:
        return len(self.problems)


class ProjectConfigError(Exception):
    """Raised once per load with every problem found, never with a partial list."""

    def __init__(self, project_dir: str, problems: list[ConfigProblem]):
        self.project_dir = project_dir
        self.problems = tuple(problems)
        super().__init__(self.report())

    def report(self) -> str:
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"Project {self.project_dir} has {len(self.problems)} {noun}:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)
