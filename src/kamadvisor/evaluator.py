"""The rule language's second interpreter: compiled rulesets matched in plain Python.

durable_rules diagnoses every account (`RuleEngine`). This evaluator reads the same compiled
rulesets (the engine's JSON condition language, as `compiler.py` writes it) and matches them with
Python predicates built once per rulebook, behind the same interface (`run(facts)` gives an
`EngineResult`), with the same stratum loop. It is the oracle the test suite holds the engine to
(identical firings, in the same order, on every pack case, example and a generated set) and the
floor the portfolio benchmark measures the engine against. It never replaces the engine in
`assess`, `memo` or `portfolio`.

Matching follows the engine's semantics for the language the compiler writes: a missing property
(an unanswered question) satisfies no comparison and `$nex` alone; booleans compare only with
booleans, numbers with numbers and text with text; `$or` holds if a branch does; a rule with
`count: N` fires once N matches are in. Rules fire as the facts arrive, context first and the
account last: those a fact completes fire in ascending `pri`, then in definition order.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kamadvisor.compiler import ACCOUNT_KIND, CompiledRulebook, CompiledRuleset
from kamadvisor.engine import StratifiedRunner

Fact = Mapping[str, Any]
Predicate = Callable[[Fact], bool]
_MISSING = object()
_NUMBERS = (int, float)
_RELATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$neq": operator.ne,
}


class UnsupportedCondition(ValueError):
    """A compiled condition uses an operator outside the language `compiler.py` writes."""


def _kinds(value: Any) -> tuple[type, ...]:
    """The types a value compares with (in Python, True == 1; in the engine, a boolean is not a
    number)."""
    return _NUMBERS if type(value) in _NUMBERS else (type(value),)


def _test(prop: str, value: Any, relation: Callable[[Any, Any], bool]) -> Predicate:
    if isinstance(value, dict) and "$m" in value:
        return _referenced(prop, value["$m"], relation)
    kinds = _kinds(value)

    def constant(fact: Fact) -> bool:
        left = fact.get(prop, _MISSING)
        return type(left) in kinds and relation(left, value)

    return constant


def _referenced(prop: str, other: str, relation: Callable[[Any, Any], bool]) -> Predicate:
    """A right-hand `{"$m": other}`: another property of the same fact."""

    def referenced(fact: Fact) -> bool:
        left, right = fact.get(prop, _MISSING), fact.get(other, _MISSING)
        if left is _MISSING or right is _MISSING or type(left) not in _kinds(right):
            return False
        return bool(relation(left, right))

    return referenced


def _all_of(items: list[Predicate]) -> Predicate:
    if len(items) == 1:
        return items[0]

    def conjunction(fact: Fact) -> bool:
        # A plain loop, not all(generator): this is the hot path.
        for item in items:  # noqa: SIM110
            if not item(fact):
                return False
        return True

    return conjunction


def _any_of(items: list[Predicate]) -> Predicate:
    if len(items) == 1:
        return items[0]

    def disjunction(fact: Fact) -> bool:
        for item in items:  # noqa: SIM110
            if item(fact):
                return True
        return False

    return disjunction


def compile_expression(expression: Mapping[str, Any]) -> Predicate:
    """One pattern's condition as a predicate over one fact: every key of a mapping must hold."""
    return _all_of([_compile_clause(key, value) for key, value in expression.items()])


def _compile_clause(key: str, value: Any) -> Predicate:
    if key in ("$and", "$or"):
        items = [compile_expression(item) for item in value]
        return _all_of(items) if key == "$and" else _any_of(items)
    if key in ("$ex", "$nex"):
        (prop,) = value
        present = key == "$ex"
        return lambda fact: (prop in fact) is present
    if key in _RELATIONS:
        ((prop, right),) = value.items()
        return _test(prop, right, _RELATIONS[key])
    if key.startswith("$"):
        raise UnsupportedCondition(f"operator {key} is not in the compiled rule language")
    return _test(key, value, operator.eq)


@dataclass(frozen=True)
class CompiledRule:
    rule_id: str
    priority: int
    account: Predicate | None  # the "a" pattern, on the account fact
    context: tuple[Predicate, ...]  # the "cN" patterns, on conclusion and signal facts
    count: int  # matches needed: the engine's `count` (at least N signals)

    def fires(self, account: Fact | None, context: Sequence[Fact]) -> bool:
        """Whether the rule holds on the facts asserted so far (`account` None: not yet)."""
        if self.account is not None and (account is None or not self.account(account)):
            return False
        frames = 1
        for pattern in self.context:
            matched = 0
            for fact in context:
                if pattern(fact):
                    matched += 1
            if not matched:
                return False
            frames *= matched
        return frames >= self.count


def compile_rule(rule_id: str, definition: Mapping[str, Any]) -> CompiledRule:
    account: Predicate | None = None
    context: list[Predicate] = []
    for pattern in definition["all"]:
        ((name, expression),) = pattern.items()
        if name == "a":
            account = compile_expression(expression)
        else:
            context.append(compile_expression(expression))
    return CompiledRule(
        rule_id,
        int(definition.get("pri", 0)),
        account,
        tuple(context),
        int(definition.get("count", 1)),
    )


class PythonEvaluator(StratifiedRunner):
    """What `RuleEngine.run` does, with the matching done in plain Python."""

    def __init__(self, compiled: CompiledRulebook) -> None:
        super().__init__(compiled)
        # Per ruleset, in the engine's agenda order (ascending priority, then definition order):
        # the rules a context fact can complete, and every rule (the account completes the rest).
        self._agenda: dict[int, tuple[list[CompiledRule], list[CompiledRule]]] = {}
        for stratum in compiled.strata:
            for ruleset in stratum:
                rules = [compile_rule(rid, d) for rid, d in ruleset.definition.items()]
                rules.sort(key=lambda rule: rule.priority)  # stable: definition order kept
                context_only = [rule for rule in rules if rule.account is None]
                self._agenda[id(ruleset)] = (context_only, rules)

    def _match(self, ruleset: CompiledRuleset, facts: list[dict[str, Any]]) -> list[str]:
        context_only, rules = self._agenda[id(ruleset)]
        fired: list[str] = []
        context: list[Fact] = []
        for fact in facts:
            if fact.get("kind") == ACCOUNT_KIND:
                fired.extend(
                    rule.rule_id
                    for rule in rules
                    if rule.rule_id not in fired and rule.fires(fact, context)
                )
                continue
            context.append(fact)
            fired.extend(
                rule.rule_id
                for rule in context_only
                if rule.rule_id not in fired and rule.fires(None, context)
            )
        return fired
