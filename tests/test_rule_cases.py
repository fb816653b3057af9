"""The base pack's own cases (rules/tests/*.yaml), run through the real engine.

`pytest -k RULE-ID` runs the cases of one rule: case ids start with the rule they test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kamadvisor.casetest import Case, CaseRunner, load_cases
from kamadvisor.rulebook import base_pack_dir, load_rulebook

RULEBOOK = load_rulebook()
CASES = load_cases(base_pack_dir(), RULEBOOK)


@pytest.fixture(scope="module")
def runner() -> Iterator[CaseRunner]:
    case_runner = CaseRunner(RULEBOOK)
    yield case_runner
    case_runner.close()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(case: Case, runner: CaseRunner) -> None:
    result = runner.run(case)
    assert result.passed, result.explain()


def test_every_rule_has_a_firing_case_and_a_near_miss() -> None:
    fires = {rule_id for case in CASES for rule_id in case.spec.fires}
    near_misses = {rule_id for case in CASES for rule_id in case.spec.not_fires}
    rule_ids = [rule.id for rule in RULEBOOK.rules]
    assert [r for r in rule_ids if r not in fires] == [], "rules without a case that fires them"
    assert [r for r in rule_ids if r not in near_misses] == [], "rules without a near-miss case"
