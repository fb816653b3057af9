"""Facts: the JSON-safe values the rules match, derived from one questionnaire.

Fact names are dotted: a questionnaire answer keeps its path (`relationship.team_model`); derived
facts are grouped (`scores.attractiveness`, `contacts.senior`, `economics.account_profit`). An
unanswered question produces no fact, so no rule can read "unanswered" as "no".
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kamadvisor.derivations import (
    DeclaredFact,
    DerivationPlan,
    declared_facts,
    percent_of,
    weighted,
)
from kamadvisor.questionnaire import (
    SECTION_MODELS,
    ActionStatus,
    Contact,
    ContactLevel,
    PreviousAction,
    PreviousPlan,
    Questionnaire,
    TeamMember,
    TeamRole,
)
from kamadvisor.questions import sections_of
from kamadvisor.typeinfo import literal_values, unwrap_optional

FactType = Literal["number", "integer", "boolean", "enum", "set", "date"]
FactValue = str | int | float | bool | list[str]
# Text answers (names, industry) describe the account but are not matched by rules.
TEXT_FIELDS = frozenset(
    {
        "account.name",
        "account.id",
        "account.industry",
        "account.assessor",
        "economics.currency",
        "kam.name",
        "team.executive_sponsor_name",
    }
)
# Scores a summary sheet gives stand in for the derived scores of the same name.
GIVEN_SECTION = "scores"


class FactSpec(BaseModel):
    """What a fact is: its type, its allowed values, and what it is derived from."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: FactType
    description: str
    values: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()


class UnansweredQuestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    question: str


class AccountFacts(BaseModel):
    """The facts of one account, and the questions that were left unanswered."""

    model_config = ConfigDict(frozen=True)

    values: dict[str, FactValue]
    unanswered: list[UnansweredQuestion]
    given: list[str] = []


class ScoreWeights(BaseModel):
    """Factor weights of the two matrix scores, in percent of each score (each map sums to 100)."""

    model_config = ConfigDict(frozen=True)

    attractiveness: dict[str, float]
    business_strength: dict[str, float]
    min_coverage_pct: float = 50.0
    cutoff_attractiveness: float = 5.5
    cutoff_strength: float = 5.5
    # The derived facts the packs declare, ready to run (built once a rulebook).
    declared: DerivationPlan = DerivationPlan()


def fact_type(annotation: Any) -> tuple[FactType, tuple[str, ...]] | None:
    """Map a questionnaire field's annotation to a fact type; None for text and sub-models."""
    annotation = unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        values = literal_values(item)
        return ("set", values) if values else None
    values = literal_values(annotation)
    if values:
        return "enum", values
    base = typing.get_origin(annotation) or annotation
    if origin is typing.Annotated:
        base = typing.get_args(annotation)[0]
    if base is bool:
        return "boolean", ()
    if base is int:
        return "integer", ()
    if base is float:
        return "number", ()
    if base is date:
        return "date", ()
    return None


def _answer_specs(model: type[Questionnaire]) -> list[FactSpec]:
    specs: list[FactSpec] = []
    for section, section_model in sections_of(model).items():
        if section != GIVEN_SECTION:
            specs.extend(model_fact_specs(section_model, section, skip=TEXT_FIELDS))
    return specs


def model_fact_specs(
    model: type[BaseModel], prefix: str, skip: Collection[str] = ()
) -> list[FactSpec]:
    """A fact for each field of `model` a rule can test (`PREFIX.field`): text, dates and
    sub-models aside, and the paths in `skip`."""
    specs: list[FactSpec] = []
    for field_name, field in model.model_fields.items():
        path = f"{prefix}.{field_name}"
        typed = fact_type(field.annotation)
        if path in skip or typed is None or typed[0] == "date":
            continue
        kind, values = typed
        specs.append(
            FactSpec(
                name=path,
                type=kind,
                values=values,
                description=field.description or "",
                derived_from=(path,),
            )
        )
    return specs


