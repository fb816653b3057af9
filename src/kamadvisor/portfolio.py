"""Many accounts at once: diagnose each (in parallel processes), then the portfolio as a whole.

A bad row or file is reported and skipped, every good account is still diagnosed, and the result
is the same whatever the number of processes: accounts keep the order of the input.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from multiprocessing import resource_tracker
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict

from kamadvisor.api import Advisor, open_advisor
from kamadvisor.bounds import snippet_limits
from kamadvisor.cachedir import current_cache_dir, keep_cache_dir, using_cache_dir
from kamadvisor.compiler import compile_rulebook
from kamadvisor.delimited import CsvDialect
from kamadvisor.diagnosis import (
    Diagnosis,
    Finding,
    PackInfo,
    finding_severity,
    nested,
    new_finding,
    placed_values,
    render_advice,
    render_reported_advice,
    reported_findings,
    severity_rank,
)
from kamadvisor.engine import RuleEngine
from kamadvisor.errors import FileSystemError, InputError, Problem
from kamadvisor.facts import AccountFacts
from kamadvisor.firing import EngineResult
from kamadvisor.portfolio_facts import derive_portfolio_facts
from kamadvisor.programme import Programme
from kamadvisor.questionnaire import Questionnaire, validate_questionnaire
from kamadvisor.rulebook import Rule, Rulebook
from kamadvisor.tabular import AccountRecord, Batch, BatchStream, stream_batch

CHUNK = 64


# Facts an account summary keeps: what the report's table, matrix and portfolio facts read.
SUMMARY_FACTS = (
    "account.nominated_key_account",
    "economics.annual_revenue",
    "economics.account_profit",
    "scores.attractiveness",
    "scores.business_strength",
    "service.resources_invested",
)


CURRENCY_FACT = "economics.currency"


class PlacementSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str | None
    label: str | None


class FindingSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_id: str
    title: str
    theme: str
    severity: str


class AccountResult(BaseModel):
    """One account in the portfolio: its placements, findings and key figures. The full
    diagnosis goes to the account's memo (`--memos`), not into the portfolio report."""

    model_config = ConfigDict(frozen=True)

    source: str
    name: str
    id: str | None
    assessed_on: date | None
    placements: dict[str, PlacementSummary]
    findings: list[FindingSummary]
    facts: dict[str, Any]
    memo: str | None = None

    @classmethod
    def of(cls, source: str, diagnosis: Diagnosis, memo: str | None = None) -> AccountResult:
        return cls(
            source=source,
            name=diagnosis.account.name,
            id=diagnosis.account.id,
            assessed_on=diagnosis.assessed_on,
            placements={
                name: PlacementSummary(value=p.value, label=p.label)
                for name, p in diagnosis.placements.items()
            },
            findings=[
                FindingSummary(rule_id=f.rule_id, title=f.title, theme=f.theme, severity=f.severity)
                for f in diagnosis.findings
            ],
            facts=_summary_facts(diagnosis.facts, diagnosis.account.currency),
            memo=memo,
        )


def _summary_facts(facts: Mapping[str, Any], currency: str | None) -> dict[str, Any]:
    """The facts a summary keeps; the currency, an answer rules do not match, comes with them so
    that every amount in the report states it."""
    kept = {name: facts[name] for name in SUMMARY_FACTS if name in facts}
    if currency is not None:
        kept[CURRENCY_FACT] = currency
    return dict(sorted(kept.items()))


