"""One translator of validation errors into plain, located problems, for every loader.

Pydantic's messages ("Input should be a valid integer, unable to parse string as an integer")
are written for programmers. Questionnaires, programme files, rule packs, pack cases and tables
all report through `problems_from`, so a user reads the same plain sentence, the allowed values
and a "did you mean" wherever the mistake is.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from kamadvisor.errors import Problem
from kamadvisor.sourcefile import PathKey, SourceDocument, render_path

BOOL_NOT_NUMBER = "bool_not_number"


def did_you_mean(name: str, choices: Sequence[str]) -> str:
    """` (did you mean 'X'?)` for the closest of `choices`, or nothing."""
    hint = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{hint[0]}'?)" if hint else ""


def refuse_bool_as_number(value: Any, annotation: Any) -> Any:
    """A yes/no answer is never a number: YAML 1.1 reads `yes` and `on` as true, which pydantic
    would otherwise accept as 1 for a count, a score or a percent."""
    if isinstance(value, bool) and _is_numeric(annotation):
        raise PydanticCustomError(BOOL_NOT_NUMBER, "a yes/no answer is not a number")
    return value


def refuses_bool(annotation: Any) -> bool:
    """Does a field of this annotation take a number, so that a yes/no answer is refused?"""
    return _is_numeric(annotation)


def _is_numeric(annotation: Any) -> bool:
    if annotation in (int, float):
        return True
    metadata_origin = getattr(annotation, "__origin__", None)
    if metadata_origin in (int, float):  # Annotated[int, ...]
        return True
    return any(_is_numeric(argument) for argument in getattr(annotation, "__args__", ()))


def problems_from(
    error: ValidationError,
    document: SourceDocument,
    model: type[BaseModel],
    base: PathKey = (),
    code: str = "",
) -> list[Problem]:
    """One located, plainly worded problem a mistake (not one per member of a union)."""
    problems: list[Problem] = []
    seen: set[tuple[int | None, str]] = set()
    for detail in error.errors(include_url=False):
        inner = tuple(part for part in detail["loc"] if not _is_internal_loc(part))
        location = (*base, *inner)
        line, column = document.locate(location) or (None, None)
        path = render_path(location)
        if (line, path) in seen:
            continue
        seen.add((line, path))
        problems.append(
            Problem(
                document.name,
                line,
                column,
                path,
                describe(detail, _allowed_keys(model, inner[:-1])),
                code=code and _code(detail, code),
            )
        )
    return problems


def _code(detail: ErrorDetails, default: str) -> str:
    return {"extra_forbidden": "unknown-key", "missing": "missing-key"}.get(detail["type"], default)


def _is_internal_loc(part: Any) -> bool:
    # Pydantic names union members and validator wrappers in the location; a user never wrote them.
    return isinstance(part, str) and (
        part.startswith("function-") or part in ("literal", "list", "constrained-str")
    )


_RELATIONS = {
    "greater_than_equal": "at least",
    "less_than_equal": "at most",
    "greater_than": "more than",
    "less_than": "less than",
}


def describe(detail: ErrorDetails, allowed_keys: Sequence[str] = ()) -> str:
    """A validation error in plain words, with what was expected."""
    kind = detail["type"]
    given = detail.get("input")
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    if kind == "extra_forbidden":
        field = str(detail["loc"][-1]) if detail["loc"] else ""
        expected = f"; expected one of: {', '.join(allowed_keys)}" if allowed_keys else ""
        return f"unknown field '{field}'{did_you_mean(field, allowed_keys)}{expected}"
    if kind == "missing":
        return "is required but missing"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        shown = did_you_mean(str(given), choices) if isinstance(given, str) else ""
        return f"{show(given)} is not allowed{shown}; expected one of: {', '.join(choices)}"
    if kind in _RELATIONS:
        bound = next(iter(ctx.values()), "")
        bound = f"{bound:g}" if isinstance(bound, int | float) else bound
        return f"{show(given)} is out of range; expected a number {_RELATIONS[kind]} {bound}"
    if kind == BOOL_NOT_NUMBER:
        return "is a yes/no answer (yes, no, true, false, on, off), not a number; expected a number"
    if kind == "finite_number":
        return f"{show(given)} is not a finite number; expected a number"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{show(given)} is not a whole number"
    if kind in ("float_type", "float_parsing"):
        return f"{show(given)} is not a number"
    if kind in ("bool_type", "bool_parsing"):
        return f"{show(given)} is not a yes/no answer; expected true or false"
    if kind.startswith("date_"):
        return f"{show(given)} is not a date; expected YYYY-MM-DD"
    if kind in ("list_type", "tuple_type", "set_type"):
        return f"{show(given)} is not a list; expected a list such as [a, b] or an empty list []"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{show(given)} is not a section; expected a mapping of fields"
    if kind == "string_pattern_mismatch":
        return f"{show(given)} has the wrong form; {_pattern_hint(detail)}"
    if kind == "string_type":
        return f"{show(given)} is not text"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long; at most {ctx.get('max_length')} characters"
    return str(detail.get("msg", "is invalid")).removeprefix("Value error, ")


def _pattern_hint(detail: ErrorDetails) -> str:
    if detail["loc"] and detail["loc"][-1] == "currency":
        return "expected a three-letter ISO 4217 code such as EUR"
    pattern = str((detail.get("ctx") or {}).get("pattern", ""))
    if pattern == r"^[A-Za-z0-9][A-Za-z0-9._-]*$":
        return "expected letters, digits, '.', '_' or '-', starting with a letter or digit"
    return f"expected text matching {pattern}"


def show(value: Any) -> str:
    """A value as a message quotes it: short, and never a whole mapping or list."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(model: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    current: type[BaseModel] = model
    for part in location:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        inner = _model_of(field.annotation) if field is not None else None
        if inner is None:
            return []
        current = inner
    return list(current.model_fields)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_of(argument)
        if found is not None:
            return found
    return None