def _number(name: str, description: str, *sources: str) -> FactSpec:
    return FactSpec(name=name, type="number", description=description, derived_from=sources)


def _count(name: str, description: str, *sources: str) -> FactSpec:
    return FactSpec(name=name, type="integer", description=description, derived_from=sources)


CONTACT_LEVELS: tuple[str, ...] = typing.get_args(ContactLevel)
# Every named role of the team is counted; "other" says nothing a rule could read.
COUNTED_TEAM_ROLES: tuple[TeamRole, ...] = tuple(
    r for r in typing.get_args(TeamRole) if r != "other"
)
ATTRACTIVENESS_FACTORS: tuple[str, ...] = tuple(SECTION_MODELS["attractiveness"].model_fields)
STRENGTH_FACTORS: tuple[str, ...] = tuple(SECTION_MODELS["business_strength"].model_fields)

DERIVED_SPECS: list[FactSpec] = [
    _number(
        "scores.attractiveness",
        "Weighted account attractiveness, 1-10 (factor weights are pack parameters), or the score "
        "given when the factors are not.",
        "attractiveness",
        "scores.attractiveness",
    ),
    _number(
        "scores.business_strength",
        "Weighted business strength as the customer rates us, 1-10 (weights are pack parameters), "
        "or the score given when the factors are not.",
        "business_strength",
        "scores.business_strength",
    ),
    _number(
        "scores.attractiveness_to_cutoff",
        "Distance of the attractiveness score from its cut-off (a pack parameter), in points.",
        "attractiveness",
        "scores.attractiveness",
    ),
    _number(
        "scores.business_strength_to_cutoff",
        "Distance of the business-strength score from its cut-off (a pack parameter), in points.",
        "business_strength",
        "scores.business_strength",
    ),
    FactSpec(
        name="scores.attractiveness_pivot",
        type="enum",
        values=tuple(ATTRACTIVENESS_FACTORS),
        description="The attractiveness factor whose smallest change would move the score "
        "across its cut-off.",
        derived_from=("attractiveness",),
    ),
    FactSpec(
        name="scores.business_strength_pivot",
        type="enum",
        values=tuple(STRENGTH_FACTORS),
        description="The business-strength factor whose smallest change would move the score "
        "across its cut-off.",
        derived_from=("business_strength",),
    ),
    FactSpec(
        name="scores.weakest_strength_factors",
        type="set",
        values=tuple(STRENGTH_FACTORS),
        description="Where the customer rates us lowest against competitors: the "
        "business-strength factors at the lowest score, when it is below the cut-off.",
        derived_from=("business_strength",),
    ),
    _number(
        "economics.revenue_to_potential_pct",
        "Our revenue with the account as a percentage of the revenue we could earn with it.",
        "economics.annual_revenue",
        "economics.potential_revenue",
    ),
    _number(
        "economics.gross_profit",
        "Revenue times gross margin.",
        "economics.annual_revenue",
        "economics.gross_margin_pct",
    ),
    _number(
        "economics.account_profit",
        "Gross profit less attributable cost to serve.",
        "economics.annual_revenue",
        "economics.gross_margin_pct",
        "economics.cost_to_serve",
    ),
    _number(
        "economics.account_profit_pct",
        "Account profit as a percentage of revenue.",
        "economics.annual_revenue",
        "economics.gross_margin_pct",
        "economics.cost_to_serve",
    ),
    _number(
        "economics.cost_to_serve_pct",
        "Attributable cost to serve as a percentage of revenue.",
        "economics.annual_revenue",
        "economics.cost_to_serve",
    ),
    _count("contacts.count", "Number of contacts we know at the customer.", "contacts"),
    *[
        _count(f"contacts.{level}", f"Contacts at {level.replace('_', ' ')} level.", "contacts")
        for level in CONTACT_LEVELS
    ],
    _count("contacts.senior", "Contacts at senior management or board level.", "contacts"),
    _count("contacts.beyond_purchasing", "Contacts outside purchasing (level known).", "contacts"),
    _count("contacts.level_unknown", "Contacts whose level was not given.", "contacts"),
    _count("contacts.decision_makers", "Contacts who are decision makers.", "contacts"),
    _count(
        "contacts.decision_role_unknown",
        "Contacts whose part in decisions is unknown or not given.",
        "contacts",
    ),
    _count(
        "contacts.executive_sponsors",
        "Customer contacts who act as executive sponsors of the relationship.",
        "contacts",
    ),
    _count("contacts.strong", "Contacts with whom our relationship is strong.", "contacts"),
    _count("contacts.critics", "Contacts who are critics of us.", "contacts"),
    _count(
        "contacts.senior_critics",
        "Contacts at senior management or board level, or decision makers, who are critics of us.",
        "contacts",
    ),
    _count(
        "contacts.weak_decision_makers",
        "Decision makers with whom our relationship is weak.",
        "contacts",
    ),
    _count(
        "contacts.counterparts",
        "Distinct people on our side holding the contacts (where given).",
        "contacts",
    ),
    _count(
        "contacts.counterpart_unknown",
        "Contacts for whom nobody on our side is named as holding the contact.",
        "contacts",
    ),
    _count(
        "contacts.stance_unknown",
        "Contacts whose stance towards us (role_to_us) was not given.",
        "contacts",
    ),
    _count("team.size", "People on the account team besides its manager.", "team.members"),
    *[
        _count(
            f"team.{role}", f"Team members in the {role.replace('_', ' ')} role.", "team.members"
        )
        for role in COUNTED_TEAM_ROLES
    ],
    _count("team.permanent", "Team members permanently assigned.", "team.members"),
    _count(
        "planning.days_since_review",
        "Days between the plan's last review and the assessment date.",
        "planning.last_reviewed",
        "account.assessment_date",
    ),
    _count(
        "planning.reviews_missed",
        "Reviews missed: whole review cycles (the plan's own cadence) since its last review.",
        "planning.last_reviewed",
        "account.assessment_date",
        "planning.review_cadence_days",
    ),
    _count(
        "previous_plan.actions",
        "Actions of the previous plan recorded at this review.",
        "previous_plan.actions",
    ),
    *[
        _count(
            f"previous_plan.{status}",
            f"Actions of the previous plan recorded as {status.replace('_', ' ')}.",
            "previous_plan.actions",
        )
        for status in typing.get_args(ActionStatus)
    ],
    _count(
        "previous_plan.status_unknown",
        "Actions of the previous plan whose status was not given.",
        "previous_plan.actions",
    ),
    _count(
        "previous_plan.due",
        "Actions of the previous plan due by the assessment date.",
        "previous_plan.actions",
        "previous_plan.began",
        "account.assessment_date",
    ),
    _count(
        "previous_plan.overdue",
        "Actions of the previous plan due by the assessment date and recorded as not started or "
        "in progress (an action without a status is not counted).",
        "previous_plan.actions",
        "previous_plan.began",
        "account.assessment_date",
    ),
    _number(
        "previous_plan.overdue_pct",
        "Overdue actions as a percentage of the actions due (those without a status count as due, "
        "never as overdue).",
        "previous_plan.actions",
        "previous_plan.began",
        "account.assessment_date",
    ),
]


