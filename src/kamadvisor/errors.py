"""Errors a user can act on, and the exit codes the CLI maps them to."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal


class ExitStatus(IntEnum):
    """How a command ended, as its exit code."""

    OK = 0
    CHECK_FAILED = 1  # a check, a test or a batch record failed
    USER_ERROR = 2  # the user's input, usage or environment is wrong
    INTERNAL_ERROR = 3
    INTERRUPTED = 130


# The name the exit statuses had first; code written against it keeps working.
ExitCode = ExitStatus


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

    exit_code: ExitStatus = ExitStatus.USER_ERROR


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


# What the operating system's refusal means, in words a user can act on.
_REASONS = {
    errno.ENOENT: "no such file or directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EISDIR: "is a directory, expected a file",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.ELOOP: "too many levels of symbolic links",
    errno.EMFILE: "too many open files",
    errno.ENFILE: "too many open files in the system",
    errno.EFBIG: "the file is too large for the file system",
    errno.EIO: "an input/output error (a failing disk or a lost network share?)",
    errno.EXDEV: "the destination is on another file system",
    errno.EBUSY: "the file or device is busy",
    errno.ETXTBSY: "the file is busy",
    errno.EEXIST: "the file already exists",
    errno.ENXIO: "no such device",
}


def os_reason(error: OSError) -> str:
    """The reason of an OSError in plain words."""
    if error.errno in _REASONS:
        return _REASONS[error.errno]
    return (error.strerror or str(error)).lower()


class FileSystemError(KamAdvisorError):
    """The operating system refused to read or write a file (read-only, full, missing ...)."""

    def __init__(self, path: str, reason: str, action: str = "") -> None:
        self.path = path
        self.reason = reason
        self.action = action
        prefix = f"cannot {action} " if action else ""
        super().__init__(f"{prefix}{path}: {reason}")

    def __reduce__(self) -> tuple[type[FileSystemError], tuple[str, str, str]]:
        return (FileSystemError, (self.path, self.reason, self.action))

    @classmethod
    def of(cls, error: OSError, path: str | None = None, action: str = "") -> FileSystemError:
        """Located at `path`, or at the file the error names (the first and the second for a
        rename), or at none when the system gave none."""
        where = path or _filenames(error) or "(no file named by the system)"
        return cls(where, os_reason(error), action)


def _filenames(error: OSError) -> str:
    names = [str(name) for name in (error.filename, error.filename2) if name is not None]
    return " -> ".join(names)
