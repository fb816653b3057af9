"""Diagnosis: what the engine found, in the shape a memo and other tools read.

Knows nothing of key account management itself: placements are the pack's single-valued
conclusions, evidence comes from the signals the pack's rules raised, and findings are the fired
rules that give advice, ranked by severity and the pack's theme order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kamadvisor.bounds import RenderLimits, snippet_limits
from kamadvisor.conditions import ConcludedTest, iter_tests
from kamadvisor.errors import InputError, Problem
from kamadvisor.facts import AccountFacts, FactValue, UnansweredQuestion
from kamadvisor.firing import EngineResult, Produced
from kamadvisor.placement import Tally
from kamadvisor.questionnaire import Questionnaire
from kamadvisor.rulebook import SEVERITY_ORDER, Rule, Rulebook, Severity, signal_weight
from kamadvisor.rulebook_index import rulebook_index
from kamadvisor.sandbox import TemplateError, render_snippet

DIAGNOSIS_SCHEMA_VERSION = "2.1"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Person(Frozen):
    role: str
    name: str


class ContactSummary(Frozen):
    """One person we know at the customer, as the contact-coverage grid shows them."""

    name: str | None
    level: str | None
    decision_role: str | None
    role_to_us: str | None
    strength: str | None
    our_counterpart: str | None


class AccountSummary(Frozen):
    name: str
    id: str | None
    industry: str | None
    assessor: str | None
    assessment_date: date | None
    currency: str | None
    people: list[Person]
    contacts: list[ContactSummary]


class SourceRef(Frozen):
    paper: str
    quote: str
    note: str | None


class Evidence(Frozen):
    fact: str
    value: FactValue
    description: str


class Signal(Frozen):
    rule_id: str
    title: str
    values: list[str]
    label: str
    direction: Literal["same", "higher", "lower"]
    limiting: bool
    weight: float
    evidence: list[Evidence]


class TallyRow(Frozen):
    """The weight of evidence for one value of a placement."""

    value: str
    label: str
    support: float
    against: float
    net: float
    ruled_out_by: list[str]


class Placement(Frozen):
    """A single-valued conclusion (phase, category, ...) with the evidence for and against it."""

    name: str
    description: str
    value: str | None
    label: str | None
    rule_id: str | None
    basis: list[Evidence]
    evidence: list[Signal]
    contradicting: list[Signal]
    consistent: list[Signal]
    overruled: list[str]
    missing_answers: list[str]
    straddles: list[str]
    confidence: Confidence | None
    margin: float | None
    runner_up: str | None
    doubted_by: list[str]
    tally: list[TallyRow]
    given: bool
    given_facts: list[str]


Confidence = Literal["high", "medium", "low"]


class Action(Frozen):
    what: str
    owner: str
    due_day: int
    rule_id: str


class SubsumedFinding(Frozen):
    """A finding stating the same root cause as the one that carries it."""

    rule_id: str
    title: str
    severity: Severity
    evidence: list[Evidence]


class Finding(Frozen):
    rule_id: str
    title: str
    theme: str
    theme_title: str
    severity: Severity
    advice: str
    evidence: list[Evidence]
    concluded: dict[str, str]
    actions: list[Action]
    source: SourceRef | None
    subsumes: list[SubsumedFinding] = []


class PackInfo(Frozen):
    name: str
    version: str


class Diagnosis(Frozen):
    schema_version: str = DIAGNOSIS_SCHEMA_VERSION
    account: AccountSummary
    assessed_on: date | None
    pack: PackInfo
    placements: dict[str, Placement]
    conclusions: dict[str, list[str]]
    findings: list[Finding]
    actions: list[Action]
    fired_rules: list[str]
    facts: dict[str, FactValue]
    given_facts: list[str] = []
    unanswered: list[UnansweredQuestion]


def build_diagnosis(
    questionnaire: Questionnaire,
    facts: AccountFacts,
    result: EngineResult,
    rulebook: Rulebook,
    as_of: date | None = None,
) -> Diagnosis:
    rules = rulebook_index(rulebook).rules
    conclusions: dict[str, list[str]] = {}
    for item in result.conclusions:
        conclusions.setdefault(item.name, []).append(item.value)
    context = _advice_context(questionnaire, facts, result, rulebook)
    findings = [
        _finding(rule, facts, result, rulebook, context, subsumed)
        for rule, subsumed in reported_findings(result, rulebook)
    ]
    account = questionnaire.account
    return Diagnosis(
        account=AccountSummary(
            name=account.name,
            id=account.id,
            industry=account.industry,
            assessor=account.assessor,
            assessment_date=account.assessment_date,
            currency=questionnaire.economics.currency,
            people=_people(questionnaire),
            contacts=[
                ContactSummary(
                    name=contact.name,
                    level=contact.level,
                    decision_role=contact.decision_role,
                    role_to_us=contact.role_to_us,
                    strength=contact.strength,
                    our_counterpart=contact.our_counterpart,
                )
                for contact in questionnaire.contacts or []
            ],
        ),
        assessed_on=account.assessment_date or as_of,
        pack=PackInfo(name=rulebook.manifest.name, version=rulebook.manifest.version),
        placements={
            name: _placement(name, facts, result, rulebook)
            for name, spec in rulebook.manifest.conclusions.items()
            if spec.single
        },
        conclusions={name: sorted(values) for name, values in sorted(conclusions.items())},
        findings=findings,
        actions=sorted(
            (action for finding in findings for action in finding.actions),
            key=lambda action: (action.due_day, rules[action.rule_id].order),
        ),
        fired_rules=sorted(result.fired, key=lambda rule_id: rules[rule_id].order),
        facts=facts.values,
        given_facts=sorted(facts.given),
        unanswered=facts.unanswered,
    )


def reported_findings(result: EngineResult, rulebook: Rulebook) -> list[tuple[Rule, list[Rule]]]:
    """The fired rules reported as findings, each with the fired rules it subsumes, ranked as
    the diagnosis lists them: by severity (the most severe of the rule and those it subsumes),
    then theme, then pack order."""
    index = rulebook_index(rulebook)
    rules = index.rules
    # A placement that lost to a more salient one (bespoke under a partnership) is not a finding.
    overruled = {item.rule_id for item in result.overruled}
    reporting = [
        rule_id for rule_id in result.fired if rules[rule_id].reports and rule_id not in overruled
    ]
    carriers = _carriers(reporting, rules)
    reported = [
        (
            rules[rule_id],
            [
                rules[other]
                for other in reporting
                if carriers[other] == rule_id and other != rule_id
            ],
        )
        for rule_id in reporting
        if carriers[rule_id] == rule_id
    ]
    theme_rank = index.theme_rank
    return sorted(
        reported,
        key=lambda item: (
            _SEVERITY_RANK[finding_severity(*item)],
            theme_rank[item[0].spec.theme],
            item[0].order,
        ),
    )


_SEVERITY_RANK = {severity: index for index, severity in enumerate(SEVERITY_ORDER)}


def finding_severity(rule: Rule, subsumed: list[Rule]) -> Severity:
    """One root cause, one finding, as severe as the most severe statement of it."""
    return min(
        [rule.spec.severity, *(other.spec.severity for other in subsumed)],
        key=_SEVERITY_RANK.__getitem__,
    )


def placed_values(result: EngineResult, rulebook: Rulebook) -> dict[str, str | None]:
    """Each single-valued conclusion (phase, category, ...) and the value it settled on."""
    return {
        name: next((item.value for item in result.conclusions if item.name == name), None)
        for name, spec in rulebook.manifest.conclusions.items()
        if spec.single
    }


def _carriers(reporting: list[str], rules: Mapping[str, Rule]) -> dict[str, str]:
    """The finding each fired rule is reported under: itself, or the rule that subsumes it (up
    the chain; a cycle of `subsumes` keeps each rule its own finding)."""
    parent: dict[str, str] = {}
    for rule_id in reporting:
        for subsumed in rules[rule_id].spec.subsumes:
            if subsumed in reporting and subsumed != rule_id:
                parent.setdefault(subsumed, rule_id)
    carriers: dict[str, str] = {}
    for rule_id in reporting:
        seen = [rule_id]
        while seen[-1] in parent and parent[seen[-1]] not in seen:
            seen.append(parent[seen[-1]])
        carriers[rule_id] = rule_id if seen[-1] in parent else seen[-1]
    return carriers


def _people(questionnaire: Questionnaire) -> list[Person]:
    """Our people the questionnaire names, by the answer that names them: the memo's plan names
    owners with them."""
    named = [
        ("kam.name", questionnaire.kam.name),
        ("team.executive_sponsor_name", questionnaire.team.executive_sponsor_name),
        *((f"team.{member.role}", member.name) for member in questionnaire.team.members or []),
    ]
    return [Person(role=role, name=name.strip()) for role, name in named if name and name.strip()]


def _evidence(rule: Rule, facts: AccountFacts, rulebook: Rulebook) -> list[Evidence]:
    catalogue = rulebook.catalogue("account")
    return [
        Evidence(fact=name, value=facts.values[name], description=catalogue[name].description)
        for name in rule.referenced_facts()
        if name in facts.values
    ]


def _placement(
    name: str, facts: AccountFacts, result: EngineResult, rulebook: Rulebook
) -> Placement:
    spec = rulebook.manifest.conclusions[name]
    winner: Produced | None = next((c for c in result.conclusions if c.name == name), None)
    rules = rulebook_index(rulebook).rules
    tally = result.tallies.get(name)
    signals = _placement_signals(name, winner, facts, result, rulebook)
    evidence, contradicting, consistent = _by_direction(signals, placed=winner is not None)
    basis = _evidence(rules[winner.rule_id], facts, rulebook) if winner else []
    doubted_by = [rule_id for rule_id in result.fired if name in rules[rule_id].spec.casts_doubt_on]
    given_facts = _given_facts(basis, facts, tally, rulebook)
    # The tally's margin, runner-up and straddles describe a placed value only.
    decided = tally if winner is not None else None
    return Placement(
        name=name,
        description=spec.description,
        value=winner.value if winner else None,
        label=spec.values[winner.value] if winner else None,
        rule_id=winner.rule_id if winner else None,
        basis=basis,
        evidence=evidence,
        contradicting=contradicting,
        consistent=consistent,
        overruled=[item.rule_id for item in result.overruled if item.name == name],
        missing_answers=_missing_answers(
            name,
            facts,
            rulebook,
            decided_by_evidence=tally is not None and tally.decided_by_evidence,
        ),
        straddles=list(decided.straddles) if decided is not None else [],
        confidence=_confidence(winner, tally, doubted_by, given_facts),
        margin=decided.margin if decided is not None else None,
        runner_up=decided.runner_up if decided is not None else None,
        doubted_by=doubted_by,
        tally=[
            TallyRow(
                value=row.value,
                label=spec.values[row.value],
                support=row.support,
                against=row.against,
                net=row.net,
                ruled_out_by=list(row.ruled_out_by),
            )
            for row in (tally.rows if tally is not None else ())
        ],
        given=bool(given_facts),
        given_facts=given_facts,
    )


def _placement_signals(
    name: str,
    winner: Produced | None,
    facts: AccountFacts,
    result: EngineResult,
    rulebook: Rulebook,
) -> list[Signal]:
    """The signals the tally counted, each with its direction from the placed value."""
    tally = result.tallies.get(name)
    rules = rulebook_index(rulebook).rules
    counted = set(tally.counted) if tally is not None else None
    signal_rules = dict.fromkeys(item.rule_id for item in result.signals if item.name == name)
    return [
        _signal(rules[rule_id], name, winner, facts, rulebook)
        for rule_id in signal_rules
        if counted is None or rule_id in counted
    ]


def _signal(
    rule: Rule, name: str, winner: Produced | None, facts: AccountFacts, rulebook: Rulebook
) -> Signal:
    spec = rulebook.manifest.conclusions[name]
    order = list(spec.values)
    values = list(rule.signal_values(name))
    positions = [order.index(value) for value in values]
    direction: Literal["same", "higher", "lower"] = "same"
    if winner is not None and winner.value not in values:
        direction = "higher" if min(positions) > order.index(winner.value) else "lower"
    return Signal(
        rule_id=rule.id,
        title=rule.spec.title,
        values=values,
        label=" / ".join(spec.values[value] for value in values),
        direction=direction,
        limiting=rule.spec.limiting,
        weight=signal_weight(rulebook, rule),
        evidence=_evidence(rule, facts, rulebook),
    )


def _by_direction(
    signals: list[Signal], placed: bool
) -> tuple[list[Signal], list[Signal], list[Signal]]:
    """The evidence for the placed value, what contradicts it and what is consistent with it;
    with nothing placed, every signal contradicts. Signals of a higher value contradict a
    placement, and so do limitations of a lower one; a capability of a lower value (joint
    projects under a partnership) is consistent with it."""
    if not placed:
        return [], signals, []
    return (
        [s for s in signals if s.direction == "same"],
        [s for s in signals if s.direction == "higher" or (s.direction == "lower" and s.limiting)],
        [s for s in signals if s.direction == "lower" and not s.limiting],
    )


def _given_facts(
    basis: list[Evidence], facts: AccountFacts, tally: Tally | None, rulebook: Rulebook
) -> list[str]:
    """The facts behind a placement that the questionnaire gave rather than answers implied."""
    rules = rulebook_index(rulebook).rules
    return sorted(
        {item.fact for item in basis if item.fact in facts.given}
        | (
            {fact for rule_id in tally.counted for fact in rules[rule_id].referenced_facts()}
            if tally is not None and tally.given
            else set()
        )
    )


def _confidence(
    winner: Produced | None, tally: Tally | None, doubted_by: list[str], given_facts: list[str]
) -> Confidence | None:
    if winner is None:
        return None
    confidence = tally.confidence if tally is not None and tally.confidence else "high"
    if doubted_by or given_facts:
        confidence = "low" if doubted_by else max(confidence, "medium", key=_CONFIDENCE.index)
    return confidence


# Most certain first.
_CONFIDENCE: tuple[Confidence, ...] = ("high", "medium", "low")


def _missing_answers(
    name: str, facts: AccountFacts, rulebook: Rulebook, *, decided_by_evidence: bool
) -> list[str]:
    """Unanswered questions that rules deciding `name` (directly or by signals) would read."""
    unanswered = [question.path for question in facts.unanswered]
    return rulebook_index(rulebook).missing_answers(
        name, unanswered, decided_by_evidence=decided_by_evidence
    )


def render_advice(
    rule: Rule, context: dict[str, Any], limits: RenderLimits | None = None
) -> tuple[str, list[Action]]:
    """A fired rule's advice and 90-day actions, rendered in the sandbox with `context`, within
    `limits` (a snippet's, by default)."""
    advice, *whats = _render_texts(rule, context, limits)
    actions = [
        Action(what=what, owner=action.owner, due_day=action.due_day, rule_id=rule.id)
        for what, action in zip(whats, rule.spec.actions, strict=True)
    ]
    return advice, actions


def _render_texts(
    rule: Rule, context: dict[str, Any], limits: RenderLimits | None = None
) -> list[str]:
    """A fired rule's advice, then the text of each of its actions."""
    assert rule.spec.advice is not None
    limits = limits or snippet_limits(context.get("params") or {})
    try:
        return [
            render_snippet(text, context, limits)
            for text in (rule.spec.advice, *(action.what for action in rule.spec.actions))
        ]
    except TemplateError as error:
        raise InputError(
            [
                Problem(
                    rule.origin.file,
                    rule.origin.line,
                    None,
                    f"{rule.id}.advice",
                    f"advice or action does not render: {error}",
                )
            ]
        ) from None


def _finding(
    rule: Rule,
    facts: AccountFacts,
    result: EngineResult,
    rulebook: Rulebook,
    context: dict[str, Any],
    subsumed: list[Rule],
) -> Finding:
    advice, actions = render_advice(rule, context)
    severity = finding_severity(rule, subsumed)
    concluded_names = {
        test_name
        for test_name in _concluded_inputs(rule)
        if any(item.name == test_name for item in result.conclusions)
    }
    return new_finding(
        rule,
        rulebook,
        advice,
        actions,
        severity=severity,
        evidence=_evidence(rule, facts, rulebook),
        concluded={
            name: ", ".join(
                rulebook.manifest.conclusions[name].values[item.value]
                for item in result.conclusions
                if item.name == name
            )
            for name in sorted(concluded_names)
        },
        subsumes=[
            SubsumedFinding(
                rule_id=other.id,
                title=other.spec.title,
                severity=other.spec.severity,
                evidence=_evidence(other, facts, rulebook),
            )
            for other in subsumed
        ],
    )


def new_finding(
    rule: Rule,
    rulebook: Rulebook,
    advice: str,
    actions: list[Action],
    *,
    severity: Severity | None = None,
    evidence: list[Evidence] | None = None,
    concluded: dict[str, str] | None = None,
    subsumes: list[SubsumedFinding] | None = None,
) -> Finding:
    """A fired rule's finding: its advice and actions rendered, in the rule's own words, under its
    theme, with its source (an account's finding adds the evidence and what it subsumes)."""
    theme = rulebook.manifest.themes[rule.spec.theme]
    return Finding(
        rule_id=rule.id,
        title=rule.spec.title,
        theme=rule.spec.theme,
        theme_title=theme.title,
        severity=severity or rule.spec.severity,
        advice=advice,
        evidence=evidence or [],
        concluded=concluded or {},
        actions=actions,
        source=SourceRef(**rule.spec.source.model_dump()) if rule.spec.source else None,
        subsumes=subsumes or [],
    )


def severity_rank(severity: Severity) -> int:
    """0 for the most severe."""
    return _SEVERITY_RANK[severity]


def _concluded_inputs(rule: Rule) -> set[str]:
    return {
        test.name
        for test in iter_tests(rule.condition)
        if isinstance(test, ConcludedTest) and test.kind == "conclusion"
    }


def nested(values: dict[str, Any]) -> dict[str, Any]:
    """{'scores.attractiveness': 7} -> {'scores': {'attractiveness': 7}} for templates."""
    tree: dict[str, Any] = {}
    for name, value in values.items():
        node = tree
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def _advice_context(
    questionnaire: Questionnaire, facts: AccountFacts, result: EngineResult, rulebook: Rulebook
) -> dict[str, Any]:
    concluded: dict[str, dict[str, str]] = {}
    for item in result.conclusions:
        spec = rulebook.manifest.conclusions[item.name]
        concluded.setdefault(item.name, {"value": item.value, "label": spec.values[item.value]})
    return {
        # The currency travels with the account so advice can say "EUR 18,200", not "18,200".
        "account": {
            **questionnaire.account.model_dump(mode="json"),
            "currency": questionnaire.economics.currency,
        },
        "facts": nested(facts.values),
        "params": dict(rulebook.parameter_values),
        "concluded": concluded,
    }


def render_reported_advice(
    questionnaire: Questionnaire,
    facts: AccountFacts,
    result: EngineResult,
    rulebook: Rulebook,
    findings: list[tuple[Rule, list[Rule]]] | None = None,
) -> None:
    """Render the advice of every finding as a diagnosis would, and discard it: an account whose
    advice cannot render is skipped from a portfolio even when no memo is written. `findings`:
    the result's `reported_findings`, when the caller has them."""
    context = _advice_context(questionnaire, facts, result, rulebook)
    for rule, _ in reported_findings(result, rulebook) if findings is None else findings:
        _render_texts(rule, context)
