"""The blank questionnaire `questionnaire new` prints: every field commented with its meaning and scale."""

from __future__ import annotations

import json
import typing

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kamadvisor.diagnosis import Diagnosis
from kamadvisor.questionnaire import (
    ActionStatus,
    Contact,
    PreviousAction,
    PreviousPlan,
    Questionnaire,
    TeamMember,
)
from kamadvisor.questions import sections_of
from kamadvisor.typeinfo import is_list, literal_values

HEADER = """\
# kamadvisor account questionnaire
# Answer what you know; leave the rest empty. An empty answer means "not answered", which is
# different from "no", 0 or an empty list []: the diagnosis never reads it as a negative, and the
# memo lists every question left open. Only account.name is required.
"""


def _comment(field: FieldInfo) -> str:
    text = field.description or ""
    allowed = list(literal_values(field.annotation))
    labels = (
        field.json_schema_extra.get("x-labels")
        if isinstance(field.json_schema_extra, dict)
        else None
    )
    if isinstance(labels, dict):  # a pack's question: each value with the label it gave
        allowed = [f"{value} ({labels[value]})" if value in labels else value for value in allowed]
    if allowed and is_list(field.annotation):
        text += f" List, any of: {', '.join(allowed)}."
    elif allowed:
        text += f" One of: {', '.join(allowed)}."
    return text


def _field_lines(model: type[BaseModel], indent: str, item: bool = False) -> list[str]:
    """One `key:  # comment` line a field; `item` starts a list entry ("- ") on the first line."""
    width = max(len(name) for name in model.model_fields) + 2
    lines = []
    for index, (name, field) in enumerate(model.model_fields.items()):
        lead = ("- " if index == 0 else "  ") if item else ""
        lines.append(f"{indent}{lead}{name + ':':<{width}}  # {_comment(field)}")
    return lines


def blank_questionnaire(
    account_name: str = "New account", questionnaire: type[Questionnaire] = Questionnaire
) -> str:
    """Every question of `questionnaire` (the rulebook's: house packs' questions included)."""
    lines = [HEADER]
    for section, model in sections_of(questionnaire).items():
        description = questionnaire.model_fields[section].description or model.__doc__ or ""
        if description and "Usage docs" not in description:
            lines.append(f"# {description.strip().splitlines()[0]}")
        lines.append(f"{section}:")
        for line in _field_lines(model, "  "):
            if section == "account" and line.lstrip().startswith("name:"):
                line = f"  name: {json.dumps(account_name)}  # required: {_comment(model.model_fields['name'])}"
            lines.append(line)
            if line.lstrip().startswith("members:"):
                lines.append("    # one entry a person, for example:")
                lines.extend("    # " + entry for entry in _field_lines(TeamMember, "", item=True))
        lines.append("")
        if section == "relationship":
            lines.append(f"# {Questionnaire.model_fields['contacts'].description}")
            lines.append("contacts:")
            lines.append("  # one entry a person, for example:")
            lines.extend("  # " + entry for entry in _field_lines(Contact, "", item=True))
            lines.append("")
    lines.extend(_previous_plan_lines())
    return "\n".join(lines)


def _previous_plan_lines() -> list[str]:
    """Commented out: a first assessment has no previous plan to follow up."""
    lines = [f"# {Questionnaire.model_fields['previous_plan'].description}"]
    lines.append("# previous_plan:")
    lines.extend("#   " + line for line in _field_lines(PreviousPlan, ""))
    lines.append("#     # one entry an action of the previous plan, for example:")
    lines.extend("#     " + entry for entry in _field_lines(PreviousAction, "", item=True))
    lines.append("")
    return lines


def previous_plan_block(diagnosis: Diagnosis) -> str:
    """The `previous_plan` section for the next review of this assessment: its 90-day actions,
    each with an empty status to fill in (an empty status stays unanswered, never "not done")."""
    lines = [
        f"# The 90-day plan of the assessment of {diagnosis.assessed_on or 'an undated day'}"
        f" ({diagnosis.account.name}): at the review, fill in each action's status.",
        "previous_plan:",
    ]
    if diagnosis.assessed_on is not None:
        lines.append(f"  began: {diagnosis.assessed_on.isoformat()}")
    if not diagnosis.actions:
        lines.append("  actions: []")
    else:
        lines.append("  actions:")
    choices = ", ".join(typing.get_args(ActionStatus))
    for action in diagnosis.actions:
        lines.extend(
            [
                f"    - what: {json.dumps(action.what, ensure_ascii=False)}",
                f"      owner: {json.dumps(action.owner, ensure_ascii=False)}",
                f"      due_day: {action.due_day}",
                f"      answers: {action.rule_id}",
                f"      status:    # one of: {choices}; leave empty when not known",
            ]
        )
    return "\n".join(lines) + "\n"
