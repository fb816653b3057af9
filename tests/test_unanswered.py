"""An unanswered question never fires a rule: no rule may read "not answered" as "no".

For every rule that fires on a real questionnaire (the examples and the pack's own cases), remove
the answers its positive tests read (those outside a `not`): it must go quiet. An exception
(`not`) or a concluded fact cannot make a rule fire on answers that are not there; a rule whose
condition would still hold with every positive test false is reported, because it would read
unanswered questions as an answer.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from kamadvisor.api import Advisor
from kamadvisor.casetest import DEFAULT_ACCOUNT_NAME, load_cases
from kamadvisor.conditions import ConcludedTest, Condition, FactTest, Group, Not
from kamadvisor.questionnaire import validate_questionnaire
from kamadvisor.rulebook import Rulebook, base_pack_dir, load_rulebook
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


def _positive_facts(condition: Condition) -> list[str]:
    """Facts read by tests outside any `not`: the answers a rule needs to be given."""
    if isinstance(condition, Group):
        return [name for item in condition.items for name in _positive_facts(item)]
    if isinstance(condition, FactTest):
        return [condition.fact]
    return []


def _holds_without_answers(condition: Condition) -> bool:
    """Could the condition hold with every positive fact test false? Concluded tests are taken as
    true (the most a placement can give), exceptions as holding (their answers are missing)."""
    if isinstance(condition, Group):
        results = [_holds_without_answers(item) for item in condition.items]
        return all(results) if condition.mode == "all" else any(results)
    if isinstance(condition, Not):
        return True
    return isinstance(condition, ConcludedTest)


def test_no_rule_holds_on_missing_answers_alone(base_rulebook: Rulebook) -> None:
    assert [
        rule.id
        for rule in base_rulebook.scoped("account")
        if _holds_without_answers(rule.condition)
        # Rules that read answers positively; answers read only in an exception ("unless it
        # loses money") are the `not` form working as meant.
        and _positive_facts(rule.condition)
    ] == []


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
    catalogue = advisor.rulebook.catalogue("account")
    fired = _diagnose(advisor, answers)
    checked = 0
    for rule_id in fired:
        rule = advisor.rulebook.rule(rule_id)
        if not _positive_facts(rule.condition):
            continue
        stripped = copy.deepcopy(answers)
        for fact in dict.fromkeys(_positive_facts(rule.condition)):
            for source in catalogue[fact].derived_from:
                _strip(stripped, source)
        assert rule_id not in _diagnose(advisor, stripped), (
            f"{rule_id} fired on unanswered questions"
        )
        checked += 1
    assert checked or not fired


def test_the_blank_questionnaire_fires_nothing(advisor: Advisor) -> None:
    assert _diagnose(advisor, {"account": {"name": "Blank"}}) == []
