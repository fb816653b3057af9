"""The command line: a thin click layer over `kamadvisor.commands`, with one error boundary.

Each command's options are declared here (the shared ones once, as decorators); the command's
work is a function of `kamadvisor.commands` that takes the run's `Environment` and returns an
`ExitStatus`. A user's mistake or an operating-system error is one line on standard error, never
a traceback (that is for internal errors, with --traceback).
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from kamadvisor import __version__
from kamadvisor.cachedir import using_cache_dir
from kamadvisor.commands import assess as assess_command
from kamadvisor.commands import compare as compare_command
from kamadvisor.commands import completion as completion_command
from kamadvisor.commands import explain as explain_command
from kamadvisor.commands import history as history_command
from kamadvisor.commands import memo as memo_command
from kamadvisor.commands import portfolio as portfolio_command
from kamadvisor.commands import questionnaire as questionnaire_commands
from kamadvisor.commands import rules as rules_commands
from kamadvisor.commands import schema as schema_commands
from kamadvisor.commands import serve as serve_command
from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus, FileSystemError, InputError, KamAdvisorError
from kamadvisor.formats import COMPARISON_FORMATS, FORMATS

F = TypeVar("F", bound=Callable[..., Any])
EXIT_STATUSES = """\b
Exit codes:
  0    ok
  1    a check, a test or a batch record failed
  2    the input, the usage or the environment is wrong
  3    an internal error (--traceback shows it)
  130  interrupted"""


_SHOW_TRACEBACK = "kamadvisor.show_traceback"


# Shared parameter types and options -------------------------------------------------------------


class FilePath(click.Path):
    """A file named on the command line: shell completion offers files, and the command itself
    reads or writes it, reporting any problem in its own words (so no checks here)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return value


FILE = FilePath()


