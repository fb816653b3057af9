"""The rule condition language: parsed from YAML, checked against the fact catalogue.

A condition is a tree of `all` / `any` over tests. A test reads one fact of the account
(`{fact: relationship.team_model, eq: individual}`), one concluded fact
(`{concluded: phase, in: [transactional_selling]}`), counts signals
(`{signals: phase, eq: preferred_supplier, at_least: 2}`), or reads where the weight of evidence
placed a conclusion (`{placed: phase, eq: partnership}`). Values may name a pack parameter
(`{param: review_cadence_days}`) or another fact (`{fact: economics.gross_profit}`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kamadvisor.facts import FactSpec
from kamadvisor.validation import did_you_mean

Path = tuple[str | int, ...]
Scalar = str | int | float | bool

COMPARISONS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in")
SET_OPERATORS = ("contains", "lacks", "empty")
FACT_OPERATORS = COMPARISONS + SET_OPERATORS
CONCLUDED_OPERATORS = ("eq", "ne", "in", "not_in")
ORDERING = ("lt", "lte", "gt", "gte")


@dataclass(frozen=True)
class ParamRef:
    name: str


@dataclass(frozen=True)
class FactRef:
    name: str


Operand = Scalar | ParamRef | FactRef | tuple[Scalar, ...]


@dataclass(frozen=True)
class FactTest:
    fact: str
    op: str
    value: Operand
    path: Path


@dataclass(frozen=True)
class ConcludedTest:
    """A test on a concluded fact (`kind` conclusion), on signals (`kind` signal), or on the value
    the weight of evidence placed (`kind` placement)."""

    kind: Literal["conclusion", "signal", "placement"]
    name: str
    op: str
    value: Operand
    at_least: int | ParamRef | None
    path: Path


@dataclass(frozen=True)
class Group:
    mode: Literal["all", "any"]
    items: tuple[Condition, ...]
    path: Path


@dataclass(frozen=True)
class Not:
    """Holds when its condition does not; an unanswered question makes a test false, so a `not`
    of it holds. Use it for exceptions ("unless"), never to read a missing answer as "no"."""

    item: Condition
    path: Path


Condition = Group | Not | FactTest | ConcludedTest


@dataclass
class ConditionIssue:
    path: Path
    message: str
    code: str


@dataclass
class ConditionContext:
    """What a condition may refer to: facts, declared conclusions and parameters."""

    facts: Mapping[str, FactSpec]
    conclusions: Mapping[str, tuple[str, ...]]
    parameters: Mapping[str, str]
    placed: frozenset[str] = frozenset()
    issues: list[ConditionIssue] = field(default_factory=list)

    def problem(self, path: Path, message: str, code: str) -> None:
        self.issues.append(ConditionIssue(path, message, code))


# Condition size: every alternative becomes a clause of the engine's ruleset, which grows with
# their product; these bounds are far above what a methodology needs (the base pack's largest
# group holds 4 conditions, nested 3 deep, with lists of 5 values).
MAX_GROUP_ITEMS = 50
MAX_CONDITION_DEPTH = 6
MAX_LIST_VALUES = 100


def parse_condition(raw: Any, path: Path, context: ConditionContext) -> Condition | None:
    """Parse one condition; problems go to `context.issues` and the result is then None."""
    if not isinstance(raw, dict):
        context.problem(path, "a condition must be a mapping (all, any, or a test)", "when-shape")
        return None
    if "not" in raw:
        if len(raw) != 1:
            context.problem(path, "'not' stands alone: {not: CONDITION}", "when-shape")
            return None
        inner = parse_condition(raw["not"], (*path, "not"), context)
        return Not(inner, path) if inner is not None else None
    if "all" in raw or "any" in raw:
        return _parse_group(raw, path, context)
    subject_keys = [key for key in ("fact", "concluded", "signals", "placed") if key in raw]
    if len(subject_keys) != 1:
        context.problem(
            path,
            "a test names exactly one of 'fact', 'concluded', 'signals' or 'placed'; "
            "a group uses 'all' or 'any'",
            "when-shape",
        )
        return None
    if subject_keys[0] == "fact":
        return _parse_fact_test(raw, path, context)
    return _parse_concluded_test(raw, subject_keys[0], path, context)


def _parse_group(raw: dict[str, Any], path: Path, context: ConditionContext) -> Group | None:
    if len(raw) != 1:
        context.problem(path, "a group has exactly one key, 'all' or 'any'", "when-shape")
        return None
    mode: Literal["all", "any"] = "all" if "all" in raw else "any"
    items = raw[mode]
    if not isinstance(items, list) or not items:
        context.problem(
            (*path, mode), f"'{mode}' takes a non-empty list of conditions", "when-shape"
        )
        return None
    if len(items) > MAX_GROUP_ITEMS:
        context.problem(
            (*path, mode),
            f"'{mode}' holds {len(items)} conditions; at most {MAX_GROUP_ITEMS} are allowed "
            "(split the rule, or use 'in' with a list of values)",
            "condition-size",
        )
        return None
    depth = sum(1 for part in path if part in ("all", "any", "not")) + 1
    if depth > MAX_CONDITION_DEPTH:
        context.problem(
            (*path, mode),
            f"conditions nested {depth} levels deep; at most {MAX_CONDITION_DEPTH} are allowed",
            "condition-size",
        )
        return None
    parsed = [
        parse_condition(item, (*path, mode, index), context) for index, item in enumerate(items)
    ]
    if any(item is None for item in parsed):
        return None
    return Group(mode, tuple(item for item in parsed if item is not None), path)


def _operator_of(
    raw: dict[str, Any],
    subject: str,
    allowed: tuple[str, ...],
    path: Path,
    context: ConditionContext,
    extra: tuple[str, ...] = (),
) -> str | None:
    operators = [key for key in raw if key not in (subject, *extra)]
    if len(operators) != 1:
        shown = ", ".join(operators) if operators else "none"
        context.problem(
            path,
            f"a test takes exactly one operator ({', '.join(allowed)}); got {shown}",
            "operator",
        )
        return None
    op = str(operators[0])
    if op not in allowed:
        context.problem(
            (*path, op),
            f"unknown operator '{op}'{did_you_mean(op, allowed)}; "
            f"expected one of: {', '.join(allowed)}",
            "operator",
        )
        return None
    return op


def _parse_fact_test(raw: dict[str, Any], path: Path, context: ConditionContext) -> FactTest | None:
    name = raw["fact"]
    if not isinstance(name, str) or name not in context.facts:
        shown = str(name)
        context.problem(
            (*path, "fact"),
            f"unknown fact '{shown}'{did_you_mean(shown, list(context.facts))}",
            "unknown-fact",
        )
        return None
    spec = context.facts[name]
    op = _operator_of(raw, "fact", FACT_OPERATORS, path, context)
    if op is None:
        return None
    value = _parse_operand(raw[op], (*path, op), context)
    if value is None:
        return None
    if not _fits(spec, op, value, (*path, op), context):
        return None
    return FactTest(name, op, value, path)


def _reference(
    raw: dict[str, Any], path: Path, context: ConditionContext
) -> ParamRef | FactRef | None:
    """`{param: NAME}` or `{fact: NAME}`, naming a parameter or fact that exists."""
    kinds: dict[str, tuple[type[ParamRef] | type[FactRef], Collection[str], str]] = {
        "param": (ParamRef, context.parameters, "parameter"),
        "fact": (FactRef, context.facts, "fact"),
    }
    if len(raw) != 1 or next(iter(raw)) not in kinds:
        context.problem(path, "a value is a literal, {param: NAME} or {fact: NAME}", "value")
        return None
    key, value = next(iter(raw.items()))
    reference, known, noun = kinds[key]
    name = str(value)
    if name not in known:
        context.problem(
            path,
            f"unknown {noun} '{name}'{did_you_mean(name, list(known))}",
            f"unknown-{key}",
        )
        return None
    return reference(name)


def _parse_operand(raw: Any, path: Path, context: ConditionContext) -> Operand | None:
    if isinstance(raw, dict):
        return _reference(raw, path, context)
    if isinstance(raw, list):
        if not raw or not all(isinstance(item, str | int | float | bool) for item in raw):
            context.problem(
                path, "a list of values must be non-empty and hold plain values", "value"
            )
            return None
        if len(raw) > MAX_LIST_VALUES:
            context.problem(
                path,
                f"a list of {len(raw)} values; at most {MAX_LIST_VALUES} are allowed",
                "condition-size",
            )
            return None
        return tuple(raw)
    if isinstance(raw, str | int | float | bool):
        return raw
    context.problem(path, f"{raw!r} is not a usable value", "value")
    return None


def _fits(spec: FactSpec, op: str, value: Operand, path: Path, context: ConditionContext) -> bool:
    """Does the operator and value fit the fact's type? The engine coerces loosely, so we do not."""
    if isinstance(value, ParamRef):
        return _parameter_fits(spec, op, value, path, context)
    if isinstance(value, FactRef):
        return _other_fact_fits(spec, op, value, path, context)
    if op in SET_OPERATORS:
        return _set_test_fits(spec, op, value, path, context)
    kind = spec.type
    if kind == "set":
        context.problem(path, f"'{spec.name}' is a list fact: use contains, lacks or empty", "type")
        return False
    values = _literal_values(op, value, path, context)
    if values is None:
        return False
    if op in ORDERING and kind not in ("number", "integer"):
        context.problem(path, f"'{op}' compares numbers; '{spec.name}' is {kind}", "type")
        return False
    if not all(_literal_fits(spec, item, path, context) for item in values):
        return False
    if kind == "enum":
        return _allowed_values(spec, values, path, context)
    return True


