"""Errors a user can act on, and the exit codes the CLI maps them to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1
    USER_ERROR = 2
    INTERNAL_ERROR = 3


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one input file, located as precisely as the parser allows."""

    file: str
    line: int | None = None
    column: int | None = None
    path: str = ""
    message: str = ""
    severity: Literal["error", "warning"] = "error"
    code: str = ""
    # A workbook's sheet: the place then reads as a spreadsheet user names it (accounts!Z14).
    sheet: str | None = None

    def place(self) -> str:
        if self.sheet is not None:
            return f"{self.file}: {self._cell()}"
        place = self.file
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        return place

    def _cell(self) -> str:
        if self.line is None:
            return f"sheet {self.sheet}"
        if self.column is None:
            return f"{self.sheet} row {self.line}"
        return f"{self.sheet}!{column_letter(self.column)}{self.line}"

    def format(self) -> str:
        where = f" {self.path}:" if self.path else ""
        return f"{self.place()}:{where} {self.message}"

    def format_check(self) -> str:
        """`path:line:col: error|warning: message [code]`, as `rules check` prints it."""
        where = f"{self.path}: " if self.path else ""
        code = f" [{self.code}]" if self.code and f"[{self.code}]" not in self.message else ""
        return f"{self.place()}: {self.severity}: {where}{self.message}{code}"


class KamAdvisorError(Exception):
    """Base class of every error the CLI reports without a traceback."""

    exit_code: ExitCode = ExitCode.USER_ERROR


class InputError(KamAdvisorError):
    """One or more problems in a user's file; all of them are reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=problem_order)
        super().__init__("\n".join(p.format() for p in self.problems))

    def __reduce__(self) -> tuple[type[InputError], tuple[list[Problem]]]:
        # Rebuilt from its problems when it crosses from a worker process (the default rebuilds
        # exceptions from their message).
        return (InputError, (self.problems,))


class UsageError(KamAdvisorError):
    """A command was asked for something it cannot do (a missing file, a bad option value)."""


def column_letter(column: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def problem_order(problem: Problem) -> tuple[str, int, int, str, str]:
    return (problem.file, problem.line or 0, problem.column or 0, problem.path, problem.message)