@functools.cache
def fact_catalogue(model: type[Questionnaire] = Questionnaire) -> Mapping[str, FactSpec]:
    """Every fact a questionnaire of `model` can produce, by name (built once a model; read-only).
    `model` is a rulebook's questionnaire: the base one, extended by house packs' questions."""
    catalogue = {spec.name: spec for spec in builtin_facts(model)}
    for fact in declared_facts(model):
        # A declared name that is a fact already is refused by `rules check`; never replaced.
        catalogue.setdefault(fact.name, _declared_spec(fact))
    return types.MappingProxyType(catalogue)


def builtin_facts(model: type[Questionnaire]) -> list[FactSpec]:
    """The facts of the answers and those the Python derives, without the packs' declared ones."""
    return _answer_specs(model) + DERIVED_SPECS


def _declared_spec(fact: DeclaredFact) -> FactSpec:
    return FactSpec(
        name=fact.name,
        type=fact.type,
        description=fact.spec.description,
        derived_from=fact.reads,
    )


@dataclass(frozen=True)
class _Question:
    name: str
    path: str
    is_fact: bool
    may_be_open: bool
    # Built once: the same (immutable) entry serves every account that leaves it open.
    unanswered: UnansweredQuestion


@functools.cache
def _derivation_plan(model: type[Questionnaire]) -> tuple[tuple[str, tuple[_Question, ...]], ...]:
    """What derive_facts reads of a questionnaire model, worked out once a model (a rulebook's
    questionnaire is built once, so a portfolio's accounts share one plan)."""
    answer_facts = {spec.name for spec in _answer_specs(model)}
    plan = []
    for section, section_model in sections_of(model).items():
        questions = []
        for name, field in section_model.model_fields.items():
            path = f"{section}.{name}"
            questions.append(
                _Question(
                    name=name,
                    path=path,
                    is_fact=path in answer_facts,
                    may_be_open=path != "account.name",
                    unanswered=UnansweredQuestion(path=path, question=field.description or ""),
                )
            )
        plan.append((section, tuple(questions)))
    return tuple(plan)


