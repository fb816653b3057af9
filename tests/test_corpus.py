"""Every bad input of the corpus through the real CLI: the right exit code, a message that names
the file and the place, no traceback, and no output file left behind."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kamadvisor.cli import cli

CORPUS = Path(__file__).resolve().parent / "corpus"
ALL_CASES: list[dict[str, Any]] = yaml.safe_load(
    (CORPUS / "cases.yaml").read_text(encoding="utf-8")
)["cases"]
CASES = [case for case in ALL_CASES if case["command"] != "cli"]
PROCESS_CASES = [case for case in ALL_CASES if case["command"] == "cli"]
ROOT = CORPUS.parents[1]
NORTHWIND = str(ROOT / "examples" / "northwind-foods.yaml")
ACCOUNTS = ROOT / "examples" / "portfolio" / "accounts.csv"
# What one case of bad input may take, start to finish: measured in CPU seconds, which a machine
# shared with other work does not inflate; a run still going after three times as many seconds of
# wall time (blocked on a FIFO, say) is stopped and fails.
SECONDS_PER_CASE = 10.0
HARDENING_CLASSES = {"hostile", "escape", "special", "outputs", "oserrors", "numbers"}


def run(*args: str) -> tuple[int, str]:
    started = time.process_time()
    result = CliRunner().invoke(cli, list(args))
    elapsed = time.process_time() - started
    assert elapsed < SECONDS_PER_CASE, f"{args} took {elapsed:.1f} s of CPU"
    return result.exit_code, result.stdout + result.stderr


def test_the_corpus_is_large_and_varied() -> None:
    kinds = {case["file"].split("/")[0] for case in ALL_CASES}
    assert len(CASES) >= 150
    by_class: dict[str, int] = {}
    for case in PROCESS_CASES:
        by_class[case["class"]] = by_class.get(case["class"], 0) + 1
    assert set(by_class) == HARDENING_CLASSES
    assert min(by_class.values()) >= 4, by_class
    assert {
        "yaml",
        "json",
        "duplicate",
        "tags",
        "aliases",
        "nesting",
        "encoding",
        "type",
        "range",
        "enum",
        "date",
        "unknown",
        "packs",
    } <= kinds


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_bad_input_fails_cleanly(case: dict[str, Any], tmp_path: Path) -> None:
    target = str(CORPUS / case["file"])
    if case["command"] == "rules check":
        code, output = run("rules", "check", target)
        write_args = ["memo", NORTHWIND, "--rules", target]
    elif case["command"] == "portfolio":
        code, output = run("portfolio", target, "--jobs", "1")
        write_args = ["portfolio", target, "--jobs", "1", "-f", "json"]
    else:
        code, output = run(case["command"], target)
        write_args = ["memo", target]
    assert code == case["exit"], output
    assert "Traceback" not in output
    for fragment in case["expect"]:
        assert fragment in output, f"{fragment!r} not in:\n{output}"
    written = tmp_path / "out"
    write_code, write_output = run(*write_args, "-o", str(written))
    assert "Traceback" not in write_output
    if case["command"] == "portfolio" and case["exit"] == 1:
        # Skipped rows: the report of every good account is still written, whole.
        assert write_code == 1
        report = json.loads(written.read_text(encoding="utf-8"))
        assert report["skipped"]
        # No row lost: every account row of the input is diagnosed or skipped, counted apart from
        # kamadvisor's own reader.
        assert len(report["accounts"]) + report["skipped_accounts"] == account_rows(Path(target))
    else:
        assert write_code == 2, write_output
        assert list(tmp_path.iterdir()) == [], "no output file may be left behind"


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("w", encoding="utf-8") as stream:
        stream.write("account: {name: Huge}\nnotes: |\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(50 * 1024):
            stream.write(line)
    code, output = run("assess", str(huge))
    assert code == 2
    assert f"{huge}: file is larger than the 5 MiB limit" in output


def account_rows(path: Path) -> int:
    """The non-empty data rows of a table's account sheet, read by the standard libraries."""
    if path.suffix == ".xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path)["accounts"]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        return sum(1 for row in rows if any(cell not in (None, "") for cell in row))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    header = text.splitlines()[0]
    delimiter = "\t" if "\t" in header else (";" if ";" in header else ",")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[1:]
    return sum(1 for record in records if any(cell.strip() for cell in record))


# --- Hardening cases, run as real processes ----------------------------------------------------


def _kamadvisor() -> list[str]:
    return [sys.executable, "-m", "kamadvisor"]


