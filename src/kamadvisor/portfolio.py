"""Many accounts at once: diagnose each (in parallel processes), then the portfolio as a whole.

A bad row or file is reported and skipped, every good account is still diagnosed, and the result
is the same whatever the number of processes: accounts keep the order of the input.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from kamadvisor.api import Advisor, open_advisor
from kamadvisor.compiler import compile_rulebook
from kamadvisor.diagnosis import Diagnosis, Finding, PackInfo, SourceRef, nested
from kamadvisor.engine import RuleEngine
from kamadvisor.errors import InputError, Problem
from kamadvisor.portfolio_facts import derive_portfolio_facts
from kamadvisor.programme import Programme
from kamadvisor.questionnaire import validate_questionnaire
from kamadvisor.rulebook import SEVERITY_ORDER, Rulebook
from kamadvisor.sandbox import TemplateError, render_snippet
from kamadvisor.tabular import AccountRecord, Batch, read_batch

CHUNK = 64


class AccountResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    diagnosis: Diagnosis


class SkippedRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    place: str
    message: str


class PortfolioReport(BaseModel):
    """Everything a portfolio report shows; stable and JSON-ready."""

    model_config = ConfigDict(frozen=True)

    schema_version: str = "1.0"
    name: str | None
    assessed_on: date | None
    pack: PackInfo
    accounts: list[AccountResult]
    skipped: list[SkippedRecord]
    facts: dict[str, Any]
    findings: list[Finding]
    programme: dict[str, Any] | None


@dataclass
class _WorkerState:
    advisor: Advisor | None = None
    as_of: date | None = None


_STATE = _WorkerState()


def _start_worker(house_packs: Sequence[Path], as_of: date | None) -> None:
    _STATE.advisor = open_advisor(tuple(house_packs))
    _STATE.as_of = as_of


def _diagnose_chunk(
    chunk: list[tuple[int, AccountRecord]],
) -> list[tuple[int, Diagnosis | list[Problem]]]:
    assert _STATE.advisor is not None
    return [
        (index, _diagnose_record(_STATE.advisor, record, _STATE.as_of)) for index, record in chunk
    ]


def _diagnose_record(
    advisor: Advisor, record: AccountRecord, as_of: date | None
) -> Diagnosis | list[Problem]:
    try:
        questionnaire = validate_questionnaire(record.document)
    except InputError as error:
        return [record.relocate(problem) for problem in error.problems]
    return advisor.diagnose(questionnaire, as_of)


@dataclass
class PortfolioRun:
    path: Path
    contacts: Path | None = None
    programme: Programme | None = None
    house_packs: Sequence[Path] = ()
    jobs: int = 1
    as_of: date | None = None
    on_progress: Callable[[int, int], None] | None = None


def run_portfolio(run: PortfolioRun, rulebook: Rulebook) -> PortfolioReport:
    batch: Batch = read_batch(run.path, run.contacts)
    records = list(enumerate(batch.records))
    results: dict[int, Diagnosis | list[Problem]] = {}
    total = len(records)
    chunks = [records[start : start + CHUNK] for start in range(0, total, CHUNK)]
    jobs = max(1, min(run.jobs, len(chunks) or 1))
    done = 0
    if jobs == 1:
        _start_worker(run.house_packs, run.as_of)
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
        # Processes, never threads: the engine is not thread-safe and holds the GIL.
        context = multiprocessing.get_context("spawn")
        with context.Pool(
            jobs, initializer=_start_worker, initargs=(list(run.house_packs), run.as_of)
        ) as pool:
            for finished in pool.imap_unordered(_diagnose_chunk, chunks):
                for index, result in finished:
                    results[index] = result
                done += len(finished)
                if run.on_progress:
                    run.on_progress(done, total)
    accounts: list[AccountResult] = []
    skipped = [SkippedRecord(place=p.place(), message=_message(p)) for p in batch.skipped]
    skipped_accounts = len({(p.file, p.line) for p in batch.skipped})
    for index, record in records:
        outcome = results[index]
        if isinstance(outcome, list):
            skipped.extend(SkippedRecord(place=p.place(), message=_message(p)) for p in outcome)
            skipped_accounts += 1
        else:
            accounts.append(AccountResult(source=record.source, diagnosis=outcome))
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
    diagnoses = [account.diagnosis for account in accounts]
    facts = derive_portfolio_facts(diagnoses, skipped_accounts, programme, rulebook.portfolio_facts)
    findings = _portfolio_findings(facts, diagnoses, rulebook)
    dates = sorted(d.assessed_on for d in diagnoses if d.assessed_on is not None)
    assessed_on = (
        (programme.assessment_date if programme else None)
        or as_of
        or (dates[-1] if dates else None)
    )
    return PortfolioReport(
        name=programme.name if programme else None,
        assessed_on=assessed_on,
        pack=PackInfo(name=rulebook.manifest.name, version=rulebook.manifest.version),
        accounts=accounts,
        skipped=skipped,
        facts=facts,
        findings=findings,
        programme=programme.model_dump(mode="json", exclude_none=True) if programme else None,
    )


def _portfolio_findings(
    facts: dict[str, Any], diagnoses: list[Diagnosis], rulebook: Rulebook
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
        "accounts": [_account_summary(d) for d in diagnoses],
    }
    by_id = {rule.id: rule for rule in rules}
    overruled = {item.rule_id for item in result.overruled}
    findings = []
    for rule_id in result.fired:
        rule = by_id[rule_id]
        if rule.spec.advice is None or rule_id in overruled:
            continue
        try:
            advice = render_snippet(rule.spec.advice, context)
        except TemplateError as error:
            raise InputError(
                [
                    Problem(
                        rule.origin.file,
                        rule.origin.line,
                        None,
                        f"{rule_id}.advice",
                        f"advice does not render: {error}",
                    )
                ]
            ) from None
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
                actions=[],
                source=SourceRef(**rule.spec.source.model_dump()) if rule.spec.source else None,
            )
        )
    rank = {severity: index for index, severity in enumerate(SEVERITY_ORDER)}
    order = {rule.id: rule.order for rule in rules}
    findings.sort(key=lambda f: (rank[f.severity], order[f.rule_id]))
    return findings


def _account_summary(diagnosis: Diagnosis) -> dict[str, Any]:
    return {
        "name": diagnosis.account.name,
        "id": diagnosis.account.id,
        "placements": {name: p.value for name, p in diagnosis.placements.items()},
        "fired": list(diagnosis.fired_rules),
        "facts": nested(diagnosis.facts),
    }


def default_jobs() -> int:
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
