"""The blank questionnaire `questionnaire new` prints: every field commented with its meaning and scale."""

from __future__ import annotations

import json
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kamadvisor.diagnosis import Diagnosis
from kamadvisor.questionnaire import ActionStatus, Questionnaire, Section
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
    """Every question of `questionnaire` (the rulebook's: house packs' questions included), in the
    order its declaration gives; a record answered whole (the previous plan) comes last, commented
    out: a first assessment leaves it out."""
    lines = [HEADER]
    sections = sections_of(questionnaire)
    whole: list[str] = []
    for name, field in questionnaire.model_fields.items():
        if name in sections:
            lines.extend(_section_lines(name, sections[name], field, account_name))
            continue
        record = _record_of(field.annotation)
        if record is None:
            continue
        if is_list(field.annotation):
            lines.extend([f"# {field.description}", f"{name}:", *_example(record, "  "), ""])
        else:
            whole.extend([f"# {field.description}", f"# {name}:"])
            whole.extend(_fields_with_examples(record, "#   "))
            whole.append("")
    return "\n".join([*lines, *whole])


def _section_lines(
    section: str, model: type[BaseModel], field: FieldInfo, account_name: str
) -> list[str]:
    lines = []
    description = field.description or model.__doc__ or ""
    if description and "Usage docs" not in description:
        lines.append(f"# {description.strip().splitlines()[0]}")
    lines.append(f"{section}:")
    for line in _fields_with_examples(model, "  "):
        if section == "account" and line.lstrip().startswith("name:"):
            line = f"  name: {json.dumps(account_name)}  # required: {_comment(model.model_fields['name'])}"
        lines.append(line)
    lines.append("")
    return lines


def _fields_with_examples(model: type[BaseModel], indent: str) -> list[str]:
    """The model's fields, each list of records followed by an example entry."""
    lines = []
    for line, field in zip(_field_lines(model, indent), model.model_fields.values(), strict=True):
        lines.append(line)
        record = _record_of(field.annotation)
        if record is not None and is_list(field.annotation):
            lines.extend(_example(record, indent + "  "))
    return lines


def _example(record: type[Section], indent: str) -> list[str]:
    """One entry of a list of records, commented out (inside a commented block, as it is)."""
    mark = "" if indent.startswith("#") else "# "
    lines = [f"{indent}# one entry {record.ENTRY}, for example:"]
    lines.extend(f"{indent}{mark}{entry}" for entry in _field_lines(record, "", item=True))
    return lines


def _record_of(annotation: Any) -> type[Section] | None:
    """The kind of record a list of records, or a record answered whole, holds."""
    if typing.get_origin(annotation) is None:
        is_record = isinstance(annotation, type) and issubclass(annotation, Section)
        return annotation if is_record else None
    for argument in typing.get_args(annotation):
        record = _record_of(argument)
        if record is not None:
            return record
    return None


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
