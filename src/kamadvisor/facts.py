"""Facts: the JSON-safe values the rules match, derived from one questionnaire.

Fact names are dotted: a questionnaire answer keeps its path (`relationship.team_model`); derived
facts are grouped (`scores.attractiveness`, `contacts.senior`, `economics.account_profit`). An
unanswered question produces no fact, so no rule can read "unanswered" as "no".

The derived facts are the packs' declarations (derivations.py), the base pack's included: the
catalogue and the plan come from them. What stays here is the answers' facts, the open questions,
and the built-ins a declaration names (`BUILT_INS`).
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kamadvisor.derivations import (
    NO_DECLARATIONS,
    BuiltInFunction,
    Declarations,
    DeclaredFact,
    DerivationPlan,
)
from kamadvisor.questionnaire import (
    ActionStatus,
    Contact,
    PreviousAction,
    PreviousPlan,
    Questionnaire,
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


def answer_facts(model: type[Questionnaire]) -> list[FactSpec]:
    """The facts of the answers, without the derived ones."""
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


@functools.cache
def number_factors(model: type[Questionnaire]) -> Mapping[str, tuple[str, ...]]:
    """The number questions of each section of `model`, in order: what a `weights` parameter may
    weigh, and the values a pivot or lowest-factors fact takes (built once a model)."""
    factors: dict[str, tuple[str, ...]] = {}
    for section, section_model in sections_of(model).items():
        factors[section] = tuple(
            name
            for name, field in section_model.model_fields.items()
            if (fact_type(field.annotation) or ("", ()))[0] in ("number", "integer")
        )
    return types.MappingProxyType(factors)


def previous_plan_due(questionnaire: Questionnaire, as_of: date | None) -> int | None:
    due = _due_actions(questionnaire.previous_plan, as_of)
    return None if due is None else len(due)


def previous_plan_overdue(questionnaire: Questionnaire, as_of: date | None) -> int | None:
    due = _due_actions(questionnaire.previous_plan, as_of)
    return None if due is None else sum(1 for action in due if action.status in OPEN_STATUSES)


# Facts a general derivation cannot honestly express, by the name the base declaration gives
# them (`derivation: built_in`): a due date is the plan's start plus each action's own due day.
BUILT_INS: Mapping[str, BuiltInFunction] = types.MappingProxyType(
    {"previous_plan.due": previous_plan_due, "previous_plan.overdue": previous_plan_overdue}
)


@functools.cache
def fact_catalogue(
    model: type[Questionnaire] = Questionnaire, declarations: Declarations = NO_DECLARATIONS
) -> Mapping[str, FactSpec]:
    """Every fact a questionnaire of `model` can produce, by name (built once a rulebook;
    read-only): the answers' facts, then the derived facts the packs declare (a rulebook's
    `declarations`, the base pack's first). Without declarations, the answers' facts alone."""
    catalogue = {spec.name: spec for spec in answer_facts(model)}
    factors = number_factors(model)
    for fact in declarations.all:
        # A declared name that is a fact already is refused by `rules check`; never replaced.
        catalogue.setdefault(fact.name, _declared_spec(fact, declarations, factors))
    return types.MappingProxyType(catalogue)


def _declared_spec(
    fact: DeclaredFact, declarations: Declarations, factors: Mapping[str, tuple[str, ...]]
) -> FactSpec:
    values: tuple[str, ...] = ()
    sources = declarations.derived_from(fact)
    if fact.type in ("enum", "set") and len(sources) == 1:
        # A pivot's or lowest factors' values: the factors of its score's section.
        values = factors.get(sources[0], ())
    return FactSpec(
        name=fact.name,
        type=fact.type,
        values=values,
        description=fact.spec.description,
        derived_from=sources,
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
def _answer_plan(model: type[Questionnaire]) -> tuple[tuple[str, tuple[_Question, ...]], ...]:
    """What derive_facts reads of a questionnaire model's answers, worked out once a model (a
    rulebook's questionnaire is built once, so a portfolio's accounts share one plan)."""
    facts = {spec.name for spec in answer_facts(model)}
    plan = []
    for section, section_model in sections_of(model).items():
        questions = []
        for name, field in section_model.model_fields.items():
            path = f"{section}.{name}"
            questions.append(
                _Question(
                    name=name,
                    path=path,
                    is_fact=path in facts,
                    may_be_open=path != "account.name",
                    unanswered=UnansweredQuestion(path=path, question=field.description or ""),
                )
            )
        plan.append((section, tuple(questions)))
    return tuple(plan)


def derive_facts(
    questionnaire: Questionnaire, plan: DerivationPlan, assessment_date: date | None = None
) -> AccountFacts:
    """The account's facts: its answers, and the facts the rulebook's declarations derive from
    them (`plan`, built once a rulebook)."""
    values: dict[str, FactValue] = {}
    open_questions: list[_Question] = []
    for section, questions in _answer_plan(type(questionnaire)):
        answers = getattr(questionnaire, section).__dict__
        for question in questions:
            value = answers[question.name]
            if value is None:
                if question.may_be_open:
                    open_questions.append(question)
            elif question.is_fact:
                values[question.path] = sorted(value) if isinstance(value, list) else value
    as_of = questionnaire.account.assessment_date or assessment_date
    given = plan.apply(questionnaire, values, as_of)
    stands_in = plan.stands_in
    # A score the factors already give is no open question.
    unanswered = [q.unanswered for q in open_questions if stands_in.get(q.path) not in values]
    if questionnaire.contacts is None:
        unanswered.append(
            UnansweredQuestion(path="contacts", question="The people we know at the customer.")
        )
    else:
        for index, contact in enumerate(questionnaire.contacts):
            for field_name in ("level", "decision_role"):
                if getattr(contact, field_name) is None:
                    described = Contact.model_fields[field_name].description or ""
                    unanswered.append(
                        UnansweredQuestion(
                            path=f"contacts[{index}].{field_name}", question=described
                        )
                    )
    if questionnaire.previous_plan is not None:
        unanswered.extend(_previous_plan_unanswered(questionnaire.previous_plan))
    # Built from validated answers only: checking the values again would cost more than
    # deriving them (a portfolio derives thousands of accounts).
    return AccountFacts.model_construct(
        values=dict(sorted(values.items())),
        unanswered=unanswered,
        given=given,
    )


OPEN_STATUSES: tuple[ActionStatus, ...] = ("not_started", "in_progress")


def action_due_on(began: date | None, action: PreviousAction) -> date | None:
    """The date an action of the previous plan was due by, where the answers give it."""
    if began is None or action.due_day is None:
        return None
    return began + timedelta(days=action.due_day)


def _due_actions(plan: PreviousPlan | None, as_of: date | None) -> list[PreviousAction] | None:
    """The previous plan's actions due by `as_of`; None when the answers do not tell."""
    if plan is None or plan.actions is None or as_of is None or plan.began is None:
        return None
    # An action without a due day is not known to be due: it counts towards neither figure.
    return [
        action
        for action in plan.actions
        if (on := action_due_on(plan.began, action)) is not None and on <= as_of
    ]


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
