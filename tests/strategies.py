"""Hypothesis strategies that build valid questionnaires from the questionnaire models themselves."""

from __future__ import annotations

import types
import typing
from datetime import date
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from kamadvisor.questionnaire import SECTION_MODELS, Contact, TeamMember

FIRST_DAY = date(2020, 1, 1)
LAST_DAY = date(2026, 1, 1)


def _bounds(info: Any) -> tuple[float | None, float | None]:
    low = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in info.metadata if hasattr(m, "le")), None)
    return low, high


def _unwrap(annotation: Any) -> Any:
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arguments) == 1:
        return arguments[0]
    return annotation


def value_strategy(annotation: Any, info: Any) -> st.SearchStrategy[Any]:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        if typing.get_origin(item) is typing.Literal:
            return st.lists(st.sampled_from(typing.get_args(item)), unique=True)
        if item is Contact:
            return st.lists(model_strategy(Contact), max_size=6)
        if item is TeamMember:
            return st.lists(model_strategy(TeamMember), max_size=6)
    if origin is typing.Annotated:
        _base, *metadata = typing.get_args(annotation)
        constraints = [c for m in metadata for c in [m, *getattr(m, "metadata", [])]]
        low = next((c.ge for c in constraints if getattr(c, "ge", None) is not None), None)
        high = next((c.le for c in constraints if getattr(c, "le", None) is not None), None)
        return st.integers(min_value=low, max_value=high)
    low, high = _bounds(info)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(min_value=int(low or 0), max_value=int(high or 10_000))
    if annotation is float:
        return st.floats(
            min_value=low if low is not None else -1e6,
            max_value=min(high, 1e9) if high is not None else 1e9,
            allow_nan=False,
            allow_infinity=False,
        )
    if annotation is date:
        return st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
    if annotation is str:
        return st.text(min_size=1, max_size=30).filter(str.strip)
    raise TypeError(f"no strategy for {annotation!r}")


def model_strategy(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in model.model_fields.items():
        if name == "id" and model.__name__ == "Account":
            strategy: st.SearchStrategy[Any] = st.from_regex(
                r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True
            )
        elif name == "currency":
            strategy = st.sampled_from(["EUR", "USD", "GBP"])
        else:
            strategy = value_strategy(info.annotation, info)
        if info.is_required():
            fields[name] = strategy
        else:
            fields[name] = st.none() | strategy
    return st.fixed_dictionaries(fields)


def questionnaire_strategy() -> st.SearchStrategy[dict[str, Any]]:
    sections = {name: model_strategy(model) for name, model in SECTION_MODELS.items()}
    sections["contacts"] = st.none() | st.lists(model_strategy(Contact), max_size=6)
    return st.fixed_dictionaries(sections).map(_dates_in_order)


def _dates_in_order(data: dict[str, Any]) -> dict[str, Any]:
    assessed = data["account"].get("assessment_date")
    reviewed = data["planning"].get("last_reviewed")
    if assessed is not None and reviewed is not None and reviewed > assessed:
        data["planning"]["last_reviewed"] = assessed
    return data
