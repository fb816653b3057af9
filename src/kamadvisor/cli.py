"""The command line: a thin click layer over the API, with one error boundary.

Exit codes: 0 ok; 1 a check, test or batch record failed; 2 the user's input, usage or the
environment is wrong (an operating-system error names its file); 3 an internal error (the
traceback is shown only with --traceback); 130 interrupted.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from kamadvisor import __version__
from kamadvisor.errors import ExitCode, FileSystemError, InputError, KamAdvisorError, UsageError
from kamadvisor.formats import COMPARISON_FORMATS, FORMATS

if TYPE_CHECKING:
    from kamadvisor.diagnosis import Diagnosis

DATE = click.DateTime(formats=["%Y-%m-%d"])


class _ErrorBoundary(click.Group):
    """Turns every outcome into an exit code; a user's mistake never shows a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            for problem in error.problems:
                click.echo(f"error: {problem.format()}", err=True)
            raise click.exceptions.Exit(error.exit_code) from None
        except KamAdvisorError as error:
            click.echo(f"error: {error}", err=True)
            raise click.exceptions.Exit(error.exit_code) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            raise click.exceptions.Exit(ExitCode.OK) from None
        except OSError as error:
            click.echo(f"error: {FileSystemError.of(error)}", err=True)
            raise click.exceptions.Exit(ExitCode.USER_ERROR) from None
        except KeyboardInterrupt:
            raise _interrupted() from None
        except Exception as error:
            if ctx.params.get("show_traceback"):
                traceback.print_exc()
            click.echo(
                f"internal error: {type(error).__name__}: {error} "
                "(rerun with --traceback for details)",
                err=True,
            )
            raise click.exceptions.Exit(ExitCode.INTERNAL_ERROR) from None


