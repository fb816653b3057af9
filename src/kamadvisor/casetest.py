"""A pack's own test cases: a questionnaire in, the rules expected to fire (or not) out.

Cases live beside the rules, in `tests/*.yaml` of the pack, one list `cases:` a file. Each case
runs through the real engine with the pack's parameters (optionally overridden for the case).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from kamadvisor.api import Advisor, open_advisor
from kamadvisor.diagnosis import Diagnosis
from kamadvisor.errors import InputError, Problem
from kamadvisor.packs import inside
from kamadvisor.questionnaire import validate_questionnaire
from kamadvisor.rulebook import Rulebook, Strict, with_parameters
from kamadvisor.sourcefile import PathKey, SourceDocument, load_document
from kamadvisor.validation import problems_from

DEFAULT_ACCOUNT_NAME = "Test account"


class PortfolioCase(Strict):
    accounts: list[dict[str, Any]] = Field(default_factory=list)
    programme: dict[str, Any] | None = None


class CaseSpec(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    questionnaire: dict[str, Any] = Field(default_factory=dict)
    portfolio: PortfolioCase | None = Field(
        None,
        description="For portfolio rules: the accounts (partial questionnaires) and programme.",
    )
    parameters: dict[str, Any] = Field(default_factory=dict)
    fires: list[str] = Field(default_factory=list)
    not_fires: list[str] = Field(default_factory=list)
    concludes: dict[str, str | None] = Field(default_factory=dict)
    straddles: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Placements expected to straddle two values (placed first); [] for none.",
    )
    confidence: dict[str, str] = Field(
        default_factory=dict, description="Expected confidence of placements: high, medium, low."
    )
    rules_out: dict[str, list[str]] = Field(
        default_factory=dict, description="Values of placements expected to be ruled out."
    )


@dataclass(frozen=True)
class Case:
    spec: CaseSpec
    file: str
    line: int
    # The test file and the case's place in it, to locate problems in the case's own answers.
    document: SourceDocument | None = field(default=None, repr=False, compare=False)
    base: PathKey = ()

    @property
    def name(self) -> str:
        return f"{Path(self.file).stem}::{self.spec.id}"


@dataclass
class CaseResult:
    case: Case
    fired: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    wrong_conclusions: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not (self.missed or self.unexpected or self.wrong_conclusions or self.conflicts)

    def explain(self) -> str:
        lines = [f"{self.case.file}:{self.case.line}: {self.case.name} failed"]
        if self.missed:
            lines.append(f"  expected to fire but did not: {', '.join(self.missed)}")
        if self.unexpected:
            lines.append(f"  fired but expected not to: {', '.join(self.unexpected)}")
        lines.extend(f"  {message}" for message in self.wrong_conclusions)
        lines.extend(f"  {message}" for message in self.conflicts)
        lines.append(f"  fired: {', '.join(self.fired) or '(nothing)'}")
        return "\n".join(lines)


def load_cases(pack_dir: Path, rulebook: Rulebook) -> list[Case]:
    """Every case of the pack; unknown rule ids and malformed cases are reported together."""
    problems: list[Problem] = []
    cases: list[Case] = []
    known = {rule.id for rule in rulebook.rules}
    seen: set[str] = set()
    tests_dir = pack_dir / "tests"
    if tests_dir.is_dir() and not inside(pack_dir, tests_dir):
        raise InputError(
            [Problem(str(tests_dir), message="resolves outside the rule pack; refused")]
        )
    for path in sorted(tests_dir.glob("*.yaml")):
        try:
            document = load_document(str(path), root=pack_dir)
        except InputError as error:
            problems.extend(error.problems)
            continue
        for case in _cases_of(document, problems):
            for rule_id in case.spec.fires + case.spec.not_fires:
                if rule_id not in known:
                    problems.append(
                        Problem(
                            case.file, case.line, None, case.spec.id, f"unknown rule id '{rule_id}'"
                        )
                    )
            if case.name in seen:
                problems.append(
                    Problem(case.file, case.line, None, case.spec.id, "duplicate case id")
                )
            seen.add(case.name)
            cases.append(case)
    if problems:
        raise InputError(problems)
    return cases


def _cases_of(document: SourceDocument, problems: list[Problem]) -> list[Case]:
    data = document.data
    if not isinstance(data, dict) or set(data) != {"cases"} or not isinstance(data["cases"], list):
        problems.append(
            Problem(document.name, 1, 1, message="a test file holds one key, 'cases', with a list")
        )
        return []
    cases = []
    for index, raw in enumerate(data["cases"]):
        base = ("cases", index)
        line = (document.locate(base) or (1, 1))[0]
        try:
            spec = CaseSpec.model_validate(raw)
        except ValidationError as error:
            problems.extend(problems_from(error, document, CaseSpec, base))
            continue
        cases.append(Case(spec, document.name, line, document, base))
    return cases


class CaseRunner:
    """Runs cases, compiling the rulebook once for each distinct set of case parameters."""

    def __init__(self, rulebook: Rulebook) -> None:
        self._rulebook = rulebook
        self._advisors: dict[str, Advisor] = {}

    def _advisor(self, case: Case) -> Advisor:
        key = json.dumps(case.spec.parameters, sort_keys=True)
        if key not in self._advisors:
            where = f"{case.file}:{case.line}"
            rulebook = with_parameters(self._rulebook, case.spec.parameters, where)
            self._advisors[key] = open_advisor(rulebook=rulebook)
        return self._advisors[key]

    def _diagnose(self, case: Case, answers: dict[str, Any], number: int = 0) -> Diagnosis:
        answers = dict(answers)
        name = DEFAULT_ACCOUNT_NAME if not number else f"{DEFAULT_ACCOUNT_NAME} {number}"
        answers["account"] = {"name": name, **(answers.get("account") or {})}
        questionnaire = validate_questionnaire(
            SourceDocument(f"{case.file}:{case.line}", answers), self._rulebook.questionnaire
        )
        return self._advisor(case).diagnose(questionnaire)

    def run(self, case: Case) -> CaseResult:
        if case.spec.portfolio is not None:
            return self._run_portfolio(case, case.spec.portfolio)
        diagnosis = self._diagnose(case, case.spec.questionnaire)
        result = _compare(case, diagnosis.fired_rules, diagnosis.conclusions)
        result.wrong_conclusions.extend(_placement_mismatches(case.spec, diagnosis))
        result.conflicts = [
            f"contradictory findings fired together: {first} and {second}"
            for first, second in conflicting_findings(diagnosis, self._advisor(case).rulebook)
        ]
        return result

    def _run_portfolio(self, case: Case, portfolio: PortfolioCase) -> CaseResult:
        from kamadvisor.portfolio import AccountResult, portfolio_report
        from kamadvisor.programme import Programme

        accounts = [
            AccountResult.of(f"account {n}", self._diagnose(case, answers, n))
            for n, answers in enumerate(portfolio.accounts, start=1)
        ]
        try:
            programme = (
                Programme.model_validate(portfolio.programme) if portfolio.programme else None
            )
        except ValidationError as error:
            where = (*case.base, "portfolio", "programme")
            document = case.document or SourceDocument(case.file, None, {(): (case.line, 1)})
            raise InputError(problems_from(error, document, Programme, where)) from None
        rulebook = self._advisor(case).rulebook
        report = portfolio_report(accounts, [], 0, programme, rulebook, None)
        return _compare(case, [finding.rule_id for finding in report.findings], {})

    def close(self) -> None:
        for advisor in self._advisors.values():
            advisor.close()
        self._advisors = {}


def conflicting_findings(diagnosis: Diagnosis, rulebook: Rulebook) -> list[tuple[str, str]]:
    """Pairs of reported findings the pack declares contradictory (`conflicts_with`)."""
    reported = {finding.rule_id for finding in diagnosis.findings}
    for finding in diagnosis.findings:
        reported.update(subsumed.rule_id for subsumed in finding.subsumes)
    pairs: set[tuple[str, str]] = set()
    for rule in rulebook.rules:
        if rule.id not in reported:
            continue
        for other in rule.spec.conflicts_with:
            if other in reported:
                pairs.add(tuple(sorted((rule.id, other))))  # type: ignore[arg-type]
    return sorted(pairs)


def _compare(case: Case, fired: list[str], conclusions: dict[str, list[str]]) -> CaseResult:
    result = CaseResult(case, fired=fired)
    result.missed = [rule_id for rule_id in case.spec.fires if rule_id not in fired]
    result.unexpected = [rule_id for rule_id in case.spec.not_fires if rule_id in fired]
    for name, expected in case.spec.concludes.items():
        actual = conclusions.get(name, [])
        if expected is None and actual:
            result.wrong_conclusions.append(
                f"{name}: expected no conclusion, got {', '.join(actual)}"
            )
        elif expected is not None and expected not in actual:
            shown = ", ".join(actual) or "nothing"
            result.wrong_conclusions.append(f"{name}: expected {expected}, got {shown}")
    return result


def _placement_mismatches(spec: CaseSpec, diagnosis: Diagnosis) -> list[str]:
    """Straddles, confidence and ruled-out values the case expects, against the diagnosis."""
    wrong: list[str] = []
    for name, expected in spec.straddles.items():
        placement = diagnosis.placements.get(name)
        actual = placement.straddles if placement else []
        if actual != expected:
            wrong.append(
                f"{name}: expected to straddle {expected or 'nothing'}, got {actual or 'nothing'}"
            )
    for name, level in spec.confidence.items():
        placement = diagnosis.placements.get(name)
        actual_level = placement.confidence if placement else None
        if actual_level != level:
            wrong.append(f"{name}: expected confidence {level}, got {actual_level}")
    for name, values in spec.rules_out.items():
        placement = diagnosis.placements.get(name)
        ruled_out = (
            {row.value for row in placement.tally if row.ruled_out_by} if placement else set()
        )
        if set(values) != ruled_out:
            wrong.append(f"{name}: expected {sorted(values)} ruled out, got {sorted(ruled_out)}")
    return wrong
