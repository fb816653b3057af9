"""What a model's field annotations say: allowed values, lists, sub-models, bounds.

The questionnaire's fact catalogue, blank questionnaire, workbook template, workbook reader and
web form all read the same annotations; they read them here.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo


def literal_values(annotation: Any) -> tuple[str, ...]:
    """The allowed values of a `Literal` anywhere in the annotation, in order."""
    if typing.get_origin(annotation) is typing.Literal:
        return tuple(str(value) for value in typing.get_args(annotation))
    values: tuple[str, ...] = ()
    for argument in typing.get_args(annotation):
        values += literal_values(argument)
    return values


def is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(is_list(argument) for argument in typing.get_args(annotation))


def unwrap_optional(annotation: Any) -> Any:
    """`X | None` as `X`, and `Annotated[X, ...]` as `X`."""
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arguments) == 1:
        annotation = arguments[0]
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (a section, or the items of a list of records)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = model_of(argument)
        if found is not None:
            return found
    return None


def base_type(annotation: Any) -> Any:
    """The first class in the annotation, `None` aside."""
    if isinstance(annotation, type):
        return annotation
    for argument in typing.get_args(annotation):
        if argument is type(None):
            continue
        found = base_type(argument)
        if found is not None:
            return found
    return None


def field_bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """The field's ge/le bounds, wherever the model declares them (on the field, or inside an
    `Annotated` alias such as `Score | None`)."""
    constraints: list[Any] = []
    pending: list[Any] = [*info.metadata]
    for argument in typing.get_args(info.annotation):
        pending.extend(getattr(argument, "__metadata__", ()))
    for item in pending:
        constraints.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    low = next((c.ge for c in constraints if getattr(c, "ge", None) is not None), None)
    high = next((c.le for c in constraints if getattr(c, "le", None) is not None), None)
    return (
        float(low) if low is not None else None,
        float(high) if high is not None else None,
    )