class CompactResult(NamedTuple):
    """An account's result as it crosses from a worker: plain values, no models."""

    source: str
    name: str
    id: str | None
    assessed_on: date | None
    placements: tuple[tuple[str, str | None, str | None], ...]  # (name, value, label)
    findings: tuple[tuple[str, str, str, str], ...]  # (rule id, title, theme, severity)
    facts: dict[str, Any]
    memo: str | None

    @classmethod
    def summarize(
        cls,
        source: str,
        questionnaire: Questionnaire,
        facts: AccountFacts,
        result: EngineResult,
        rulebook: Rulebook,
        as_of: date | None,
        findings: list[tuple[Rule, list[Rule]]],
    ) -> CompactResult:
        """What `of` gives for the account's diagnosis, without building that diagnosis (its
        evidence, the placements' signals and the rendered advice); `findings` are the
        diagnosis's (`reported_findings`)."""
        account = questionnaire.account
        conclusions = rulebook.manifest.conclusions
        return cls(
            source,
            account.name,
            account.id,
            account.assessment_date or as_of,
            tuple(
                (name, value, conclusions[name].values[value] if value is not None else None)
                for name, value in placed_values(result, rulebook).items()
            ),
            tuple(
                (rule.id, rule.spec.title, rule.spec.theme, finding_severity(rule, subsumed))
                for rule, subsumed in findings
            ),
            _summary_facts(facts.values, questionnaire.economics.currency),
            None,
        )

    @classmethod
    def of(cls, result: AccountResult) -> CompactResult:
        return cls(
            result.source,
            result.name,
            result.id,
            result.assessed_on,
            tuple((name, p.value, p.label) for name, p in result.placements.items()),
            tuple((f.rule_id, f.title, f.theme, f.severity) for f in result.findings),
            result.facts,
            result.memo,
        )


class ResultBuilder:
    """Turns compact results back into AccountResults whose placement and finding summaries,
    the same for many accounts, are shared rather than repeated ten thousand times."""

    def __init__(self) -> None:
        self._placements: dict[tuple[str | None, str | None], PlacementSummary] = {}
        self._findings: dict[tuple[str, str, str, str], FindingSummary] = {}

    def build(self, compact: CompactResult) -> AccountResult:
        placements = {}
        for name, value, label in compact.placements:
            placement = self._placements.get((value, label))
            if placement is None:
                placement = self._placements[value, label] = PlacementSummary(
                    value=value, label=label
                )
            placements[name] = placement
        findings = []
        for key in compact.findings:
            finding = self._findings.get(key)
            if finding is None:
                rule_id, title, theme, severity = key
                finding = self._findings[key] = FindingSummary(
                    rule_id=rule_id, title=title, theme=theme, severity=severity
                )
            findings.append(finding)
        return AccountResult(
            source=compact.source,
            name=compact.name,
            id=compact.id,
            assessed_on=compact.assessed_on,
            placements=placements,
            findings=findings,
            facts=compact.facts,
            memo=compact.memo,
        )


class SkippedRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    place: str
    message: str


# The JSON report's shape (schemas/report-VERSION.json). 1.1: skipped_accounts.
REPORT_SCHEMA_VERSION = "1.2"


class PortfolioReport(BaseModel):
    """Everything a portfolio report shows; stable and JSON-ready."""

    model_config = ConfigDict(frozen=True)

    schema_version: str = REPORT_SCHEMA_VERSION
    name: str | None
    assessed_on: date | None
    pack: PackInfo
    accounts: list[AccountResult]
    skipped: list[SkippedRecord]
    facts: dict[str, Any]
    findings: list[Finding]
    programme: dict[str, Any] | None
    skipped_accounts: int = 0

    @property
    def input_records(self) -> int:
        """Account rows (or files) in the input: each is diagnosed or skipped."""
        return len(self.accounts) + self.skipped_accounts


@dataclass
class MemoPlan:
    """Where the accounts' memos go and their format; each account's file name travels with it."""

    directory: Path
    memo_format: str


@dataclass
class _WorkerState:
    advisor: Advisor | None = None
    as_of: date | None = None
    memos: MemoPlan | None = None


_STATE = _WorkerState()

# One unit of work: the account's index in the input, its record, its memo's file name.
Work = tuple[int, AccountRecord, str | None]
Outcome = CompactResult | list[Problem]


@dataclass(frozen=True)
class _WorkerSetup:
    """What each worker starts from; the cache directory is the run's, never the worker's own
    guess (a worker process does not inherit the caller's choice)."""

    house_packs: tuple[Path, ...]
    as_of: date | None
    memos: MemoPlan | None
    cache_dir: Path


def _start_worker(setup: _WorkerSetup) -> None:
    """A pool process: quiet, with the run's cache directory for as long as it lives."""
    _quiet_worker()
    keep_cache_dir(setup.cache_dir)
    _open_worker_state(setup)


