"""Writing results without ever destroying an input or leaving anything half-written.

An output is refused when it is one of the run's inputs (the same file, however it is named) or
lies inside an input folder or pack. A regular file is written to a temporary file beside it and
renamed into place; a device, FIFO or standard output is written through, never replaced. Every
operating-system refusal is reported with the file it concerns.
"""

from __future__ import annotations

import io
import os
import signal
import stat
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from kamadvisor.errors import FileSystemError, UsageError

QUESTIONNAIRE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class RunInputs:
    """What a run reads: files (compared by identity), folders of questionnaires (their own
    files are read) and packs (everything inside is read)."""

    files: tuple[Path, ...] = ()
    folders: tuple[Path, ...] = ()
    packs: tuple[Path, ...] = ()

    @classmethod
    def of(
        cls,
        files: Sequence[str | Path | None],
        folders: Sequence[Path] = (),
        packs: Sequence[Path] = (),
    ) -> RunInputs:
        return cls(
            tuple(Path(f) for f in files if f is not None and str(f) != "-"),
            tuple(folders),
            tuple(packs),
        )

    def clash(self, target: Path) -> str | None:
        """Why writing `target` would touch an input, or None."""
        for file in self.files:
            if _same_file(target, file):
                return f"is an input of this run ({file})"
        for folder in self.folders:
            if target.suffix.lower() in QUESTIONNAIRE_SUFFIXES and _same_directory(
                target.parent, folder
            ):
                return f"would be read as a questionnaire of the input folder {folder}"
        for pack in self.packs:
            if _inside(target, pack):
                return f"is inside the rule pack {pack}"
        return None

    def held_by(self, directory: Path) -> str | None:
        """Why `directory` may not receive outputs (it holds an input), or None."""
        for file in self.files:
            if _inside(file, directory):
                return f"holds an input of this run ({file})"
        for folder in (*self.folders, *self.packs):
            if _inside(folder, directory):
                return f"holds the input folder {folder}"
        for pack in self.packs:
            if _inside(directory, pack):
                return f"is inside the rule pack {pack}"
        return None


