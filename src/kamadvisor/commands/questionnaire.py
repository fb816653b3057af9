"""`questionnaire new|schema|plan|template`: blank questionnaires, their schema and the next
review's plan section."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus

if TYPE_CHECKING:
    from kamadvisor.questionnaire import Questionnaire


def questionnaire_model(house_packs: tuple[Path, ...]) -> type[Questionnaire]:
    """The questionnaire of the base pack with the house packs' questions added."""
    from kamadvisor.questionnaire import Questionnaire
    from kamadvisor.rulebook import load_rulebook

    if not house_packs:
        return Questionnaire
    return load_rulebook(house_packs=list(house_packs)).questionnaire


def new(env: Environment, name: str, house_packs: tuple[Path, ...] = ()) -> ExitStatus:
    from kamadvisor.blank import blank_questionnaire
    from kamadvisor.schema_registry import yaml_modeline

    # The committed schema is the base questionnaire's: a house pack's questions are not in it.
    modeline = "" if house_packs else yaml_modeline()
    env.echo(modeline + blank_questionnaire(name, questionnaire_model(house_packs)), nl=False)
    return ExitStatus.OK


def schema(env: Environment, house_packs: tuple[Path, ...] = ()) -> ExitStatus:
    from kamadvisor.contract import dump_json
    from kamadvisor.schema_registry import questionnaire_schema

    env.echo(dump_json(questionnaire_schema(questionnaire_model(house_packs))), nl=False)
    return ExitStatus.OK


def plan(env: Environment, questionnaire_file: str, house_packs: tuple[Path, ...]) -> ExitStatus:
    from kamadvisor.api import diagnose_file, open_advisor
    from kamadvisor.blank import previous_plan_block

    with open_advisor(house_packs) as advisor:
        diagnosis = diagnose_file(questionnaire_file, advisor, stdin=env.stdin)
    env.echo(previous_plan_block(diagnosis), nl=False)
    return ExitStatus.OK


def template(env: Environment, output: str, house_packs: tuple[Path, ...] = ()) -> ExitStatus:
    from kamadvisor.workbook import write_template

    write_template(output, questionnaire_model(house_packs))
    env.say(f"wrote {output}")
    return ExitStatus.OK
