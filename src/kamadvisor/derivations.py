"""Derived facts a pack declares: a small set of documented derivations, as data.

A pack's `questionnaire.yaml` may declare, under `derived:`, facts computed from the answers:

- `weighted_score`: the factors of a section (the base's or a house's), weighted by a `weights`
  parameter, with the base scores' coverage rule (`score_min_coverage_pct`): a score whose
  answered factors carry too little of the weight is unanswered, never low.
- `count`: the items of a list of records (`contacts`, `team.members`, `previous_plan.actions`)
  whose fields match `where`, or the items of a list answer that are `in` the given values. An
  unanswered list gives no count.
- `difference` and `ratio` of two number facts (`of: [a, b]`: a - b, a / b); a ratio with
  `percent: true` is a percentage. Either fact unanswered, no result.

Each declaration is read once per rulebook into a plan (`DerivationPlan`), in an order where every
fact is derived after the facts it reads; a portfolio's accounts share the plan.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kamadvisor.sourcefile import SourceDocument

FACT_NAME_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
# The lists of records a count may read, by their path in the questionnaire.
RECORD_LISTS: tuple[str, ...] = ("contacts", "team.members", "previous_plan.actions")
# Beyond this a percentage says nothing a rule could use (a revenue of next to nothing).
MAX_PERCENT = 1e6
Number = float | int
Values = Mapping[str, Any]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field(min_length=1, description="What the fact says, for the catalogue.")


class WeightedScore(_Strict):
    """The section's factors weighted by a `weights` parameter (1-10 when the factors are scores)."""

    derivation: Literal["weighted_score"]
    section: str = Field(min_length=1, description="The section whose factors are weighted.")
    weights: str = Field(min_length=1, description="A `weights` parameter of that section.")


class Count(_Strict):
    """How many records of a list match `where`, or how many items of a list answer are `in`."""

    derivation: Literal["count"]
    of: str = Field(min_length=1, description="A list of records, or a list answer.")
    where: dict[str, str | bool | list[str]] = Field(
        default_factory=dict,
        description="For a list of records: each field's accepted value(s); all must match.",
    )
    within: list[str] | None = Field(
        None, alias="in", description="For a list answer: the values counted."
    )


class Difference(_Strict):
    """The first fact less the second."""

    derivation: Literal["difference"]
    of: tuple[str, str]


class Ratio(_Strict):
    """The first fact divided by the second (a percentage with `percent: true`)."""

    derivation: Literal["ratio"]
    of: tuple[str, str]
    percent: bool = False


Derivation = WeightedScore | Count | Difference | Ratio
DERIVATIONS: dict[str, type[Derivation]] = {
    "weighted_score": WeightedScore,
    "count": Count,
    "difference": Difference,
    "ratio": Ratio,
}


@dataclass(frozen=True)
class DeclaredFact:
    """A derived fact as a pack declared it, with the file that declared it."""

    name: str
    spec: Derivation
    document: SourceDocument

    @property
    def type(self) -> Literal["number", "integer"]:
        return "integer" if isinstance(self.spec, Count) else "number"

    @property
    def reads(self) -> tuple[str, ...]:
        """The facts, sections or lists this fact is derived from."""
        spec = self.spec
        if isinstance(spec, WeightedScore):
            return (spec.section,)
        if isinstance(spec, Count):
            return (spec.of,)
        return spec.of


# The derived facts declared with each questionnaire model (a rulebook's model is built once).
_DECLARED: weakref.WeakKeyDictionary[type, tuple[DeclaredFact, ...]] = weakref.WeakKeyDictionary()


def declare(model: type, facts: tuple[DeclaredFact, ...]) -> None:
    _DECLARED[model] = facts


def declared_facts(model: type) -> tuple[DeclaredFact, ...]:
    """The derived facts the packs declared for this questionnaire model, in declaration order."""
    return _DECLARED.get(model, ())


def weighted(
    answers: object, weights: Mapping[str, float], min_coverage_pct: float
) -> float | None:
    """The weighted mean of the answered factors; None when the answered factors carry less than
    `min_coverage_pct` of the weight (too few answers make no score, not a low one)."""
    total = 0.0
    answered_weight = 0.0
    for factor, weight in weights.items():
        score = getattr(answers, factor, None)
        if score is None:
            continue
        total += score * weight
        answered_weight += weight
    all_weight = sum(weights.values())
    if answered_weight == 0 or answered_weight * 100 < min_coverage_pct * all_weight:
        return None
    return round(total / answered_weight, 2)


