"""Comparison: what moved between two assessments of one account, and which answers moved it.

Both questionnaires are diagnosed with the same packs, so every difference comes from the answers.
The answers behind a movement are found by retracing the rules that decide it (`explain`'s own
tracer): a rule whose firing changed, the tests in it whose outcome changed, the facts those tests
read, and the answers those facts are derived from that differ between the two files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict

from kamadvisor.api import Advisor, check_effective_date
from kamadvisor.conditions import FactRef, FactTest, iter_tests
from kamadvisor.diagnosis import AccountSummary, Diagnosis, Finding, PackInfo, build_diagnosis
from kamadvisor.errors import InputError, Problem
from kamadvisor.explain import Tracer
from kamadvisor.facts import OPEN_STATUSES, FactValue, action_due_on, derive_facts
from kamadvisor.questionnaire import PreviousAction, Questionnaire, validate_questionnaire
from kamadvisor.rulebook import SEVERITY_ORDER, Rulebook
from kamadvisor.sourcefile import SourceDocument, load_document

# 2.0: findings grouped by the pack's root causes, as the memo groups them (1.0: by theme).
COMPARISON_SCHEMA_VERSION = "2.0"

AnswerValue = str | int | float | bool | list[str] | None
Direction = Literal["up", "down", "same", "placed", "unplaced", "unplaced_both"]
# Facts the comparison reports as figures: the matrix scores and the account's economics; a
# score's distance from its cut-off moves with the score and is not repeated.
FIGURE_PREFIXES = ("scores.", "economics.")
FIGURE_REPEATS = ("_to_cutoff",)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class AssessmentRef(Frozen):
    assessed_on: date
    pack: PackInfo
    attractiveness: float | None
    business_strength: float | None

    @classmethod
    def of(cls, diagnosis: Diagnosis) -> AssessmentRef:
        assert diagnosis.assessed_on is not None
        scores = [diagnosis.facts.get(f"scores.{name}") for name in SCORE_NAMES]
        return cls(
            assessed_on=diagnosis.assessed_on,
            pack=diagnosis.pack,
            attractiveness=_score(scores[0]),
            business_strength=_score(scores[1]),
        )


SCORE_NAMES = ("attractiveness", "business_strength")


def _score(value: FactValue | None) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class AnswerChange(Frozen):
    path: str
    before: AnswerValue
    after: AnswerValue


class Cause(Frozen):
    """An answer that changed and, through the facts it feeds, changed a rule's outcome."""

    path: str
    before: AnswerValue
    after: AnswerValue
    facts: list[str]
    rules: list[str]


class Movement(Frozen):
    """One placement (phase, category, stage ...) before and after."""

    name: str
    description: str
    before: str | None
    before_label: str | None
    after: str | None
    after_label: str | None
    direction: Direction
    steps: int
    straddles_before: list[str]
    straddles_after: list[str]
    confidence_before: str | None
    confidence_after: str | None
    causes: list[Cause]


class FigureChange(Frozen):
    fact: str
    description: str
    before: FactValue | None
    after: FactValue | None
    change: float | None


class FindingChange(Frozen):
    rule_id: str
    title: str
    theme: str
    severity: str
    severity_before: str | None
    # Resolved: still found, but now part of (subsumed by) this finding; new: part of it before.
    part_of: str | None
    part_of_title: str | None
    causes: list[Cause]


class FindingGroup(Frozen):
    """The findings of one root cause, as the memo groups them: a cause of the pack's, or a theme
    no cause takes (`theme:NAME`)."""

    cause: str
    title: str
    findings: list[FindingChange]


class FindingChanges(Frozen):
    resolved: list[FindingGroup]
    new: list[FindingGroup]
    persisting: list[FindingGroup]


class ActionFollowUp(Frozen):
    what: str
    owner: str | None
    due_day: int | None
    due_on: date | None
    status: str | None
    overdue: bool | None
    answers: str | None
    finding_title: str | None
    finding_outcome: Literal["resolved", "open"] | None


class PlannedAction(Frozen):
    what: str
    owner: str
    due_day: int
    rule_id: str


class ActionsReview(Frozen):
    recorded: bool
    began: date
    counts: dict[str, int]
    actions: list[ActionFollowUp]
    not_followed_up: list[PlannedAction]