@click.group(cls=_ErrorBoundary, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kamadvisor")
@click.option(
    "--traceback", "show_traceback", is_flag=True, help="Show a traceback on internal errors."
)
def cli(show_traceback: bool) -> None:
    """kamadvisor: diagnose key accounts from questionnaires and write advice memos."""


_RULES_OPTION = click.option(
    "--rules",
    "house_packs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A house rule pack layered over the base pack (repeatable; later packs win).",
)


def _questionnaire_model(house_packs: tuple[Path, ...]) -> Any:
    """The questionnaire of the base pack with the house packs' questions added."""
    from kamadvisor.questionnaire import Questionnaire
    from kamadvisor.rulebook import load_rulebook

    return (
        load_rulebook(house_packs=list(house_packs)).questionnaire if house_packs else Questionnaire
    )


@cli.group()
def questionnaire() -> None:
    """Blank questionnaires and their schema."""


@questionnaire.command("new")
@click.option("--name", default="New account", show_default=True, help="The account's name.")
@_RULES_OPTION
def questionnaire_new(name: str, house_packs: tuple[Path, ...]) -> None:
    """Print a blank questionnaire, every field commented with its meaning and scale."""
    from kamadvisor.blank import blank_questionnaire
    from kamadvisor.schema_registry import yaml_modeline

    # The committed schema is the base questionnaire's: a house pack's questions are not in it.
    modeline = "" if house_packs else yaml_modeline()
    click.echo(modeline + blank_questionnaire(name, _questionnaire_model(house_packs)), nl=False)


@questionnaire.command("schema")
@_RULES_OPTION
def questionnaire_schema(house_packs: tuple[Path, ...]) -> None:
    """Print the JSON Schema of a questionnaire (for editors and validators)."""
    from kamadvisor.contract import dump_json
    from kamadvisor.schema_registry import questionnaire_schema

    click.echo(dump_json(questionnaire_schema(_questionnaire_model(house_packs))), nl=False)


def _as_of(value: Any) -> date | None:
    return value.date() if value is not None else None


@questionnaire.command("plan")
@click.argument("questionnaire_file", metavar="FILE")
@_RULES_OPTION
def questionnaire_plan(questionnaire_file: str, house_packs: tuple[Path, ...]) -> None:
    """Print the `previous_plan` section for the next review of this assessment.

    It lists the assessment's 90-day actions with empty statuses; append it to the review's
    questionnaire and fill in each status.
    """
    from kamadvisor.api import diagnose_file, open_advisor
    from kamadvisor.blank import previous_plan_block

    with open_advisor(house_packs) as advisor:
        diagnosis = diagnose_file(questionnaire_file, advisor)
    click.echo(previous_plan_block(diagnosis), nl=False)


@cli.command()
@click.argument("questionnaire_file", metavar="FILE")
@click.option(
    "--date", "as_of", type=DATE, help="Assessment date when the file gives none (YYYY-MM-DD)."
)
@_RULES_OPTION
def assess(questionnaire_file: str, as_of: Any, house_packs: tuple[Path, ...]) -> None:
    """Diagnose one account questionnaire (YAML or JSON, '-' for standard input)."""
    from kamadvisor.api import diagnose_file, open_advisor
    from kamadvisor.terminal import print_diagnosis

    with open_advisor(house_packs) as advisor:
        diagnosis = diagnose_file(questionnaire_file, advisor, _as_of(as_of))
    _warn_future_dates(questionnaire_file, diagnosis)
    print_diagnosis(diagnosis)


@cli.command()
@click.argument("questionnaire_file", metavar="FILE")
@click.option("-o", "--output", help="Write the memo to this file (default: standard output).")
@click.option(
    "-f",
    "--format",
    "memo_format",
    type=click.Choice(list(FORMATS)),
    default="md",
    show_default=True,
    help="Memo format: "
    + "; ".join(f"{fmt.name}, {fmt.description}" for fmt in FORMATS.values())
    + ".",
)
@click.option(
    "--date", "as_of", type=DATE, help="Assessment date when the file gives none (YYYY-MM-DD)."
)
@click.option(
    "--previous",
    "previous_file",
    metavar="FILE",
    help="The account's previous assessment: adds a 'Since the last review' section "
    "(md, html, docx).",
)
@_RULES_OPTION
def memo(
    questionnaire_file: str,
    output: str | None,
    memo_format: str,
    as_of: Any,
    previous_file: str | None,
    house_packs: tuple[Path, ...],
) -> None:
    """Write the advice memo for one account questionnaire."""
    from kamadvisor.api import diagnose_file, open_advisor
    from kamadvisor.output import RunInputs, check_output, write_output

    check_output(output, RunInputs.of([questionnaire_file, previous_file], packs=house_packs))
    selected = FORMATS[memo_format]
    if previous_file is not None and memo_format == "json":
        raise UsageError(
            "--previous adds a section to md, html and docx memos; for the comparison as JSON "
            "use `kamadvisor compare PREVIOUS FILE -f json`"
        )
    with open_advisor(house_packs) as advisor:
        if previous_file is not None:
            from kamadvisor.compare import review_files

            comparison, diagnosis = review_files(advisor, previous_file, questionnaire_file)
            content = _memo_since(diagnosis, advisor.rulebook, memo_format, comparison)
        else:
            diagnosis = diagnose_file(questionnaire_file, advisor, _as_of(as_of))
            content = selected.render(diagnosis, advisor.rulebook)
    _warn_future_dates(questionnaire_file, diagnosis)
    write_output(content if selected.binary else content.decode("utf-8"), output)
    if output and output != "-":
        click.echo(f"wrote {output}", err=True)


def _memo_since(diagnosis: Diagnosis, rulebook: Any, memo_format: str, comparison: Any) -> bytes:
    """The memo with its "Since the last review" section, in md, html or docx."""
    since = comparison.model_dump(mode="json")
    if memo_format == "docx":
        from kamadvisor.docx_memo import render_docx

        return render_docx(diagnosis, rulebook, since)
    from kamadvisor.render import render_memo

    return render_memo(diagnosis, rulebook, memo_format, since).encode("utf-8")  # type: ignore[arg-type]


def _warn_future_dates(questionnaire_file: str, diagnosis: Diagnosis) -> None:
    """A date after today is worth a look, never a refusal: the output never depends on it."""
    today = date.today()
    dated = (
        ("account.assessment_date", diagnosis.account.assessment_date),
        ("planning.last_reviewed", diagnosis.facts.get("planning.last_reviewed")),
    )
    for path, value in dated:
        if value is not None and str(value) > today.isoformat():
            click.echo(
                f"warning: {questionnaire_file}: {path}: {value} is after today ({today}); "
                "the diagnosis uses it as given",
                err=True,
            )


@cli.group()
def schema() -> None:
    """JSON Schemas of kamadvisor's outputs."""


@schema.command("diagnosis")
def schema_diagnosis() -> None:
    """Print the versioned JSON Schema of `memo -f json` output."""
    from kamadvisor.render import render_diagnosis_schema

    click.echo(render_diagnosis_schema(), nl=False)


@schema.command("report")
def schema_report() -> None:
    """Print the versioned JSON Schema of `portfolio -f json` output."""
    from kamadvisor.schema_registry import render_schema

    click.echo(render_schema("report"), nl=False)


@schema.command("questionnaire")
def schema_questionnaire() -> None:
    """Print the versioned JSON Schema of a questionnaire (as `questionnaire schema`)."""
    from kamadvisor.schema_registry import render_schema

    click.echo(render_schema("questionnaire"), nl=False)


@schema.command("comparison")
def schema_comparison() -> None:
    """Print the versioned JSON Schema of `compare -f json` output."""
    from kamadvisor.compare_render import render_comparison_schema

    click.echo(render_comparison_schema(), nl=False)


@schema.command("portfolio-movement")
def schema_portfolio_movement() -> None:
    """Print the versioned JSON Schema of the `movement` that `portfolio --previous` adds."""
    import json

    from kamadvisor.portfolio_movement import movement_schema

    click.echo(json.dumps(movement_schema(), indent=2, sort_keys=True, ensure_ascii=False))


@cli.command()
@click.argument("before_file", metavar="EARLIER")
@click.argument("after_file", metavar="LATER")
@click.option(
    "-o", "--output", help="Write the comparison to this file (default: standard output)."
)
@click.option(
    "-f",
    "--format",
    "compare_format",
    type=click.Choice(list(COMPARISON_FORMATS)),
    default="md",
    show_default=True,
    help="Comparison format: "
    + "; ".join(f"{fmt.name}, {fmt.description}" for fmt in COMPARISON_FORMATS.values())
    + ".",
)
@_RULES_OPTION
def compare(
    before_file: str,
    after_file: str,
    output: str | None,
    compare_format: str,
    house_packs: tuple[Path, ...],
) -> None:
    """Compare two assessments of one account: what moved, and which answers moved it.

    Both files must carry the same account.id and assessment dates, the earlier one first.
    """
    from kamadvisor.api import open_advisor
    from kamadvisor.compare import compare_files
    from kamadvisor.output import RunInputs, check_output, write_output

    selected = COMPARISON_FORMATS[compare_format]
    check_output(output, RunInputs.of([before_file, after_file], packs=house_packs))
    with open_advisor(house_packs) as advisor:
        comparison = compare_files(advisor, before_file, after_file)
        content = selected.render(comparison, advisor.rulebook)
    write_output(content if selected.binary else content.decode("utf-8"), output)
    if output and output != "-":
        click.echo(f"wrote {output}", err=True)


@cli.command()
@click.argument("questionnaire_file", metavar="FILE")
@click.argument("rule_id", metavar="RULE_ID")
@click.option(
    "--date", "as_of", type=DATE, help="Assessment date when the file gives none (YYYY-MM-DD)."
)
@_RULES_OPTION
def explain(
    questionnaire_file: str, rule_id: str, as_of: Any, house_packs: tuple[Path, ...]
) -> None:
    """Why a rule fired for this questionnaire, or why it did not."""
    from kamadvisor.api import open_advisor
    from kamadvisor.explain import explain_rule
    from kamadvisor.questionnaire import load_questionnaire

    with open_advisor(house_packs) as advisor:
        questionnaire = load_questionnaire(questionnaire_file, advisor.rulebook.questionnaire)
        lines = explain_rule(advisor, questionnaire, rule_id.upper(), _as_of(as_of))
    click.echo("\n".join(lines))


@cli.command()
@click.argument(
    "paths", metavar="PATH...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option(
    "-f",
    "--format",
    "history_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table an account, or JSON.",
)
@click.option("-o", "--output", help="Write the history to this file (default: standard output).")
@_RULES_OPTION
def history(
    paths: tuple[Path, ...], history_format: str, output: str | None, house_packs: tuple[Path, ...]
) -> None:
    """Every account's assessments by date: phase, category, stage and open high findings.

    PATH is a questionnaire or a folder of them in any layout (searched at every depth).
    Assessments are grouped by account.id. A file that cannot be read is reported and skipped;
    exit code 1 when anything was skipped.
    """
    from kamadvisor.api import open_advisor
    from kamadvisor.history import build_history, render_history_json, render_history_text
    from kamadvisor.output import write_output

    with open_advisor(house_packs) as advisor:
        found = build_history(advisor, paths)
        columns = tuple(
            name for name, spec in advisor.rulebook.manifest.conclusions.items() if spec.single
        )
    text = (
        render_history_json(found)
        if history_format == "json"
        else render_history_text(found, columns)
    )
    write_output(text, output)
    for skipped in found.skipped:
        click.echo(f"skipped: {skipped.place}: {skipped.message}", err=True)
    if found.skipped:
        raise click.exceptions.Exit(ExitCode.CHECK_FAILED)


@cli.group()
def rules() -> None:
    """Check, test and list rule packs."""


_PACK_ARGUMENT = click.argument("pack_dir", metavar="DIR", type=click.Path(path_type=Path))


@rules.command("check")
@_PACK_ARGUMENT
@click.option(
    "-f",
    "--format",
    "check_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Lines (file:line:col), JSON, or a SARIF 2.1.0 log for CI code scanning.",
)
def rules_check(pack_dir: Path, check_format: str) -> None:
    """Report every problem of a pack at once (file:line:col). Exit 1 on errors."""
    from kamadvisor.checkreport import CheckFormat, counts, render_check
    from kamadvisor.packcheck import check_pack

    problems = check_pack(pack_dir)
    click.echo(render_check(problems, pack_dir, cast(CheckFormat, check_format)), nl=False)
    errors, _ = counts(problems)
    if errors:
        raise click.exceptions.Exit(ExitCode.CHECK_FAILED)


@rules.command("test")
@_PACK_ARGUMENT
def rules_test(pack_dir: Path) -> None:
    """Run the pack's own test cases through the real engine. Exit 1 on any failure."""
    from kamadvisor.casetest import CaseRunner, load_cases
    from kamadvisor.rulebook import load_rulebook

    rulebook = load_rulebook(house_packs=[pack_dir])
    cases = load_cases(pack_dir, rulebook)
    runner = CaseRunner(rulebook)
    try:
        results = [runner.run(case) for case in cases]
    finally:
        runner.close()
    failed = [result for result in results if not result.passed]
    for result in failed:
        click.echo(result.explain())
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed or not results:
        if not results:
            click.echo(f"no test cases found in {pack_dir / 'tests'}", err=True)
        raise click.exceptions.Exit(ExitCode.CHECK_FAILED)


@rules.command("list")
@_RULES_OPTION
def rules_list(house_packs: tuple[Path, ...]) -> None:
    """The effective rules and where each comes from."""
    from kamadvisor.rulebook import load_rulebook

    rulebook = load_rulebook(house_packs=list(house_packs))
    click.echo("packs: " + " > ".join(f"{p.name} {p.version}" for p in rulebook.packs))
    for rule in rulebook.rules:
        replaced = f"  (replaces {rule.replaced})" if rule.replaced else ""
        click.echo(
            f"{rule.id:40s} {rule.spec.theme:12s} {rule.spec.severity:8s} "
            f"{rule.origin.pack}  {rule.origin}{replaced}"
        )
    for rule_id, origin in sorted(rulebook.disabled.items()):
        click.echo(f"{rule_id:40s} disabled by {origin.pack}  {origin}")


@questionnaire.command("template")
@click.option("-o", "--output", required=True, help="The workbook to write (.xlsx).")
@_RULES_OPTION
def questionnaire_template(output: str, house_packs: tuple[Path, ...]) -> None:
    """Write a blank workbook: one row an account, dropdowns, a contacts sheet and a help sheet."""
    from kamadvisor.workbook import write_template

    write_template(output, _questionnaire_model(house_packs))
    click.echo(f"wrote {output}", err=True)


@cli.command()
@click.argument("source", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--contacts",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Contacts CSV for a CSV input (default: INPUT-contacts.csv beside it).",
)
@click.option("--programme", "programme_file", help="The programme file (YAML or JSON).")
@click.option(
    "-f",
    "--format",
    "report_format",
    type=click.Choice(["md", "html", "json"]),
    default="md",
    show_default=True,
    help="Report format.",
)
@click.option("-o", "--output", help="Write the report to this file (default: standard output).")
@click.option(
    "--memos",
    "memos_dir",
    type=click.Path(path_type=Path, file_okay=False),
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
@click.option("--date", "as_of", type=DATE, help="Assessment date where the answers give none.")
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
    metavar="REPORT.json",
    help="A previous `portfolio -f json` report: adds the portfolio's movement since it.",
)
@_RULES_OPTION
def portfolio(
    source: Path,
    contacts: Path | None,
    programme_file: str | None,
    report_format: str,
    output: str | None,
    memos_dir: Path | None,
    memo_format: str | None,
    jobs: int | None,
    as_of: Any,
    delimiter: str | None,
    decimal: str | None,
    encoding: str | None,
    previous_report: str | None,
    house_packs: tuple[Path, ...],
) -> None:
    """Diagnose many accounts (a workbook, a CSV file or a folder) and report on the portfolio.

    A bad row or file is reported and skipped; every good account is still diagnosed. Exit code
    1 when anything was skipped.
    """
    from kamadvisor.cellvalues import Decimal
    from kamadvisor.delimited import CsvDialect
    from kamadvisor.output import OutputSet, check_memo_folder, check_output, stage_output
    from kamadvisor.portfolio import PortfolioRun, default_jobs
    from kamadvisor.programme import load_programme
    from kamadvisor.report import render_report
    from kamadvisor.rulebook import load_rulebook

    inputs = _portfolio_inputs(source, contacts, programme_file, previous_report, house_packs)
    check_output(output, inputs, created=memos_dir)
    reserved: frozenset[str] = frozenset()
    if memos_dir is not None:
        check_memo_folder(memos_dir, inputs)
        if output and output != "-" and _same_folder(Path(output).parent, memos_dir):
            reserved = frozenset({Path(output).name})
    rulebook = load_rulebook(house_packs=list(house_packs))
    programme = load_programme(programme_file) if programme_file else None
    dialect = CsvDialect(
        delimiter="\t" if delimiter == "tab" else delimiter,
        decimal=cast(Decimal | None, decimal),  # click.Choice allows only "." and ","
        encoding=encoding,
    )
    previous = None
    if previous_report is not None:
        from kamadvisor.portfolio_movement import load_previous_report

        previous = load_previous_report(previous_report)
    outputs = OutputSet(memos_dir)
    try:
        staging = outputs.open()
        run = PortfolioRun(
            path=source,
            contacts=contacts,
            programme=programme,
            house_packs=house_packs,
            dialect=dialect,
            jobs=jobs or default_jobs(),
            as_of=_as_of(as_of),
            memos=(staging, memo_format or report_format) if staging is not None else None,
            reserved_names=reserved,
        )
        report = _run_with_progress(run, rulebook)
        links = _memo_links(report, memos_dir, output)
        movement = None
        if previous is not None:
            from kamadvisor.portfolio_movement import portfolio_movement

            movement = portfolio_movement(report, previous)
        text = render_report(report, rulebook, report_format, links, movement)  # type: ignore[arg-type]
        staged = stage_output(text, output)
        try:
            outputs.commit(staged)
        finally:
            staged.discard()
    finally:
        outputs.discard()
    summary = f"{report.input_records} account(s) read: {len(report.accounts)} diagnosed"
    summary += f", {report.skipped_accounts} skipped"
    if report.skipped:
        summary += f"; {len(report.skipped)} problem(s) in skipped rows:"
    click.echo(summary, err=True)
    for skipped in report.skipped:
        click.echo(f"skipped: {skipped.place}: {skipped.message}", err=True)
    if report.skipped:
        raise click.exceptions.Exit(ExitCode.CHECK_FAILED)


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
@_RULES_OPTION
def serve(folder: Path, host: str, port: int, house_packs: tuple[Path, ...]) -> None:
    """Fill in and diagnose the questionnaires of FOLDER in a browser, on this machine.

    Needs the serve extra: pip install 'kamadvisor[serve]'.
    """
    from kamadvisor.serving import serve_folder

    try:
        serve_folder(folder, host, port, house_packs)
    except KeyboardInterrupt:
        click.echo("kamadvisor serve: stopped", err=True)
        raise click.exceptions.Exit(130) from None


def _portfolio_inputs(
    source: Path,
    contacts: Path | None,
    programme_file: str | None,
    previous_report: str | None,
    house_packs: tuple[Path, ...],
) -> Any:
    from kamadvisor.output import RunInputs

    files: list[str | Path | None] = [contacts, programme_file, previous_report]
    folders = []
    if source.is_dir():
        folders.append(source)
    else:
        files.append(source)
        # Child tables beside a CSV file (NAME-contacts.csv, NAME-team.csv) are inputs too.
        files.extend(source.parent.glob(f"{source.stem}-*{source.suffix}"))
    return RunInputs.of(files, folders, packs=house_packs)


def _same_folder(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve()
    except OSError:
        return False


def _run_with_progress(run: Any, rulebook: Any) -> Any:
    from kamadvisor.portfolio import run_portfolio

    if sys.stderr is not None and sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("diagnosing", total=None)
            run.on_progress = lambda done, total: progress.update(task, completed=done, total=total)
            return run_portfolio(run, rulebook)
    return run_portfolio(run, rulebook)


def _memo_links(report: Any, memos_dir: Path | None, output: str | None) -> dict[int, str]:
    links: dict[int, str] = {}
    if memos_dir is None:
        return links
    base = Path(output).parent if output and output != "-" else Path()
    for number, account in enumerate(report.accounts, start=1):
        if account.memo is not None:
            links[number] = Path(os.path.relpath(memos_dir / account.memo, base)).as_posix()
    return links


def _interrupted() -> click.exceptions.Exit:
    _say("interrupted")
    return click.exceptions.Exit(ExitCode.INTERRUPTED)


def _say(line: str) -> None:
    """One line on standard error, whatever state the streams are in."""
    try:
        if sys.stderr is not None:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
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
        code = ExitCode.INTERRUPTED
    except click.exceptions.Exit as exit_:
        code = exit_.exit_code
    except click.exceptions.Abort:
        _say("interrupted")
        code = ExitCode.INTERRUPTED
    except click.ClickException as error:
        with contextlib.suppress(OSError, ValueError):
            error.show()
        code = error.exit_code
    except OSError as error:
        _say(f"error: {FileSystemError.of(error)}")
        code = ExitCode.USER_ERROR
    if interrupt_requested() and code in (None, ExitCode.OK):
        _say(
            "interrupted"
        )  # a Ctrl-C swallowed inside a finaliser: the run did not finish as asked
        code = ExitCode.INTERRUPTED
    _flush_standard_output()
    sys.exit(code if isinstance(code, int) else ExitCode.OK)


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
        sys.exit(ExitCode.USER_ERROR)


def _silence_standard_output() -> None:
    # Python flushes stdout again at exit; point it at /dev/null so that flush cannot fail.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