def percent_of(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`; None where it says nothing (a whole of next to nothing)."""
    if whole < 1:
        return None
    percent = round(part * 100 / whole, 2)
    return percent if math.isfinite(percent) and abs(percent) <= MAX_PERCENT else None


Step = Callable[[Any, dict[str, Any]], Number | None]


@dataclass(frozen=True)
class DerivationPlan:
    """The declared derived facts of a rulebook, each a step ready to run, in dependency order."""

    steps: tuple[tuple[str, Step], ...] = ()

    def apply(self, questionnaire: Any, values: dict[str, Any]) -> None:
        """Add each declared fact the answers give to `values` (an unanswered one adds nothing)."""
        for name, step in self.steps:
            value = step(questionnaire, values)
            if value is not None:
                values[name] = value


def build_plan(
    facts: tuple[DeclaredFact, ...],
    parameter_values: Mapping[str, Any],
    min_coverage_pct: float,
) -> DerivationPlan:
    """The plan of the declared facts with the rulebook's parameter values (built once a rulebook;
    a declaration `rules check` refused is left out)."""
    ordered = dependency_order(facts)
    steps: list[tuple[str, Step]] = []
    for fact in ordered:
        step = _step(fact.spec, parameter_values, min_coverage_pct)
        if step is not None:
            steps.append((fact.name, step))
    return DerivationPlan(tuple(steps))


def dependency_order(facts: tuple[DeclaredFact, ...]) -> list[DeclaredFact]:
    """The facts ordered so that each comes after the declared facts it reads; the facts of a
    cycle are left out (`rules check` reports them)."""
    by_name = {fact.name: fact for fact in facts}
    ordered: list[DeclaredFact] = []
    state: dict[str, str] = {}

    def visit(name: str) -> bool:
        if state.get(name) == "done":
            return True
        if state.get(name) == "visiting":
            return False
        state[name] = "visiting"
        fact = by_name[name]
        acyclic = all(visit(read) for read in fact.reads if read in by_name)
        state[name] = "done" if acyclic else "cycle"
        if acyclic:
            ordered.append(fact)
        return acyclic

    for fact in facts:
        if fact.name not in state:
            visit(fact.name)
    return ordered


def cycle_members(facts: tuple[DeclaredFact, ...]) -> list[DeclaredFact]:
    """The declared facts that (through others) read themselves."""
    in_order = {fact.name for fact in dependency_order(facts)}
    return [fact for fact in facts if fact.name not in in_order]


def _step(
    spec: Derivation,
    parameter_values: Mapping[str, Any],
    min_coverage_pct: float,
) -> Step | None:
    if isinstance(spec, WeightedScore):
        weights = parameter_values.get(spec.weights)
        if not isinstance(weights, dict):
            return None
        return _weighted_step(spec.section, dict(weights), min_coverage_pct)
    if isinstance(spec, Count):
        return _count_step(spec)
    return _arithmetic_step(spec)


def _weighted_step(section: str, weights: dict[str, float], min_coverage_pct: float) -> Step:
    def step(questionnaire: Any, _values: dict[str, Any]) -> Number | None:
        return weighted(getattr(questionnaire, section, None), weights, min_coverage_pct)

    return step


def _count_step(spec: Count) -> Step:
    path = tuple(spec.of.split("."))
    accepted = {
        field: frozenset(value if isinstance(value, list) else [value])
        for field, value in spec.where.items()
    }
    within = frozenset(spec.within) if spec.within is not None else None

    def step(questionnaire: Any, _values: dict[str, Any]) -> Number | None:
        items = questionnaire
        for part in path:
            items = getattr(items, part, None)
        if items is None:
            return None
        if within is not None:
            return sum(1 for item in items if item in within)
        return sum(
            1
            for item in items
            if all(getattr(item, field) in values for field, values in accepted.items())
        )

    return step


def _arithmetic_step(spec: Difference | Ratio) -> Step:
    first, second = spec.of
    if isinstance(spec, Difference):

        def difference(_questionnaire: Any, values: dict[str, Any]) -> Number | None:
            a, b = values.get(first), values.get(second)
            return None if a is None or b is None else round(a - b, 2)

        return difference
    percent = spec.percent

    def ratio(_questionnaire: Any, values: dict[str, Any]) -> Number | None:
        a, b = values.get(first), values.get(second)
        if a is None or b is None:
            return None
        if percent:
            return percent_of(a, b)
        if b == 0:
            return None
        result = round(a / b, 4)
        return result if math.isfinite(result) else None

    return ratio