def derive_facts(
    questionnaire: Questionnaire, weights: ScoreWeights, assessment_date: date | None = None
) -> AccountFacts:
    values: dict[str, FactValue] = {}
    unanswered: list[UnansweredQuestion] = []
    scores, given = _scores(questionnaire, weights)
    for section, questions in _derivation_plan(type(questionnaire)):
        answers = getattr(questionnaire, section).__dict__
        for question in questions:
            value = answers[question.name]
            if value is None:
                # A score the factors already give is no open question.
                if question.may_be_open and question.path not in scores:
                    unanswered.append(question.unanswered)
            elif question.is_fact:
                values[question.path] = sorted(value) if isinstance(value, list) else value

    values.update(scores)
    values.update(_economics(questionnaire))
    if questionnaire.contacts is None:
        unanswered.append(
            UnansweredQuestion(path="contacts", question="The people we know at the customer.")
        )
    else:
        values.update(_contact_coverage(questionnaire.contacts))
        for index, contact in enumerate(questionnaire.contacts):
            for field_name in ("level", "decision_role"):
                if getattr(contact, field_name) is None:
                    described = Contact.model_fields[field_name].description or ""
                    unanswered.append(
                        UnansweredQuestion(
                            path=f"contacts[{index}].{field_name}", question=described
                        )
                    )
    if questionnaire.team.members is not None:
        values.update(_team(questionnaire.team.members))
    reviewed = questionnaire.planning.last_reviewed
    as_of = questionnaire.account.assessment_date or assessment_date
    if reviewed is not None and as_of is not None:
        days = (as_of - reviewed).days
        values["planning.days_since_review"] = days
        cadence = questionnaire.planning.review_cadence_days
        if cadence is not None:
            values["planning.reviews_missed"] = days // cadence
    potential = questionnaire.economics.potential_revenue
    revenue = questionnaire.economics.annual_revenue
    if potential is not None and revenue is not None and potential >= 1:
        share = percent_of(revenue, potential)
        if share is not None:
            values["economics.revenue_to_potential_pct"] = share
    if questionnaire.previous_plan is not None:
        values.update(_previous_plan(questionnaire.previous_plan, as_of))
        unanswered.extend(_previous_plan_unanswered(questionnaire.previous_plan))
    weights.declared.apply(questionnaire, values)
    # Built from validated answers only: checking the values again would cost more than
    # deriving them (a portfolio derives thousands of accounts).
    return AccountFacts.model_construct(
        values=dict(sorted(values.items())),
        unanswered=unanswered,
        given=given,
    )