def _prepare(case: dict[str, Any], tmp_path: Path) -> dict[str, str]:
    """Copy the case's input (and the examples it uses) under tmp_path/in, make its special
    files, and return the placeholders of its command line."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    source = CORPUS / case["file"]
    target = inputs / Path(case["file"]).name
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
    elif source.exists():
        shutil.copy2(source, target)
    elif case.get("setup"):
        target.mkdir()
    for step in case.get("setup", []):
        if "fifo" in step:
            path = target / step["fifo"]
            path.parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(path)
        elif "link" in step:
            path = target / step["link"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(step["to"])
        elif "directory" in step:
            (target / step["directory"]).mkdir(parents=True, exist_ok=True)
    shutil.copy2(NORTHWIND, inputs / "northwind.yaml")
    shutil.copy2(ACCOUNTS, inputs / "accounts.csv")
    (tmp_path / "out").mkdir()
    return {
        "{input}": str(target),
        "{out}": str(tmp_path / "out"),
        "{northwind}": str(inputs / "northwind.yaml"),
        "{accounts}": str(inputs / "accounts.csv"),
    }


def _fill(args: list[str], places: dict[str, str]) -> list[str]:
    filled = []
    for arg in args:
        for key, value in places.items():
            arg = arg.replace(key, value)
        filled.append(arg)
    return filled


def _snapshot(directory: Path) -> dict[str, str]:
    """Every entry under `directory`: its kind, and a digest of each regular file's bytes."""
    state: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        relative = str(path.relative_to(directory))
        if path.is_symlink():
            state[relative] = "link:" + str(path.readlink())
        elif path.is_file():
            state[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            state[relative] = "dir"
        else:
            state[relative] = f"special:{path.stat().st_mode:o}"
    return state


class _TookTooLong(BaseException):
    """Raised by the alarm inside a run that passed its time bound (not an Exception, so the
    CLI's error boundary cannot turn it into an exit code)."""


def _run_in_process(args: list[str]) -> tuple[int, str, float]:
    """The CLI in this process (what most cases need, at a fraction of a process's start-up),
    stopped by an alarm if it passes three times its time bound."""

    def stop(signum: int, frame: object) -> None:
        raise _TookTooLong

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, SECONDS_PER_CASE * 3)
    started = time.process_time()
    try:
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    except _TookTooLong:
        pytest.fail(f"{args} was still running after {SECONDS_PER_CASE * 3:.0f} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return result.exit_code, result.stdout + result.stderr, time.process_time() - started


def _run_process(args: list[str], stdin: str | None, tmp_path: Path) -> tuple[int, str, float]:
    """The CLI as a real process: for cases about the process's own standard streams."""

    def close_standard_stream() -> None:
        os.close(0 if stdin == "closed" else 1)

    started = _children_cpu()
    completed = subprocess.run(
        [*_kamadvisor(), *args],
        stdin=subprocess.DEVNULL if stdin is None else None,
        stdout=subprocess.PIPE if stdin != "stdout-closed" else None,
        stderr=subprocess.PIPE,
        timeout=SECONDS_PER_CASE * 3,
        preexec_fn=close_standard_stream if stdin else None,
        cwd=tmp_path,
        check=False,
    )
    elapsed = _children_cpu() - started
    output = (completed.stdout or b"").decode("utf-8", "replace") + completed.stderr.decode(
        "utf-8", "replace"
    )
    return completed.returncode, output, elapsed


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_case(args: list[str], stdin: str | None, tmp_path: Path) -> tuple[int, str, float]:
    return _run_process(args, stdin, tmp_path) if stdin else _run_in_process(args)


@pytest.mark.parametrize("case", PROCESS_CASES, ids=[case["file"] for case in PROCESS_CASES])
def test_hardening_case_fails_cleanly_and_quickly(case: dict[str, Any], tmp_path: Path) -> None:
    places = _prepare(case, tmp_path)
    before = _snapshot(tmp_path / "in")
    code, output, elapsed = _run_case(_fill(case["args"], places), case.get("stdin"), tmp_path)
    assert code == case["exit"], output
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    for fragment in case["expect"]:
        assert fragment in output, f"{fragment!r} not in:\n{output}"
    assert elapsed < SECONDS_PER_CASE, f"took {elapsed:.1f} s of CPU"
    if "write" in case:
        code, output, elapsed = _run_case(_fill(case["write"], places), None, tmp_path)
        assert code == case["write_exit"], output
        assert "Traceback" not in output, output
        assert "internal error" not in output, output
        assert elapsed < SECONDS_PER_CASE, f"took {elapsed:.1f} s of CPU"
    assert _snapshot(tmp_path / "in") == before, "an input was changed"
    assert list((tmp_path / "out").iterdir()) == [], "nothing may be left behind"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
