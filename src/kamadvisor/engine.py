"""The one adapter to durable_rules. Nothing else imports the engine.

The engine knows nothing of key account management: it matches facts against compiled rulesets,
records which rules fired, and carries conclusions from one stratum to the next. Its pitfalls
(see the project notes) are handled here: no background timer threads, unique ruleset names,
exceptions in actions captured and re-raised, unmatched facts treated as normal, one fact per
assertion, context facts before the account fact, and each session deleted when done.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kamadvisor._durable import durable_rules_engine
from kamadvisor._durable import engine as durable_engine
from kamadvisor.compiler import ACCOUNT_KIND, CompiledRulebook, CompiledRuleset, engine_fact
from kamadvisor.placement import Tally, tally
from kamadvisor.rulebook import Rule

_ruleset_names = itertools.count(1)
# Every ruleset gets a rule that fires once per session on the account fact. The engine crashes
# (double free) when deleting a session in which no action ran, and leaks sessions whose facts no
# rule accepts (MemoryError after 1,024), so every session must see one action.
_SESSION_RULE = "__session__"
_SESSION_RULE_DEFINITION = {
    "pri": 65535,
    "all": [{"a": {"kind": ACCOUNT_KIND}}],
    "run": _SESSION_RULE,
}


class EngineError(RuntimeError):
    """The engine failed in a way that is a defect of kamadvisor, not of the user's input."""


@dataclass(frozen=True)
class Produced:
    """A concluded fact or a signal, and the rule that produced it."""

    name: str
    value: str
    rule_id: str


@dataclass
class EngineResult:
    fired: list[str] = field(default_factory=list)
    conclusions: list[Produced] = field(default_factory=list)
    overruled: list[Produced] = field(default_factory=list)
    signals: list[Produced] = field(default_factory=list)
    gates: list[Produced] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=dict)


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A Host without the two timer threads the stock Host starts and never stops."""

    def __init__(self, on_fire: Callable[[str, Any], None]) -> None:
        self._on_fire = on_fire
        super().__init__()

    def _run(self) -> None:
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        on_fire = self._on_fire
        if action_name == _SESSION_RULE:
            return _no_action

        def action(closure: Any) -> None:
            on_fire(action_name, closure)

        return action


def _no_action(closure: Any) -> None:
    return None


class RuleEngine:
    """Registered rulesets for one compiled rulebook; `run` diagnoses one account at a time."""

    def __init__(self, compiled: CompiledRulebook) -> None:
        self._compiled = compiled
        self._firings: list[str] = []
        self._host = _QuietHost(self._record)
        self._names: list[list[str]] = []
        self._sessions = itertools.count(1)
        self._placed = sorted(
            name
            for name, spec in compiled.rulebook.manifest.conclusions.items()
            if spec.single and spec.evidence is not None
        )
        for stratum in compiled.strata:
            names = []
            for ruleset in stratum:
                name = f"kam{next(_ruleset_names)}"
                # The engine mutates definitions (it deletes "run"): hand it a copy.
                definition = copy.deepcopy(ruleset.definition)
                definition[_SESSION_RULE] = dict(_SESSION_RULE_DEFINITION)
                self._host.register_rulesets({name: definition})
                names.append(name)
            self._names.append(names)

    def _record(self, rule_id: str, closure: Any) -> None:
        # An exception here would be swallowed into the session state; `_assert` checks for it.
        self._firings.append(rule_id)

    def run(self, facts: dict[str, Any]) -> EngineResult:
        result = EngineResult()
        account = engine_fact(facts)
        rules = {rule.id: rule for rule in self._compiled.rulebook.rules}
        singles = {
            name
            for name, spec in self._compiled.rulebook.manifest.conclusions.items()
            if spec.single
        }
        settled: list[Produced] = []
        for stratum, names in zip(self._compiled.strata, self._names, strict=True):
            fired_here: list[str] = []
            for ruleset, name in zip(stratum, names, strict=True):
                self._place(ruleset, result, rules)
                fired_here.extend(
                    self._run_ruleset(name, ruleset, account, settled, result, singles)
                )
            produced_conclusions: list[Produced] = []
            for rule_id in fired_here:
                rule = rules[rule_id]
                result.fired.append(rule_id)
                for concluded, value in (rule.spec.conclude or {}).items():
                    produced_conclusions.append(Produced(concluded, value, rule_id))
                for signalled in rule.spec.signal or {}:
                    for value in rule.signal_values(signalled):
                        result.signals.append(Produced(signalled, value, rule_id))
                for gated in rule.spec.rules_out or {}:
                    for value in rule.ruled_out(gated):
                        result.gates.append(Produced(gated, value, rule_id))
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
        for name in ruleset.concluded_inputs:
            kind, _, placed = name.partition(":")
            if kind == "placement" and placed not in result.tallies:
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
        name: str,
        ruleset: CompiledRuleset,
        account: dict[str, Any],
        conclusions: list[Produced],
        result: EngineResult,
        singles: set[str],
    ) -> list[str]:
        sid = f"s{next(self._sessions)}"
        self._firings = []
        reads = ruleset.concluded_inputs
        context = [
            {"kind": "conclusion", "name": item.name, "value": item.value, "rule": item.rule_id}
            for item in conclusions
            if f"conclusion:{item.name}" in reads
        ]
        # A single-valued conclusion nothing concluded is asserted as undecided (""), so that
        # "not concluded streamline" holds for it as `not` holds for an unanswered question.
        decided = {item.name for item in conclusions}
        context += [
            {"kind": "conclusion", "name": name, "value": "", "rule": ""}
            for name in sorted(singles - decided)
            if f"conclusion:{name}" in reads
        ]
        context += [
            {"kind": "signal", "name": item.name, "value": item.value, "rule": item.rule_id}
            for item in result.signals
            if f"signal:{item.name}" in reads
        ]
        context += [
            {"kind": "placement", "name": name, "value": placed.placed, "rule": ""}
            for name, placed in sorted(result.tallies.items())
            if f"placement:{name}" in reads and placed.placed is not None
        ]
        wanted = ruleset.account_properties
        account = {key: value for key, value in account.items() if key in wanted or key == "kind"}
        try:
            # Context first, the account last: negations are evaluated as positive facts arrive.
            for fact in [*context, account]:
                self._assert(name, {**fact, "sid": sid})
        finally:
            self._host.delete_state(name, sid)
        fired: list[str] = []
        for rule_id in self._firings:
            # `$or` branches and repeated counts fire a rule more than once: keep the first.
            if rule_id not in fired:
                fired.append(rule_id)
        return fired

    def _assert(self, ruleset_name: str, fact: dict[str, Any]) -> None:
        try:
            state = self._host.assert_fact(ruleset_name, fact)
        except durable_engine.MessageNotHandledException:
            return  # no rule looks at this fact: normal
        except durable_engine.MessageObservedException:
            return
        except durable_rules_engine.error as error:
            raise EngineError(f"engine rejected a fact in {ruleset_name}: {error}") from error
        if isinstance(state, dict) and state.get("exception"):
            raise EngineError(f"a rule action failed: {state['exception']}")

    def close(self) -> None:
        for names in self._names:
            for name in names:
                ruleset = self._host._ruleset_directory.pop(name, None)
                if ruleset is not None:
                    self._host._ruleset_list.remove(ruleset)
                    durable_rules_engine.delete_ruleset(ruleset._handle)
        self._names = []

    def __enter__(self) -> RuleEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
