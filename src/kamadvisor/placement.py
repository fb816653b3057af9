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


def tally(
    name: str, signal_rules: Iterable[Rule], gate_rules: Iterable[Rule], rulebook: Rulebook
) -> Tally:
    spec = rulebook.manifest.conclusions[name]
    assert spec.evidence is not None
    order = list(spec.values)
    signals = [rule for rule in signal_rules if rule.signal_values(name)]
    derived = [rule for rule in signals if not rule.spec.given]
    counted = derived or [rule for rule in signals if rule.spec.given]
    ruled_out: dict[str, list[str]] = {value: [] for value in order}
    for rule in gate_rules:
        for value in rule.ruled_out(name):
            ruled_out[value].append(rule.id)
    rows = tuple(_row(value, order, counted, ruled_out[value], rulebook, name) for value in order)
    candidates = [row for row in rows if row.support > 0 and not row.ruled_out_by]
    # Strongest net evidence first; on a tie the lower value (claim no more than is shown).
    ranked = sorted(candidates, key=lambda row: (-row.net, order.index(row.value)))

    def number(ref_name: str) -> float:
        return float(parameter_value(rulebook, ParamRef(ref_name)))

    min_support = number(spec.evidence.min_support.param)
    if not ranked or ranked[0].support < min_support:
        return Tally(name, rows, None, None, None, (), None, False, tuple(r.id for r in counted))
    winner = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    margin = round(winner.net - (runner.net if runner else 0.0), 4)
    straddle_margin = number(spec.evidence.straddle_margin.param)
    clear_margin = number(spec.evidence.clear_margin.param)
    straddles: tuple[str, ...] = ()
    if (
        runner is not None
        and abs(order.index(runner.value) - order.index(winner.value)) == 1
        and margin <= straddle_margin
    ):
        straddles = (winner.value, runner.value)
    confidence: Confidence = "medium"
    if margin <= straddle_margin:
        confidence = "low"
    elif margin >= clear_margin:
        confidence = "high"
    return Tally(
        name=name,
        rows=rows,
        placed=winner.value,
        runner_up=runner.value if runner else None,
        margin=margin,
        straddles=straddles,
        confidence=confidence,
        given=not derived and bool(counted),
        counted=tuple(rule.id for rule in counted),
    )


def _row(
    value: str,
    order: list[str],
    signals: list[Rule],
    ruled_out_by: list[str],
    rulebook: Rulebook,
    name: str,
) -> ValueTally:
    position = order.index(value)
    support = 0.0
    against = 0.0
    for rule in signals:
        positions = [order.index(item) for item in rule.signal_values(name)]
        weight = signal_weight(rulebook, rule)
        if position in positions:
            support += weight
        elif position < min(positions) or (rule.spec.limiting and position > max(positions)):
            against += weight
    return ValueTally(value, round(support, 4), round(against, 4), tuple(ruled_out_by))