class Comparison(Frozen):
    schema_version: str = COMPARISON_SCHEMA_VERSION
    account: AccountSummary
    before: AssessmentRef
    after: AssessmentRef
    days_between: int
    placements: list[Movement]
    figures: list[FigureChange]
    findings: FindingChanges
    actions: ActionsReview
    answers_changed: list[AnswerChange]


@dataclass(frozen=True)
class Assessment:
    """One questionnaire with its diagnosis and the tracer `explain` uses."""

    document: SourceDocument
    questionnaire: Questionnaire
    diagnosis: Diagnosis
    tracer: Tracer


def load_pair(
    before_path: str,
    after_path: str,
    model: type[Questionnaire] = Questionnaire,
    stdin: TextIO | None = None,
) -> tuple[SourceDocument, SourceDocument]:
    """Both files read ("-" from `stdin`), validated (as questionnaires of `model`, the
    rulebook's) and checked to be two assessments of one account, in order."""
    before = load_document(before_path, stdin=stdin)
    after = load_document(after_path, stdin=stdin)
    problems: list[Problem] = []
    questionnaires: list[Questionnaire] = []
    for document in (before, after):
        try:
            questionnaires.append(validate_questionnaire(document, model))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    check_pair(before, questionnaires[0], after, questionnaires[1])
    return before, after


def check_pair(
    before: SourceDocument, first: Questionnaire, after: SourceDocument, second: Questionnaire
) -> None:
    problems: list[Problem] = []

    def problem(document: SourceDocument, field: str, message: str) -> None:
        line, column = document.locate(("account", field)) or (None, None)
        problems.append(Problem(document.name, line, column, f"account.{field}", message))

    for document, questionnaire in ((before, first), (after, second)):
        if questionnaire.account.id is None:
            problem(document, "id", "is unanswered; assessments are matched by the account's id")
        if questionnaire.account.assessment_date is None:
            problem(
                document, "assessment_date", "is unanswered; assessments are ordered by their date"
            )
    first_id, second_id = first.account.id, second.account.id
    if first_id and second_id and first_id != second_id:
        problem(
            after,
            "id",
            f"'{second_id}' is not the account of {before.name} ('{first_id}'); a comparison is "
            "of two assessments of one account",
        )
    first_date, second_date = first.account.assessment_date, second.account.assessment_date
    if first_date and second_date and second_date <= first_date:
        problem(
            after,
            "assessment_date",
            f"{second_date} is not after {first_date}, the date of {before.name}; the earlier "
            "assessment goes first in `compare`, and after --previous in `memo`",
        )
    if problems:
        raise InputError(problems)


def assess(advisor: Advisor, document: SourceDocument) -> Assessment:
    rulebook = advisor.rulebook
    questionnaire = validate_questionnaire(document, rulebook.questionnaire)
    check_effective_date(questionnaire, None)
    facts = derive_facts(questionnaire, advisor.plan)
    result = advisor.engine.run(dict(facts.values))
    diagnosis = build_diagnosis(questionnaire, facts, result, rulebook)
    return Assessment(document, questionnaire, diagnosis, Tracer(rulebook, facts.values, result))


def compare_files(
    advisor: Advisor, before_path: str, after_path: str, stdin: TextIO | None = None
) -> Comparison:
    return review_files(advisor, before_path, after_path, stdin)[0]


def review_files(
    advisor: Advisor, before_path: str, after_path: str, stdin: TextIO | None = None
) -> tuple[Comparison, Diagnosis]:
    """The comparison of two assessments and the later one's diagnosis (for its memo)."""
    before, after = load_pair(before_path, after_path, advisor.rulebook.questionnaire, stdin)
    later = assess(advisor, after)
    return compare(advisor.rulebook, assess(advisor, before), later), later.diagnosis


def compare(rulebook: Rulebook, before: Assessment, after: Assessment) -> Comparison:
    answers = answer_changes(before.questionnaire, after.questionnaire)
    first, second = before.diagnosis, after.diagnosis
    assert first.assessed_on is not None
    assert second.assessed_on is not None
    return Comparison(
        account=second.account,
        before=AssessmentRef.of(first),
        after=AssessmentRef.of(second),
        days_between=(second.assessed_on - first.assessed_on).days,
        placements=[
            _movement(name, rulebook, before, after, answers) for name in second.placements
        ],
        figures=_figures(first, second, rulebook),
        findings=_finding_changes(rulebook, before, after, answers),
        actions=_actions_review(before, after),
        answers_changed=answers,
    )


