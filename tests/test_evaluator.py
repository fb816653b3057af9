"""One condition semantics, two evaluators: durable_rules and the plain-Python evaluator must fire
the same rules, in the same order, with the same conclusions and signals, on every pack case,
every example and a generated set of questionnaires."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import questionnaire_strategy

from kamadvisor.casetest import DEFAULT_ACCOUNT_NAME, Case, load_cases
from kamadvisor.compiler import CompiledRulebook, compile_rulebook
from kamadvisor.diagnosis import build_diagnosis
from kamadvisor.engine import EngineResult, RuleEngine
from kamadvisor.evaluator import PythonEvaluator, UnsupportedCondition, compile_expression
from kamadvisor.facts import derive_facts
from kamadvisor.portfolio import AccountResult, PortfolioRun, run_portfolio
from kamadvisor.portfolio_facts import derive_portfolio_facts
from kamadvisor.programme import Programme
from kamadvisor.questionnaire import load_questionnaire, validate_questionnaire
from kamadvisor.rulebook import Rulebook, base_pack_dir, load_rulebook, with_parameters
from kamadvisor.sourcefile import SourceDocument

ROOT = Path(__file__).resolve().parents[1]
BASE = load_rulebook()
HOUSE_PACK = ROOT / "examples" / "house-pack"
HOUSE = load_rulebook(house_packs=[HOUSE_PACK])
CASES = [(BASE, case) for case in load_cases(base_pack_dir(), BASE)] + [
    (HOUSE, case) for case in load_cases(HOUSE_PACK, HOUSE)
]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


class Pair:
    """The engine and the evaluator over one compiled rulebook."""

    def __init__(self, compiled: CompiledRulebook) -> None:
        self.engine = RuleEngine(compiled)
        self.evaluator = PythonEvaluator(compiled)

    def results(self, facts: dict[str, Any]) -> tuple[EngineResult, EngineResult]:
        return self.engine.run(facts), self.evaluator.run(facts)


class Pairs:
    def __init__(self) -> None:
        self._pairs: dict[tuple[int, str], tuple[Rulebook, Pair]] = {}

    def of(self, rulebook: Rulebook, scope: str = "account") -> Pair:
        key = (id(rulebook), scope)
        if key not in self._pairs:
            self._pairs[key] = (rulebook, Pair(compile_rulebook(rulebook, scope=scope)))
        return self._pairs[key][1]

    def close(self) -> None:
        for _, pair in self._pairs.values():
            pair.engine.close()


@pytest.fixture(scope="module")
def pairs() -> Iterator[Pairs]:
    opened = Pairs()
    yield opened
    opened.close()


def assert_identical(engine: EngineResult, evaluator: EngineResult, where: str) -> None:
    assert evaluator.fired == engine.fired, f"{where}: firings differ"
    assert evaluator.signals == engine.signals, f"{where}: signals differ"
    assert evaluator.conclusions == engine.conclusions, f"{where}: conclusions differ"
    assert evaluator.overruled == engine.overruled, f"{where}: overruled differ"


_RULEBOOKS: dict[tuple[int, str], Rulebook] = {}


def case_rulebook(rulebook: Rulebook, case: Case) -> Rulebook:
    key = (id(rulebook), json.dumps(case.spec.parameters, sort_keys=True))
    if key not in _RULEBOOKS:
        _RULEBOOKS[key] = with_parameters(rulebook, case.spec.parameters, case.name)
    return _RULEBOOKS[key]


def account_facts(answers: dict[str, Any], rulebook: Rulebook, name: str) -> dict[str, Any]:
    answers = {**answers, "account": {"name": name, **(answers.get("account") or {})}}
    questionnaire = validate_questionnaire(SourceDocument(name, answers), rulebook.questionnaire)
    return dict(derive_facts(questionnaire, rulebook.derivation_plan()).values)


@pytest.mark.parametrize(
    ("rulebook", "case"), CASES, ids=[f"{rb.packs[-1].name}:{case.name}" for rb, case in CASES]
)
def test_every_pack_case_fires_identically(rulebook: Rulebook, case: Case, pairs: Pairs) -> None:
    rulebook = case_rulebook(rulebook, case)
    pair = pairs.of(rulebook)
    if case.spec.portfolio is None:
        facts = account_facts(case.spec.questionnaire, rulebook, DEFAULT_ACCOUNT_NAME)
        engine, evaluator = pair.results(facts)
        assert_identical(engine, evaluator, case.name)
        return
    accounts = []
    for number, answers in enumerate(case.spec.portfolio.accounts, start=1):
        name = f"{DEFAULT_ACCOUNT_NAME} {number}"
        questionnaire = validate_questionnaire(
            SourceDocument(
                name, {**answers, "account": {"name": name, **answers.get("account", {})}}
            ),
            rulebook.questionnaire,
        )
        derived = derive_facts(questionnaire, rulebook.derivation_plan())
        engine, evaluator = pair.results(dict(derived.values))
        assert_identical(engine, evaluator, f"{case.name} account {number}")
        accounts.append(
            AccountResult.of(name, build_diagnosis(questionnaire, derived, engine, rulebook))
        )
    programme = (
        Programme.model_validate(case.spec.portfolio.programme)
        if case.spec.portfolio.programme
        else None
    )
    facts = derive_portfolio_facts(accounts, 0, programme, rulebook.portfolio_facts)
    engine, evaluator = pairs.of(rulebook, "portfolio").results(facts)
    assert_identical(engine, evaluator, f"{case.name} portfolio")


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_every_example_fires_identically(path: Path, pairs: Pairs) -> None:
    for rulebook in (BASE, HOUSE):
        questionnaire = load_questionnaire(str(path))
        facts = dict(derive_facts(questionnaire, rulebook.derivation_plan()).values)
        engine, evaluator = pairs.of(rulebook).results(facts)
        assert engine.fired, f"{path.name}: nothing fired, the comparison proves nothing"
        assert_identical(engine, evaluator, path.name)


def test_the_example_portfolio_fires_identically(pairs: Pairs) -> None:
    from kamadvisor.tabular import read_batch

    batch = read_batch(ROOT / "examples" / "portfolio" / "accounts.xlsx")
    compared = 0
    for record in batch.records:
        try:
            questionnaire = validate_questionnaire(record.document)
        except Exception:
            continue
        facts = dict(derive_facts(questionnaire, BASE.derivation_plan()).values)
        engine, evaluator = pairs.of(BASE).results(facts)
        assert_identical(engine, evaluator, record.source)
        compared += 1
    assert compared == 12


GENERATED = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@GENERATED
@given(data=questionnaire_strategy())
def test_generated_questionnaires_fire_identically(data: dict[str, Any], pairs: Pairs) -> None:
    answers = json.loads(json.dumps(data, default=str))
    questionnaire = validate_questionnaire(SourceDocument("generated", answers))
    facts = dict(derive_facts(questionnaire, BASE.derivation_plan()).values)
    engine, evaluator = pairs.of(BASE).results(facts)
    assert_identical(engine, evaluator, "generated")


def test_the_evaluator_refuses_operators_outside_the_compiled_language() -> None:
    with pytest.raises(UnsupportedCondition, match=r"\$mt"):
        compile_expression({"$mt": {"name": "a.*"}})


@pytest.mark.parametrize(
    ("expression", "fact", "holds"),
    [
        ({"x": 1}, {"x": 1}, True),
        ({"x": 1}, {"x": True}, False),  # a boolean is not a number, unlike Python's True == 1
        ({"x": True}, {"x": 1}, False),
        ({"$gt": {"x": 5}}, {}, False),  # unanswered satisfies no comparison
        ({"$nex": {"x": 1}}, {}, True),
        ({"$neq": {"x": "a"}}, {"x": "b"}, True),
        ({"$lt": {"x": {"$m": "y"}}}, {"x": 1, "y": 2.5}, True),
        ({"$lt": {"x": {"$m": "y"}}}, {"x": 1}, False),
        ({"$or": [{"x": 1}, {"y": 2}]}, {"y": 2}, True),
        ({"$and": [{"x": 1}, {"y": 2}]}, {"y": 2}, False),
    ],
)
def test_conditions_hold_as_in_the_engine(
    expression: dict[str, Any], fact: dict[str, Any], holds: bool
) -> None:
    assert compile_expression(expression)(fact) is holds


def test_portfolio_summaries_equal_the_full_diagnosis(tmp_path: Path) -> None:
    """The portfolio's summary path, which skips building the diagnosis, gives the accounts the
    memo path gives (same placements, findings in the same order, same figures)."""
    source = ROOT / "examples" / "portfolio" / "accounts.xlsx"
    summary = run_portfolio(PortfolioRun(path=source), BASE)
    full = run_portfolio(PortfolioRun(path=source, memos=(tmp_path, "json")), BASE)
    assert len(summary.accounts) == 12
    for short, long in zip(summary.accounts, full.accounts, strict=True):
        assert short == long.model_copy(update={"memo": None})
    assert summary.findings == full.findings
