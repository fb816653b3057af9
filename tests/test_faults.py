"""Faults from outside: interrupts at several moments, a killed main process, a full disk, a
read-only file system, a failing run. Real processes, real signals, real mounts where the machine
allows them (CI runs as root); where it does not, the same mapping is tested another way."""

from __future__ import annotations

import csv
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import kamadvisor
from kamadvisor.cli import cli

ROOT = Path(__file__).resolve().parents[1]
ACCOUNTS = ROOT / "examples" / "portfolio" / "accounts.csv"
NORTHWIND = ROOT / "examples" / "northwind-foods.yaml"
OLD_MEMO = "old memo\n"
OLD_REPORT = "old report\n"


@pytest.fixture(scope="module")
def many_accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example portfolio's good rows repeated to 240 accounts: long enough to interrupt."""
    with ACCOUNTS.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    header, body = rows[0], rows[1:]
    ident, team = header.index("account.id"), header.index("relationship.team_model")
    good = [row for row in body if row[team] != "solo_hero"]
    target = tmp_path_factory.mktemp("many") / "accounts.csv"
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for number in range(240):
            row = list(good[number % len(good)])
            row[ident] = f"A{number:04d}"
            writer.writerow(row)
    return target


def _previous_outputs(directory: Path) -> tuple[Path, Path]:
    memos, report = directory / "memos", directory / "report.html"
    memos.mkdir()
    (memos / "a0000.html").write_text(OLD_MEMO, encoding="utf-8")
    report.write_text(OLD_REPORT, encoding="utf-8")
    return memos, report


def _assert_previous_outputs_intact(directory: Path) -> None:
    listing = sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))
    assert listing == ["memos", "memos/a0000.html", "report.html"], listing
    assert (directory / "memos" / "a0000.html").read_text(encoding="utf-8") == OLD_MEMO
    assert (directory / "report.html").read_text(encoding="utf-8") == OLD_REPORT


def portfolio_run(source: Path, memos: Path, report: Path, *options: str) -> Result:
    """`kamadvisor portfolio SOURCE --memos MEMOS -o REPORT --jobs 1 OPTIONS`, in this process."""
    arguments = [str(source), "--memos", str(memos), "-o", str(report), "--jobs", "1", *options]
    return CliRunner().invoke(cli, ["portfolio", *arguments])


