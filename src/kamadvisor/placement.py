"""Placement by the weight of evidence: adds up the signals the engine raised for one conclusion.

Knows nothing of key account management. For each value of a placement (the five phases, the four
stages) it sums the weights of the signals for it, less the weights of the signals against it: a
signal of a higher value (a capability beyond it) and a limitation of a lower value (working
alone, under a partnership). Values a fired rule rules out (the papers' "always" conditions) are
not candidates. The value with the strongest net evidence is placed, ties going to the lower
value; when the next candidate is an adjacent value within the pack's straddle margin the
relationship straddles the two. The weights, margins and gates are the pack's data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kamadvisor.conditions import ParamRef
from kamadvisor.rulebook import Rule, Rulebook, parameter_value, signal_weight
from kamadvisor.rulebook_index import per_rulebook

Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class ValueTally:
    value: str
    support: float
    against: float
    ruled_out_by: tuple[str, ...]

    @property
    def net(self) -> float:
        return round(self.support - self.against, 4)


@dataclass(frozen=True)
class Tally:
    name: str
    rows: tuple[ValueTally, ...]
    placed: str | None
    runner_up: str | None
    margin: float | None
    straddles: tuple[str, ...]
    confidence: Confidence | None
    given: bool
    counted: tuple[str, ...]
    # Some signal other than a given value fired: no given value can count any more.
    decided_by_evidence: bool


@dataclass(frozen=True)
class _Signal:
    """What one signalling rule adds to each value's tally: its weight for the values it
    signals (`positions`), against those below them and, for a limitation, above them."""

    positions: frozenset[int]
    lowest: int
    highest: int
    weight: float
    limiting: bool


@dataclass(frozen=True)
class _Plan:
    """A placement's values and numbers, the same for every account of a rulebook."""

    order: tuple[str, ...]
    position: dict[str, int]
    signals: dict[str, _Signal]  # by rule id: the rules signalling a value of it
    min_support: float
    straddle_margin: float
    clear_margin: float


@per_rulebook
def _plans(rulebook: Rulebook) -> dict[str, _Plan]:
    plans: dict[str, _Plan] = {}

    def number(ref_name: str) -> float:
        return float(parameter_value(rulebook, ParamRef(ref_name)))

    for name, spec in rulebook.manifest.conclusions.items():
        if spec.evidence is None:
            continue
        order = tuple(spec.values)
        position = {value: index for index, value in enumerate(order)}
        signals = {}
        for rule in rulebook.rules:
            values = rule.signal_values(name)
            if values:
                positions = [position[value] for value in values]
                signals[rule.id] = _Signal(
                    frozenset(positions),
                    min(positions),
                    max(positions),
                    signal_weight(rulebook, rule),
                    rule.spec.limiting,
                )
        plans[name] = _Plan(
            order,
            position,
            signals,
            number(spec.evidence.min_support.param),
            number(spec.evidence.straddle_margin.param),
            number(spec.evidence.clear_margin.param),
        )
    return plans


def tally(
    name: str, signal_rules: Iterable[Rule], gate_rules: Iterable[Rule], rulebook: Rulebook
) -> Tally:
    plan = _plans(rulebook)[name]
    order = plan.order
    signals = [rule for rule in signal_rules if rule.id in plan.signals]
    derived = [rule for rule in signals if not rule.spec.given]
    counted = derived or [rule for rule in signals if rule.spec.given]
    ruled_out = _ruled_out(name, order, gate_rules)
    counted_signals = [plan.signals[rule.id] for rule in counted]
    rows = tuple(
        _row(value, position, counted_signals, ruled_out[value])
        for position, value in enumerate(order)
    )
    candidates = [row for row in rows if row.support > 0 and not row.ruled_out_by]
    # Strongest net evidence first; on a tie the lower value (claim no more than is shown).
    ranked = sorted(candidates, key=lambda row: (-row.net, plan.position[row.value]))
    if not ranked or ranked[0].support < plan.min_support:
        return Tally(
            name,
            rows,
            None,
            None,
            None,
            (),
            None,
            False,
            tuple(r.id for r in counted),
            bool(derived),
        )
    winner = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    margin = round(winner.net - (runner.net if runner else 0.0), 4)
    return Tally(
        name=name,
        rows=rows,
        placed=winner.value,
        runner_up=runner.value if runner else None,
        margin=margin,
        straddles=_straddles(plan, winner, runner, margin),
        confidence=_confidence(plan, margin),
        given=not derived and bool(counted),
        counted=tuple(rule.id for rule in counted),
        decided_by_evidence=bool(derived),
    )


def _ruled_out(
    name: str, order: tuple[str, ...], gate_rules: Iterable[Rule]
) -> dict[str, list[str]]:
    """The gates ruling out each value."""
    ruled_out: dict[str, list[str]] = {value: [] for value in order}
    for rule in gate_rules:
        for value in rule.ruled_out(name):
            ruled_out[value].append(rule.id)
    return ruled_out


def _straddles(
    plan: _Plan, winner: ValueTally, runner: ValueTally | None, margin: float
) -> tuple[str, ...]:
    """The placed value and the next one, when they are neighbours and the margin is narrow."""
    if (
        runner is not None
        and abs(plan.position[runner.value] - plan.position[winner.value]) == 1
        and margin <= plan.straddle_margin
    ):
        return (winner.value, runner.value)
    return ()


def _confidence(plan: _Plan, margin: float) -> Confidence:
    if margin <= plan.straddle_margin:
        return "low"
    if margin >= plan.clear_margin:
        return "high"
    return "medium"


def _row(value: str, position: int, signals: list[_Signal], ruled_out_by: list[str]) -> ValueTally:
    support = 0.0
    against = 0.0
    for signal in signals:
        if position in signal.positions:
            support += signal.weight
        elif position < signal.lowest or (signal.limiting and position > signal.highest):
            against += signal.weight
    return ValueTally(value, round(support, 4), round(against, 4), tuple(ruled_out_by))