def _open_worker_state(setup: _WorkerSetup) -> None:
    _STATE.advisor = open_advisor(setup.house_packs)
    _STATE.as_of = setup.as_of
    _STATE.memos = setup.memos


def _close_worker_state() -> None:
    if _STATE.advisor is not None:
        _STATE.advisor.close()
        _STATE.advisor = None


def _diagnose_chunk(chunk: list[Work]) -> list[tuple[int, Outcome]]:
    return [(index, _diagnose_record(record, memo)) for index, record, memo in chunk]


def _diagnose_record(record: AccountRecord, memo: str | None) -> Outcome:
    """One account's result, or the located problems that skip it: a failure on one account
    never stops the batch."""
    advisor = _STATE.advisor
    model = advisor.rulebook.questionnaire if advisor is not None else Questionnaire
    try:
        questionnaire = validate_questionnaire(record.document, model)
    except InputError as error:
        return [record.relocate(problem) for problem in error.problems]
    try:
        return _diagnose_and_render(record, questionnaire, memo)
    except InputError as error:
        reasons = "; ".join(problem.format() for problem in error.problems)
        return [Problem(record.source, message=f"could not be diagnosed: {reasons}; skipped")]
    except (FileSystemError, OSError):
        raise  # a full or read-only disk stops the batch: it is no one account's fault
    except Exception as error:  # any one account's failure is reported and skipped
        message = f"could not be diagnosed ({type(error).__name__}: {error}); skipped"
        return [Problem(record.source, message=message)]


def _diagnose_and_render(
    record: AccountRecord, questionnaire: Questionnaire, memo: str | None
) -> CompactResult:
    advisor = _STATE.advisor
    assert advisor is not None
    plan = _STATE.memos
    if plan is None or memo is None:
        # The report needs placements, finding titles and a few figures, not a full diagnosis.
        facts, result = advisor.run(questionnaire, _STATE.as_of)
        findings = reported_findings(result, advisor.rulebook)
        render_reported_advice(questionnaire, facts, result, advisor.rulebook, findings)
        return CompactResult.summarize(
            record.source, questionnaire, facts, result, advisor.rulebook, _STATE.as_of, findings
        )
    from kamadvisor.formats import FORMATS
    from kamadvisor.output import write_output

    diagnosis = advisor.diagnose(questionnaire, _STATE.as_of)
    selected = FORMATS[plan.memo_format]
    content = selected.render(diagnosis, advisor.rulebook)
    write_output(
        content if selected.binary else content.decode("utf-8"), str(plan.directory / memo)
    )
    return CompactResult.of(AccountResult.of(record.source, diagnosis, memo))


@dataclass
class PortfolioRun:
    path: Path
    contacts: Path | None = None
    programme: Programme | None = None
    house_packs: Sequence[Path] = ()
    dialect: CsvDialect | None = None
    jobs: int = 1
    as_of: date | None = None
    memos: tuple[Path, str] | None = None
    on_progress: Callable[[int, int], None] | None = None
    # File names a memo may not take (the report's, when it goes into the memo folder).
    reserved_names: frozenset[str] = frozenset()
    # Where compiled templates go, in this process and the workers (default: the current one).
    cache_dir: Path | None = None


class _Collector:
    """The outcomes by input position, built into results as they come back, with progress."""

    def __init__(self, expected: int, on_progress: Callable[[int, int], None] | None) -> None:
        self.results: dict[int, AccountResult | list[Problem]] = {}
        self._builder = ResultBuilder()
        self._expected = expected
        self._on_progress = on_progress

    def collect(self, finished: list[tuple[int, Outcome]]) -> None:
        for index, outcome in finished:
            self.results[index] = (
                outcome if isinstance(outcome, list) else self._builder.build(outcome)
            )
        if self._on_progress:
            done = len(self.results)
            self._on_progress(done, max(self._expected, done))