def _start_portfolio(accounts: Path, directory: Path, jobs: str = "2") -> subprocess.Popen[bytes]:
    # Its own session, so the signal goes to its process group as a terminal's Ctrl-C does, and
    # SIGINT at its default (a test runner may have started us with it ignored).
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kamadvisor",
            "portfolio",
            str(accounts),
            "-f",
            "html",
            "--memos",
            str(directory / "memos"),
            "-o",
            str(directory / "report.html"),
            "--jobs",
            jobs,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for(condition: object, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def _staged_memos(memos: Path) -> list[Path]:
    return [p for p in memos.glob(".kamadvisor-staging-*/*") if p.suffix == ".html"]


def _group_gone(process: subprocess.Popen[bytes]) -> bool:
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return True
    # Zombies (the resource tracker, reparented) count as gone.
    try:
        state = subprocess.run(
            ["ps", "-o", "stat=", "-g", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
    except FileNotFoundError:
        return False
    return all(s.startswith("Z") for s in state)


def _moments() -> Iterator[tuple[str, object]]:
    yield "while starting", lambda d: True
    yield "once the output folder is staged", lambda d: any(d.glob("memos/.kamadvisor-*"))
    yield "while workers write memos", lambda d: len(_staged_memos(d / "memos")) >= 3


# The Ctrl-C lands the moment the worker pool is up, while SIGINT is still held and ignored (so
# that the workers start ignoring it): it must be delivered once the handler is back.
CTRL_C_AS_THE_POOL_STARTS = """
import multiprocessing.context, os, signal, sys
from kamadvisor.cli import main
real_pool = multiprocessing.context.BaseContext.Pool
def pool_then_ctrl_c(self, *args, **kwargs):
    pool = real_pool(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGINT)
    return pool
multiprocessing.context.BaseContext.Pool = pool_then_ctrl_c
sys.argv = ["kamadvisor", "portfolio", sys.argv[1], "-o", sys.argv[2], "--jobs", "2"]
main()
"""


def test_ctrl_c_while_the_worker_pool_starts_is_not_lost(
    many_accounts: Path, tmp_path: Path
) -> None:
    """multiprocessing's resource tracker, when it starts, unblocks SIGINT rather than restoring
    the mask: started inside the pool's start, it let this Ctrl-C be discarded as ignored, and
    the run finished with exit 0 and wrote its report."""
    report = tmp_path / "report.md"
    finished = subprocess.run(
        [sys.executable, "-c", CTRL_C_AS_THE_POOL_STARTS, str(many_accounts), str(report)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert finished.returncode == 130, finished.stderr
    assert finished.stderr == b"interrupted\n"
    assert not report.exists()


@pytest.mark.parametrize("moment", [name for name, _ in _moments()])
def test_ctrl_c_at_any_moment_exits_130_in_one_line_and_keeps_previous_outputs(
    moment: str, many_accounts: Path, tmp_path: Path
) -> None:
    ready = dict(_moments())[moment]
    _previous_outputs(tmp_path)
    process = _start_portfolio(many_accounts, tmp_path)
    assert _wait_for(lambda: ready(tmp_path) or process.poll() is not None)
    if moment == "while starting":
        time.sleep(0.3)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    # Under load a Ctrl-C at start-up is, now and then, handled (the line is printed) and the
    # interpreter still ends by the signal: a shell reports that as 130 as well.
    assert process.returncode in (130, -signal.SIGINT), err
    assert err == b"interrupted\n"
    assert _wait_for(lambda: _group_gone(process), 10), "workers outlived the interrupt"
    _assert_previous_outputs_intact(tmp_path)


def test_ctrl_c_on_a_single_memo_exits_130(tmp_path: Path) -> None:
    # A signal before the interpreter has started kills it outright (-2), as it would any
    # program: try later moments until one lands inside the program.
    for delay in (0.4, 0.8, 1.2, 1.6):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kamadvisor",
                "memo",
                str(NORTHWIND),
                "-o",
                str(tmp_path / "m.md"),
            ],
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
        if process.returncode != -signal.SIGINT:
            break
    if process.returncode == 0:
        pytest.skip("the memo was written before the interrupt arrived")
    assert process.returncode == 130
    assert err == b"interrupted\n"
    assert list(tmp_path.iterdir()) == []


def test_killing_the_main_process_makes_workers_exit_quietly(
    many_accounts: Path, tmp_path: Path
) -> None:
    _previous_outputs(tmp_path)
    process = _start_portfolio(many_accounts, tmp_path)
    assert _wait_for(lambda: len(_staged_memos(tmp_path / "memos")) >= 3)
    os.kill(process.pid, signal.SIGKILL)
    # The pipe stays open while any worker (or the resource tracker) holds it: reading to its
    # end collects everything they print.
    _, err = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert err == b"", err.decode()
    assert _wait_for(lambda: _group_gone(process), 10)
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == OLD_REPORT
    assert (tmp_path / "memos" / "a0000.html").read_text(encoding="utf-8") == OLD_MEMO
    # The killed run could not clean up its staging folder; the next run there removes it.
    assert list((tmp_path / "memos").glob(".kamadvisor-staging-*"))
    rerun = portfolio_run(ACCOUNTS, tmp_path / "memos", tmp_path / "report.md")
    assert rerun.exit_code == 1, rerun.output  # the example's one bad row
    assert not list((tmp_path / "memos").glob(".kamadvisor-*"))


def test_a_failing_run_leaves_previous_outputs_as_they_were(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    (pack / "templates").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "name: failing\nversion: '1'\nbuilds_on: [kamadvisor-base]\n", encoding="utf-8"
    )
    # The memos render; the report's template fails only after they are written.
    (pack / "templates" / "report.html.j2").write_text("{{ 1 // 0 }}\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    _previous_outputs(out)
    result = portfolio_run(
        ACCOUNTS, out / "memos", out / "report.html", "--rules", str(pack), "-f", "html"
    )
    assert result.exit_code == 2, result.output
    assert "report.html.j2:1" in result.stderr
    assert "division by zero" in result.stderr
    _assert_previous_outputs_intact(out)


def test_a_missing_report_folder_fails_before_any_memo_is_written(tmp_path: Path) -> None:
    result = portfolio_run(ACCOUNTS, tmp_path / "memos", tmp_path / "absent" / "report.md")
    assert result.exit_code == 2
    assert "absent/report.md: directory" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_account_named_like_the_report_gets_another_memo_name(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account.id,account.name\nreport,Report Holdings\nR2,Other Ltd\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = portfolio_run(accounts, out, out / "report.md")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["r2.md", "report-2.md", "report.md"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith("#")
    assert "report-2.md" in report
    assert "Report Holdings" in (out / "report-2.md").read_text(encoding="utf-8")


def test_writing_to_a_device_writes_through_and_keeps_the_node(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        device = Path("/dev/null")  # not ours to replace, and a non-root run could not anyway
    else:
        device = tmp_path / "null"
        os.mknod(device, 0o666 | 0o020000, os.makedev(1, 3))
    result = CliRunner().invoke(cli, ["memo", str(NORTHWIND), "-o", str(device)])
    assert result.exit_code == 0, result.output
    assert device.is_char_device()
    assert [p for p in device.parent.iterdir() if p.name.startswith(".null")] == []


# --- file systems that refuse --------------------------------------------------------------------


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs filled to the last block, or None when this machine cannot mount."""
    target = tmp_path / "full"
    target.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)):
        yield tmp_path / "no-mount"
        return
    try:
        descriptor = os.open(target / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            with pytest.raises(OSError, match="No space left") as raised:  # noqa: PT012 - a loop fills it
                while True:
                    os.write(descriptor, b"\0" * 4096)
            assert raised.value.errno == errno.ENOSPC
        finally:
            os.close(descriptor)
        yield target
    finally:
        _umount(target)


def test_a_full_disk_is_a_located_exit_2(full_disk: Path, tmp_path: Path) -> None:
    if full_disk.name == "no-mount":
        # Without a mount: the same ENOSPC, from the kernel's always-full device.
        result = CliRunner().invoke(cli, ["memo", str(NORTHWIND), "-o", "/dev/full"])
        assert result.exit_code == 2
        assert "/dev/full: no space left on the device" in result.stderr
        return
    before = sorted(p.name for p in full_disk.iterdir())
    result = CliRunner().invoke(cli, ["memo", str(NORTHWIND), "-o", str(full_disk / "memo.md")])
    assert result.exit_code == 2, result.output
    assert f"{full_disk / 'memo.md'}: no space left on the device" in result.stderr
    assert sorted(p.name for p in full_disk.iterdir()) == before, "a partial file was left"
    result = CliRunner().invoke(
        cli,
        ["portfolio", str(ACCOUNTS), "--jobs", "1", "--memos", str(full_disk / "memos")],
    )
    assert result.exit_code == 2, result.output
    assert "no space left on the device" in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in full_disk.iterdir()) == before


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path | None]:
    """A read-only bind mount of a folder holding one file, or None when this machine cannot."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "existing.md").write_text("keep me\n", encoding="utf-8")
    target = tmp_path / "ro"
    target.mkdir()
    if not _mount("--bind", str(source), str(target)):
        yield None
        return
    try:
        if not _mount("-o", "remount,bind,ro", str(target)):
            yield None
            return
        yield target
    finally:
        _umount(target)


def test_a_read_only_file_system_is_a_located_exit_2(
    read_only_folder: Path | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if read_only_folder is None:
        # Without a mount: the same EROFS, raised where the temporary file is created.
        import tempfile

        def refuse(*args: object, **kwargs: object) -> object:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(tmp_path / "x.tmp"))

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
        target = tmp_path / "memo.md"
    else:
        target = read_only_folder / "existing.md"
    result = CliRunner().invoke(cli, ["memo", str(NORTHWIND), "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert f"{target}: the file system is read-only" in result.stderr
    assert "Traceback" not in result.output
    if read_only_folder is not None:
        assert target.read_text(encoding="utf-8") == "keep me\n"
        result = CliRunner().invoke(
            cli,
            ["portfolio", str(ACCOUNTS), "--jobs", "1", "--memos", str(read_only_folder / "m")],
        )
        assert result.exit_code == 2, result.output
        assert "the file system is read-only" in result.stderr


def test_an_unreadable_input_is_a_located_exit_2(tmp_path: Path) -> None:
    questionnaire = tmp_path / "q.yaml"
    questionnaire.write_text(NORTHWIND.read_text(encoding="utf-8"), encoding="utf-8")
    questionnaire.chmod(0)
    if os.geteuid() == 0:
        # Root reads any file: drop to an unprivileged user for this one process, if possible.
        nobody = shutil.which("setpriv")
        if nobody is None:
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        tmp_path.chmod(0o755)
        command = [nobody, "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run([*command, sys.executable, "-c", "pass"], capture_output=True)
        if probe.returncode != 0:  # e.g. a Python under root's home, unreadable to that user
            pytest.skip("this Python cannot run as an unprivileged user here")
    else:
        command = []
    completed = subprocess.run(
        [*command, sys.executable, "-m", "kamadvisor", "assess", str(questionnaire)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(kamadvisor.__file__).resolve().parents[1])},
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert f"{questionnaire}: cannot be opened: permission denied" in completed.stderr
