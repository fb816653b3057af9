"""Derived facts a pack declares: a small set of documented derivations, as data.

A pack's `questionnaire.yaml` declares, under `derived:`, facts computed from the answers; the base
pack declares its own (the matrix scores, coverage counts, profit) the same way. Unanswered is never
0 or "no": a derivation whose operand is unanswered gives no fact, unless said otherwise below.

- `weighted_score`: the factors of a section weighted by a `weights` parameter; a score whose
  answered factors carry less of the weight than the `coverage` parameter (percent) is unanswered,
  never low. `given:` names a number question that stands in when the factors make no score;
  `cutoff:` names the number parameter the score is read against.
- `cutoff_distance`, `pivot`, `lowest_factors`, `of` a weighted score with a `cutoff`: how far the
  score is from its cut-off; the answered factor whose smallest change would move the score across
  it (none when the score was given); the answered factors at the lowest score when that is below
  the cut-off (read from the factors answered, even too few to make a score).
- `count`: the records of a list (`contacts`, `team.members`, `previous_plan.actions`) whose fields
  match `where` (each field one of its values; `null` matches a field left unanswered or blank) and
  at least one mapping of `any`, or the items of a list answer that are `in` the given values. An
  unanswered list gives no count; an empty one counts 0.
- `distinct`: how many different answers a field of a list's records holds (text compared without
  case or surrounding spaces); no record answering it gives no fact.
- `difference`, `ratio` and `product` of two number facts (`of: [a, b]`: a - b, a / b, a * b); a
  ratio with `percent: true` is a percentage (none of a whole under 1); a product with
  `percent: true` is a percentage b of a (a * b / 100).
- `days_between` two date questions (`of: [earlier, later]`); `account.assessment_date`, when
  unanswered, is the date the run is for (`--date`).
- `whole_cycles`: how many whole b fit in a (a // b), of two number facts.
- `built_in`: a fact the Python derives (`BUILT_INS` in facts.py), declared so the catalogue has it.

Derived facts are stored rounded (2 decimals; a plain ratio 4); a derivation reading another
declared fact reads its unrounded value, so profit less cost is not off by a rounding.

Each declaration is read once per rulebook into a plan (`DerivationPlan`), in an order where every
fact is derived after the facts it reads; a portfolio's accounts share the plan.
"""

from __future__ import annotations

import math
import re
import weakref
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kamadvisor.errors import Problem
from kamadvisor.sourcefile import SourceDocument, render_path
from kamadvisor.validation import problems_from

FACT_NAME_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
# The lists of records a count may read, by their path in the questionnaire.
RECORD_LISTS: tuple[str, ...] = ("contacts", "team.members", "previous_plan.actions")
# Unanswered, it is the date the run is for.
ASSESSMENT_DATE = "account.assessment_date"
# A weighted score's coverage parameter when the declaration names none.
DEFAULT_COVERAGE = "score_min_coverage_pct"
# Beyond this a percentage says nothing a rule could use (a revenue of next to nothing).
MAX_PERCENT = 1e6
Number = float | int
Values = Mapping[str, Any]
FactKind = Literal["number", "integer", "enum", "set"]
Accepted = str | bool | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field(min_length=1, description="What the fact says, for the catalogue.")


class WeightedScore(_Strict):
    """The section's factors weighted by a `weights` parameter (1-10 when the factors are scores)."""

    derivation: Literal["weighted_score"]
    section: str = Field(min_length=1, description="The section whose factors are weighted.")
    weights: str = Field(min_length=1, description="A `weights` parameter of that section.")
    coverage: str = Field(
        DEFAULT_COVERAGE,
        min_length=1,
        description="A number parameter: the least share of the weight (percent) answered.",
    )
    given: str | None = Field(
        None, min_length=1, description="A number question standing in when the factors do not."
    )
    cutoff: str | None = Field(
        None, min_length=1, description="A number parameter: the score's cut-off."
    )


class OfScore(_Strict):
    """Read against a weighted score's cut-off."""

    derivation: Literal["cutoff_distance", "pivot", "lowest_factors"]
    of: str = Field(min_length=1, description="A declared weighted score with a cutoff.")


class Count(_Strict):
    """How many records of a list match `where` (and `any`), or how many items of a list answer
    are `in` the values."""

    derivation: Literal["count"]
    of: str = Field(min_length=1, description="A list of records, or a list answer.")
    where: dict[str, Accepted | list[Accepted]] = Field(
        default_factory=dict,
        description="For a list of records: each field's accepted value(s), null for unanswered; "
        "all must match.",
    )
    any_of: list[dict[str, Accepted | list[Accepted]]] = Field(
        default_factory=list,
        alias="any",
        description="For a list of records: mappings like `where`, at least one must match.",
    )
    within: list[str] | None = Field(
        None, alias="in", description="For a list answer: the values counted."
    )


