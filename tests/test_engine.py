"""The durable_rules adapter: chaining across strata, sessions released, limits respected."""

from __future__ import annotations

import resource

import pytest

from kamadvisor.api import Advisor
from kamadvisor.compiler import compile_rulebook, engine_fact, engine_number
from kamadvisor.engine import RuleEngine
from kamadvisor.rulebook import Rulebook

TRANSACTIONAL_STRATEGIC = {
    "attractiveness.spend_potential": 8,
    "scores.attractiveness": 8.0,
    "scores.business_strength": 7.0,
    "kam.targets": ["monthly_volume"],
    "kam.authority_over_price": "none",
    "kam.title": "key_account_manager",
    "relationship.focus": "our_product",
}


def test_conclusions_chain_into_later_strata(base_rulebook: Rulebook) -> None:
    with RuleEngine(compile_rulebook(base_rulebook)) as engine:
        result = engine.run(TRANSACTIONAL_STRATEGIC)
    concluded = {(item.name, item.value) for item in result.conclusions}
    assert ("phase", "transactional_selling") in concluded
    assert ("category", "strategic") in concluded
    # Three strata deep: signals -> phase -> a rule on the concluded phase and category.
    assert "INVEST-UNDER-STRATEGIC-TRANSACTIONAL" in result.fired
    assert "PHASE-KAM-TITLE-TRANSACTIONAL" in result.fired
    assert result.fired.index("PHASE-TRANSACTIONAL") < result.fired.index(
        "PHASE-KAM-TITLE-TRANSACTIONAL"
    )


def test_a_gate_rules_a_phase_out_whatever_its_evidence(base_rulebook: Rulebook) -> None:
    facts = {
        **TRANSACTIONAL_STRATEGIC,
        "relationship.offer_tailoring": "bespoke",
        "relationship.team_model": "permanent_multidisciplinary",
    }
    with RuleEngine(compile_rulebook(base_rulebook)) as engine:
        result = engine.run(facts)
    phases = [item for item in result.conclusions if item.name == "phase"]
    assert [(p.value, p.rule_id) for p in phases] == [("bespoke_solution", "PHASE-BESPOKE")]
    rows = {row.value: row for row in result.tallies["phase"].rows}
    # The transactional evidence weighs more, but a permanent team is never transactional selling.
    assert rows["transactional_selling"].support > rows["bespoke_solution"].support
    assert rows["transactional_selling"].ruled_out_by == ("PHASE-GATE-T-TEAM",)
    assert [p for p in result.overruled if p.name == "phase"] == []
    assert "PHASE-KAM-TITLE-TRANSACTIONAL" not in result.fired


def test_a_placement_is_added_up_once_its_signals_are_in(base_rulebook: Rulebook) -> None:
    with RuleEngine(compile_rulebook(base_rulebook)) as engine:
        result = engine.run(TRANSACTIONAL_STRATEGIC)
    tally = result.tallies["phase"]
    assert tally.placed == "transactional_selling"
    assert set(tally.counted) == {
        "PHASE-T-MONTHLY-VOLUME",
        "PHASE-T-NO-PRICE-AUTHORITY",
        "PHASE-T-PRODUCT-FOCUS",
    }
    assert result.fired.index("PHASE-T-PRODUCT-FOCUS") < result.fired.index("PHASE-TRANSACTIONAL")


def test_sessions_are_released_after_each_account(base_rulebook: Rulebook) -> None:
    # The engine holds at most 1,024 live sessions a ruleset; 3,000 accounts prove each is deleted,
    # including accounts where nothing matches at all.
    with RuleEngine(compile_rulebook(base_rulebook)) as engine:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for index in range(1500):
            engine.run(TRANSACTIONAL_STRATEGIC if index % 2 else {})
            engine.run({})
        grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50_000


def test_an_account_that_matches_nothing_is_normal(base_rulebook: Rulebook) -> None:
    with RuleEngine(compile_rulebook(base_rulebook)) as engine:
        result = engine.run({})
    assert result.fired == []
    assert result.conclusions == []


def test_same_facts_same_firings_in_the_same_order(advisor: Advisor) -> None:
    first = advisor.engine.run(TRANSACTIONAL_STRATEGIC)
    second = advisor.engine.run(TRANSACTIONAL_STRATEGIC)
    assert first.fired == second.fired


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1e-05, 0.0), (0.12345678, 0.1235), (2.5, 2.5), (1e16, 10**16), (7, 7), ("x", "x")],
)
def test_numbers_reach_the_engine_without_exponents(value: object, expected: object) -> None:
    assert engine_number(value) == expected
    assert "e" not in str(engine_number(value)).replace("x", "")


def test_sets_are_expanded_into_members_and_a_count() -> None:
    fact = engine_fact({"kam.targets": ["profit"], "relationship.team_model": "individual"})
    assert fact["kam__targets__has__profit"] is True
    assert fact["kam__targets__has__monthly_volume"] is False
    assert fact["kam__targets__count"] == 1
    assert fact["relationship__team_model"] == "individual"
    assert fact["kind"] == "account"


def test_rulesets_stay_within_the_engine_limits(base_rulebook: Rulebook) -> None:
    compiled = compile_rulebook(base_rulebook)
    for stratum in compiled.strata:
        for ruleset in stratum:
            assert len(ruleset.rules) <= 40
            for definition in ruleset.definition.values():
                assert len(definition["all"]) <= 16
