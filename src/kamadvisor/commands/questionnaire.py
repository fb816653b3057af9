"""`questionnaire new|schema|plan|template`: blank questionnaires, their schema and the next
review's plan section."""

from __future__ import annotations

import json
from pathlib import Path

from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus


def new(env: Environment, name: str) -> ExitStatus:
    from kamadvisor.blank import blank_questionnaire

    env.echo(blank_questionnaire(name), nl=False)
    return ExitStatus.OK


def schema(env: Environment) -> ExitStatus:
    from kamadvisor.questionnaire import Questionnaire

    env.echo(json.dumps(Questionnaire.model_json_schema(), indent=2, sort_keys=True))
    return ExitStatus.OK


def plan(env: Environment, questionnaire_file: str, house_packs: tuple[Path, ...]) -> ExitStatus:
    from kamadvisor.api import diagnose_file, open_advisor
    from kamadvisor.blank import previous_plan_block

    with open_advisor(house_packs) as advisor:
        diagnosis = diagnose_file(questionnaire_file, advisor, stdin=env.stdin)
    env.echo(previous_plan_block(diagnosis), nl=False)
    return ExitStatus.OK


def template(env: Environment, output: str) -> ExitStatus:
    from kamadvisor.workbook import write_template

    write_template(output)
    env.say(f"wrote {output}")
    return ExitStatus.OK