class Distinct(_Strict):
    """How many different answers a field of a list's records holds."""

    derivation: Literal["distinct"]
    of: str = Field(min_length=1, description="A list of records.")
    field: str = Field(min_length=1, description="The field of its records.")


class Arithmetic(_Strict):
    """Two number facts combined: a - b, a / b, a * b, or how many whole b fit in a."""

    derivation: Literal["difference", "ratio", "product", "whole_cycles"]
    of: tuple[str, str]
    percent: bool = False


class DaysBetween(_Strict):
    """Days from the first date question to the second."""

    derivation: Literal["days_between"]
    of: tuple[str, str]


class BuiltIn(_Strict):
    """A fact the Python derives, named by the fact (`BUILT_INS` in facts.py)."""

    derivation: Literal["built_in"]
    type: Literal["number", "integer"]
    reads: list[str] = Field(min_length=1, description="The answers it is derived from.")


Derivation = WeightedScore | OfScore | Count | Distinct | Arithmetic | DaysBetween | BuiltIn
DERIVATIONS: dict[str, type[Derivation]] = {
    "weighted_score": WeightedScore,
    "count": Count,
    "difference": Arithmetic,
    "ratio": Arithmetic,
    "product": Arithmetic,
    "whole_cycles": Arithmetic,
    "distinct": Distinct,
    "days_between": DaysBetween,
    "cutoff_distance": OfScore,
    "pivot": OfScore,
    "lowest_factors": OfScore,
    "built_in": BuiltIn,
}
_INTEGERS = frozenset({"count", "distinct", "days_between", "whole_cycles"})


@dataclass(frozen=True)
class DeclaredFact:
    """A derived fact as a pack declared it, with the file that declared it."""

    name: str
    spec: Derivation
    document: SourceDocument

    @property
    def type(self) -> FactKind:
        spec = self.spec
        if isinstance(spec, BuiltIn):
            return spec.type
        if spec.derivation == "pivot":
            return "enum"
        if spec.derivation == "lowest_factors":
            return "set"
        return "integer" if spec.derivation in _INTEGERS else "number"

    @property
    def reads(self) -> tuple[str, ...]:
        """The facts, sections, questions or lists this fact is derived from directly."""
        spec = self.spec
        if isinstance(spec, WeightedScore):
            return (spec.section,) if spec.given is None else (spec.section, spec.given)
        if isinstance(spec, BuiltIn):
            return tuple(spec.reads)
        if isinstance(spec, OfScore | Count | Distinct):
            return (spec.of,)
        return spec.of

    @property
    def parameters(self) -> tuple[str, ...]:
        """The pack parameters it reads."""
        spec = self.spec
        if not isinstance(spec, WeightedScore):
            return ()
        return (spec.weights, spec.coverage) + (() if spec.cutoff is None else (spec.cutoff,))


@dataclass(frozen=True, eq=False)
class Declarations:
    """The derived facts of a rulebook: the base pack's, then the house packs', each in
    declaration order (built once a rulebook; compared and hashed by identity)."""

    base: tuple[DeclaredFact, ...] = ()
    house: tuple[DeclaredFact, ...] = ()
    by_name: dict[str, DeclaredFact] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for fact in (*self.base, *self.house):
            self.by_name.setdefault(fact.name, fact)

    @property
    def all(self) -> tuple[DeclaredFact, ...]:
        return self.base + self.house

    def derived_from(
        self, fact: DeclaredFact, reading: frozenset[str] = frozenset()
    ) -> tuple[str, ...]:
        """The answers (sections, questions, lists) a fact comes from, through the declared facts
        it reads (a fact of a cycle, which `rules check` refuses, stops at the cycle)."""
        spec = fact.spec
        if isinstance(spec, OfScore) and spec.derivation != "cutoff_distance":
            score = self.by_name.get(spec.of)
            if score is not None and isinstance(score.spec, WeightedScore):
                return (score.spec.section,)
        reading = reading | {fact.name}
        found: dict[str, None] = {}
        for read in fact.reads:
            source = self.by_name.get(read)
            # A read of its own name is the answer of that path (`given: scores.attractiveness`).
            if source is None or read in reading:
                found[read] = None
            else:
                found.update(dict.fromkeys(self.derived_from(source, reading)))
        return tuple(found)