def _same_directory(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve()
    except OSError:
        return False


def _same_file(first: Path, second: Path) -> bool:
    try:
        return first.samefile(second)
    except OSError:
        return False


def _inside(path: Path, directory: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except OSError:
        return False


def check_output(
    destination: str | None, inputs: RunInputs = RunInputs(), created: Path | None = None
) -> None:
    """Refuse, before any work is done, an output that would destroy an input or cannot be
    written: its directory must exist (or be `created`, the memo folder) and it must not be a
    directory."""
    if destination is None or destination == "-":
        return
    target = Path(destination)
    reason = inputs.clash(target)
    if reason is not None:
        raise UsageError(f"{destination}: {reason}; choose another output file")
    if target.is_dir():
        raise UsageError(f"{destination}: is a directory, expected a file name")
    directory = target.parent
    if created is not None and directory.resolve() == created.resolve():
        return
    if not directory.is_dir():
        raise UsageError(f"{destination}: directory {directory} does not exist")


def check_memo_folder(directory: Path, inputs: RunInputs) -> None:
    reason = inputs.held_by(directory)
    if reason is not None:
        raise UsageError(f"{directory}: {reason}; write the memos to another folder")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: is not a directory")


@dataclass
class StagedOutput:
    """An output written aside, put in place by `commit` and removed by `discard`."""

    destination: str | None
    text: str | bytes
    temporary: Path | None = None
    stdout: TextIO | None = None  # standard output for None/'-' (default: the process's)

    def commit(self) -> None:
        if self.temporary is None:
            _write_through(self.text, self.destination, self.stdout)
            return
        assert self.destination is not None
        try:
            self.temporary.replace(self.destination)
        except OSError as error:
            self.discard()
            raise FileSystemError.of(error, self.destination, "write") from None
        self.temporary = None

    def discard(self) -> None:
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)
            self.temporary = None


_interrupt_seen = threading.Event()


def watch_interrupts() -> None:
    """Remember every Ctrl-C as well as raising it, unless SIGINT is ignored (a background job)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_interrupt)


def _on_interrupt(signum: int, frame: object) -> None:
    _interrupt_seen.set()
    raise KeyboardInterrupt


def interrupt_requested() -> bool:
    return _interrupt_seen.is_set()


def stage_output(
    text: str | bytes, destination: str | None, stdout: TextIO | None = None
) -> StagedOutput:
    """Write `text` beside `destination` (regular files), ready to be renamed into place."""
    staged = StagedOutput(destination, text, stdout=stdout)
    if destination is None or destination == "-" or _is_special(Path(destination)):
        return staged
    target = Path(destination)
    check_output(destination)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent
        )
    except OSError as error:
        raise FileSystemError.of(error, destination, "write") from None
    staged.temporary = Path(temporary)
    try:
        staged.temporary.chmod(file_mode(target))
        with os.fdopen(handle, "wb") as stream:
            stream.write(_encoded(text))
    except OSError as error:
        staged.discard()
        raise FileSystemError.of(error, destination, "write") from None
    except BaseException:
        staged.discard()
        raise
    return staged


def write_output(text: str | bytes, destination: str | None, stdout: TextIO | None = None) -> None:
    """Write to `destination` (temporary file, then rename; written through for a device or
    FIFO) or to standard output for None/'-'."""
    staged = stage_output(text, destination, stdout)
    try:
        staged.commit()
    finally:
        staged.discard()


def _is_special(target: Path) -> bool:
    """An existing device, FIFO or socket: written through, never replaced by a file."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _encoded(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def _write_through(text: str | bytes, destination: str | None, stdout: TextIO | None) -> None:
    if destination is None or destination == "-":
        stream = sys.stdout if stdout is None else stdout
        if stream is None or stream.closed:
            raise UsageError("standard output is closed; give an output file with -o")
        try:
            if isinstance(text, bytes):
                stream.flush()
                stream.buffer.write(text)
            else:
                stream.write(text)
            stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise FileSystemError.of(error, "<standard output>", "write") from None
        return
    try:
        descriptor = os.open(destination, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(_encoded(text))
    except OSError as error:
        raise FileSystemError.of(error, destination, "write") from None


def file_mode(target: Path) -> int:
    """The mode a plain `open()` would give (or the replaced file's): mkstemp's 0600 would hide
    memos and reports from colleagues and web servers."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


STAGING_PREFIX = ".kamadvisor-staging-"


def _remove_abandoned_staging(memo_dir: Path) -> None:
    """Staging folders of runs that were killed (their process is gone): a killed run cannot
    clean up after itself, the next run in the same folder does."""
    for folder in memo_dir.glob(f"{STAGING_PREFIX}*"):
        owner = folder.name.removeprefix(STAGING_PREFIX).split("-", 1)[0]
        if not owner.isdigit() or _alive(int(owner)):
            continue
        for leftover in folder.iterdir():
            leftover.unlink(missing_ok=True)
        with suppress(OSError):
            folder.rmdir()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class OutputSet:
    """A report and its memos, staged in a hidden folder inside the memo folder and moved into
    place together: a failed or interrupted run leaves the previous outputs as they were."""

    memo_dir: Path | None
    staging: Path | None = None
    created_memo_dir: bool = False

    def open(self) -> Path | None:
        if self.memo_dir is None:
            return None
        try:
            if not self.memo_dir.exists():
                self.memo_dir.mkdir(parents=True)
                self.created_memo_dir = True
            _remove_abandoned_staging(self.memo_dir)
            self.staging = Path(
                tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=self.memo_dir)
            )
        except OSError as error:
            self.discard()
            raise FileSystemError.of(error, str(self.memo_dir), "write memos to") from None
        return self.staging

    def commit(self, report: StagedOutput) -> None:
        """Move every memo, then the report, into place (renames within one file system), with
        interrupts held until all are moved. A Ctrl-C that Python swallowed on the way (raised
        inside a finaliser, printed as "Exception ignored") still stops the run here."""
        if interrupt_requested():
            raise KeyboardInterrupt
        with deferred_interrupts():
            self._commit(report)

    def _commit(self, report: StagedOutput) -> None:
        if self.staging is not None and self.memo_dir is not None:
            for memo in sorted(self.staging.iterdir()):
                if memo.name.endswith(".tmp"):
                    continue
                try:
                    memo.replace(self.memo_dir / memo.name)
                except OSError as error:
                    where = str(self.memo_dir / memo.name)
                    raise FileSystemError.of(error, where, "write") from None
            self._remove_staging()
        report.commit()
        self.created_memo_dir = False

    def discard(self) -> None:
        self._remove_staging()
        if self.created_memo_dir and self.memo_dir is not None:
            with suppress(OSError):
                self.memo_dir.rmdir()
            self.created_memo_dir = False

    def _remove_staging(self) -> None:
        if self.staging is None:
            return
        for leftover in self.staging.iterdir() if self.staging.exists() else ():
            leftover.unlink(missing_ok=True)
        with suppress(FileNotFoundError):
            self.staging.rmdir()
        self.staging = None


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while a set of renames completes; they are delivered after."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# Every zip-based output (a Word document, a workbook) has one fixed time in its entries.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def deterministic_zip(data: bytes, replaced: Mapping[str, bytes] | None = None) -> bytes:
    """The same entries in the same order with one fixed time stamp (and the `replaced` entries'
    new bodies)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            body = (replaced or {}).get(item.filename)
            target.writestr(info, body if body is not None else source.read(item.filename))
    return output.getvalue()
