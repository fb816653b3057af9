"""Compile a rulebook into durable_rules rulesets (the engine's JSON condition language).

Rules are layered into strata: a rule that matches a concluded fact sits in a later stratum than
every rule that concludes it, so each stratum sees the settled conclusions of the ones before
it. Rules concluding the same single-valued fact share one stratum, where the most salient wins.
Each stratum is split into rulesets small enough for the engine's limits (notes: at most 64
branches matching one fact, so at most about 50 rules a ruleset).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kamadvisor.conditions import (
    ConcludedTest,
    Condition,
    FactRef,
    FactTest,
    Group,
    Not,
    Operand,
    ParamRef,
    iter_tests,
)
from kamadvisor.errors import InputError, Problem
from kamadvisor.facts import FactSpec, fact_catalogue
from kamadvisor.rulebook import Rule, Rulebook, parameter_value

MAX_RULES_PER_RULESET = 40
ACCOUNT_KIND = "account"


@functools.cache  # called for every fact of every account: the names are a fixed few hundred
def property_name(fact: str) -> str:
    """Engine property of a fact: dots would be read as nested paths by the engine."""
    return fact.replace(".", "__")


def set_member_property(fact: str, member: str) -> str:
    return f"{property_name(fact)}__has__{member}"


def set_count_property(fact: str) -> str:
    return f"{property_name(fact)}__count"


@dataclass
class CompiledRuleset:
    rules: list[Rule]
    definition: dict[str, Any]
    concluded_inputs: frozenset[str]
    # The account properties its rules read: the engine serialises the matched fact on every
    # firing, so each ruleset is given only what it reads.
    account_properties: frozenset[str] = frozenset()


@dataclass
class CompiledRulebook:
    rulebook: Rulebook
    scope: str = "account"
    strata: list[list[CompiledRuleset]] = field(default_factory=list)

    @property
    def rule_count(self) -> int:
        return sum(len(ruleset.rules) for stratum in self.strata for ruleset in stratum)


def compile_rulebook(rulebook: Rulebook, scope: str = "account") -> CompiledRulebook:
    """Compile the rules of one scope: one account's rules, or the portfolio's."""
    rules = rulebook.scoped(scope)
    levels = _strata_levels(rulebook, rules)
    compiled = CompiledRulebook(rulebook, scope=scope)
    for level in range(max(levels.values(), default=-1) + 1):
        members = [rule for rule in rules if levels[rule.id] == level]
        rulesets = []
        for start in range(0, len(members), MAX_RULES_PER_RULESET):
            chunk = members[start : start + MAX_RULES_PER_RULESET]
            rulesets.append(
                CompiledRuleset(
                    rules=chunk,
                    definition={
                        rule.id: _bounded(rule, _compile_rule(rule, rulebook)) for rule in chunk
                    },
                    concluded_inputs=frozenset(_concluded_names(chunk)),
                    account_properties=frozenset(
                        _account_properties(chunk, rulebook.catalogue("account"))
                    ),
                )
            )
        compiled.strata.append(rulesets)
    return compiled


def _concluded_names(rules: Iterable[Rule]) -> set[str]:
    names: set[str] = set()
    for rule in rules:
        for test in iter_tests(rule.condition):
            if isinstance(test, ConcludedTest):
                names.add(f"{test.kind}:{test.name}")
    return names


def _is_set(fact: str, catalogue: Mapping[str, FactSpec]) -> bool:
    spec = catalogue.get(fact)
    return spec is not None and spec.type == "set"


def _account_properties(rules: Iterable[Rule], catalogue: Mapping[str, FactSpec]) -> set[str]:
    names: set[str] = set()
    for rule in rules:
        for test in iter_tests(rule.condition):
            if not isinstance(test, FactTest):
                continue
            facts = [test.fact] + ([test.value.name] if isinstance(test.value, FactRef) else [])
            for fact in facts:
                if _is_set(fact, catalogue):
                    names.add(set_count_property(fact))
                    names.update(set_member_property(fact, m) for m in catalogue[fact].values)
                else:
                    names.add(property_name(fact))
    return names


def _inputs(rule: Rule) -> set[str]:
    return _concluded_names([rule])


def _outputs(rule: Rule) -> set[str]:
    return (
        {f"conclusion:{name}" for name in rule.spec.conclude or {}}
        | {f"signal:{name}" for name in rule.spec.signal or {}}
        | {f"gate:{name}" for name in rule.spec.rules_out or {}}
    )


def _producers_of(name: str, producers: dict[str, list[Rule]]) -> list[Rule]:
    """A placement is settled once every rule signalling or ruling out one of its values ran."""
    kind, _, conclusion = name.partition(":")
    if kind == "placement":
        return producers.get(f"signal:{conclusion}", []) + producers.get(f"gate:{conclusion}", [])
    return producers.get(name, [])


def _strata_levels(rulebook: Rulebook, rules: list[Rule]) -> dict[str, int]:
    """Level of each rule; a cycle of conclusions is an error naming the rules in it."""
    producers: dict[str, list[Rule]] = {}
    for rule in rules:
        for name in _outputs(rule):
            producers.setdefault(name, []).append(rule)
    single = {
        f"conclusion:{name}" for name, spec in rulebook.manifest.conclusions.items() if spec.single
    }
    levels = _dependency_levels(rules, producers)
    _settle_single_valued(levels, rules, producers, single)
    return levels


def _dependency_levels(rules: list[Rule], producers: dict[str, list[Rule]]) -> dict[str, int]:
    """Each rule one level above the highest rule producing what it reads."""
    levels: dict[str, int] = {}
    visiting: list[str] = []

    def level_of(rule: Rule) -> int:
        if rule.id in levels:
            return levels[rule.id]
        if rule.id in visiting:
            raise _cycle_error(rule, [*visiting[visiting.index(rule.id) :], rule.id])
        visiting.append(rule.id)
        level = 0
        for name in _inputs(rule):
            for producer in _producers_of(name, producers):
                level = max(level, level_of(producer) + 1)
        visiting.pop()
        levels[rule.id] = level
        return level

    for rule in rules:
        level_of(rule)
    return levels


def _cycle_error(rule: Rule, cycle: list[str]) -> InputError:
    return InputError(
        [
            Problem(
                rule.origin.file,
                rule.origin.line,
                None,
                "when",
                f"concluded facts form a cycle: {' -> '.join(cycle)} [cycle]",
            )
        ]
    )


def _settle_single_valued(
    levels: dict[str, int], rules: list[Rule], producers: dict[str, list[Rule]], single: set[str]
) -> None:
    """Producers of one single-valued fact must decide in the same stratum; moving them later can
    push their other outputs' consumers later too, so iterate to a fixed point."""
    changed = True
    while changed:
        changed = False
        for name in single:
            top = max((levels[rule.id] for rule in producers.get(name, [])), default=0)
            for rule in producers.get(name, []):
                if levels[rule.id] < top:
                    levels[rule.id] = top
                    changed = True
        for rule in rules:
            needed = max(
                (
                    levels[p.id] + 1
                    for name in _inputs(rule)
                    for p in _producers_of(name, producers)
                ),
                default=0,
            )
            if levels[rule.id] < needed:
                levels[rule.id] = needed
                changed = True