def answer_changes(before: Questionnaire, after: Questionnaire) -> list[AnswerChange]:
    """Every answer that differs, by path, in the questionnaire's order. List entries (contacts,
    team members, actions) compare by position; an entry or section on one side only is one
    change, summarised (its name, or how many entries)."""
    changes: list[AnswerChange] = []
    _diff(before.model_dump(mode="json"), after.model_dump(mode="json"), "", changes)
    return changes


def _diff(old: Any, new: Any, path: str, changes: list[AnswerChange]) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(key for key in new if key not in old)]:
            _diff(old.get(key), new.get(key), f"{path}.{key}" if path else str(key), changes)
        return
    if _is_records(old) and _is_records(new) and (old or new):
        for index in range(max(len(old), len(new))):
            _diff(
                old[index] if index < len(old) else None,
                new[index] if index < len(new) else None,
                f"{path}[{index}]",
                changes,
            )
        return
    changes.append(AnswerChange(path=path, before=_summary(old), after=_summary(new)))


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _summary(value: Any) -> AnswerValue:
    if isinstance(value, dict):
        label = value.get("name") or value.get("what") or value.get("role")
        return str(label) if label else "recorded"
    if _is_records(value) and value:
        return f"{len(value)} entries" if len(value) != 1 else "1 entry"
    if isinstance(value, list):
        return sorted(str(item) for item in value)
    return value  # type: ignore[no-any-return]


def _causes(
    rule_ids: list[str],
    rulebook: Rulebook,
    before: Assessment,
    after: Assessment,
    answers: list[AnswerChange],
) -> list[Cause]:
    """The changed answers behind the rules among `rule_ids` whose firing changed."""
    facts_by_rule: dict[str, set[str]] = {}
    for rule_id in rule_ids:
        if not _firing_changed(rule_id, before, after):
            continue
        for fact in _traced_facts(rule_id, rulebook, before, after, set()):
            facts_by_rule.setdefault(fact, set()).add(rule_id)
    catalogue = rulebook.catalogue("account")
    causes: list[Cause] = []
    for answer in answers:
        facts = sorted(
            fact
            for fact in facts_by_rule
            if fact in catalogue
            and any(_derives(answer.path, source) for source in catalogue[fact].derived_from)
        )
        if facts:
            rules = sorted({rule_id for fact in facts for rule_id in facts_by_rule[fact]})
            causes.append(
                Cause(
                    path=answer.path,
                    before=answer.before,
                    after=answer.after,
                    facts=facts,
                    rules=sorted(rules, key=lambda rule_id: rulebook.rule(rule_id).order),
                )
            )
    return causes


def _firing_changed(rule_id: str, before: Assessment, after: Assessment) -> bool:
    return (rule_id in before.tracer.result.fired) != (rule_id in after.tracer.result.fired)


def _traced_facts(
    rule_id: str, rulebook: Rulebook, before: Assessment, after: Assessment, traced: set[str]
) -> set[str]:
    """The facts behind a rule's changed firing, as `explain`'s tracer reads them: the facts of
    its tests whose outcome changed, following a changed concluded fact into the rules that
    produced it, and a changed placement (which the weight of evidence makes, no single rule)
    into the rules deciding it. Each rule is traced once (`traced`)."""
    traced.add(rule_id)
    facts: set[str] = set()
    for test in iter_tests(rulebook.rule(rule_id).condition):
        if isinstance(test, FactTest):
            if before.tracer.fact_holds(test) != after.tracer.fact_holds(test):
                facts.add(test.fact)
                if isinstance(test.value, FactRef):
                    facts.add(test.value.name)
            continue
        if before.tracer.concluded_holds(test) == after.tracer.concluded_holds(test):
            continue
        sources = (
            _deciding_rules(test.name, rulebook)
            if test.kind == "placement"
            else [
                item.rule_id
                for tracer in (before.tracer, after.tracer)
                for item in tracer.produced(test)
            ]
        )
        for source in dict.fromkeys(sources):
            if source and source not in traced and _firing_changed(source, before, after):
                facts |= _traced_facts(source, rulebook, before, after, traced)
    return facts


def _derives(path: str, source: str) -> bool:
    """Whether the answer at `path` is (part of) `source`, or holds all of it."""
    return (
        path == source
        or path.startswith((f"{source}.", f"{source}["))
        or source.startswith((f"{path}.", f"{path}["))
    )


