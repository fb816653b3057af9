"""An unanswered question never fires a rule: no rule may read "not answered" as "no".

For every rule that fires on a real questionnaire (the examples and the pack's own cases) and
reads only the account's facts, remove the answers its facts are derived from: it must go quiet.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from kamadvisor.api import Advisor
from kamadvisor.casetest import DEFAULT_ACCOUNT_NAME, load_cases
from kamadvisor.conditions import ConcludedTest, has_negation, iter_tests
from kamadvisor.facts import fact_catalogue
from kamadvisor.questionnaire import validate_questionnaire
from kamadvisor.rulebook import Rule, base_pack_dir, load_rulebook
from kamadvisor.sourcefile import SourceDocument

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


def _questionnaires() -> list[tuple[str, dict[str, Any]]]:
    found = [(e.stem, yaml.safe_load(e.read_text(encoding="utf-8"))) for e in EXAMPLES]
    for case in load_cases(base_pack_dir(), load_rulebook()):
        if not case.spec.parameters and case.spec.fires and case.spec.portfolio is None:
            answers = copy.deepcopy(case.spec.questionnaire)
            answers["account"] = {"name": DEFAULT_ACCOUNT_NAME, **(answers.get("account") or {})}
            found.append((case.name, answers))
    return found


def _reads_only_answers(rule: Rule) -> bool:
    """Rules on answers alone; a `not` deliberately holds on unanswered questions (an exception)."""
    tests = iter_tests(rule.condition)
    return not has_negation(rule.condition) and not any(isinstance(t, ConcludedTest) for t in tests)


def _strip(answers: dict[str, Any], path: str) -> None:
    """Remove one answer (`relationship.team_model`, or a whole list such as `contacts`)."""
    parts = path.split(".")
    node: Any = answers
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            return
        node = node[part]
    if isinstance(node, dict):
        node.pop(parts[-1], None)


def _diagnose(advisor: Advisor, answers: dict[str, Any]) -> list[str]:
    questionnaire = validate_questionnaire(SourceDocument("test", answers))
    return advisor.diagnose(questionnaire).fired_rules


QUESTIONNAIRES = _questionnaires()


@pytest.mark.parametrize(
    ("name", "answers"), QUESTIONNAIRES, ids=[name for name, _ in QUESTIONNAIRES]
)
def test_removing_a_rules_answers_silences_it(
    name: str, answers: dict[str, Any], advisor: Advisor
) -> None:
    catalogue = fact_catalogue()
    fired = _diagnose(advisor, answers)
    checked = 0
    for rule_id in fired:
        rule = advisor.rulebook.rule(rule_id)
        if not _reads_only_answers(rule):
            continue
        stripped = copy.deepcopy(answers)
        for fact in rule.referenced_facts():
            for source in catalogue[fact].derived_from:
                _strip(stripped, source)
        assert rule_id not in _diagnose(advisor, stripped), (
            f"{rule_id} fired on unanswered questions"
        )
        checked += 1
    assert checked or not fired


def test_the_blank_questionnaire_fires_nothing(advisor: Advisor) -> None:
    assert _diagnose(advisor, {"account": {"name": "Blank"}}) == []