# The engine matches each alternative of a rule's condition (`any`, `in`, the `or` of an
# unanswered fact) as its own branch, multiplying across `all`: a condition of four groups of 50
# alternatives would be 6 million branches, and the engine aborts the process. The base pack's
# largest rule has 18.
MAX_RULE_BRANCHES = 64


def _bounded(rule: Rule, definition: dict[str, Any]) -> dict[str, Any]:
    branches = engine_branches(definition)
    if branches > MAX_RULE_BRANCHES:
        raise InputError(
            [
                Problem(
                    rule.origin.file,
                    rule.origin.line,
                    None,
                    f"{rule.id}.when",
                    f"the condition expands to {branches:,} alternatives for the engine; at most "
                    f"{MAX_RULE_BRANCHES} are allowed (fewer 'any' groups, or shorter lists)",
                    code="condition-size",
                )
            ]
        )
    return definition


def engine_branches(node: Any) -> int:
    """How many alternatives the engine matches for a compiled condition: an `or` (or `any`)
    adds its members' alternatives, an `and` (or `all`) multiplies them."""
    if isinstance(node, list):
        total = 1
        for item in node:
            total *= engine_branches(item)
        return total
    if not isinstance(node, dict):
        return 1
    total = 1
    for key, value in node.items():
        if key in ("$or", "any") and isinstance(value, list):
            total *= sum(engine_branches(item) for item in value)
        else:
            total *= engine_branches(value)
    return total