def _parameter_fits(
    spec: FactSpec, op: str, value: ParamRef, path: Path, context: ConditionContext
) -> bool:
    param_type = context.parameters[value.name]
    if (
        spec.type not in ("number", "integer")
        or op not in ("eq", "ne", *ORDERING)
        or param_type not in ("number", "integer")
    ):
        context.problem(
            path,
            f"parameter '{value.name}' ({param_type}) cannot be compared "
            f"with {spec.type} fact '{spec.name}' by '{op}'",
            "type",
        )
        return False
    return True


def _other_fact_fits(
    spec: FactSpec, op: str, value: FactRef, path: Path, context: ConditionContext
) -> bool:
    other = context.facts[value.name]
    numeric = spec.type in ("number", "integer")
    if not (numeric and other.type in ("number", "integer") and op in ("eq", "ne", *ORDERING)):
        context.problem(
            path,
            f"facts '{spec.name}' ({spec.type}) and '{value.name}' ({other.type}) "
            f"cannot be compared by '{op}'",
            "type",
        )
        return False
    return True


def _set_test_fits(
    spec: FactSpec,
    op: str,
    value: Scalar | tuple[Scalar, ...],
    path: Path,
    context: ConditionContext,
) -> bool:
    if spec.type != "set":
        context.problem(path, f"'{op}' works on list facts; '{spec.name}' is {spec.type}", "type")
        return False
    if op == "empty":
        if not isinstance(value, bool):
            context.problem(path, "'empty' takes true or false", "type")
            return False
        return True
    return _allowed_values(spec, (value,) if not isinstance(value, tuple) else value, path, context)