NO_DECLARATIONS = Declarations()
# The derived facts house packs declared with each questionnaire model (a rulebook's model is
# built once); the base pack's are read with `read_declarations`.
_DECLARED: weakref.WeakKeyDictionary[type, tuple[DeclaredFact, ...]] = weakref.WeakKeyDictionary()


def declare(model: type, facts: tuple[DeclaredFact, ...]) -> None:
    _DECLARED[model] = facts


def declared_facts(model: type) -> tuple[DeclaredFact, ...]:
    """The derived facts the house packs declared for this questionnaire model, in order."""
    return _DECLARED.get(model, ())


def read_declarations(document: SourceDocument) -> tuple[tuple[DeclaredFact, ...], list[Problem]]:
    """The `derived:` facts of a questionnaire.yaml (the base pack's), each read on its own so
    that every bad one is reported at once."""
    data = document.data if isinstance(document.data, dict) else {}
    derived = data.get("derived") or {}
    if not isinstance(derived, dict):
        return (), [_problem(document, ("derived",), "must be a mapping of fact names")]
    facts: list[DeclaredFact] = []
    problems: list[Problem] = []
    for name, raw in derived.items():
        if not re.match(FACT_NAME_PATTERN, str(name)) or not isinstance(raw, dict):
            message = "must be a fact name (group.name) with its derivation"
            problems.append(_problem(document, ("derived", str(name)), message))
            continue
        fact, found = read_declaration(document, name, raw)
        problems.extend(found)
        if fact is not None:
            facts.append(fact)
    return tuple(facts), problems


def _problem(document: SourceDocument, path: tuple[str, ...], message: str) -> Problem:
    line, column = document.locate(path) or (None, None)
    return Problem(document.name, line, column, render_path(path), message, code="schema")


def read_declaration(
    document: SourceDocument, name: str, raw: dict[str, Any]
) -> tuple[DeclaredFact | None, list[Problem]]:
    """A derived fact's declaration, read into its derivation (what it reads is checked with the
    pack's parameters, in packchecks.py)."""
    where = ("derived", name)
    kind = DERIVATIONS.get(str(raw.get("derivation")))
    if kind is None:
        path = (*where, "derivation") if "derivation" in raw else where
        message = f"'derivation' must be one of: {', '.join(DERIVATIONS)}"
        return None, [_problem(document, path, message)]
    try:
        spec = kind.model_validate(raw)
    except ValidationError as error:
        return None, problems_from(error, document, kind, where, code="schema")
    return DeclaredFact(name, spec, document), []


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


@dataclass
class Account:
    """One account's answers while its declared facts are derived."""

    questionnaire: Any
    values: dict[str, Any]
    as_of: date | None
    # The unrounded value of each declared number fact, for the facts that read it.
    exact: dict[str, Any] = field(default_factory=dict)
    given: list[str] = field(default_factory=list)
    # How many records of a list hold each combination of answers to some of their fields, tallied
    # once for every count of the list that reads those fields (None: unanswered).
    tallies: dict[tuple[str, tuple[str, ...]], Counter[tuple[Any, ...]]] = field(
        default_factory=dict
    )

    def number(self, name: str) -> Any:
        value = self.exact.get(name)
        return self.values.get(name) if value is None else value

    def tally(self, of: str, items: list[Any], fields: tuple[str, ...]) -> Counter[tuple[Any, ...]]:
        tally = self.tallies.get((of, fields))
        if tally is None:
            read = attrgetter(*fields)
            if len(fields) == 1:
                tally = Counter((_answered(answer),) for answer in map(read, items))
            else:
                tally = Counter(tuple(map(_answered, answers)) for answers in map(read, items))
            self.tallies[(of, fields)] = tally
        return tally


def _answered(value: Any) -> Any:
    """The value, or None when it was left unanswered (a text only blank is)."""
    return None if isinstance(value, str) and not value.strip() else value


Compute = Callable[[Account], Any]
BuiltInFunction = Callable[[Any, date | None], Number | None]


class Step(NamedTuple):
    name: str
    compute: Compute
    # Decimals the fact is stored with (None: as computed).
    digits: int | None = None


@dataclass(frozen=True)
class DerivationPlan:
    """The declared derived facts of a rulebook, each a step ready to run, in dependency order."""

    steps: tuple[Step, ...] = ()
    # Question path -> the fact it stands in for (a given score): no open question when the fact
    # has a value.
    stands_in: Mapping[str, str] = field(default_factory=dict)

    def apply(
        self, questionnaire: Any, values: dict[str, Any], as_of: date | None = None
    ) -> list[str]:
        """Add each declared fact the answers give to `values` (an unanswered one adds nothing);
        returns the facts that took a given answer in place of their factors."""
        account = Account(questionnaire, values, as_of)
        exact = account.exact
        for name, compute, digits in self.steps:
            value = compute(account)
            if value is None:
                continue
            exact[name] = value
            values[name] = value if digits is None else round(value, digits)
        return account.given