def _deciding_rules(name: str, rulebook: Rulebook) -> list[str]:
    """The rules that conclude, signal or rule out a value of `name`."""
    return [
        rule.id
        for rule in rulebook.scoped("account")
        if any(
            name in (produced or {})
            for produced in (
                rule.spec.conclude,
                rule.spec.signal,
                rule.spec.rules_out,
            )
        )
    ]


def _movement(
    name: str,
    rulebook: Rulebook,
    before: Assessment,
    after: Assessment,
    answers: list[AnswerChange],
) -> Movement:
    old = before.diagnosis.placements.get(name)
    new = after.diagnosis.placements[name]
    order = list(rulebook.manifest.conclusions[name].values)
    old_value = old.value if old else None
    direction: Direction
    steps = 0
    if old_value is None and new.value is None:
        direction = "unplaced_both"
    elif old_value is None:
        direction = "placed"
    elif new.value is None:
        direction = "unplaced"
    else:
        steps = order.index(new.value) - order.index(old_value)
        direction = "up" if steps > 0 else "down" if steps < 0 else "same"
    straddles = [list(p.straddles) if p else [] for p in (old, new)]
    confidence = [p.confidence if p else None for p in (old, new)]
    moved = (
        direction not in ("same", "unplaced_both")
        or straddles[0] != straddles[1]
        or confidence[0] != confidence[1]
    )
    return Movement(
        name=name,
        description=new.description,
        before=old_value,
        before_label=old.label if old else None,
        after=new.value,
        after_label=new.label,
        direction=direction,
        steps=abs(steps),
        straddles_before=straddles[0],
        straddles_after=straddles[1],
        confidence_before=confidence[0],
        confidence_after=confidence[1],
        causes=_causes(_deciding_rules(name, rulebook), rulebook, before, after, answers)
        if moved
        else [],
    )


def _figures(before: Diagnosis, after: Diagnosis, rulebook: Rulebook) -> list[FigureChange]:
    catalogue = rulebook.catalogue("account")
    names = [
        name
        for name in catalogue
        if name.startswith(FIGURE_PREFIXES)
        and not name.endswith(FIGURE_REPEATS)
        and catalogue[name].type in ("number", "integer")
    ]
    changes = []
    for name in names:
        old, new = before.facts.get(name), after.facts.get(name)
        if old == new:
            continue
        change = (
            round(float(new) - float(old), 2)
            if isinstance(old, int | float) and isinstance(new, int | float)
            else None
        )
        changes.append(
            FigureChange(
                fact=name,
                description=catalogue[name].description,
                before=old,
                after=new,
                change=change,
            )
        )
    return changes


def _finding_changes(
    rulebook: Rulebook, before: Assessment, after: Assessment, answers: list[AnswerChange]
) -> FindingChanges:
    # A placement's own finding moves with the placement, reported above as a movement.
    placed = {
        placement.rule_id
        for diagnosis in (before.diagnosis, after.diagnosis)
        for placement in diagnosis.placements.values()
        if placement.rule_id
    }
    old = {f.rule_id: f for f in before.diagnosis.findings if f.rule_id not in placed}
    new = {f.rule_id: f for f in after.diagnosis.findings if f.rule_id not in placed}

    # A finding folded into another (subsumed) on the other side appears or goes with that one.
    held_before, held_after = _subsumers(before.diagnosis), _subsumers(after.diagnosis)
    titles = {
        finding.rule_id: finding.title
        for diagnosis in (before.diagnosis, after.diagnosis)
        for finding in diagnosis.findings
    }

    def change(
        finding: Finding, previous: Finding | None, traced: bool, held: dict[str, str]
    ) -> FindingChange:
        part_of = held.get(finding.rule_id)
        return FindingChange(
            part_of_title=titles.get(part_of) if part_of else None,
            rule_id=finding.rule_id,
            title=finding.title,
            theme=finding.theme,
            severity=finding.severity,
            severity_before=previous.severity if previous else None,
            part_of=part_of,
            causes=_causes([part_of or finding.rule_id], rulebook, before, after, answers)
            if traced
            else [],
        )

    resolved = [change(f, None, True, held_after) for f in old.values() if f.rule_id not in new]
    arrived = [change(f, None, True, held_before) for f in new.values() if f.rule_id not in old]
    persisting = [change(f, old[f.rule_id], False, {}) for f in new.values() if f.rule_id in old]
    return FindingChanges(
        resolved=_grouped(resolved, rulebook),
        new=_grouped(arrived, rulebook),
        persisting=_grouped(persisting, rulebook),
    )


