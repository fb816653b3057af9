"""What a command may touch outside its arguments: the streams, the terminal, the colour
setting, the cache directory and the run's date. The CLI builds one from the process; tests build
one from fake streams, a fixed date and a temporary cache directory."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from kamadvisor.cachedir import default_cache_dir


@dataclass(frozen=True)
class Environment:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    stdin_isatty: bool
    stdout_isatty: bool
    stderr_isatty: bool
    # None: colour where the stream is a terminal; False: never (NO_COLOR); True: always
    # (FORCE_COLOR), as the terminal libraries read those variables themselves.
    colour: bool | None
    cache_dir: Path
    today: date

    @classmethod
    def from_system(cls) -> Environment:
        """The process's own streams, as they are now (a test runner may have replaced them)."""
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_isatty=_isatty(sys.stdin),
            stdout_isatty=_isatty(sys.stdout),
            stderr_isatty=_isatty(sys.stderr),
            colour=_colour_setting(),
            cache_dir=default_cache_dir(),
            today=date.today(),
        )

    def echo(self, text: str = "", nl: bool = True) -> None:
        self.stdout.write(text + ("\n" if nl else ""))
        self.stdout.flush()

    def say(self, line: str) -> None:
        """One line on standard error."""
        self.stderr.write(line + "\n")
        self.stderr.flush()


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):  # a closed stream
        return False


def _colour_setting() -> bool | None:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return None