def build_plan(
    declarations: Declarations,
    parameter_values: Mapping[str, Any],
    factors: Mapping[str, tuple[str, ...]],
    built_ins: Mapping[str, BuiltInFunction],
) -> DerivationPlan:
    """The plan of the declared facts with the rulebook's parameter values (built once a rulebook;
    a declaration `rules check` refused is left out). `factors` are the number questions of each
    section; `built_ins` the Python's own derivations, by fact name."""
    builder = _Builder(declarations, parameter_values, factors, built_ins)
    steps = [builder.step(fact) for fact in dependency_order(declarations.all)]
    return DerivationPlan(
        tuple(step for step in steps if step is not None), dict(builder.stands_in)
    )


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
        # A read of its own name is the answer of that path (`given: scores.attractiveness`).
        acyclic = all(visit(read) for read in fact.reads if read in by_name and read != name)
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


@dataclass
class _Builder:
    declarations: Declarations
    parameters: Mapping[str, Any]
    factors: Mapping[str, tuple[str, ...]]
    built_ins: Mapping[str, BuiltInFunction]
    stands_in: dict[str, str] = field(default_factory=dict)

    def step(self, fact: DeclaredFact) -> Step | None:
        spec = fact.spec
        if isinstance(spec, WeightedScore):
            return self._weighted(fact.name, spec)
        if isinstance(spec, OfScore):
            return self._of_score(fact.name, spec)
        if isinstance(spec, Count):
            return Step(fact.name, _count(spec))
        if isinstance(spec, Distinct):
            return Step(fact.name, _distinct(spec))
        if isinstance(spec, Arithmetic):
            return _arithmetic(fact.name, spec)
        if isinstance(spec, DaysBetween):
            return Step(fact.name, _days_between(spec))
        function = self.built_ins.get(fact.name)
        if function is None:
            return None
        return Step(fact.name, lambda account: function(account.questionnaire, account.as_of))

    def _number(self, name: str | None) -> float | None:
        value = self.parameters.get(name or "")
        return float(value) if isinstance(value, int | float) else None

    def _weighted(self, name: str, spec: WeightedScore) -> Step | None:
        weights = self.parameters.get(spec.weights)
        coverage = self._number(spec.coverage)
        if not isinstance(weights, dict) or coverage is None:
            return None
        if spec.given is not None:
            self.stands_in[spec.given] = name
        return Step(name, _weighted_score(name, spec, dict(weights), coverage))

    def _of_score(self, name: str, spec: OfScore) -> Step | None:
        score = self.declarations.by_name.get(spec.of)
        if score is None or not isinstance(score.spec, WeightedScore):
            return None
        weights = self.parameters.get(score.spec.weights)
        cutoff = self._number(score.spec.cutoff)
        if not isinstance(weights, dict) or cutoff is None:
            return None
        section = score.spec.section
        if spec.derivation == "cutoff_distance":
            return Step(name, _cutoff_distance(spec.of, cutoff), digits=2)
        if spec.derivation == "pivot":
            return Step(name, _pivot_step(spec.of, section, dict(weights), cutoff))
        return Step(name, _lowest_step(section, self.factors.get(section, ()), cutoff))


