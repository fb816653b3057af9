"""The commands over an injected environment (fake streams, a fixed date, a temporary cache
directory), and what the click layer adds: --traceback everywhere, exit codes in the help,
metavars, shell completion, the progress bar on standard error."""

from __future__ import annotations

import io
import os
import pty
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kamadvisor.cli import cli
from kamadvisor.commands.assess import assess
from kamadvisor.commands.environment import Environment
from kamadvisor.commands.memo import memo
from kamadvisor.errors import ExitStatus

ROOT = Path(__file__).resolve().parents[1]
ATLAS = ROOT / "examples" / "atlas-logistics.yaml"  # assessed on 2026-10-20
PORTFOLIO = ROOT / "examples" / "portfolio"
KAMADVISOR = [sys.executable, "-m", "kamadvisor"]


def stream(text: str = "") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8")


def written(target: io.TextIOWrapper) -> str:
    target.flush()
    buffer = target.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


@pytest.fixture
def env(tmp_path: Path) -> Environment:
    return Environment(
        stdin=stream(),
        stdout=stream(),
        stderr=stream(),
        stdin_isatty=False,
        stdout_isatty=False,
        stderr_isatty=False,
        colour=None,
        cache_dir=tmp_path / "cache",
        today=date(2026, 11, 30),
    )


def run(env: Environment, *args: str) -> int:
    # A terminal that can draw a progress bar, whatever the one running the tests says.
    return CliRunner(env={"TERM": "xterm"}).invoke(cli, list(args), obj=env).exit_code


def test_future_dates_are_judged_by_the_environments_date(env: Environment) -> None:
    assert assess(env, str(ATLAS), None, ()) == ExitStatus.OK
    assert written(env.stderr) == ""
    before = replace(env, stdout=stream(), stderr=stream(), today=date(2026, 10, 19))
    assert assess(before, str(ATLAS), None, ()) == ExitStatus.OK
    assert written(before.stderr) == (
        f"warning: {ATLAS}: account.assessment_date: 2026-10-20 is after today (2026-10-19); "
        "the diagnosis uses it as given\n"
    )
    assert written(before.stdout) == written(env.stdout), "a warning never changes the output"


def test_standard_input_and_output_are_the_environments(env: Environment) -> None:
    piped = replace(env, stdin=stream("account: {name: Piped Ltd, assessment_date: 2026-01-05}\n"))
    assert memo(piped, "-", None, "md", None, None, ()) == ExitStatus.OK
    text = written(piped.stdout)
    assert text.startswith("# ")
    assert "Piped Ltd" in text
    assert "Assessment date: 2026-01-05" in text


def test_a_binary_memo_goes_to_the_environments_standard_output(env: Environment) -> None:
    assert run(env, "memo", str(ATLAS), "-f", "docx") == 0
    buffer = env.stdout.buffer
    assert isinstance(buffer, io.BytesIO)
    assert buffer.getvalue().startswith(b"PK\x03\x04"), "a DOCX file is a ZIP archive"


def test_compiled_templates_go_to_the_environments_cache_directory(env: Environment) -> None:
    assert run(env, "memo", str(ATLAS), "-f", "html") == 0
    cached = list(env.cache_dir.rglob("*"))
    assert any(path.is_file() for path in cached), "the memo's templates are cached there"


