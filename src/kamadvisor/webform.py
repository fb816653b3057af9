"""The questionnaire as a web form: fields derived from the questionnaire's own models, and the
submitted form read back into plain data for the questionnaire's own validation.

Nothing here judges an answer. Text is turned into the value a person typed (a number, a date,
yes or no) only when it reads as one; anything else is passed on as text so that the
questionnaire's validation reports it exactly as the CLI would. An empty input is unanswered
(None), never "no", 0 or an empty list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kamadvisor.questionnaire import Questionnaire
from kamadvisor.typeinfo import base_type, field_bounds, is_list, literal_values, model_of

Kind = Literal["text", "integer", "number", "boolean", "choice", "choices", "date", "scale"]
NONE_OF_THESE = "__none__"
ROW_MARKER = "__row"
EMPTY_LIST = "__list"
SCALE_WIDTH = 10


@dataclass(frozen=True)
class FieldSpec:
    """One question: its dotted name, label, help text, input kind and allowed values."""

    name: str
    label: str
    description: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordsSpec:
    """A list of records (contacts, team members): each row asks the item model's fields."""

    name: str
    label: str
    description: str
    item_label: str
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class SectionSpec:
    name: str
    title: str
    description: str
    items: tuple[FieldSpec | RecordsSpec, ...]


@dataclass
class FormState:
    """What the form shows: the raw value of every field (by dotted name) and the row counts."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    answered_lists: set[str] = field(default_factory=set)


def questionnaire_form(model: type[BaseModel] = Questionnaire) -> tuple[SectionSpec, ...]:
    """The form's sections in the model's order, every field described as the model describes it."""
    sections: list[SectionSpec] = []
    for name, info in model.model_fields.items():
        section_model = model_of(info.annotation)
        if section_model is None:
            continue
        title = _humanise(name)
        if is_list(info.annotation):
            records = _records(name, info, section_model)
            sections.append(SectionSpec(name, title, records.description, (records,)))
            continue
        items = tuple(
            _item(f"{name}.{key}", sub) for key, sub in section_model.model_fields.items()
        )
        description = info.description or _docstring(section_model)
        sections.append(SectionSpec(name, title, description, items))
    return tuple(sections)


def _docstring(model: type[BaseModel]) -> str:
    text = (model.__doc__ or "").strip()
    return "" if "Usage docs" in text else text.splitlines()[0] if text else ""


def _item(name: str, info: FieldInfo) -> FieldSpec | RecordsSpec:
    item_model = model_of(info.annotation)
    if item_model is not None and is_list(info.annotation):
        return _records(name, info, item_model)
    return field_spec(name, info)


def _records(name: str, info: FieldInfo, item_model: type[BaseModel]) -> RecordsSpec:
    fields = tuple(field_spec(key, sub) for key, sub in item_model.model_fields.items())
    label = _humanise(name.rsplit(".", 1)[-1])
    return RecordsSpec(name, label, info.description or "", _humanise(item_model.__name__), fields)


def field_spec(name: str, info: FieldInfo) -> FieldSpec:
    annotation = info.annotation
    choices = tuple(literal_values(annotation))
    base = base_type(annotation)
    low, high = field_bounds(info)
    kind: Kind
    if choices:
        kind = "choices" if is_list(annotation) else "choice"
    elif base is bool:
        kind = "boolean"
    elif base is date:
        kind = "date"
    elif base is int and low is not None and high is not None and high - low < SCALE_WIDTH:
        kind = "scale"
        choices = tuple(str(value) for value in range(int(low), int(high) + 1))
    elif base is int:
        kind = "integer"
    elif base is float:
        kind = "number"
    else:
        kind = "text"
    return FieldSpec(
        name=name,
        label=_humanise(name.rsplit(".", 1)[-1]),
        description=info.description or "",
        kind=kind,
        required=info.is_required(),
        choices=choices,
    )


def _humanise(name: str) -> str:
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").strip()
    text = re.sub(r"\bpct\b", "(%)", words)
    text = re.sub(r"\b(kam|id)\b", lambda match: match.group(1).upper(), text, flags=re.I)
    return text[:1].upper() + text[1:]


# --- the data shown in the form ----------------------------------------------------------------


def state_from_data(data: Any, sections: tuple[SectionSpec, ...]) -> FormState:
    """The form's values from a questionnaire's raw data (as loaded, valid or not)."""
    state = FormState()
    document = data if isinstance(data, dict) else {}
    for section in sections:
        for item in section.items:
            if isinstance(item, RecordsSpec):
                _records_state(state, item, _get(document, item.name))
            else:
                state.values[item.name] = _get(document, item.name)
    return state


def _records_state(state: FormState, spec: RecordsSpec, rows: Any) -> None:
    if not isinstance(rows, list):
        state.rows[spec.name] = 0
        return
    state.answered_lists.add(spec.name)
    state.rows[spec.name] = len(rows)
    for index, row in enumerate(rows):
        for field_spec_ in spec.fields:
            value = row.get(field_spec_.name) if isinstance(row, dict) else None
            state.values[f"{spec.name}.{index}.{field_spec_.name}"] = value


def _get(data: dict[str, Any], dotted: str) -> Any:
    current: Any = data
    for part in dotted.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def display_value(value: Any) -> str:
    """How a stored value appears in a text input."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def selected_values(value: Any) -> list[str]:
    return [display_value(item) for item in value] if isinstance(value, list) else []


