"""The bundled examples are realistic questionnaires: each must land where a consultant would put it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamadvisor.api import Advisor, diagnose_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

EXPECTED = {
    "northwind-foods": (
        "transactional_selling",
        "strategic",
        "basic",
        {"PHASE-KAM-TITLE-TRANSACTIONAL", "INVEST-UNDER-STRATEGIC-TRANSACTIONAL"},
    ),
    "kestrel-components": (
        "consultative_selling",
        "streamline",
        "basic",
        {"INVEST-OVER-INTEGRATED-SERVICE", "INVEST-OVER-STREAMLINE"},
    ),
    "helix-pharma": ("preferred_supplier", "star", "cooperative", set()),
    "meridian-retail": ("bespoke_solution", "status", "interdependent", {"INVEST-OVER-STATUS"}),
    "atlas-logistics": ("partnership", "strategic", "integrated", set()),
}
# The stance a senior consultant would take: develop the strategic and star accounts, step back
# from the over-served status and loss-making streamline ones, hold the partnership.
STANCES = {
    "northwind-foods": "develop",
    "kestrel-components": "step_back",
    "helix-pharma": "develop",
    "meridian-retail": "step_back",
    "atlas-logistics": "hold",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_lands_where_intended(name: str, advisor: Advisor) -> None:
    phase, category, stage, findings = EXPECTED[name]
    diagnosis = diagnose_file(str(EXAMPLES / f"{name}.yaml"), advisor)
    placed = {key: placement.value for key, placement in diagnosis.placements.items()}
    assert placed == {
        "phase": phase,
        "category": category,
        "stage": stage,
        "stance": STANCES[name],
    }
    reported = {finding.rule_id for finding in diagnosis.findings} | {
        subsumed.rule_id for finding in diagnosis.findings for subsumed in finding.subsumes
    }
    assert findings <= reported
    # Only the winning placement of each kind is reported as a finding.
    for key, placement in diagnosis.placements.items():
        placing = [
            f.rule_id
            for f in diagnosis.findings
            if key in (advisor.rulebook.rule(f.rule_id).spec.conclude or {})
        ]
        assert placing == [placement.rule_id]


def test_the_title_finding_is_only_where_the_title_does_not_match(advisor: Advisor) -> None:
    for name in EXPECTED:
        diagnosis = diagnose_file(str(EXAMPLES / f"{name}.yaml"), advisor)
        fired = "PHASE-KAM-TITLE-TRANSACTIONAL" in diagnosis.fired_rules
        assert fired == (name == "northwind-foods"), name