def _scores(
    questionnaire: Questionnaire, weights: ScoreWeights
) -> tuple[dict[str, FactValue], list[str]]:
    """The two matrix scores from their factors or, failing that, as given; and which were given."""
    values: dict[str, FactValue] = {}
    given: list[str] = []
    for axis, answers, axis_weights, cutoff in (
        (
            "attractiveness",
            questionnaire.attractiveness,
            weights.attractiveness,
            weights.cutoff_attractiveness,
        ),
        (
            "business_strength",
            questionnaire.business_strength,
            weights.business_strength,
            weights.cutoff_strength,
        ),
    ):
        score = weighted(answers, axis_weights, weights.min_coverage_pct)
        if score is not None:
            pivot = _pivot(answers, axis_weights, score, cutoff)
            if pivot is not None:
                values[f"scores.{axis}_pivot"] = pivot
        else:
            score = getattr(questionnaire.scores, axis)
            if score is None:
                continue
            given.append(f"scores.{axis}")
        values[f"scores.{axis}"] = score
        values[f"scores.{axis}_to_cutoff"] = round(abs(score - cutoff), 2)
    weakest = _weakest(questionnaire.business_strength, weights.cutoff_strength)
    if weakest:
        values["scores.weakest_strength_factors"] = weakest
    return values, given


def _pivot(
    answers: BaseModel, weights: Mapping[str, float], score: float, cutoff: float
) -> str | None:
    """The answered factor needing the smallest change of its own score to cross the cut-off."""
    answered = {f: getattr(answers, f) for f, w in weights.items() if w > 0}
    answered = {f: v for f, v in answered.items() if v is not None}
    total_weight = sum(weights[f] for f in answered)
    if not answered or total_weight == 0:
        return None
    # Crossing downwards means falling below the cut-off; upwards, reaching it.
    needed = (cutoff - score) if score < cutoff else (cutoff - score - 0.01)
    best: tuple[float, int, str] | None = None
    for index, (factor, value) in enumerate(answered.items()):
        change = needed * total_weight / weights[factor]
        if 1 <= value + change <= 10:
            candidate = (abs(change), index, factor)
            best = candidate if best is None or candidate < best else best
    return best[2] if best else None


def _weakest(answers: BaseModel, cutoff: float) -> list[str]:
    scored = {
        name: getattr(answers, name)
        for name in STRENGTH_FACTORS
        if getattr(answers, name) is not None
    }
    if not scored or min(scored.values()) >= cutoff:
        return []
    lowest = min(scored.values())
    return sorted(name for name, value in scored.items() if value == lowest)


def _economics(questionnaire: Questionnaire) -> dict[str, FactValue]:
    economics = questionnaire.economics
    values: dict[str, FactValue] = {}
    revenue = economics.annual_revenue
    if revenue is None:
        return values
    if economics.gross_margin_pct is not None:
        gross_profit = revenue * economics.gross_margin_pct / 100
        values["economics.gross_profit"] = round(gross_profit, 2)
        if economics.cost_to_serve is not None:
            profit = gross_profit - economics.cost_to_serve
            values["economics.account_profit"] = round(profit, 2)
            profit_pct = percent_of(profit, revenue)
            if profit_pct is not None:
                values["economics.account_profit_pct"] = profit_pct
    if economics.cost_to_serve is not None:
        cost_pct = percent_of(economics.cost_to_serve, revenue)
        if cost_pct is not None:
            values["economics.cost_to_serve_pct"] = cost_pct
    return values


