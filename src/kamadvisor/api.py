"""The plain API under the CLI: load a pack once, then diagnose questionnaires with it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from kamadvisor.compiler import CompiledRulebook, compile_rulebook
from kamadvisor.derivations import DerivationPlan
from kamadvisor.diagnosis import Diagnosis, build_diagnosis
from kamadvisor.engine import RuleEngine
from kamadvisor.errors import InputError, Problem
from kamadvisor.facts import AccountFacts, derive_facts
from kamadvisor.firing import EngineResult
from kamadvisor.questionnaire import Questionnaire, load_questionnaire, validate_questionnaire
from kamadvisor.rulebook import Rulebook, load_rulebook
from kamadvisor.sourcefile import SourceDocument


@dataclass
class Advisor:
    """A compiled rulebook and its engine; reuse one for many accounts, close it when done."""

    rulebook: Rulebook = field(repr=False)
    compiled: CompiledRulebook = field(repr=False)
    _engine: RuleEngine | None = field(default=None, repr=False)

    @functools.cached_property
    def plan(self) -> DerivationPlan:
        return self.rulebook.derivation_plan()

    @property
    def engine(self) -> RuleEngine:
        if self._engine is None:
            self._engine = RuleEngine(self.compiled)
        return self._engine

    def run(
        self, questionnaire: Questionnaire, as_of: date | None = None
    ) -> tuple[AccountFacts, EngineResult]:
        """The account's facts and what the engine concluded from them."""
        check_effective_date(questionnaire, as_of)
        facts = derive_facts(questionnaire, self.plan, as_of)
        return facts, self.engine.run(dict(facts.values))

    def diagnose(self, questionnaire: Questionnaire, as_of: date | None = None) -> Diagnosis:
        facts, result = self.run(questionnaire, as_of)
        return build_diagnosis(questionnaire, facts, result, self.rulebook, as_of)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __enter__(self) -> Advisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_effective_date(questionnaire: Questionnaire, as_of: date | None) -> None:
    """`--date` stands in for a missing assessment date: it must not precede the plan's review."""
    reviewed = questionnaire.planning.last_reviewed
    if questionnaire.account.assessment_date is None and as_of and reviewed and reviewed > as_of:
        raise InputError(
            [
                Problem(
                    "--date",
                    path="planning.last_reviewed",
                    message=f"{reviewed} is after the assessment date {as_of} given with --date",
                )
            ]
        )


def open_advisor(
    house_packs: list[Path] | tuple[Path, ...] = (), rulebook: Rulebook | None = None
) -> Advisor:
    """An advisor over the bundled base pack with the given house packs layered over it."""
    loaded = rulebook or load_rulebook(house_packs=list(house_packs))
    return Advisor(rulebook=loaded, compiled=compile_rulebook(loaded))


def diagnose_file(
    path: str, advisor: Advisor, as_of: date | None = None, stdin: TextIO | None = None
) -> Diagnosis:
    return advisor.diagnose(
        load_questionnaire(path, advisor.rulebook.questionnaire, stdin=stdin), as_of
    )


def diagnose_answers(
    answers: dict[str, Any], house_packs: tuple[str, ...] = (), as_of: date | None = None
) -> dict[str, Any]:
    """One account, as a pure function: a questionnaire's answers (plain data, as a YAML or JSON
    file holds them) in, its diagnosis out (the data `memo -f json` writes). The same answers
    and packs always give the same diagnosis, and nothing but the arguments crosses in or out,
    so it can be mapped over many accounts by any process pool or cluster scheduler. Each
    process opens the packs' advisor once and keeps it."""
    advisor = _process_advisor(house_packs)
    questionnaire = validate_questionnaire(
        SourceDocument("answers", answers), advisor.rulebook.questionnaire
    )
    diagnosis = advisor.diagnose(questionnaire, as_of)
    return diagnosis.model_dump(mode="json")


@functools.cache
def _process_advisor(house_packs: tuple[str, ...]) -> Advisor:
    return open_advisor(tuple(Path(pack) for pack in house_packs))