def _compile_rule(rule: Rule, rulebook: Rulebook) -> dict[str, Any]:
    concluded: list[ConcludedTest] = []
    fact_condition = _split(rule.condition, concluded)
    patterns: list[dict[str, Any]] = []
    count: int | None = None
    for index, test in enumerate(concluded):
        clauses: list[dict[str, Any]] = [{"kind": test.kind}, {"name": test.name}]
        clauses.append(_compare("value", test.op, test.value, rulebook))
        patterns.append({f"c{index}": {"$and": clauses}})
        if test.at_least is not None:
            count = int(
                parameter_value(rulebook, test.at_least)
                if isinstance(test.at_least, ParamRef)
                else test.at_least
            )
    if fact_condition is not None:
        patterns.append(
            {"a": {"$and": [{"kind": ACCOUNT_KIND}, _fact_expression(fact_condition, rulebook)]}}
        )
    if not patterns:
        patterns.append({"a": {"kind": ACCOUNT_KIND}})
    definition: dict[str, Any] = {"pri": rule.spec.salience, "all": patterns, "run": rule.id}
    if count is not None and count > 1:
        definition["count"] = count
    return definition


def _split(condition: Condition, concluded: list[ConcludedTest]) -> Condition | None:
    """Take concluded tests out of a top-level `all` (each becomes its own pattern)."""
    if isinstance(condition, ConcludedTest):
        concluded.append(condition)
        return None
    if isinstance(condition, FactTest | Not):
        return condition
    if condition.mode == "all":
        remaining = [item for item in (_split(item, concluded) for item in condition.items) if item]
        if not remaining:
            return None
        return (
            remaining[0] if len(remaining) == 1 else Group("all", tuple(remaining), condition.path)
        )
    return condition


def _fact_expression(
    condition: Condition, rulebook: Rulebook, negated: bool = False
) -> dict[str, Any]:
    """The condition, or its negation, in the engine's terms. The engine has no NOT: a negation
    goes down to the tests by De Morgan, where a missing property (an unanswered question)
    satisfies it."""
    if isinstance(condition, Not):
        return _fact_expression(condition.item, rulebook, not negated)
    if isinstance(condition, Group):
        operator = "$and" if (condition.mode == "all") != negated else "$or"
        return {operator: [_fact_expression(item, rulebook, negated) for item in condition.items]}
    if isinstance(condition, ConcludedTest):
        # conditions.shape_issues keeps concluded tests out of `any` and `not`; this guards it.
        raise ValueError(
            f"concluded test inside '{'not' if negated else 'any'}' at {condition.path}"
        )
    return _negated_test(condition, rulebook) if negated else _fact_test(condition, rulebook)


_OPPOSITE = {"lt": "gte", "lte": "gt", "gt": "lte", "gte": "lt", "eq": "ne", "ne": "eq"}


def _negated_test(test: FactTest, rulebook: Rulebook) -> dict[str, Any]:
    missing = [{"$nex": {name: 1}} for name in _properties_of(test, rulebook.catalogue("account"))]
    if test.op in ("contains", "lacks"):
        members = test.value if isinstance(test.value, tuple) else (test.value,)
        flipped = test.op != "contains"
        opposite: list[dict[str, Any]] = [
            {set_member_property(test.fact, str(m)): flipped} for m in members
        ]
        return {"$or": [*missing, *opposite]}
    if test.op == "empty":
        count = set_count_property(test.fact)
        return {"$or": [*missing, {"$gt": {count: 0}} if test.value is True else {count: 0}]}
    prop = property_name(test.fact)
    if test.op == "in":
        assert isinstance(test.value, tuple)
        return {"$or": [*missing, {"$and": [{"$neq": {prop: item}} for item in test.value]}]}
    if test.op == "not_in":
        assert isinstance(test.value, tuple)
        return {"$or": [*missing, *({prop: item} for item in test.value)]}
    opposite_op = _OPPOSITE[test.op]
    compared = _compare(prop, opposite_op, test.value, rulebook)
    if opposite_op == "ne":
        compared = {"$neq": {prop: _resolve(test.value, rulebook)}}
    return {"$or": [*missing, compared]}


