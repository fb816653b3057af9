"""Many accounts at once: diagnose each (in parallel processes), then the portfolio as a whole.

A bad row or file is reported and skipped, every good account is still diagnosed, and the result
is the same whatever the number of processes: accounts keep the order of the input.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from kamadvisor.api import Advisor, open_advisor
from kamadvisor.compiler import compile_rulebook
from kamadvisor.delimited import CsvDialect
from kamadvisor.diagnosis import (
    Diagnosis,
    Finding,
    PackInfo,
    SourceRef,
    nested,
    render_advice,
)
from kamadvisor.engine import RuleEngine
from kamadvisor.errors import FileSystemError, InputError, Problem
from kamadvisor.portfolio_facts import derive_portfolio_facts
from kamadvisor.programme import Programme
from kamadvisor.questionnaire import Questionnaire, validate_questionnaire
from kamadvisor.rulebook import SEVERITY_ORDER, Rulebook
from kamadvisor.tabular import AccountRecord, Batch, read_batch

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
            facts={
                name: diagnosis.facts[name] for name in SUMMARY_FACTS if name in diagnosis.facts
            },
            memo=memo,
        )


class SkippedRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    place: str
    message: str


class PortfolioReport(BaseModel):
    """Everything a portfolio report shows; stable and JSON-ready."""

    model_config = ConfigDict(frozen=True)

    schema_version: str = "1.1"  # 1.1: skipped_accounts
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
    """Where each account's memo goes (decided before the work is shared out) and its format."""

    directory: Path
    memo_format: str
    names: dict[int, str]


@dataclass
class _WorkerState:
    advisor: Advisor | None = None
    as_of: date | None = None
    memos: MemoPlan | None = None


_STATE = _WorkerState()


def _start_worker(house_packs: Sequence[Path], as_of: date | None, memos: MemoPlan | None) -> None:
    _quiet_worker()
    _STATE.advisor = open_advisor(tuple(house_packs))
    _STATE.as_of = as_of
    _STATE.memos = memos


def _diagnose_chunk(
    chunk: list[tuple[int, AccountRecord]],
) -> list[tuple[int, AccountResult | list[Problem]]]:
    return [(index, _diagnose_record(index, record)) for index, record in chunk]


def _diagnose_record(index: int, record: AccountRecord) -> AccountResult | list[Problem]:
    """One account's result, or the located problems that skip it: a failure on one account
    never stops the batch."""
    try:
        questionnaire = validate_questionnaire(record.document)
    except InputError as error:
        return [record.relocate(problem) for problem in error.problems]
    try:
        return _diagnose_and_render(index, record, questionnaire)
    except InputError as error:
        reasons = "; ".join(problem.format() for problem in error.problems)
        return [Problem(record.source, message=f"could not be diagnosed: {reasons}; skipped")]
    except (FileSystemError, OSError):
        raise  # a full or read-only disk stops the batch: it is no one account's fault
    except Exception as error:  # any one account's failure is reported and skipped
        message = f"could not be diagnosed ({type(error).__name__}: {error}); skipped"
        return [Problem(record.source, message=message)]


def _diagnose_and_render(
    index: int, record: AccountRecord, questionnaire: Questionnaire
) -> AccountResult:
    advisor = _STATE.advisor
    assert advisor is not None
    diagnosis = advisor.diagnose(questionnaire, _STATE.as_of)
    memo = None
    plan = _STATE.memos
    if plan is not None:
        from kamadvisor.formats import FORMATS
        from kamadvisor.output import write_output

        memo = plan.names[index]
        selected = FORMATS[plan.memo_format]
        content = selected.render(diagnosis, advisor.rulebook)
        write_output(
            content if selected.binary else content.decode("utf-8"), str(plan.directory / memo)
        )
    return AccountResult.of(record.source, diagnosis, memo)


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


