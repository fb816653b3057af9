"""Metamorphic family: misleading signals never outvote the weight of the evidence.

For each phase P (and each relational stage), an account typical of P as the papers describe it,
and every pair of signals of a higher value added to it, keeping every answer the typical account
gives: the account stays placed at P, or straddles with P placed first. Each signal is added by
the answer that raises it; a pair that would have to change one of the typical account's answers
is no longer "otherwise typical" and is left out, as is a pair whose signals the account's other
answers keep from firing (data shared both ways needs a standing team).
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from kamadvisor.api import Advisor, open_advisor
from kamadvisor.questionnaire import validate_questionnaire
from kamadvisor.rulebook import Rule, load_rulebook
from kamadvisor.sourcefile import SourceDocument

# The answers that raise each signal; every signal rule of the base pack must have one.
SIGNAL_ANSWERS: dict[str, dict[str, Any]] = {
    "PHASE-T-MONTHLY-VOLUME": {"kam": {"targets": ["monthly_volume"]}},
    "PHASE-T-ACTIVITY-TARGETS": {"kam": {"targets": ["sales_activity"]}},
    "PHASE-T-NO-PRICE-AUTHORITY": {"kam": {"authority_over_price": "none"}},
    "PHASE-T-PRODUCT-FOCUS": {"relationship": {"focus": "our_product"}},
    "PHASE-T-ONE-TO-ONE": {"relationship": {"team_model": "individual"}},
    "PHASE-C-NEEDS-ASSESSMENT": {"relationship": {"needs_assessment": True}},
    "PHASE-C-NEEDS-FOCUS": {"relationship": {"focus": "customer_needs"}},
    "PHASE-C-OCCASIONAL-SUPPORT": {"relationship": {"team_model": "ad_hoc_support"}},
    "PHASE-C-ONE-OF-MANY": {"relationship": {"customer_view": "one_of_many"}},
    "PHASE-P-JOINT-PROJECTS": {"relationship": {"joint_projects": 2}},
    "PHASE-P-CUSTOMER-INITIATES": {"relationship": {"joint_project_initiator": "customer"}},
    "PHASE-P-PREFERRED-VIEW": {"relationship": {"customer_view": "preferred"}},
    "PHASE-P-AD-HOC-TEAM": {"relationship": {"team_model": "ad_hoc_multidisciplinary"}},
    "PHASE-P-BEYOND-BUYER": {"contacts": [{"level": "operational"}, {"level": "technical"}]},
    "PHASE-P-CUSTOMER-SHARES": {"relationship": {"information_exchange": "customer_shares"}},
    "PHASE-B-TAILORED-OFFER": {"relationship": {"offer_tailoring": "bespoke"}},
    "PHASE-B-PERMANENT-TEAM": {"relationship": {"team_model": "permanent_multidisciplinary"}},
    "PHASE-B-JOINT-FUNDING": {"relationship": {"jointly_funded_initiatives": 1}},
    "PHASE-B-MUTUAL-PLANS": {"relationship": {"focus": "mutual_plans"}},
    "PHASE-B-SENIOR-SUPPORT": {"team": {"senior_management_involvement": "regular"}},
    "PHASE-B-KEY-SUPPLIER": {"relationship": {"customer_view": "key"}},
    "PHASE-B-JOINT-OPERATIONS": {"relationship": {"integrated_processes": ["logistics"]}},
    "PHASE-X-INTEGRATED-PROCESSES": {
        "relationship": {"integrated_processes": ["stock_management"]}
    },
    "PHASE-X-SENSITIVE-DATA": {"relationship": {"sensitive_data_shared": True}},
    "PHASE-X-DEDICATED-TEAM": {"relationship": {"team_model": "dedicated_co_located"}},
    "PHASE-X-CUSTOMERS-CUSTOMER": {"relationship": {"focus": "customers_customer"}},
    "PHASE-X-PARTNER-VIEW": {"relationship": {"customer_view": "partner"}},
    "PHASE-X-SENIOR-KAM": {"kam": {"seniority": "director", "authority_over_price": "full"}},
    "STAGE-B-PRICE-DRIVEN": {"relationship": {"buying_behaviour": "price_driven"}},
    "STAGE-B-NO-DATA-SHARING": {"relationship": {"sensitive_data_shared": False}},
    "STAGE-B-SINGLE-CONTACT": {"contacts": [{"level": "purchasing"}]},
    "STAGE-B-EFFICIENT-ORDERING": {"relationship": {"integrated_processes": ["edi_link"]}},
    "STAGE-C-SEVERAL-CONTACTS": {"contacts": [{"level": "purchasing"}, {"level": "operational"}]},
    "STAGE-C-AD-HOC-TEAM": {"relationship": {"team_model": "ad_hoc_support"}},
    "STAGE-C-JOINT-PROJECTS": {"relationship": {"joint_projects": 2}},
    "STAGE-I-DATA-SHARING": {"relationship": {"sensitive_data_shared": True}},
    "STAGE-I-KEY-OR-PARTNER": {"relationship": {"customer_view": "key"}},
    "STAGE-I-PERMANENT-TEAM": {"relationship": {"team_model": "permanent_multidisciplinary"}},
    "STAGE-I-JOINT-FUNDING": {"relationship": {"jointly_funded_initiatives": 1}},
    "STAGE-I-JOINT-OPERATIONS": {"relationship": {"integrated_processes": ["logistics"]}},
    "STAGE-G-INTEGRATED-PROCESSES": {
        "relationship": {"integrated_processes": ["stock_management"]}
    },
    "STAGE-G-DEDICATED-TEAM": {"relationship": {"team_model": "dedicated_co_located"}},
}

# Accounts typical of each value, after Ilsley's phases and Cranfield's stages; what a phase
# does not characterise is left unanswered.
TYPICAL: dict[str, dict[str, dict[str, Any]]] = {
    "phase": {
        "transactional_selling": {
            "kam": {
                "seniority": "sales_level",
                "targets": ["monthly_volume"],
                "authority_over_price": "none",
            },
            "relationship": {
                "team_model": "individual",
                "focus": "our_product",
                "customer_view": "one_of_many",
                "buying_behaviour": "price_driven",
            },
        },
        "consultative_selling": {
            "kam": {"seniority": "manager", "targets": ["revenue"]},
            "relationship": {
                "team_model": "ad_hoc_support",
                "focus": "customer_needs",
                "needs_assessment": True,
                "customer_view": "one_of_many",
            },
        },
        "preferred_supplier": {
            "relationship": {
                "team_model": "ad_hoc_multidisciplinary",
                "joint_projects": 2,
                "joint_project_initiator": "customer",
                "customer_view": "preferred",
                "needs_assessment": True,
                "focus": "customer_needs",
                "information_exchange": "customer_shares",
            },
            "contacts": [{"level": "purchasing"}, {"level": "operational"}, {"level": "technical"}],
        },
        "bespoke_solution": {
            "relationship": {
                "team_model": "permanent_multidisciplinary",
                "offer_tailoring": "bespoke",
                "jointly_funded_initiatives": 1,
                "focus": "mutual_plans",
                "integrated_processes": ["logistics", "planning"],
                "joint_projects": 3,
                "joint_project_initiator": "both",
                "needs_assessment": True,
            },
            "team": {"senior_management_involvement": "regular"},
        },
    },
    "stage": {
        "basic": {
            "relationship": {
                "buying_behaviour": "price_driven",
                "sensitive_data_shared": False,
                "integrated_processes": ["edi_link"],
            },
            "contacts": [{"level": "purchasing"}],
        },
        "cooperative": {
            "relationship": {"team_model": "ad_hoc_multidisciplinary", "joint_projects": 2},
            "contacts": [{"level": "purchasing"}, {"level": "operational"}, {"level": "technical"}],
        },
        "interdependent": {
            "relationship": {
                "team_model": "permanent_multidisciplinary",
                "sensitive_data_shared": True,
                "jointly_funded_initiatives": 1,
                "integrated_processes": ["logistics", "planning"],
                "customer_view": "key",
            },
        },
    },
}

RULEBOOK = load_rulebook()


def _signal_rules(name: str) -> list[Rule]:
    return [r for r in RULEBOOK.rules if r.signal_values(name) and not r.spec.given]


def _merge(account: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any] | None:
    """The account with `answers` added; None when that would change one of its answers."""
    merged = copy.deepcopy(account)
    for section, value in answers.items():
        if section == "contacts":
            if "contacts" in merged:
                return None
            merged["contacts"] = copy.deepcopy(value)
            continue
        target = merged.setdefault(section, {})
        for field, answer in value.items():
            if field not in target:
                target[field] = copy.deepcopy(answer)
            elif isinstance(answer, list) and isinstance(target[field], list):
                target[field] = sorted(set(target[field]) | set(answer))
            elif target[field] != answer:
                return None
    return merged


def _diagnose(advisor: Advisor, answers: dict[str, Any]) -> Any:
    document = SourceDocument("metamorphic", {"account": {"name": "Typical"}, **answers})
    return advisor.diagnose(validate_questionnaire(document))


def _family() -> list[tuple[str, str, str, str, dict[str, Any]]]:
    with open_advisor(rulebook=RULEBOOK) as advisor:
        return [
            case
            for case in _pairs()
            if {case[2], case[3]} <= set(_diagnose(advisor, case[4]).fired_rules)
        ]


def _pairs() -> list[tuple[str, str, str, str, dict[str, Any]]]:
    cases = []
    for name, typical in TYPICAL.items():
        order = list(RULEBOOK.manifest.conclusions[name].values)
        for value, account in typical.items():
            higher = [
                rule
                for rule in _signal_rules(name)
                if min(order.index(v) for v in rule.signal_values(name)) > order.index(value)
            ]
            for first, second in itertools.combinations(higher, 2):
                merged = _merge(account, SIGNAL_ANSWERS[first.id])
                merged = _merge(merged, SIGNAL_ANSWERS[second.id]) if merged else None
                if merged is not None:
                    cases.append((name, value, first.id, second.id, merged))
    return cases


FAMILY = _family()


def test_every_signal_rule_has_its_answers() -> None:
    signal_rules = {r.id for n in ("phase", "stage") for r in _signal_rules(n)}
    assert sorted(signal_rules - set(SIGNAL_ANSWERS)) == []
    assert sorted(set(SIGNAL_ANSWERS) - signal_rules) == []


@pytest.mark.parametrize(("name", "value"), [(n, v) for n in TYPICAL for v in TYPICAL[n]])
def test_typical_accounts_are_placed_where_the_papers_put_them(
    name: str, value: str, advisor: Advisor
) -> None:
    placement = _diagnose(advisor, TYPICAL[name][value]).placements[name]
    assert (placement.value, placement.straddles) == (value, [])


def test_the_family_is_large() -> None:
    # The counts when the family was written (see the README); the floor guards against a change
    # of answers or rules quietly emptying it.
    counts = {name: len([c for c in FAMILY if c[0] == name]) for name in TYPICAL}
    assert counts["phase"] >= 100, counts
    assert counts["stage"] >= 30, counts
    # The interdependent stage has one higher signal that keeps its permanent team (stock run by
    # us), so no pair; the partnership has no higher phase.
    assert {value for _, value, *_ in FAMILY} == {
        v for n in TYPICAL for v in TYPICAL[n] if v != "interdependent"
    }


@pytest.mark.parametrize(
    ("name", "value", "first", "second", "answers"),
    FAMILY,
    ids=[f"{n}-{v}-{a}-{b}" for n, v, a, b, _ in FAMILY],
)
def test_two_higher_signals_never_move_a_typical_account(
    name: str, value: str, first: str, second: str, answers: dict[str, Any], advisor: Advisor
) -> None:
    diagnosis = _diagnose(advisor, answers)
    placement = diagnosis.placements[name]
    assert placement.value == value, (
        f"{first} + {second} moved a typical {value} account to {placement.value}: "
        + ", ".join(f"{row.value} {row.net}" for row in placement.tally)
    )
    assert not placement.straddles or placement.straddles[0] == value