def _path(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


def _answer(questionnaire: Any, path: tuple[str, ...]) -> Any:
    value = questionnaire
    for part in path:
        value = getattr(value, part, None)
    return value


def _weighted_score(
    name: str, spec: WeightedScore, weights: dict[str, float], coverage: float
) -> Compute:
    section = spec.section
    given = _path(spec.given) if spec.given is not None else None

    def compute(account: Account) -> Number | None:
        score = weighted(getattr(account.questionnaire, section, None), weights, coverage)
        if score is not None or given is None:
            return score
        stated: Number | None = _answer(account.questionnaire, given)
        if stated is not None:
            account.given.append(name)
        return stated

    return compute


def _cutoff_distance(score: str, cutoff: float) -> Compute:
    def compute(account: Account) -> Number | None:
        value = account.number(score)
        return None if value is None else abs(value - cutoff)

    return compute


def _pivot_step(score: str, section: str, weights: dict[str, float], cutoff: float) -> Compute:
    def compute(account: Account) -> str | None:
        value = account.values.get(score)
        if value is None or score in account.given:
            return None
        return _pivot(getattr(account.questionnaire, section, None), weights, value, cutoff)

    return compute


def _pivot(
    answers: object, weights: Mapping[str, float], score: float, cutoff: float
) -> str | None:
    """The answered factor needing the smallest change of its own score to cross the cut-off."""
    answered: dict[str, float] = {}
    for factor, weight in weights.items():
        value = getattr(answers, factor, None)
        if weight > 0 and value is not None:
            answered[factor] = value
    total_weight = sum(weights[f] for f in answered)
    if not answered or total_weight == 0:
        return None
    # Crossing downwards means falling below the cut-off; upwards, reaching it.
    needed = (cutoff - score) if score < cutoff else (cutoff - score - 0.01)
    best: tuple[float, int, str] | None = None
    for index, (factor, value) in enumerate(answered.items()):
        change = needed * total_weight / weights[factor]
        if 1 <= value + change <= 10:
            candidate = (abs(change), index, factor)
            best = candidate if best is None or candidate < best else best
    return best[2] if best else None


def _lowest_step(section: str, factors: tuple[str, ...], cutoff: float) -> Compute:
    def compute(account: Account) -> list[str] | None:
        answers = getattr(account.questionnaire, section, None)
        scored: dict[str, float] = {}
        for name in factors:
            value = getattr(answers, name, None)
            if value is not None:
                scored[name] = value
        if not scored or min(scored.values()) >= cutoff:
            return None
        lowest = min(scored.values())
        return sorted(name for name, value in scored.items() if value == lowest)

    return compute


# The position of each field among those a count reads, with its accepted answers (None among
# them: unanswered matches).
Clause = tuple[tuple[int, frozenset[Any]], ...]


def _clause(where: Mapping[str, Accepted | list[Accepted]], fields: tuple[str, ...]) -> Clause:
    return tuple(
        (fields.index(name), frozenset(value if isinstance(value, list) else [value]))
        for name, value in where.items()
    )


def _matches(answers: tuple[Any, ...], clause: Clause) -> bool:
    return all(answers[index] in accepted for index, accepted in clause)


def _count(spec: Count) -> Compute:
    of, path = spec.of, _path(spec.of)
    fields = tuple(sorted({name for where in (spec.where, *spec.any_of) for name in where}))
    where = _clause(spec.where, fields)
    alternatives = tuple(_clause(option, fields) for option in spec.any_of)
    within = frozenset(spec.within) if spec.within is not None else None
    # One field and no alternatives (most counts): the tally's entries of the accepted answers.
    single = [(answer,) for answer in where[0][1]] if len(where) == 1 and not alternatives else None

    def compute(account: Account) -> int | None:
        items = _answer(account.questionnaire, path)
        if items is None:
            return None
        if within is not None:
            return sum(1 for item in items if item in within)
        if not fields:
            return len(items)
        if single is not None:
            tally = account.tally(of, items, fields)
            return sum(tally[answer] for answer in single)
        return sum(
            number
            for answers, number in account.tally(of, items, fields).items()
            if _matches(answers, where)
            and (not alternatives or any(_matches(answers, option) for option in alternatives))
        )

    return compute


def _distinct(spec: Distinct) -> Compute:
    path, name = _path(spec.of), spec.field

    def compute(account: Account) -> int | None:
        items = _answer(account.questionnaire, path)
        found = set()
        for item in items or ():
            value = getattr(item, name)
            if isinstance(value, str):
                value = value.strip().lower() or None
            if value is not None:
                found.add(value)
        return len(found) or None

    return compute


def _days_between(spec: DaysBetween) -> Compute:
    first, second = (_path(path) for path in spec.of)
    first_is_run_date = spec.of[0] == ASSESSMENT_DATE
    second_is_run_date = spec.of[1] == ASSESSMENT_DATE

    def compute(account: Account) -> int | None:
        start = account.as_of if first_is_run_date else _answer(account.questionnaire, first)
        end = account.as_of if second_is_run_date else _answer(account.questionnaire, second)
        if start is None or end is None:
            return None
        days: int = (end - start).days
        return days

    return compute


def _arithmetic(name: str, spec: Arithmetic) -> Step:
    first, second = spec.of
    kind, percent = spec.derivation, spec.percent

    def compute(account: Account) -> Number | None:
        a: Number | None = account.number(first)
        b: Number | None = account.number(second)
        if a is None or b is None:
            return None
        if kind == "difference":
            return a - b
        if kind == "product":
            return a * b / 100 if percent else a * b
        if kind == "whole_cycles":
            return int(a // b) if b > 0 else None
        if percent:
            return percent_of(a, b)
        if b == 0:
            return None
        result = a / b
        return result if math.isfinite(result) else None

    digits = {"difference": 2, "product": 2, "ratio": None if percent else 4}.get(kind)
    return Step(name, compute, digits)
