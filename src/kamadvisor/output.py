"""Writing results: atomically, so an interrupted run never leaves a half-written file."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from kamadvisor.errors import UsageError


def write_output(text: str, destination: str | None) -> None:
    """Write to `destination` (temporary file, then rename) or to standard output for None/'-'."""
    if destination is None or destination == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(destination)
    if target.is_dir():
        raise UsageError(f"{destination}: is a directory, expected a file name")
    directory = target.parent if str(target.parent) else Path()
    if not directory.is_dir():
        raise UsageError(f"{destination}: directory {directory} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    Path(temporary).chmod(file_mode(target))
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def file_mode(target: Path) -> int:
    """The mode a plain `open()` would give (or the replaced file's): mkstemp's 0600 would hide
    memos and reports from colleagues and web servers."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