class Day(click.DateTime):
    """A date typed as YYYY-MM-DD, handed to the command as a date."""

    def __init__(self) -> None:
        super().__init__(formats=["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        converted = super().convert(value, param, ctx)
        return converted.date() if isinstance(converted, datetime) else converted


DATE = Day()


def _remember_traceback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_SHOW_TRACEBACK] = True


def _traceback_option() -> click.Option:
    return click.Option(
        ["--traceback"],
        is_flag=True,
        expose_value=False,
        callback=_remember_traceback,
        help="Show a traceback on internal errors.",
    )


def date_option(
    help: str = "Assessment date when the file gives none (YYYY-MM-DD).",
) -> Callable[[F], F]:
    return click.option("--date", "as_of", type=DATE, metavar="YYYY-MM-DD", help=help)


def output_option(what: str, help: str | None = None, required: bool = False) -> Callable[[F], F]:
    return click.option(
        "-o",
        "--output",
        type=FILE,
        metavar="FILE",
        required=required,
        help=help or f"Write the {what} to this file (default: standard output).",
    )


def format_option(name: str, choices: Sequence[str], default: str, help: str) -> Callable[[F], F]:
    return click.option(
        "-f",
        "--format",
        name,
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help,
    )


rules_option = click.option(
    "--rules",
    "house_packs",
    multiple=True,
    metavar="DIR",
    type=click.Path(path_type=Path, file_okay=False),
    help="A house rule pack layered over the base pack (repeatable; later packs win).",
)
questionnaire_argument = click.argument("questionnaire_file", metavar="FILE", type=FILE)
pack_argument = click.argument(
    "pack_dir", metavar="DIR", type=click.Path(path_type=Path, file_okay=False)
)


def _finish(status: ExitStatus) -> None:
    if status != ExitStatus.OK:
        raise click.exceptions.Exit(status)


# Commands and groups: --traceback everywhere, one error boundary at the top --------------------


class _Command(click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(_traceback_option())


class _Group(click.Group):
    command_class = _Command
    group_class: type[click.Group] | type[type] | None = type  # subgroups: this class too

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(_traceback_option())


class _ErrorBoundary(_Group):
    """Turns every outcome into an exit status; a user's mistake never shows a traceback."""

    group_class = _Group

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            raise click.exceptions.Exit(ExitStatus.OK) from None
        except KeyboardInterrupt:
            raise _interrupted(_stderr_of(ctx)) from None
        except Exception as error:
            raise click.exceptions.Exit(_report(ctx, error)) from None


def _report(ctx: click.Context, error: Exception) -> ExitStatus:
    """Say what went wrong on the environment's standard error; the exit status it means."""
    stderr = _stderr_of(ctx)
    if isinstance(error, InputError):
        for problem in error.problems:
            _say(f"error: {problem.format()}", stderr)
        return error.exit_code
    if isinstance(error, KamAdvisorError):
        _say(f"error: {error}", stderr)
        return error.exit_code
    if isinstance(error, OSError):
        _say(f"error: {FileSystemError.of(error)}", stderr)
        return ExitStatus.USER_ERROR
    if ctx.meta.get(_SHOW_TRACEBACK):
        traceback.print_exc(file=sys.stderr if stderr is None else stderr)
    _say(
        f"internal error: {type(error).__name__}: {error} (rerun with --traceback for details)",
        stderr,
    )
    return ExitStatus.INTERNAL_ERROR


@click.group(
    cls=_ErrorBoundary,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_STATUSES,
)
@click.version_option(__version__, prog_name="kamadvisor")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """kamadvisor: diagnose key accounts from questionnaires and write advice memos."""
    # A caller (a test) may pass its own environment as the context object.
    if not isinstance(ctx.obj, Environment):
        ctx.obj = Environment.from_system()
    # In this process; the portfolio passes it on to its worker processes.
    ctx.with_resource(using_cache_dir(ctx.obj.cache_dir))


pass_environment = click.make_pass_decorator(Environment)


# questionnaire ---------------------------------------------------------------------------------


@cli.group()
def questionnaire() -> None:
    """Blank questionnaires and their schema."""


@questionnaire.command("new")
@click.option("--name", default="New account", show_default=True, help="The account's name.")
@rules_option
@pass_environment
def questionnaire_new(env: Environment, /, **options: Any) -> None:
    """Print a blank questionnaire, every field commented with its meaning and scale."""
    _finish(questionnaire_commands.new(env, **options))


@questionnaire.command("schema")
@rules_option
@pass_environment
def questionnaire_schema(env: Environment, /, **options: Any) -> None:
    """Print the JSON Schema of a questionnaire (for editors and validators)."""
    _finish(questionnaire_commands.schema(env, **options))


@questionnaire.command("plan")
@questionnaire_argument
@rules_option
@pass_environment
def questionnaire_plan(env: Environment, /, **options: Any) -> None:
    """Print the `previous_plan` section for the next review of this assessment.

    It lists the assessment's 90-day actions with empty statuses; append it to the review's
    questionnaire and fill in each status.
    """
    _finish(questionnaire_commands.plan(env, **options))


@questionnaire.command("template")
@output_option("workbook", help="The workbook to write (.xlsx).", required=True)
@rules_option
@pass_environment
def questionnaire_template(env: Environment, /, **options: Any) -> None:
    """Write a blank workbook: one row an account, dropdowns, a contacts sheet and a help sheet."""
    _finish(questionnaire_commands.template(env, **options))


# one account -----------------------------------------------------------------------------------


@cli.command()
@questionnaire_argument
@date_option()
@rules_option
@pass_environment
def assess(env: Environment, /, **options: Any) -> None:
    """Diagnose one account questionnaire (YAML or JSON, '-' for standard input)."""
    _finish(assess_command.assess(env, **options))


@cli.command()
@questionnaire_argument
@output_option("memo")
@format_option(
    "memo_format",
    list(FORMATS),
    "md",
    "Memo format: " + "; ".join(f"{fmt.name}, {fmt.description}" for fmt in FORMATS.values()) + ".",
)
@date_option()
@click.option(
    "--previous",
    "previous_file",
    type=FILE,
    metavar="FILE",
    help="The account's previous assessment: adds a 'Since the last review' section "
    "(md, html, docx).",
)
@rules_option
@pass_environment
def memo(env: Environment, /, **options: Any) -> None:
    """Write the advice memo for one account questionnaire."""
    _finish(memo_command.memo(env, **options))


@cli.command()
@questionnaire_argument
@click.argument("rule_id", metavar="RULE_ID")
@date_option()
@rules_option
@pass_environment
def explain(env: Environment, /, **options: Any) -> None:
    """Why a rule fired for this questionnaire, or why it did not."""
    _finish(explain_command.explain(env, **options))


# schemas ---------------------------------------------------------------------------------------


@cli.group()
def schema() -> None:
    """JSON Schemas of kamadvisor's outputs."""


@schema.command("diagnosis")
@pass_environment
def schema_diagnosis(env: Environment) -> None:
    """Print the versioned JSON Schema of `memo -f json` output."""
    _finish(schema_commands.diagnosis(env))


@schema.command("report")
@pass_environment
def schema_report(env: Environment) -> None:
    """Print the versioned JSON Schema of `portfolio -f json` output."""
    _finish(schema_commands.committed(env, "report"))


@schema.command("questionnaire")
@pass_environment
def schema_questionnaire(env: Environment) -> None:
    """Print the versioned JSON Schema of a questionnaire (as `questionnaire schema`)."""
    _finish(schema_commands.committed(env, "questionnaire"))


@schema.command("comparison")
@pass_environment
def schema_comparison(env: Environment) -> None:
    """Print the versioned JSON Schema of `compare -f json` output."""
    _finish(schema_commands.comparison(env))


@schema.command("portfolio-movement")
@pass_environment
def schema_portfolio_movement(env: Environment) -> None:
    """Print the versioned JSON Schema of the `movement` that `portfolio --previous` adds."""
    _finish(schema_commands.portfolio_movement(env))


# an account over time --------------------------------------------------------------------------


@cli.command()
@click.argument("before_file", metavar="EARLIER", type=FILE)
@click.argument("after_file", metavar="LATER", type=FILE)
@output_option("comparison")
@format_option(
    "compare_format",
    list(COMPARISON_FORMATS),
    "md",
    "Comparison format: "
    + "; ".join(f"{fmt.name}, {fmt.description}" for fmt in COMPARISON_FORMATS.values())
    + ".",
)
@rules_option
@pass_environment
def compare(env: Environment, /, **options: Any) -> None:
    """Compare two assessments of one account: what moved, and which answers moved it.

    Both files must carry the same account.id and assessment dates, the earlier one first.
    """
    _finish(compare_command.compare(env, **options))


@cli.command()
@click.argument(
    "paths", metavar="PATH...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@format_option("history_format", ["text", "json"], "text", "A table an account, or JSON.")
@output_option("history")
@rules_option
@pass_environment
def history(env: Environment, /, **options: Any) -> None:
    """Every account's assessments by date: phase, category, stage and open high findings.

    PATH is a questionnaire or a folder of them in any layout (searched at every depth).
    Assessments are grouped by account.id. A file that cannot be read is reported and skipped;
    exit code 1 when anything was skipped.
    """
    _finish(history_command.history(env, **options))


# rule packs ------------------------------------------------------------------------------------


@cli.group()
def rules() -> None:
    """Check, test and list rule packs."""


@rules.command("check")
@pack_argument
@format_option(
    "check_format",
    ["text", "json", "sarif"],
    "text",
    "Lines (file:line:col), JSON, or a SARIF 2.1.0 log for CI code scanning.",
)
@pass_environment
def rules_check(env: Environment, /, **options: Any) -> None:
    """Report every problem of a pack at once (file:line:col). Exit 1 on errors."""
    _finish(rules_commands.check(env, **options))


@rules.command("test")
@pack_argument
@pass_environment
def rules_test(env: Environment, pack_dir: Path) -> None:
    """Run the pack's own test cases through the real engine. Exit 1 on any failure."""
    _finish(rules_commands.test(env, pack_dir))


@rules.command("list")
@rules_option
@pass_environment
def rules_list(env: Environment, /, **options: Any) -> None:
    """The effective rules and where each comes from."""
    _finish(rules_commands.list_rules(env, **options))


# many accounts ---------------------------------------------------------------------------------


@cli.command()
@click.argument("source", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--contacts",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Contacts CSV for a CSV input (default: INPUT-contacts.csv beside it).",
)
@click.option(
    "--programme",
    "programme_file",
    type=FILE,
    metavar="FILE",
    help="The programme file (YAML or JSON).",
)
@format_option("report_format", ["md", "html", "json"], "md", "Report format.")
@output_option("report")
@click.option(
    "--memos",
    "memos_dir",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="Also write one memo an account into this directory (in --memo-format).",
)
@click.option(
    "--memo-format",
    type=click.Choice(list(FORMATS)),
    help="Format of the memos written with --memos (default: the report's format).",
)
@click.option(
    "--jobs", type=click.IntRange(min=1), help="Processes to diagnose with (default: cores)."
)
@date_option("Assessment date where the answers give none.")
@click.option(
    "--delimiter",
    type=click.Choice([",", ";", "tab", "|"]),
    help="The CSV file's cell delimiter (default: sniffed from the file).",
)
@click.option(
    "--decimal",
    type=click.Choice([".", ","]),
    help="How numbers typed as text write decimals (default: from the file and its locale).",
)
@click.option(
    "--encoding",
    help="The CSV file's text encoding, e.g. cp1252 (default: UTF-8, else Windows-1252).",
)
@click.option(
    "--previous",
    "previous_report",
    type=FILE,
    metavar="REPORT.json",
    help="A previous `portfolio -f json` report: adds the portfolio's movement since it.",
)
@rules_option
@pass_environment
def portfolio(env: Environment, /, **options: Any) -> None:
    """Diagnose many accounts (a workbook, a CSV file or a folder) and report on the portfolio.

    A bad row or file is reported and skipped; every good account is still diagnosed. Exit code
    1 when anything was skipped.
    """
    _finish(portfolio_command.portfolio(env, portfolio_command.PortfolioRequest(**options)))


# the browser workspace, shell completion -------------------------------------------------------


@cli.command()
@click.argument(
    "folder", metavar="FOLDER", type=click.Path(path_type=Path, file_okay=False), default="."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but a loopback address lets other machines reach "
    "the questionnaires: use it only on a network you trust.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@rules_option
@pass_environment
def serve(env: Environment, /, **options: Any) -> None:
    """Fill in and diagnose the questionnaires of FOLDER in a browser, on this machine.

    Needs the serve extra: pip install 'kamadvisor[serve]'.
    """
    _finish(serve_command.serve(env, **options))


@cli.command()
@click.argument("shell", metavar="SHELL", type=click.Choice(completion_command.SHELLS))
@pass_environment
def completion(env: Environment, shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    \b
    bash:  eval "$(kamadvisor completion bash)"   (in ~/.bashrc)
    zsh:   eval "$(kamadvisor completion zsh)"    (in ~/.zshrc)
    fish:  kamadvisor completion fish > ~/.config/fish/completions/kamadvisor.fish
    """
    _finish(completion_command.completion(env, cli, shell))


# the process: interrupts, closed streams, the exit code ----------------------------------------


def _stderr_of(ctx: click.Context) -> TextIO | None:
    """The run's standard error; None before the environment is made (the process's)."""
    env = ctx.find_object(Environment)
    return env.stderr if env is not None else None


def _interrupted(stderr: TextIO | None) -> click.exceptions.Exit:
    _say("interrupted", stderr)
    return click.exceptions.Exit(ExitStatus.INTERRUPTED)


def _say(line: str, stderr: TextIO | None = None) -> None:
    """One line on standard error (the process's unless given), whatever state it is in."""
    stream = sys.stderr if stderr is None else stderr
    try:
        if stream is not None:
            stream.write(line + "\n")
            stream.flush()
    except (OSError, ValueError):
        pass


def main() -> None:
    from kamadvisor.output import interrupt_requested, watch_interrupts

    watch_interrupts()
    # A second Ctrl-C while the first is being handled must not print a traceback either.
    try:
        code = cli.main(prog_name="kamadvisor", standalone_mode=False)
    except KeyboardInterrupt:
        _say("interrupted")
        code = ExitStatus.INTERRUPTED
    except click.exceptions.Exit as exit_:
        code = exit_.exit_code
    except click.exceptions.Abort:
        _say("interrupted")
        code = ExitStatus.INTERRUPTED
    except click.ClickException as error:
        with contextlib.suppress(OSError, ValueError):
            error.show()
        code = error.exit_code
    except OSError as error:
        _say(f"error: {FileSystemError.of(error)}")
        code = ExitStatus.USER_ERROR
    if interrupt_requested() and code in (None, ExitStatus.OK):
        _say(
            "interrupted"
        )  # a Ctrl-C swallowed inside a finaliser: the run did not finish as asked
        code = ExitStatus.INTERRUPTED
    _flush_standard_output()
    sys.exit(code if isinstance(code, int) else ExitStatus.OK)


def _flush_standard_output() -> None:
    """Flush now, so a closed or full standard output is reported, not a message at exit."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_standard_output()
    except OSError as error:
        _silence_standard_output()
        _say(f"error: {FileSystemError.of(error, '<stdout>', 'write')}")
        sys.exit(ExitStatus.USER_ERROR)


def _silence_standard_output() -> None:
    # Python flushes stdout again at exit; point it at /dev/null so that flush cannot fail.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
