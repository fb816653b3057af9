"""`explain`: why a rule fired for a questionnaire, or why it did not."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus


def explain(
    env: Environment,
    questionnaire_file: str,
    rule_id: str,
    as_of: date | None,
    house_packs: tuple[Path, ...],
) -> ExitStatus:
    from kamadvisor.api import open_advisor
    from kamadvisor.explain import explain_rule
    from kamadvisor.questionnaire import load_questionnaire

    with open_advisor(house_packs) as advisor:
        questionnaire = load_questionnaire(
            questionnaire_file, advisor.rulebook.questionnaire, stdin=env.stdin
        )
        lines = explain_rule(advisor, questionnaire, rule_id.upper(), as_of)
    env.echo("\n".join(lines))
    return ExitStatus.OK
