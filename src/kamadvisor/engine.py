"""The one adapter to durable_rules. Nothing else imports the engine.

The engine knows nothing of key account management: it matches facts against compiled rulesets,
records which rules fired, and carries conclusions from one stratum to the next. Its pitfalls
(see the project notes) are handled here: no background timer threads, unique ruleset names,
unmatched facts treated as normal, one fact per assertion, context facts before the account
fact, and each session deleted when done. The engine is driven through `DirectRuleset`, which
hands back each firing's rule name without the stock Host's JSON round trip of the session state.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any, Self

from kamadvisor._durable import durable_rules_engine
from kamadvisor._durable import engine as durable_engine
from kamadvisor.compiler import ACCOUNT_KIND, CompiledRulebook, CompiledRuleset, engine_fact
from kamadvisor.firing import EngineResult, Produced
from kamadvisor.placement import Tally, tally
from kamadvisor.rulebook import Rule

_ruleset_names = itertools.count(1)
# What json.dumps(fact, ensure_ascii=False) does, without building an encoder for every fact.
_encode = json.JSONEncoder(ensure_ascii=False).encode
# Every ruleset gets a rule that fires once per session on the account fact. The engine crashes
# (double free) when deleting a session in which no action ran, and leaks sessions whose facts no
# rule accepts (MemoryError after 1,024), so every session must see one action.
_SESSION_RULE = "__session__"
_SESSION_RULE_DEFINITION = {
    "pri": 65535,
    "all": [{"a": {"kind": ACCOUNT_KIND}}],
}


class EngineError(RuntimeError):
    """The engine failed in a way that is a defect of kamadvisor, not of the user's input."""


class StratifiedRunner:
    """The stratum loop every evaluator of compiled rulesets shares: run each stratum's rulesets
    on the account and the conclusions, signals and placements so far, then settle the stratum's
    conclusions (a single-valued fact keeps its most salient rule's value). Subclasses match one
    ruleset (`_match`)."""

    def __init__(self, compiled: CompiledRulebook) -> None:
        self._compiled = compiled
        self._rules = compiled.rulebook.rules_by_id()
        self._catalogue = compiled.rulebook.catalogue("account")
        self._singles = {
            name for name, spec in compiled.rulebook.manifest.conclusions.items() if spec.single
        }
        self._placed = sorted(
            name
            for name, spec in compiled.rulebook.manifest.conclusions.items()
            if spec.single and spec.evidence is not None
        )
        # What each rule produces and what each ruleset reads, worked out once.
        self._produces = {rule.id: _Production.of(rule) for rule in compiled.rulebook.rules}
        self._reads = {
            id(ruleset): _Reads.of(ruleset) for stratum in compiled.strata for ruleset in stratum
        }

    def run(self, facts: dict[str, Any]) -> EngineResult:
        result = EngineResult()
        account = engine_fact(facts, self._catalogue)
        rules = self._rules
        singles = self._singles
        produces = self._produces
        settled: list[Produced] = []
        for stratum in self._compiled.strata:
            fired_here: list[str] = []
            for ruleset in stratum:
                self._place(ruleset, result, rules)
                fired_here.extend(self._run_ruleset(ruleset, account, settled, result, singles))
            produced_conclusions: list[Produced] = []
            for rule_id in fired_here:
                production = produces[rule_id]
                result.fired.append(rule_id)
                produced_conclusions.extend(production.conclusions)
                result.signals.extend(production.signals)
                result.gates.extend(production.gates)
            kept, overruled = _settle(produced_conclusions, singles, rules, settled)
            settled.extend(kept)
            result.overruled.extend(overruled)
        result.conclusions = settled
        for placed in self._placed:
            if placed not in result.tallies:
                result.tallies[placed] = self._tally(placed, result, rules)
        return result

    def _place(
        self, ruleset: CompiledRuleset, result: EngineResult, rules: dict[str, Rule]
    ) -> None:
        """Add up the evidence of each placement this ruleset reads (its producers have run)."""
        for placed in self._reads[id(ruleset)].placement_order:
            if placed not in result.tallies:
                result.tallies[placed] = self._tally(placed, result, rules)

    def _tally(self, name: str, result: EngineResult, rules: dict[str, Rule]) -> Tally:
        signalled = dict.fromkeys(item.rule_id for item in result.signals if item.name == name)
        gated = dict.fromkeys(item.rule_id for item in result.gates if item.name == name)
        return tally(
            name,
            [rules[rule_id] for rule_id in signalled],
            [rules[rule_id] for rule_id in gated],
            self._compiled.rulebook,
        )

    def _run_ruleset(
        self,
        ruleset: CompiledRuleset,
        account: dict[str, Any],
        conclusions: list[Produced],
        result: EngineResult,
        singles: set[str],
    ) -> list[str]:
        reads = self._reads[id(ruleset)]
        context = [
            {"kind": "conclusion", "name": item.name, "value": item.value, "rule": item.rule_id}
            for item in conclusions
            if item.name in reads.conclusions
        ]
        # A single-valued conclusion nothing concluded is asserted as undecided (""), so that
        # "not concluded streamline" holds for it as `not` holds for an unanswered question.
        decided = {item.name for item in conclusions}
        context += [
            {"kind": "conclusion", "name": name, "value": "", "rule": ""}
            for name in sorted(singles - decided)
            if name in reads.conclusions
        ]
        context += [
            {"kind": "signal", "name": item.name, "value": item.value, "rule": item.rule_id}
            for item in result.signals
            if item.name in reads.signals
        ]
        context += [
            {"kind": "placement", "name": name, "value": placed.placed, "rule": ""}
            for name, placed in sorted(result.tallies.items())
            if name in reads.placements and placed.placed is not None
        ]
        wanted = reads.account_properties
        account = {key: value for key, value in account.items() if key in wanted}
        fired: list[str] = []
        # Context first, the account last: negations are evaluated as positive facts arrive.
        for rule_id in self._match(ruleset, [*context, account]):
            # `$or` branches and repeated counts fire a rule more than once: keep the first.
            if rule_id not in fired:
                fired.append(rule_id)
        return fired

    def _match(self, ruleset: CompiledRuleset, facts: list[dict[str, Any]]) -> list[str]:
        """The rules of `ruleset` that fire as `facts` are asserted in order, in firing order."""
        raise NotImplementedError

    def close(self) -> None:
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class _Production:
    """The conclusions, signals and gates a rule produces when it fires."""

    conclusions: tuple[Produced, ...]
    signals: tuple[Produced, ...]
    gates: tuple[Produced, ...]

    @classmethod
    def of(cls, rule: Rule) -> _Production:
        return cls(
            tuple(
                Produced(name, value, rule.id) for name, value in (rule.spec.conclude or {}).items()
            ),
            tuple(
                Produced(name, value, rule.id)
                for name in rule.spec.signal or {}
                for value in rule.signal_values(name)
            ),
            tuple(
                Produced(name, value, rule.id)
                for name in rule.spec.rules_out or {}
                for value in rule.ruled_out(name)
            ),
        )


