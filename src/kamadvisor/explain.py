"""Why a rule fired, or why it did not: each condition, the value it met, and whether it held.

The engine decides what fires; this module only retraces a rule's conditions against the
account's facts and the engine's conclusions so a consultant can follow the reasoning, down to
the answers behind every concluded fact.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kamadvisor.api import Advisor, check_effective_date
from kamadvisor.conditions import (
    ConcludedTest,
    Condition,
    FactRef,
    FactTest,
    Group,
    Not,
    ParamRef,
    iter_tests,
)
from kamadvisor.errors import UsageError
from kamadvisor.facts import derive_facts
from kamadvisor.firing import EngineResult, Produced
from kamadvisor.questionnaire import Questionnaire
from kamadvisor.rulebook import Rule, Rulebook, parameter_value
from kamadvisor.validation import did_you_mean

MAX_DEPTH = 4
HELD, FAILED = "yes", "no "


def explain_rule(
    advisor: Advisor, questionnaire: Questionnaire, rule_id: str, as_of: date | None = None
) -> list[str]:
    rulebook = advisor.rulebook
    known = [rule.id for rule in rulebook.rules]
    if rule_id not in known:
        if rule_id in rulebook.disabled:
            raise UsageError(f"rule '{rule_id}' is disabled by {rulebook.disabled[rule_id]}")
        raise UsageError(f"unknown rule '{rule_id}'{did_you_mean(rule_id, known)}")
    check_effective_date(questionnaire, as_of)
    facts = derive_facts(questionnaire, rulebook.derivation_plan(), as_of).values
    result = advisor.engine.run(dict(facts))
    explainer = _Explainer(rulebook, facts, result)
    return explainer.rule(rulebook.rule(rule_id), depth=0, seen=set())


class _Explainer:
    def __init__(self, rulebook: Rulebook, facts: dict[str, Any], result: EngineResult) -> None:
        self.rulebook = rulebook
        self.facts = facts
        self.result = result

    def rule(self, rule: Rule, depth: int, seen: set[str]) -> list[str]:
        indent = "    " * depth
        fired = rule.id in self.result.fired
        verdict = "fired" if fired else "did not fire"
        lines = [f"{indent}{rule.id}: {rule.spec.title} ({rule.origin}) {verdict}"]
        overruled = [p for p in self.result.overruled if p.rule_id == rule.id]
        for item in overruled:
            lines.append(
                f"{indent}  its conclusion {item.name} = {item.value} was overruled by a more "
                "salient rule"
            )
        seen = seen | {rule.id}
        lines.extend(self.condition(rule.condition, depth, seen))
        return lines

    def condition(self, condition: Condition, depth: int, seen: set[str]) -> list[str]:
        indent = "    " * depth + "  "
        if isinstance(condition, Group):
            held = self.holds(condition)
            word = "all of" if condition.mode == "all" else "any of"
            lines = [f"{indent}[{HELD if held else FAILED}] {word}:"]
            for item in condition.items:
                lines.extend("  " + line for line in self.condition(item, depth, seen))
            return lines
        if isinstance(condition, Not):
            held = self.holds(condition)
            lines = [f"{indent}[{HELD if held else FAILED}] not (holds when this does not):"]
            lines.extend("  " + line for line in self.condition(condition.item, depth, seen))
            return lines
        if isinstance(condition, FactTest):
            return [f"{indent}{self.fact_line(condition)}"]
        return self.concluded_lines(condition, depth, seen)

    def holds(self, condition: Condition) -> bool:
        if isinstance(condition, Group):
            results = [self.holds(item) for item in condition.items]
            return all(results) if condition.mode == "all" else any(results)
        if isinstance(condition, Not):
            return not self.holds(condition.item)
        if isinstance(condition, FactTest):
            return self.fact_holds(condition)
        return self.concluded_holds(condition)

    def expected(self, value: Any) -> Any:
        if isinstance(value, ParamRef):
            return f"{parameter_value(self.rulebook, value)} (parameter {value.name})"
        if isinstance(value, FactRef):
            return f"fact {value.name}"
        if isinstance(value, tuple):
            return "[" + ", ".join(str(item) for item in value) + "]"
        return value

    def resolve(self, value: Any) -> Any:
        if isinstance(value, ParamRef):
            return parameter_value(self.rulebook, value)
        if isinstance(value, FactRef):
            return self.facts.get(value.name)
        return value

    def fact_holds(self, test: FactTest) -> bool:
        actual = self.facts.get(test.fact)
        if actual is None:
            return False
        return _compare(actual, test.op, self.resolve(test.value))

    def fact_line(self, test: FactTest) -> str:
        actual = self.facts.get(test.fact)
        shown = (
            _missing(self.rulebook, test.fact)
            if actual is None
            else f"the account has {_shown(actual)}"
        )
        mark = HELD if self.fact_holds(test) else FAILED
        expected = self.expected(test.value)
        written = _shown(expected) if isinstance(expected, bool) else expected
        return f"[{mark}] {test.fact} {test.op} {written}: {shown}"

    def produced(self, test: ConcludedTest) -> list[Produced]:
        if test.kind == "placement":
            tally = self.result.tallies.get(test.name)
            if tally is None or tally.placed is None:
                return []
            return [Produced(test.name, tally.placed, "")]
        pool = self.result.signals if test.kind == "signal" else self.result.conclusions
        return [item for item in pool if item.name == test.name]

    def concluded_holds(self, test: ConcludedTest) -> bool:
        values = [item.value for item in self.produced(test)]
        if test.at_least is not None:
            needed = (
                parameter_value(self.rulebook, test.at_least)
                if isinstance(test.at_least, ParamRef)
                else test.at_least
            )
            return sum(1 for v in values if _compare(v, test.op, test.value)) >= needed
        if not values and test.kind == "conclusion" and test.op in ("ne", "not_in"):
            return True  # nothing concluded: "not X" holds, as for an unanswered question
        return any(_compare(value, test.op, test.value) for value in values)

    def concluded_lines(self, test: ConcludedTest, depth: int, seen: set[str]) -> list[str]:
        indent = "    " * depth + "  "
        produced = self.produced(test)
        mark = HELD if self.concluded_holds(test) else FAILED
        subject = {"signal": "signals", "placement": "placed", "conclusion": "concluded"}[test.kind]
        counted = ""
        if test.at_least is not None:
            counted = f", at least {self.expected(test.at_least)}"
        matching = [item for item in produced if _compare(item.value, test.op, test.value)]
        if not produced:
            found = {
                "conclusion": "nothing was concluded",
                "signal": "no signal was raised",
                "placement": "the evidence places nothing",
            }[test.kind]
        elif test.kind == "placement":
            tally = self.result.tallies[test.name]
            found = (
                f"{tally.placed} by the weight of evidence"
                f" ({tally.confidence} confidence, {tally.margin} ahead of the next)"
            )
            supporting = [
                rule_id
                for rule_id in tally.counted
                if tally.placed in self.rulebook.rule(rule_id).signal_values(test.name)
            ]
            matching = [Produced(test.name, str(tally.placed), r) for r in supporting]
            produced = matching
        elif test.kind == "signal":
            found = f"{len(matching)} matching signal(s)"
            if matching:
                found += " from " + ", ".join(item.rule_id for item in matching)
        else:
            found = ", ".join(f"{item.value} (by {item.rule_id})" for item in produced)
        lines = [
            f"{indent}[{mark}] {subject} {test.name} {test.op} {self.expected(test.value)}{counted}: "
            f"{found}"
        ]
        if depth >= MAX_DEPTH:
            return lines
        for item in matching or produced:
            if item.rule_id not in seen:
                lines.extend(self.rule(self.rulebook.rule(item.rule_id), depth + 1, seen))
        return lines


# The explainer is also the tracer of comparisons: one way of retracing a rule, not two.
Tracer = _Explainer


def changed_facts(
    rule: Rule, before: Tracer, after: Tracer, depth: int = 0, seen: frozenset[str] = frozenset()
) -> set[str]:
    """The facts read by tests of `rule` that held for one account and not for the other,
    following a changed concluded fact into the rules that produced it on either side (as far
    as `explain` follows them)."""
    found: set[str] = set()
    seen = seen | {rule.id}
    for test in iter_tests(rule.condition):
        if isinstance(test, FactTest):
            if before.fact_holds(test) != after.fact_holds(test):
                found.add(test.fact)
                if isinstance(test.value, FactRef):
                    found.add(test.value.name)
            continue
        if depth >= MAX_DEPTH or before.concluded_holds(test) == after.concluded_holds(test):
            continue
        producers = dict.fromkeys(
            item.rule_id for tracer in (before, after) for item in tracer.produced(test)
        )
        for rule_id in producers:
            fired = (rule_id in before.result.fired, rule_id in after.result.fired)
            if rule_id not in seen and fired[0] != fired[1]:
                producer = before.rulebook.rule(rule_id)
                found |= changed_facts(producer, before, after, depth + 1, seen)
    return found


def _missing(rulebook: Rulebook, fact: str) -> str:
    """Why a fact has no value: its question is unanswered, or what it is derived from is."""
    sources = [s for s in rulebook.catalogue("account")[fact].derived_from if s != fact]
    if not sources:
        return "not answered"
    return f"not derived (it is derived from {', '.join(sources)}; not enough of it is answered)"


def _shown(value: Any) -> str:
    """A value as the pack's YAML writes it: true and false, not Python's True and False."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if op in ("contains", "lacks"):
        members = expected if isinstance(expected, tuple) else (expected,)
        present = [member in actual for member in members]
        return all(present) if op == "contains" else not any(present)
    if op == "empty":
        return (len(actual) == 0) is expected
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    comparisons = {
        "eq": lambda a, b: a == b,
        "ne": lambda a, b: a != b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
    }
    try:
        return bool(comparisons[op](actual, expected))
    except TypeError:
        return False
