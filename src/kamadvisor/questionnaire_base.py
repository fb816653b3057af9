"""What the questionnaire's models are built on, and nothing that is a question.

The questions themselves are declared in rules/questionnaire.yaml; questionnaire_model.py is
generated from that declaration over the bases here, and house packs' sections are built over them
at load (questions.py). Unanswered is kept distinct from "no", 0 and an empty list: `None` means
"not answered".
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from kamadvisor.validation import refuse_bool_as_number, refuses_bool

# What the declaration's `score` and `percent` question types mean.
Score = Annotated[int, Field(ge=1, le=10)]
Percent = Annotated[float, Field(ge=0, le=100)]


class Section(BaseModel):
    """A section of questions, or a record of a list (a contact, a team member, an action)."""

    # NaN and infinity are never an answer; neither is a yes/no where a number is asked for.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    # For a kind of record: what one entry of its lists is, as the blank questionnaire says it.
    ENTRY: ClassVar[str] = "a record"
    # Question -> how the memo asks it when it is unanswered (declared `ask`, where one is).
    ASKS: ClassVar[Mapping[str, str]] = {}

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, value: Any, info: ValidationInfo) -> Any:
        # Every answer passes here: only a yes/no needs its field looked up.
        if isinstance(value, bool) and info.field_name in _numeric_fields(cls):
            return refuse_bool_as_number(value, float)
        return value


@functools.cache
def _numeric_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of a section that take a number (worked out once a section model)."""
    return frozenset(
        name for name, field in model.model_fields.items() if refuses_bool(field.annotation)
    )


class QuestionnaireBase(BaseModel):
    """One account's answers: its sections, and the lists and records answered beside them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # A list or record answered at the top level -> how the memo asks for it when unanswered.
    ASKS: ClassVar[Mapping[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _empty_sections_are_unanswered(cls, data: Any) -> Any:
        # `relationship:` with nothing under it reads as null in YAML: treat it as all unanswered.
        # An answer that may be left out whole (the contacts, the previous plan) stays null.
        if isinstance(data, dict):
            keep = _null_answers(cls)
            return {
                key: ({} if value is None and key not in keep else value)
                for key, value in data.items()
            }
        return data


@functools.cache
def _null_answers(model: type[BaseModel]) -> frozenset[str]:
    """The answers of a questionnaire that are not sections: unanswered, they are null."""
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if not field.is_required() and field.get_default() is None
    )


def unique_items(value: list[str] | None) -> list[str] | None:
    """A list answer names each of its values once."""
    if value is None:
        return None
    repeated = sorted({item for item in value if value.count(item) > 1})
    if repeated:
        raise ValueError(f"{', '.join(repeated)} listed more than once")
    return value