@dataclass(frozen=True)
class _Reads:
    """What a ruleset's rules read besides the account: concluded facts, signals and placements
    by name, and the account's properties (with its kind)."""

    conclusions: frozenset[str]
    signals: frozenset[str]
    placements: frozenset[str]
    placement_order: tuple[str, ...]  # as the ruleset lists them
    account_properties: frozenset[str]

    @classmethod
    def of(cls, ruleset: CompiledRuleset) -> _Reads:
        by_kind: dict[str, list[str]] = {"conclusion": [], "signal": [], "placement": []}
        for name in ruleset.concluded_inputs:
            kind, _, read = name.partition(":")
            by_kind.setdefault(kind, []).append(read)
        return cls(
            frozenset(by_kind["conclusion"]),
            frozenset(by_kind["signal"]),
            frozenset(by_kind["placement"]),
            tuple(by_kind["placement"]),
            ruleset.account_properties | {"kind"},
        )


class RuleEngine(StratifiedRunner):
    """Registered rulesets for one compiled rulebook; `run` diagnoses one account at a time."""

    def __init__(self, compiled: CompiledRulebook) -> None:
        super().__init__(compiled)
        self._firings: list[str] = []
        # By the identity of each compiled ruleset, which the compiled rulebook keeps alive.
        self._rulesets: dict[int, Any] = {}
        self._sessions = itertools.count(1)
        for stratum in compiled.strata:
            for ruleset in stratum:
                name = f"kam{next(_ruleset_names)}"
                # Rules are named by their ids, and every firing is recorded by name: no "run".
                definition = {
                    rule_id: {key: value for key, value in rule.items() if key != "run"}
                    for rule_id, rule in ruleset.definition.items()
                }
                definition[_SESSION_RULE] = dict(_SESSION_RULE_DEFINITION)
                self._rulesets[id(ruleset)] = durable_engine.DirectRuleset(
                    name, definition, self._record
                )

    def _record(self, rule_id: str) -> None:
        if rule_id != _SESSION_RULE:
            self._firings.append(rule_id)

    def _match(self, ruleset: CompiledRuleset, facts: list[dict[str, Any]]) -> list[str]:
        sid = f"s{next(self._sessions)}"
        self._firings = []
        engine_ruleset = self._rulesets[id(ruleset)]
        try:
            for fact in facts:
                self._assert(engine_ruleset, {**fact, "sid": sid})
        finally:
            engine_ruleset.delete_state(sid)
        return self._firings

    @staticmethod
    def _assert(ruleset: Any, fact: dict[str, Any]) -> None:
        # A fact no rule accepts, or one already observed, is normal: the call returns False.
        try:
            ruleset.assert_fact(_encode(fact))
        except durable_rules_engine.error as error:
            raise EngineError(f"engine rejected a fact in {ruleset._name}: {error}") from error

    def close(self) -> None:
        for ruleset in self._rulesets.values():
            ruleset.close()
        self._rulesets = {}


def _settle(
    produced: list[Produced],
    singles: set[str],
    rules: dict[str, Rule],
    settled: list[Produced],
) -> tuple[list[Produced], list[Produced]]:
    """Keep every conclusion, except that a single-valued fact keeps its most salient rule's value."""
    decided = {item.name for item in settled}
    kept: list[Produced] = []
    overruled: list[Produced] = []

    def rank(item: Produced) -> tuple[int, int]:
        rule = rules[item.rule_id]
        return rule.spec.salience, rule.order

    for item in sorted(produced, key=rank):
        if item.name in singles and (
            item.name in decided or any(k.name == item.name for k in kept)
        ):
            overruled.append(item)
        elif item not in kept and not any(
            k.name == item.name and k.value == item.value for k in kept
        ):
            kept.append(item)
    return kept, overruled