def _literal_values(
    op: str, value: Scalar | tuple[Scalar, ...], path: Path, context: ConditionContext
) -> tuple[Scalar, ...] | None:
    """The values a test compares with: a list for in and not_in, one value otherwise."""
    if op in ("in", "not_in"):
        if not isinstance(value, tuple):
            context.problem(path, f"'{op}' takes a list of values", "type")
            return None
        return value
    if isinstance(value, tuple):
        context.problem(path, f"'{op}' takes a single value, not a list", "type")
        return None
    return (value,)


def _literal_fits(spec: FactSpec, item: Scalar, path: Path, context: ConditionContext) -> bool:
    numeric = spec.type in ("number", "integer")
    if numeric and (isinstance(item, bool) or not isinstance(item, int | float)):
        context.problem(path, f"{item!r} is not a number; '{spec.name}' is {spec.type}", "type")
        return False
    if numeric and isinstance(item, int | float):
        problem = number_problem(item)
        if problem is not None:
            context.problem(path, problem, "number-range")
            return False
    if spec.type == "boolean" and not isinstance(item, bool):
        context.problem(
            path, f"{item!r} is not true or false; '{spec.name}' is a yes/no fact", "type"
        )
        return False
    return True


# The engine reads numbers in plain notation with up to four decimals: values past these bounds
# would reach it as exponents or round to zero, and it would refuse the whole ruleset.
ENGINE_NUMBER_MAX = 1e15
ENGINE_NUMBER_MIN_STEP = 1e-4