def run_portfolio(run: PortfolioRun, rulebook: Rulebook) -> PortfolioReport:
    batch: Batch = read_batch(run.path, run.contacts, run.dialect)
    records = list(enumerate(batch.records))
    memos = None
    if run.memos is not None:
        directory, memo_format = run.memos
        from kamadvisor.formats import FORMATS

        names = memo_file_names(batch.records, FORMATS[memo_format].suffix, run.reserved_names)
        memos = MemoPlan(directory, memo_format, names)
    results: dict[int, AccountResult | list[Problem]] = {}
    total = len(records)
    chunks = [records[start : start + CHUNK] for start in range(0, total, CHUNK)]
    jobs = max(1, min(run.jobs, len(chunks) or 1))
    done = 0
    if jobs == 1:
        _start_worker(run.house_packs, run.as_of, memos)
        try:
            for chunk in chunks:
                for index, outcome in _diagnose_chunk(chunk):
                    results[index] = outcome
                done += len(chunk)
                if run.on_progress:
                    run.on_progress(done, total)
        finally:
            if _STATE.advisor is not None:
                _STATE.advisor.close()
                _STATE.advisor = None
    else:
        # Processes, never threads: the engine is not thread-safe and holds the GIL. Workers
        # start with SIGINT ignored (a disposition survives exec; a blocked mask does not), so a
        # Ctrl-C reaches the main process alone, which stops them: leaving the `with` terminates
        # the pool. Meanwhile the main thread blocks SIGINT: Linux keeps a blocked signal
        # pending even while it is ignored, and delivers it once the handler is back.
        context = multiprocessing.get_context("spawn")
        _quiet_resource_tracker()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pool = context.Pool(
                jobs, initializer=_start_worker, initargs=(list(run.house_packs), run.as_of, memos)
            )
        finally:
            signal.signal(signal.SIGINT, previous)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        with pool:
            for finished in pool.imap_unordered(_diagnose_chunk, chunks):
                for index, result in finished:
                    results[index] = result
                done += len(finished)
                if run.on_progress:
                    run.on_progress(done, total)
    accounts: list[AccountResult] = []
    skipped = [SkippedRecord(place=p.place(), message=_message(p)) for p in batch.skipped]
    skipped_accounts = batch.skipped_accounts
    for index, _record in records:
        outcome = results[index]
        if isinstance(outcome, list):
            skipped.extend(SkippedRecord(place=p.place(), message=_message(p)) for p in outcome)
            skipped_accounts += 1
        else:
            accounts.append(outcome)
    return portfolio_report(accounts, skipped, skipped_accounts, run.programme, rulebook, run.as_of)


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
    by_id = {rule.id: rule for rule in rules}
    overruled = {item.rule_id for item in result.overruled}
    findings = []
    for rule_id in result.fired:
        rule = by_id[rule_id]
        if rule.spec.advice is None or rule_id in overruled:
            continue
        advice, actions = render_advice(rule, context)
        theme = rulebook.manifest.themes[rule.spec.theme]
        findings.append(
            Finding(
                rule_id=rule_id,
                title=rule.spec.title,
                theme=rule.spec.theme,
                theme_title=theme.title,
                severity=rule.spec.severity,
                advice=advice,
                evidence=[],
                concluded={},
                actions=actions,
                source=SourceRef(**rule.spec.source.model_dump()) if rule.spec.source else None,
            )
        )
    rank = {severity: index for index, severity in enumerate(SEVERITY_ORDER)}
    order = {rule.id: rule.order for rule in rules}
    findings.sort(key=lambda f: (rank[f.severity], order[f.rule_id]))
    return findings


def _advice_view(account: AccountResult) -> dict[str, Any]:
    return {
        "name": account.name,
        "id": account.id,
        "placements": {name: p.value for name, p in account.placements.items()},
        "fired": [finding.rule_id for finding in account.findings],
        "facts": nested(account.facts),
    }


def memo_file_names(
    records: Sequence[AccountRecord], suffix: str, reserved: frozenset[str] = frozenset()
) -> dict[int, str]:
    """A unique, safe file name for each account's memo, from its id or name as given; a name in
    `reserved` (the report's) is never taken, the account gets the next free one instead."""
    names: dict[int, str] = {}
    used: set[str] = {name.removesuffix(f".{suffix}").lower() for name in reserved}
    for index, record in enumerate(records):
        account = (
            record.document.data.get("account") if isinstance(record.document.data, dict) else None
        )
        account = account if isinstance(account, dict) else {}
        base = str(account.get("id") or account.get("name") or "")
        slug = (
            re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.").lower()[:60]
            or f"account-{index + 1}"
        )
        candidate, counter = slug, 2
        while candidate in used:
            candidate = f"{slug}-{counter}"
            counter += 1
        used.add(candidate)
        names[index] = f"{candidate}.{suffix}"
    return names


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
