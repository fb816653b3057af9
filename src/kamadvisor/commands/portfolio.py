"""`portfolio`: many accounts diagnosed, a report on the portfolio, optionally a memo each; its
progress bar, the report's links to the memos and the closing summary."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus

if TYPE_CHECKING:
    from kamadvisor.output import OutputSet, RunInputs
    from kamadvisor.portfolio import PortfolioReport, PortfolioRun
    from kamadvisor.portfolio_movement import PreviousReport
    from kamadvisor.programme import Programme
    from kamadvisor.rulebook import Rulebook


@dataclass(frozen=True)
class PortfolioRequest:
    source: Path
    contacts: Path | None = None
    programme_file: str | None = None
    report_format: str = "md"
    output: str | None = None
    memos_dir: Path | None = None
    memo_format: str | None = None
    jobs: int | None = None
    as_of: date | None = None
    delimiter: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    previous_report: str | None = None
    house_packs: tuple[Path, ...] = ()


def portfolio(env: Environment, request: PortfolioRequest) -> ExitStatus:
    """A bad row or file is reported and skipped; every good account is still diagnosed."""
    from kamadvisor.output import OutputSet, check_memo_folder, check_output
    from kamadvisor.programme import load_programme
    from kamadvisor.rulebook import load_rulebook

    inputs = _inputs(request)
    check_output(request.output, inputs, created=request.memos_dir)
    if request.memos_dir is not None:
        check_memo_folder(request.memos_dir, inputs)
    rulebook = load_rulebook(house_packs=list(request.house_packs))
    programme = (
        load_programme(request.programme_file, stdin=env.stdin) if request.programme_file else None
    )
    previous = _previous(env, request.previous_report)
    report = _write_report(
        env, request, rulebook, programme, previous, OutputSet(request.memos_dir)
    )
    _say_summary(env, report)
    return ExitStatus.CHECK_FAILED if report.skipped else ExitStatus.OK


def _previous(env: Environment, previous_report: str | None) -> PreviousReport | None:
    if previous_report is None:
        return None
    from kamadvisor.portfolio_movement import load_previous_report

    return load_previous_report(previous_report, stdin=env.stdin)


def _write_report(
    env: Environment,
    request: PortfolioRequest,
    rulebook: Rulebook,
    programme: Programme | None,
    previous: PreviousReport | None,
    outputs: OutputSet,
) -> PortfolioReport:
    """Diagnose, render and put the report and the memos in place together, or nothing."""
    from kamadvisor.output import stage_output
    from kamadvisor.report import render_report

    try:
        staging = outputs.open()
        run = _run(env, request, programme, staging)
        report = run_with_progress(env, run, rulebook)
        links = memo_links(report, request.memos_dir, request.output)
        movement = None
        if previous is not None:
            from kamadvisor.portfolio_movement import portfolio_movement

            movement = portfolio_movement(report, previous)
        text = render_report(report, rulebook, request.report_format, links, movement)  # type: ignore[arg-type]
        staged = stage_output(text, request.output, env.stdout)
        try:
            outputs.commit(staged)
        finally:
            staged.discard()
    finally:
        outputs.discard()
    return report


def _run(
    env: Environment, request: PortfolioRequest, programme: Programme | None, staging: Path | None
) -> PortfolioRun:
    from kamadvisor.cellvalues import Decimal
    from kamadvisor.delimited import CsvDialect
    from kamadvisor.portfolio import PortfolioRun, default_jobs

    dialect = CsvDialect(
        delimiter="\t" if request.delimiter == "tab" else request.delimiter,
        decimal=cast(Decimal | None, request.decimal),  # the CLI's choice allows only "." and ","
        encoding=request.encoding,
    )
    memo_format = request.memo_format or request.report_format
    return PortfolioRun(
        path=request.source,
        contacts=request.contacts,
        programme=programme,
        house_packs=request.house_packs,
        dialect=dialect,
        jobs=request.jobs or default_jobs(),
        as_of=request.as_of,
        memos=(staging, memo_format) if staging is not None else None,
        reserved_names=_reserved_names(request),
        cache_dir=env.cache_dir,
    )


def _reserved_names(request: PortfolioRequest) -> frozenset[str]:
    """The report's own name, when it is written into the memo folder."""
    output, memos_dir = request.output, request.memos_dir
    if (
        memos_dir is not None
        and output
        and output != "-"
        and _same_folder(Path(output).parent, memos_dir)
    ):
        return frozenset({Path(output).name})
    return frozenset()


def _inputs(request: PortfolioRequest) -> RunInputs:
    from kamadvisor.output import RunInputs

    source = request.source
    files: list[str | Path | None] = [
        request.contacts,
        request.programme_file,
        request.previous_report,
    ]
    folders = []
    if source.is_dir():
        folders.append(source)
    else:
        files.append(source)
        # Child tables beside a CSV file (NAME-contacts.csv, NAME-team.csv) are inputs too.
        files.extend(source.parent.glob(f"{source.stem}-*{source.suffix}"))
    return RunInputs.of(files, folders, packs=request.house_packs)


def _same_folder(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve()
    except OSError:
        return False


def run_with_progress(env: Environment, run: PortfolioRun, rulebook: Rulebook) -> PortfolioReport:
    """The progress bar goes to standard error, and only when that is a terminal: the report on
    standard output (or redirected to a file) never carries it."""
    from kamadvisor.portfolio import run_portfolio

    if not env.stderr_isatty:
        return run_portfolio(run, rulebook)
    with _progress_bar(env) as on_progress:
        run.on_progress = on_progress
        return run_portfolio(run, rulebook)


@contextmanager
def _progress_bar(env: Environment) -> Iterator[Callable[[int, int], None]]:
    from rich.console import Console
    from rich.progress import Progress

    console = Console(file=env.stderr, force_terminal=True, no_color=env.colour is False or None)
    with Progress(console=console, transient=True, redirect_stdout=False) as progress:
        task = progress.add_task("diagnosing", total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def memo_links(
    report: PortfolioReport, memos_dir: Path | None, output: str | None
) -> dict[int, str]:
    """Each memo's path relative to the report, by the account's row number in it."""
    links: dict[int, str] = {}
    if memos_dir is None:
        return links
    base = Path(output).parent if output and output != "-" else Path()
    for number, account in enumerate(report.accounts, start=1):
        if account.memo is not None:
            links[number] = Path(os.path.relpath(memos_dir / account.memo, base)).as_posix()
    return links


def _say_summary(env: Environment, report: PortfolioReport) -> None:
    summary = f"{report.input_records} account(s) read: {len(report.accounts)} diagnosed"
    summary += f", {report.skipped_accounts} skipped"
    if report.skipped:
        summary += f"; {len(report.skipped)} problem(s) in skipped rows:"
    env.say(summary)
    for skipped in report.skipped:
        env.say(f"skipped: {skipped.place}: {skipped.message}")