def number_problem(value: float | int) -> str | None:
    """Why a number cannot be handed to the engine, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if abs(value) > ENGINE_NUMBER_MAX:
        return f"{value!r} is out of range; numbers in rules lie within ±{ENGINE_NUMBER_MAX:.0e}"
    if value and abs(value) < ENGINE_NUMBER_MIN_STEP:
        return (
            f"{value!r} is too small; numbers in rules have at most four decimals "
            f"(the smallest is {ENGINE_NUMBER_MIN_STEP})"
        )
    return None


def _allowed_values(
    spec: FactSpec, values: tuple[Scalar, ...], path: Path, context: ConditionContext
) -> bool:
    for item in values:
        if item not in spec.values:
            context.problem(
                path,
                f"{item!r} is not a value of '{spec.name}'"
                f"{did_you_mean(str(item), spec.values)}; expected one of: "
                f"{', '.join(spec.values)}",
                "value",
            )
            return False
    return True


def _parse_concluded_test(
    raw: dict[str, Any], subject: str, path: Path, context: ConditionContext
) -> ConcludedTest | None:
    name = _concluded_name(raw, subject, path, context)
    if name is None:
        return None
    kind = _CONCLUDED_KINDS[subject]
    op = _operator_of(raw, subject, CONCLUDED_OPERATORS, path, context, extra=("at_least",))
    if op is None:
        return None
    value = _concluded_value(raw, op, name, path, context)
    if value is None:
        return None
    at_least: int | ParamRef | None = None
    if "at_least" in raw:
        at_least = _at_least(raw["at_least"], kind, (*path, "at_least"), context)
        if at_least is None:
            return None
    return ConcludedTest(kind, name, op, value, at_least, path)


_CONCLUDED_KINDS: dict[str, Literal["conclusion", "signal", "placement"]] = {
    "signals": "signal",
    "placed": "placement",
    "concluded": "conclusion",
}


def _concluded_name(
    raw: dict[str, Any], subject: str, path: Path, context: ConditionContext
) -> str | None:
    """The concluded fact tested, if the pack declares it (and places it, for `placed`)."""
    name = raw[subject]
    if not isinstance(name, str) or name not in context.conclusions:
        shown = str(name)
        context.problem(
            (*path, subject),
            f"unknown concluded fact '{shown}'"
            f"{did_you_mean(shown, list(context.conclusions))}; declare it under "
            "'conclusions' in the pack",
            "unknown-conclusion",
        )
        return None
    if _CONCLUDED_KINDS[subject] == "placement" and name not in context.placed:
        context.problem(
            (*path, subject),
            f"'{name}' is not placed by the weight of evidence; give it 'evidence' under "
            "'conclusions' in the pack, or test it with 'concluded'",
            "unknown-conclusion",
        )
        return None
    return name


def _concluded_value(
    raw: dict[str, Any], op: str, name: str, path: Path, context: ConditionContext
) -> Scalar | tuple[Scalar, ...] | None:
    """A literal or a list (as the operator takes) of the concluded fact's own values."""
    value = _parse_operand(raw[op], (*path, op), context)
    if value is None or isinstance(value, ParamRef | FactRef):
        if value is not None:
            context.problem((*path, op), "a concluded value is a literal or a list", "value")
        return None
    values = value if isinstance(value, tuple) else (value,)
    if (op in ("in", "not_in")) != isinstance(value, tuple):
        context.problem(
            (*path, op),
            f"'{op}' takes {'a list' if op in ('in', 'not_in') else 'one value'}",
            "type",
        )
        return None
    allowed = context.conclusions[name]
    for item in values:
        if item not in allowed:
            context.problem(
                (*path, op),
                f"{item!r} is not a value of '{name}'"
                f"{did_you_mean(str(item), allowed)}; expected one of: {', '.join(allowed)}",
                "value",
            )
            return None
    return value


def _at_least(raw: Any, kind: str, path: Path, context: ConditionContext) -> int | ParamRef | None:
    """How many signals must agree: a whole number >= 1 or a parameter; None when refused."""
    if kind != "signal":
        context.problem(path, "'at_least' counts signals; use it with 'signals'", "when-shape")
        return None
    counted = _parse_operand(raw, path, context)
    if isinstance(counted, ParamRef) or (
        isinstance(counted, int) and not isinstance(counted, bool) and counted >= 1
    ):
        return counted
    if counted is not None:
        context.problem(path, "'at_least' takes a whole number >= 1 or a parameter", "value")
    return None


def iter_tests(condition: Condition) -> list[FactTest | ConcludedTest]:
    if isinstance(condition, Group):
        found: list[FactTest | ConcludedTest] = []
        for item in condition.items:
            found.extend(iter_tests(item))
        return found
    if isinstance(condition, Not):
        return iter_tests(condition.item)
    return [condition]


def has_negation(condition: Condition) -> bool:
    if isinstance(condition, Not):
        return True
    if isinstance(condition, Group):
        return any(has_negation(item) for item in condition.items)
    return False


def shape_issues(condition: Condition) -> list[ConditionIssue]:
    """Limits of the compiled form: concluded tests only under top-level `all`; `at_least` alone."""
    issues: list[ConditionIssue] = []
    tests = iter_tests(condition)
    counted = [t for t in tests if isinstance(t, ConcludedTest) and t.at_least is not None]
    if counted and len(tests) > 1:
        issues.append(
            ConditionIssue(
                counted[0].path,
                "a test with 'at_least' must be the rule's only condition",
                "when-shape",
            )
        )

    def walk(node: Condition, top_level_all: bool) -> None:
        if isinstance(node, Group):
            for item in node.items:
                walk(item, top_level_all and node.mode == "all")
        elif isinstance(node, Not):
            walk(node.item, False)
        elif isinstance(node, ConcludedTest) and not top_level_all:
            issues.append(
                ConditionIssue(
                    node.path,
                    "concluded and signal tests can only be combined "
                    "with 'all' at the top of 'when', not inside 'any' or 'not'",
                    "when-shape",
                )
            )

    walk(condition, True)
    return issues
