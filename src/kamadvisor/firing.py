"""What one run of the rules produced: the rules that fired, what they concluded and signalled,
and each placement's tally. The engine adapter fills it; the diagnosis and `explain` read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from kamadvisor.placement import Tally


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