# --- the submitted form ------------------------------------------------------------------------


Submitted = dict[str, list[str]]


def data_from_form(form: Submitted, sections: tuple[SectionSpec, ...]) -> dict[str, Any]:
    """The submitted form as questionnaire data; every field is present, unanswered ones as None."""
    data: dict[str, Any] = {}
    for section in sections:
        for item in section.items:
            if isinstance(item, RecordsSpec):
                value: Any = _records_from_form(form, item)
            else:
                value = read_field(form, item.name, item)
            _put(data, item.name, value)
    return data


def _records_from_form(form: Submitted, spec: RecordsSpec) -> list[dict[str, Any]] | None:
    indices = sorted(
        int(match.group(1))
        for key in form
        if (match := re.fullmatch(rf"{re.escape(spec.name)}\.(\d{{1,5}})\.{ROW_MARKER}", key))
    )
    if not indices:
        return [] if _first(form, f"{spec.name}.{EMPTY_LIST}") == "none" else None
    return [
        {
            field_spec_.name: read_field(
                form, f"{spec.name}.{index}.{field_spec_.name}", field_spec_
            )
            for field_spec_ in spec.fields
        }
        for index in indices
    ]


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    current = data
    for part in parents:
        current = current.setdefault(part, {})
    current[last] = value


def _first(form: Submitted, name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def read_field(form: Submitted, name: str, spec: FieldSpec) -> Any:
    """One field's answer: None when left empty, else what the text reads as."""
    if spec.kind == "choices":
        picked = [value for value in form.get(name, []) if value]
        if not picked:
            return None
        chosen = [value for value in picked if value != NONE_OF_THESE]
        return chosen if chosen or NONE_OF_THESE not in picked else []
    text = _first(form, name)
    if text == "":
        return None
    if spec.kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if spec.kind in ("integer", "scale"):
        return int(text) if re.fullmatch(r"[+-]?\d{1,18}", text) else text
    if spec.kind == "number":
        return _number(text)
    if spec.kind == "date":
        return _date(text)
    return text


def _number(text: str) -> float | int | str:
    if re.fullmatch(r"[+-]?\d{1,18}", text):
        return int(text)
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return float(text)
    return text


def _date(text: str) -> date | str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


def field_anchor(path: str) -> str:
    """The HTML id of the input for a problem's path (`contacts[2].level` -> `f-contacts.2.level`)."""
    return "f-" + re.sub(r"\[(\d+)\]", r".\1", path)