def _properties_of(test: FactTest, catalogue: Mapping[str, FactSpec]) -> list[str]:
    names = [test.fact] + ([test.value.name] if isinstance(test.value, FactRef) else [])
    found = []
    for name in names:
        if _is_set(name, catalogue):
            found.append(set_count_property(name))
        else:
            found.append(property_name(name))
    return found


def _fact_test(test: FactTest, rulebook: Rulebook) -> dict[str, Any]:
    if test.op in ("contains", "lacks"):
        members = test.value if isinstance(test.value, tuple) else (test.value,)
        wanted = test.op == "contains"
        clauses: list[dict[str, Any]] = [
            {set_member_property(test.fact, str(m)): wanted} for m in members
        ]
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}
    if test.op == "empty":
        count = set_count_property(test.fact)
        return {count: 0} if test.value is True else {"$gt": {count: 0}}
    return _compare(property_name(test.fact), test.op, test.value, rulebook)


_ENGINE_OPERATORS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte", "ne": "$neq"}


def _compare(prop: str, op: str, value: Operand, rulebook: Rulebook) -> dict[str, Any]:
    resolved = _resolve(value, rulebook)
    if op == "eq":
        return {prop: resolved}
    if op == "in":
        assert isinstance(value, tuple)
        return {"$or": [{prop: item} for item in value]}
    if op == "not_in":
        assert isinstance(value, tuple)
        return {"$and": [{"$ex": {prop: 1}}, *({"$neq": {prop: item}} for item in value)]}
    clause = {_ENGINE_OPERATORS[op]: {prop: resolved}}
    if op == "ne":
        # An unanswered fact is absent: "not X" must not hold for it.
        return {"$and": [{"$ex": {prop: 1}}, clause]}
    return clause


def _resolve(value: Operand, rulebook: Rulebook) -> Any:
    if isinstance(value, ParamRef):
        return parameter_value(rulebook, value)
    if isinstance(value, FactRef):
        return {"$m": property_name(value.name)}
    return value


def engine_fact(
    values: dict[str, Any], catalogue: Mapping[str, FactSpec] | None = None
) -> dict[str, Any]:
    """The account's facts as one engine fact: flat properties, sets expanded, floats made safe.
    `catalogue` is the rulebook's (it knows which facts are sets); the answers' own when not given."""
    if catalogue is None:
        catalogue = fact_catalogue()
    plans = _property_plans(catalogue)
    fact: dict[str, Any] = {"kind": ACCOUNT_KIND}
    for name, value in values.items():
        plan = plans.get(name)
        if plan is None:
            plan = plans[name] = _property_plan(name, catalogue.get(name))
        prop, members, count = plan
        if members is not None and isinstance(value, list):
            for member, member_prop in members:
                fact[member_prop] = member in value
            fact[count] = len(value)
        else:
            fact[prop] = engine_number(value) if isinstance(value, float) else value
    return fact


# A fact's engine property; for a set, also each member's property and the count's.
_PropertyPlan = tuple[str, tuple[tuple[str, str], ...] | None, str]
_PLANS: dict[int, tuple[Mapping[str, FactSpec], dict[str, _PropertyPlan]]] = {}


def _property_plans(catalogue: Mapping[str, FactSpec]) -> dict[str, _PropertyPlan]:
    """The property plans of a catalogue's facts, filled in as facts are first met."""
    found = _PLANS.get(id(catalogue))
    if found is None or found[0] is not catalogue:
        found = _PLANS[id(catalogue)] = (catalogue, {})
    return found[1]


def _property_plan(name: str, spec: FactSpec | None) -> _PropertyPlan:
    if spec is not None and spec.type == "set":
        members = tuple((member, set_member_property(name, member)) for member in spec.values)
        return property_name(name), members, set_count_property(name)
    return property_name(name), None, ""


def engine_number(value: Any) -> Any:
    """The engine cannot parse exponent notation (1e-05, 1e+16): keep floats in plain notation."""
    if isinstance(value, float):
        value = round(value, 4)
        if abs(value) < 1e-4:
            return 0.0
        if abs(value) >= 1e15:
            return int(value)
    return value