def _subsumers(diagnosis: Diagnosis) -> dict[str, str]:
    """Each finding shown only inside another (subsumed by it): the rule id of that other."""
    return {
        folded.rule_id: finding.rule_id
        for finding in diagnosis.findings
        for folded in finding.subsumes
    }


def _grouped(changes: list[FindingChange], rulebook: Rulebook) -> list[FindingGroup]:
    """Grouped as the memo groups them: by the pack's root causes (a theme no cause takes is a
    group of its own), the group with the most severe finding first, then in the causes' order.
    Findings arrive ranked by severity and keep that rank within their group."""
    manifest = rulebook.manifest
    cause_of_theme = {
        theme: name for name, cause in manifest.causes.items() for theme in cause.themes
    }
    groups: dict[str, list[FindingChange]] = {}
    for item in changes:
        groups.setdefault(cause_of_theme.get(item.theme, f"theme:{item.theme}"), []).append(item)

    def title_and_order(key: str) -> tuple[str, int]:
        cause = manifest.causes.get(key)
        if cause is not None:
            return cause.title, cause.order
        theme = manifest.themes[key.removeprefix("theme:")]
        return theme.title, theme.order

    rank: dict[str, int] = {severity: index for index, severity in enumerate(SEVERITY_ORDER)}
    ordered = sorted(
        groups.items(),
        key=lambda group: (
            min(rank[item.severity] for item in group[1]),
            title_and_order(group[0])[1],
            group[0],
        ),
    )
    return [
        FindingGroup(cause=key, title=title_and_order(key)[0], findings=items)
        for key, items in ordered
    ]


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _actions_review(before: Assessment, after: Assessment) -> ActionsReview:
    planned = before.diagnosis.actions
    plan = after.questionnaire.previous_plan
    assert before.diagnosis.assessed_on is not None
    assert after.diagnosis.assessed_on is not None
    began = (plan.began if plan else None) or before.diagnosis.assessed_on
    as_of = after.diagnosis.assessed_on
    by_text = {_normalised(action.what): action for action in planned}
    old_findings = {finding.rule_id: finding for finding in before.diagnosis.findings}
    open_now = {finding.rule_id for finding in after.diagnosis.findings}
    followed: list[ActionFollowUp] = []
    matched: set[str] = set()
    for action in (plan.actions if plan else None) or []:
        source = by_text.get(_normalised(action.what))
        if source is not None:
            matched.add(_normalised(source.what))
        answers = action.answers or (source.rule_id if source else None)
        finding = old_findings.get(answers) if answers else None
        followed.append(
            _follow_up(action, answers, action_due_on(began, action), as_of, finding, open_now)
        )
    return ActionsReview(
        recorded=bool(plan and plan.actions is not None),
        began=began,
        counts=_follow_up_counts(followed),
        actions=followed,
        not_followed_up=[
            PlannedAction(**action.model_dump())
            for action in planned
            if _normalised(action.what) not in matched
        ],
    )


def _follow_up(
    action: PreviousAction,
    answers: str | None,
    due_on: date | None,
    as_of: date,
    finding: Finding | None,
    open_now: set[str],
) -> ActionFollowUp:
    """One recorded action: whether it is overdue, and whether the finding it answers is still
    open."""
    overdue: bool | None = None
    if action.status is not None and due_on is not None:
        overdue = action.status in OPEN_STATUSES and due_on <= as_of
    elif action.status in ("done", "dropped"):
        overdue = False
    return ActionFollowUp(
        what=action.what,
        owner=action.owner,
        due_day=action.due_day,
        due_on=due_on,
        status=action.status,
        overdue=overdue,
        answers=answers,
        finding_title=finding.title if finding else None,
        finding_outcome=None if answers is None else "open" if answers in open_now else "resolved",
    )


def _follow_up_counts(followed: list[ActionFollowUp]) -> dict[str, int]:
    statuses = [item.status for item in followed]
    return {
        "recorded": len(followed),
        "done": statuses.count("done"),
        "in_progress": statuses.count("in_progress"),
        "not_started": statuses.count("not_started"),
        "dropped": statuses.count("dropped"),
        "status_unknown": statuses.count(None),
        "overdue": sum(1 for item in followed if item.overdue),
        "findings_resolved": sum(1 for item in followed if item.finding_outcome == "resolved"),
    }