def run_portfolio(run: PortfolioRun, rulebook: Rulebook) -> PortfolioReport:
    """Records are built as the workers' pipe accepts them and go to the workers in chunks, so
    the first accounts are diagnosed while the rest are read; only compact results come back."""
    stream: BatchStream = stream_batch(run.path, run.contacts, run.dialect, rulebook.questionnaire)
    namer, memos = _memo_plan(run)
    setup = _WorkerSetup(
        tuple(run.house_packs), run.as_of, memos, run.cache_dir or current_cache_dir()
    )
    collector = _Collector(stream.expected, run.on_progress)
    chunks = _chunks(stream.records, namer)
    jobs = max(1, min(run.jobs, -(-stream.expected // CHUNK) or 1))
    if jobs == 1:
        _diagnose_here(chunks, setup, collector.collect)
    else:
        _diagnose_in_processes(chunks, jobs, setup, collector.collect)
    return _report_of(stream.batch, collector.results, run, rulebook)


def _memo_plan(run: PortfolioRun) -> tuple[MemoNamer | None, MemoPlan | None]:
    if run.memos is None:
        return None, None
    directory, memo_format = run.memos
    from kamadvisor.formats import FORMATS

    return MemoNamer(FORMATS[memo_format].suffix, run.reserved_names), MemoPlan(
        directory, memo_format
    )


def _diagnose_here(
    chunks: Iterator[list[Work]],
    setup: _WorkerSetup,
    collect: Callable[[list[tuple[int, Outcome]]], None],
) -> None:
    with using_cache_dir(setup.cache_dir):
        _open_worker_state(setup)
        try:
            for chunk in chunks:
                collect(_diagnose_chunk(chunk))
        finally:
            _close_worker_state()


def _diagnose_in_processes(
    chunks: Iterator[list[Work]],
    jobs: int,
    setup: _WorkerSetup,
    collect: Callable[[list[tuple[int, Outcome]]], None],
) -> None:
    """Processes, never threads: the engine is not thread-safe and holds the GIL. The pool
    takes chunks from the generator only as fast as the workers' pipe accepts them."""
    with _interrupt_safe_pool(jobs, setup) as pool:
        for finished in pool.imap_unordered(_diagnose_chunk, chunks):
            collect(finished)


def _interrupt_safe_pool(jobs: int, setup: _WorkerSetup) -> multiprocessing.pool.Pool:
    """Workers start with SIGINT ignored (a disposition survives exec; a blocked mask does not),
    so a Ctrl-C reaches the main process alone, which stops them: leaving the pool's `with`
    terminates it. Meanwhile the main thread blocks SIGINT: Linux keeps a blocked signal pending
    even while it is ignored, and delivers it once the handler is back."""
    context = multiprocessing.get_context("spawn")
    _quiet_resource_tracker()
    # The resource tracker's start ends with SIG_UNBLOCK of SIGINT, not a restore of the
    # mask: started inside the block below, it would let a Ctrl-C through while SIGINT is
    # ignored, and the run would finish as if never interrupted. Start it first.
    resource_tracker.ensure_running()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return context.Pool(jobs, initializer=_start_worker, initargs=(setup,))
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _report_of(
    batch: Batch,
    results: dict[int, AccountResult | list[Problem]],
    run: PortfolioRun,
    rulebook: Rulebook,
) -> PortfolioReport:
    """The accounts in input order; the skipped rows, the batch's own first."""
    accounts: list[AccountResult] = []
    skipped = [SkippedRecord(place=p.place(), message=_message(p)) for p in batch.skipped]
    skipped_accounts = batch.skipped_accounts
    for index in sorted(results):
        outcome = results[index]
        if isinstance(outcome, list):
            skipped.extend(SkippedRecord(place=p.place(), message=_message(p)) for p in outcome)
            skipped_accounts += 1
        else:
            accounts.append(outcome)
    return portfolio_report(accounts, skipped, skipped_accounts, run.programme, rulebook, run.as_of)


def _chunks(records: Iterator[AccountRecord], namer: MemoNamer | None) -> Iterator[list[Work]]:
    chunk: list[Work] = []
    for index, record in enumerate(records):
        chunk.append((index, record, namer.name(index, record) if namer is not None else None))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _message(problem: Problem) -> str:
    return f"{problem.path}: {problem.message}" if problem.path else problem.message


def portfolio_report(
    accounts: list[AccountResult],
    skipped: list[SkippedRecord],
    skipped_accounts: int,
    programme: Programme | None,
    rulebook: Rulebook,
    as_of: date | None,
) -> PortfolioReport:
    dates = sorted(a.assessed_on for a in accounts if a.assessed_on is not None)
    assessed_on = (
        (programme.assessment_date if programme else None)
        or as_of
        or (dates[-1] if dates else None)
    )
    facts = derive_portfolio_facts(
        accounts, skipped_accounts, programme, rulebook.portfolio_facts, assessed_on
    )
    findings = _portfolio_findings(facts, accounts, rulebook)
    return PortfolioReport(
        name=programme.name if programme else None,
        assessed_on=assessed_on,
        pack=PackInfo(name=rulebook.manifest.name, version=rulebook.manifest.version),
        accounts=accounts,
        skipped=skipped,
        facts=facts,
        findings=findings,
        programme=programme.model_dump(mode="json", exclude_none=True) if programme else None,
        skipped_accounts=skipped_accounts,
    )


def _portfolio_findings(
    facts: dict[str, Any], accounts: list[AccountResult], rulebook: Rulebook
) -> list[Finding]:
    rules = rulebook.scoped("portfolio")
    if not rules:
        return []
    compiled = compile_rulebook(rulebook, scope="portfolio")
    with RuleEngine(compiled) as engine:
        result = engine.run(facts)
    context = {
        "facts": nested(facts),
        "params": dict(rulebook.parameter_values),
        "accounts": [_advice_view(account) for account in accounts],
    }
    by_id = rulebook.rules_by_id()
    overruled = {item.rule_id for item in result.overruled}
    # Portfolio advice may name accounts: its output may grow with them, as a report's does.
    limits = snippet_limits(rulebook.parameter_values).scaled(len(accounts) // 1000 + 1)
    findings = []
    for rule_id in result.fired:
        rule = by_id[rule_id]
        if rule.spec.advice is None or rule_id in overruled:
            continue
        advice, actions = render_advice(rule, context, limits)
        findings.append(new_finding(rule, rulebook, advice, actions))
    findings.sort(key=lambda f: (severity_rank(f.severity), by_id[f.rule_id].order))
    return findings


def _advice_view(account: AccountResult) -> dict[str, Any]:
    return {
        "name": account.name,
        "id": account.id,
        "currency": account.facts.get(CURRENCY_FACT),
        "placements": {name: p.value for name, p in account.placements.items()},
        "fired": [finding.rule_id for finding in account.findings],
        "facts": nested(account.facts),
    }


class MemoNamer:
    """A unique, safe file name for each account's memo, from its id or name as given, assigned
    in input order as the records pass; a name in `reserved` (the report's) is never taken, the
    account gets the next free one instead."""

    def __init__(self, suffix: str, reserved: frozenset[str] = frozenset()) -> None:
        self.suffix = suffix
        self.used: set[str] = {name.removesuffix(f".{suffix}").lower() for name in reserved}

    def name(self, index: int, record: AccountRecord) -> str:
        data = record.document.data
        account = data.get("account") if isinstance(data, dict) else None
        account = account if isinstance(account, dict) else {}
        base = str(account.get("id") or account.get("name") or "")
        slug = (
            re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.").lower()[:60]
            or f"account-{index + 1}"
        )
        candidate, counter = slug, 2
        while candidate in self.used:
            candidate = f"{slug}-{counter}"
            counter += 1
        self.used.add(candidate)
        return f"{candidate}.{self.suffix}"


def _quiet_worker() -> None:
    """A worker leaves interrupts to the main process and ends, silently, when it dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
        if os.getppid() == 1:  # the main process died before the request took effect
            os._exit(0)


PR_SET_PDEATHSIG = 1


def _quiet_resource_tracker() -> None:
    """multiprocessing's resource tracker outlives a killed main process and then warns about
    the pool's semaphores, which it cleans up anyway; it takes its warning filters from ours."""
    option = "ignore::UserWarning:multiprocessing.resource_tracker"
    if option not in sys.warnoptions:
        sys.warnoptions.append(option)


def default_jobs() -> int:
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