def test_errors_are_reported_on_the_environments_standard_error(
    env: Environment, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("account: {name: A}\nplanning: {plan_exists: maybe}\n", encoding="utf-8")
    assert run(env, "assess", str(bad)) == ExitStatus.USER_ERROR
    assert written(env.stderr).startswith(f"error: {bad}:")
    assert "not a yes/no answer" in written(env.stderr)
    assert written(env.stdout) == ""


class _BrokenStream(io.StringIO):
    """A stream whose write fails in a way no user could cause: an internal error."""

    def write(self, text: str) -> int:
        raise RuntimeError("the stream broke")


def test_traceback_is_shown_with_the_flag_after_the_command(env: Environment) -> None:
    broken = replace(env, stdout=_BrokenStream())
    assert run(broken, "questionnaire", "new") == ExitStatus.INTERNAL_ERROR
    assert written(env.stderr) == (
        "internal error: RuntimeError: the stream broke (rerun with --traceback for details)\n"
    )
    shown = replace(broken, stderr=stream())
    assert run(shown, "questionnaire", "new", "--traceback") == ExitStatus.INTERNAL_ERROR
    assert "Traceback (most recent call last)" in written(shown.stderr)
    assert written(shown.stderr).endswith("(rerun with --traceback for details)\n")
    before = replace(broken, stderr=stream())
    assert run(before, "--traceback", "questionnaire", "new") == ExitStatus.INTERNAL_ERROR
    assert "Traceback (most recent call last)" in written(before.stderr)


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*path, name))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*path, name)))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_accepts_traceback(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--traceback", "--help"])
    assert result.exit_code == 0, result.output
    assert "--traceback" in result.output


def test_top_level_help_lists_the_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    lines = [line.split(None, 1) for line in result.output.splitlines()]
    codes = {parts[0]: parts[1] for parts in lines if len(parts) == 2 and parts[0].isdigit()}
    assert set(codes) == {"0", "1", "2", "3", "130"}
    assert "interrupted" in codes["130"]
    assert "internal" in codes["3"]


def test_help_names_what_each_value_is() -> None:
    memo_help = CliRunner().invoke(cli, ["memo", "--help"]).output
    assert "Usage: cli memo [OPTIONS] FILE" in memo_help
    assert "--date YYYY-MM-DD" in memo_help
    assert "-o, --output FILE" in memo_help
    assert "--previous FILE" in memo_help
    assert "--rules DIR" in memo_help
    portfolio_help = CliRunner().invoke(cli, ["portfolio", "--help"]).output
    assert "--date YYYY-MM-DD" in portfolio_help
    assert "--programme FILE" in portfolio_help
    assert "--memos DIR" in portfolio_help


def _complete(words: str, tmp_path: Path) -> list[tuple[str, str]]:
    """What click's completion protocol answers for the words typed so far (bash's form)."""
    typed = words.split(" ")
    result = CliRunner().invoke(
        cli,
        [],
        prog_name="kamadvisor",
        env={
            "_KAMADVISOR_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(typed) - 1),
        },
    )
    assert result.exit_code == 0, result.output
    pairs = [line.split(",", 1) for line in result.output.splitlines()]
    return [(kind, value) for kind, value in pairs]


def test_completion_offers_commands_options_and_files(tmp_path: Path) -> None:
    assert ("plain", "memo") in _complete("kamadvisor me", tmp_path)
    assert ("plain", "--date") in _complete("kamadvisor memo --da", tmp_path)
    # The shell completes file names itself when click answers "file" (or "dir").
    assert _complete("kamadvisor memo exam", tmp_path) == [("file", "exam")]
    assert _complete("kamadvisor memo x.yaml -o me", tmp_path) == [("file", "me")]
    assert _complete("kamadvisor rules check ru", tmp_path) == [("dir", "ru")]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_each_shells_script(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0, result.output
    assert f"_KAMADVISOR_COMPLETE={shell}_complete" in result.output
    assert "kamadvisor" in result.output
    assert CliRunner().invoke(cli, ["completion", "tcsh"]).exit_code == ExitStatus.USER_ERROR


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_with_the_printed_script(tmp_path: Path) -> None:
    """The script, sourced in a real bash, completes a command name through kamadvisor."""
    launcher = tmp_path / "bin" / "kamadvisor"
    launcher.parent.mkdir()
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kamadvisor "$@"\n')
    launcher.chmod(0o755)
    script = subprocess.run(
        [str(launcher), "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    (tmp_path / "completion.bash").write_text(script)
    probe = (
        "source completion.bash\n"
        "COMP_WORDS=(kamadvisor por); COMP_CWORD=1\n"
        "_kamadvisor_completion kamadvisor por kamadvisor\n"  # as bash calls it
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    environment = {**os.environ, "PATH": f"{launcher.parent}{os.pathsep}{os.environ['PATH']}"}
    answered = subprocess.run(
        ["bash", "-c", probe],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert answered.stdout.split() == ["portfolio"], answered.stderr


PORTFOLIO_ARGS = (
    "portfolio",
    str(PORTFOLIO / "accounts.csv"),
    "--programme",
    str(PORTFOLIO / "programme.yaml"),
    "--jobs",
    "1",
)


def test_progress_bar_draws_on_standard_error_only(env: Environment) -> None:
    terminal = replace(env, stderr_isatty=True)
    assert run(terminal, *PORTFOLIO_ARGS) == ExitStatus.CHECK_FAILED  # one row is skipped
    report, errors = written(terminal.stdout), written(terminal.stderr)
    assert report.startswith("# ")
    assert "\x1b" not in report
    assert "diagnosing" not in report
    assert "diagnosing" in errors
    assert "12 diagnosed" in errors
    quiet = replace(env, stdout=stream(), stderr=stream())
    assert run(quiet, *PORTFOLIO_ARGS) == ExitStatus.CHECK_FAILED
    assert written(quiet.stdout) == report
    assert "diagnosing" not in written(quiet.stderr)
    assert "\x1b" not in written(quiet.stderr)


def test_report_redirected_to_a_file_still_shows_the_bar_on_the_terminal(tmp_path: Path) -> None:
    """`kamadvisor portfolio ... > report.md` in a terminal: the bar on the terminal, the file
    clean."""
    target = tmp_path / "report.md"
    primary, secondary = pty.openpty()
    seen = bytearray()

    def read_terminal() -> None:
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the process has ended and closed the terminal
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    with target.open("wb") as report:
        finished = subprocess.run(
            [*KAMADVISOR, *PORTFOLIO_ARGS],
            stdin=subprocess.DEVNULL,
            stdout=report,
            stderr=secondary,
            env={**os.environ, "TERM": "xterm"},
            timeout=600,
            check=False,
        )
    os.close(secondary)
    reader.join(timeout=10)
    os.close(primary)
    assert finished.returncode == ExitStatus.CHECK_FAILED
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert "\x1b" not in text
    assert "diagnosing" not in text
    assert b"diagnosing" in seen
    assert b"12 diagnosed" in seen


def test_colour_follows_the_environments_setting(env: Environment) -> None:
    assert assess(env, str(ATLAS), None, ()) == ExitStatus.OK
    assert "\x1b[" not in written(env.stdout), "a pipe gets plain text"
    coloured = replace(env, stdout=stream(), colour=True)
    assert assess(coloured, str(ATLAS), None, ()) == ExitStatus.OK
    assert "\x1b[" in written(coloured.stdout)


NORTHWIND = ROOT / "examples" / "northwind-foods.yaml"
NORTHWIND_LATER = ROOT / "examples" / "history" / "northwind-foods-2026-11.yaml"


def test_memo_previous_dash_reads_the_environments_standard_input(env: Environment) -> None:
    earlier = NORTHWIND.read_text(encoding="utf-8")
    piped = replace(env, stdin=stream(earlier))
    assert run(piped, "memo", str(NORTHWIND_LATER), "--previous", "-") == ExitStatus.OK
    by_file = replace(env, stdout=stream(), stderr=stream())
    assert run(by_file, "memo", str(NORTHWIND_LATER), "--previous", str(NORTHWIND)) == 0
    assert "Since the last review" in written(piped.stdout)
    assert written(piped.stdout) == written(by_file.stdout)


def test_compare_dash_reads_the_environments_standard_input(env: Environment) -> None:
    later = NORTHWIND_LATER.read_text(encoding="utf-8")
    piped = replace(env, stdin=stream(later))
    assert run(piped, "compare", str(NORTHWIND), "-", "-f", "json") == ExitStatus.OK
    by_file = replace(env, stdout=stream(), stderr=stream())
    assert run(by_file, "compare", str(NORTHWIND), str(NORTHWIND_LATER), "-f", "json") == 0
    text = written(piped.stdout)
    assert '"after"' in text
    # The later file's name is the one part that tells the two apart.
    assert text.replace('"<stdin>"', f'"{NORTHWIND_LATER}"') == written(by_file.stdout)


def test_portfolio_reads_programme_and_previous_report_from_the_environments_stdin(
    env: Environment,
) -> None:
    source = str(PORTFOLIO / "accounts.csv")
    programme = (PORTFOLIO / "programme.yaml").read_text(encoding="utf-8")
    previous = (PORTFOLIO / "report-2026-q3.json").read_text(encoding="utf-8")
    piped = replace(env, stdin=stream(programme))
    assert run(piped, "portfolio", source, "--programme", "-", "--jobs", "1") == 1
    by_file = replace(env, stdout=stream(), stderr=stream())
    programme_file = str(PORTFOLIO / "programme.yaml")
    assert run(by_file, "portfolio", source, "--programme", programme_file, "--jobs", "1") == 1
    assert written(piped.stdout).startswith("# Larkspur Packaging key account programme\n")
    assert written(piped.stdout) == written(by_file.stdout)
    piped = replace(env, stdin=stream(previous), stdout=stream(), stderr=stream())
    assert run(piped, "portfolio", source, "--previous", "-", "-f", "json", "--jobs", "1") == 1
    assert '"movement"' in written(piped.stdout)


def test_portfolio_workers_write_into_the_environments_cache_directory(
    env: Environment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kamadvisor.portfolio

    user_cache = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_cache))  # the workers' environment too
    monkeypatch.setattr(kamadvisor.portfolio, "CHUNK", 2)  # a few accounts still need workers
    memos = tmp_path / "memos"
    args = ("portfolio", str(PORTFOLIO / "accounts.csv"), "--memos", str(memos), "-f", "html")
    assert run(env, *args, "--jobs", "2") == ExitStatus.CHECK_FAILED  # one row is skipped
    assert len(list(memos.glob("*.html"))) == 12
    compiled = {path.name for path in env.cache_dir.rglob("*") if path.is_file()}
    assert not user_cache.exists() or not any(user_cache.rglob("*.cache"))
    # The memo's templates are compiled in the workers alone: the main process renders the report.
    memo_only = replace(env, stdout=stream(), stderr=stream(), cache_dir=tmp_path / "memo-only")
    assert run(memo_only, "memo", str(ATLAS), "-f", "html") == 0
    for name in {path.name for path in memo_only.cache_dir.rglob("*") if path.is_file()}:
        assert name in compiled


def test_an_interrupt_is_said_on_the_environments_standard_error(
    env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kamadvisor.commands.assess

    def interrupted(*_: object, **__: object) -> ExitStatus:
        raise KeyboardInterrupt

    monkeypatch.setattr(kamadvisor.commands.assess, "assess", interrupted)
    assert run(env, "assess", str(ATLAS)) == ExitStatus.INTERRUPTED
    assert written(env.stderr) == "interrupted\n"


def test_serve_says_its_address_and_warning_on_the_environments_standard_error(
    env: Environment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("uvicorn")
    import socket

    import kamadvisor.serving
    from kamadvisor.commands.serve import serve

    class ServedOnce:
        """Announces itself as the real server does once it serves, then stops."""

        def __init__(self, _config: object, announce: Callable[[], None]) -> None:
            self.announce = announce
            self.stopped_by_signal = False

        def run(self, sockets: list[socket.socket]) -> None:
            self.announce()
            for listener in sockets:
                listener.close()

    monkeypatch.setattr(kamadvisor.serving, "_server_class", lambda: ServedOnce)
    assert serve(env, tmp_path, "0.0.0.0", 0, ()) == ExitStatus.OK
    said = written(env.stderr).splitlines()
    assert said[0].startswith("warning: listening on 0.0.0.0, not on this machine's loopback")
    assert said[1].startswith("kamadvisor serve: http://0.0.0.0:")
    assert f"(folder {tmp_path.resolve()}; Ctrl+C stops)" in said[1]
    assert written(env.stdout) == ""