def _contact_coverage(contacts: Sequence[Contact]) -> dict[str, FactValue]:
    levels = [contact.level for contact in contacts]
    values: dict[str, FactValue] = {"contacts.count": len(contacts)}
    for level in CONTACT_LEVELS:
        values[f"contacts.{level}"] = levels.count(level)  # type: ignore[arg-type]
    values["contacts.senior"] = levels.count("senior_management") + levels.count("board")
    values["contacts.beyond_purchasing"] = sum(
        1 for level in levels if level is not None and level != "purchasing"
    )
    values["contacts.level_unknown"] = levels.count(None)
    values["contacts.decision_makers"] = sum(
        1 for contact in contacts if contact.decision_role == "decision_maker"
    )
    values["contacts.decision_role_unknown"] = sum(
        1 for contact in contacts if contact.decision_role in (None, "unknown")
    )
    values["contacts.executive_sponsors"] = sum(
        1 for contact in contacts if contact.role_to_us == "executive_sponsor"
    )
    values["contacts.strong"] = sum(1 for contact in contacts if contact.strength == "strong")
    critics = [contact for contact in contacts if contact.role_to_us == "critic"]
    values["contacts.critics"] = len(critics)
    values["contacts.senior_critics"] = sum(
        1
        for contact in critics
        if contact.level in ("senior_management", "board")
        or contact.decision_role == "decision_maker"
    )
    values["contacts.weak_decision_makers"] = sum(
        1
        for contact in contacts
        if contact.decision_role == "decision_maker" and contact.strength == "weak"
    )
    counterparts = {c.our_counterpart.strip().lower() for c in contacts if c.our_counterpart}
    if counterparts:
        values["contacts.counterparts"] = len(counterparts)
    values["contacts.counterpart_unknown"] = sum(
        1 for contact in contacts if not (contact.our_counterpart or "").strip()
    )
    values["contacts.stance_unknown"] = sum(1 for contact in contacts if contact.role_to_us is None)
    return values


def _team(members: Sequence[TeamMember]) -> dict[str, FactValue]:
    roles = [member.role for member in members]
    values: dict[str, FactValue] = {"team.size": len(members)}
    for role in COUNTED_TEAM_ROLES:
        values[f"team.{role}"] = roles.count(role)
    values["team.permanent"] = sum(1 for member in members if member.permanent)
    return values


OPEN_STATUSES: tuple[ActionStatus, ...] = ("not_started", "in_progress")


def action_due_on(began: date | None, action: PreviousAction) -> date | None:
    """The date an action of the previous plan was due by, where the answers give it."""
    if began is None or action.due_day is None:
        return None
    return began + timedelta(days=action.due_day)


def _previous_plan(plan: PreviousPlan, as_of: date | None) -> dict[str, FactValue]:
    if plan.actions is None:
        return {}
    actions = plan.actions
    statuses = [action.status for action in actions]
    values: dict[str, FactValue] = {"previous_plan.actions": len(actions)}
    for status in typing.get_args(ActionStatus):
        values[f"previous_plan.{status}"] = statuses.count(status)
    values["previous_plan.status_unknown"] = statuses.count(None)
    if as_of is None or plan.began is None:
        return values
    due_dates = [action_due_on(plan.began, action) for action in actions]
    # An action without a due day is not known to be due: it counts towards neither figure.
    due = [a for a, on in zip(actions, due_dates, strict=True) if on is not None and on <= as_of]
    overdue = [action for action in due if action.status in OPEN_STATUSES]
    values["previous_plan.due"] = len(due)
    values["previous_plan.overdue"] = len(overdue)
    if due:
        values["previous_plan.overdue_pct"] = round(len(overdue) * 100 / len(due), 2)
    return values


def _previous_plan_unanswered(plan: PreviousPlan) -> list[UnansweredQuestion]:
    fields = PreviousPlan.model_fields
    questions: list[UnansweredQuestion] = []
    if plan.began is None:
        questions.append(
            UnansweredQuestion(
                path="previous_plan.began", question=fields["began"].description or ""
            )
        )
    if plan.actions is None:
        questions.append(
            UnansweredQuestion(
                path="previous_plan.actions", question=fields["actions"].description or ""
            )
        )
    for index, action in enumerate(plan.actions or []):
        for name in ("due_day", "status"):
            if getattr(action, name) is None:
                questions.append(
                    UnansweredQuestion(
                        path=f"previous_plan.actions[{index}].{name}",
                        question=PreviousAction.model_fields[name].description or "",
                    )
                )
    return questions
