"""The rule pack's vocabulary: the models a pack's YAML is validated into, and the effective
rulebook they layer into (rulebook.py builds it, step by step)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kamadvisor.conditions import Condition, FactTest, ParamRef, iter_tests, number_problem
from kamadvisor.derivations import NO_DECLARATIONS, Declarations, DerivationPlan, build_plan
from kamadvisor.errors import InputError, Problem
from kamadvisor.facts import BUILT_INS, FactSpec, fact_catalogue, number_factors
from kamadvisor.questionnaire import Questionnaire
from kamadvisor.validation import describe, did_you_mean

ParameterValue = float | int | dict[str, float]
Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
# Parameters the renderer reads.
RENDER_PARAMETERS = frozenset({"render_time_limit_seconds", "matrix_dot_limit"})
# Parameters the memo reads (the 90-day plan's workload cap and review rhythm).
MEMO_PARAMETERS = frozenset({"max_actions_per_owner", "review_cadence_days"})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Theme(Strict):
    title: str = Field(min_length=1)
    order: int = 100


class Parameter(Strict):
    """A named, typed threshold of the pack. `weights` parameters weight a questionnaire section."""

    # A NaN weight would make every score NaN and reach the JSON output as invalid `NaN`.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["number", "integer", "weights"]
    default: float | int | dict[str, float]
    description: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None
    weights_of: str | None = None
    source: str | None = None

    @field_validator("default", mode="before")
    @classmethod
    def _no_yes_no_weights(cls, value: Any) -> Any:
        if isinstance(value, dict) and any(isinstance(w, bool) for w in value.values()):
            raise ValueError("a weight is a number, not a yes/no answer")
        return value

    @model_validator(mode="after")
    def _default_fits(self) -> Parameter:
        if self.type == "weights":
            if not isinstance(self.default, dict) or not self.weights_of:
                raise ValueError(
                    "a weights parameter needs 'weights_of' (a questionnaire section) and a mapping default"
                )
            # The factors are checked with the packs' questions (packchecks.py, with_parameters).
            total = sum(self.default.values())
            if abs(total - 100) > 0.01 or any(weight < 0 for weight in self.default.values()):
                raise ValueError(f"weights must be >= 0 and sum to 100; they sum to {total:g}")
        else:
            if isinstance(self.default, dict | bool):
                raise ValueError(f"the default of a {self.type} parameter must be a number")
            problem = number_problem(self.default)
            if problem is not None:
                raise ValueError(problem)
            if self.type == "integer" and not float(self.default).is_integer():
                raise ValueError("the default of an integer parameter must be a whole number")
            if self.min is not None and self.default < self.min:
                raise ValueError(f"default {self.default} is below min {self.min}")
            if self.max is not None and self.default > self.max:
                raise ValueError(f"default {self.default} is above max {self.max}")
        return self


class ParamName(Strict):
    """A reference to a number parameter of the pack: `{param: NAME}`."""

    param: str = Field(min_length=1)


class EvidenceSpec(Strict):
    """How a single-valued conclusion is placed by the weight of its signals (see placement.py)."""

    min_support: ParamName = Field(
        description="Least weight of evidence for a value before the account is placed at all."
    )
    straddle_margin: ParamName = Field(
        description="Two adjacent values whose net evidence is at most this far apart: the "
        "relationship straddles them."
    )
    clear_margin: ParamName = Field(
        description="Lead over the next value at and above which the placement is held with "
        "high confidence."
    )


class ConclusionSpec(Strict):
    """A fact the rules may conclude. `single`: one value per account, the most salient rule wins."""

    description: str = Field(min_length=1)
    single: bool = False
    values: dict[str, str] = Field(min_length=1)
    evidence: EvidenceSpec | None = Field(
        None,
        description="Placed by the weight of evidence of its signals, less the values rules rule "
        "out; rules read the result with `{placed: NAME, eq: VALUE}`.",
    )


class ActionSpec(Strict):
    """A concrete step for the 90-day action list."""

    what: str = Field(min_length=1, description="The action, a Jinja snippet like the advice.")
    owner: str = Field(min_length=1, description="Who does it, by role (e.g. key account manager).")
    due_day: int = Field(ge=1, le=90, description="By which day of the 90-day plan.")


class CauseSpec(Strict):
    """A root cause: the themes whose findings it groups, how progress on it is measured, and
    the first step when no finding under it carries an action."""

    title: str = Field(min_length=1)
    themes: list[str] = Field(min_length=1)
    order: int = 100
    measure: str = Field(
        min_length=1, description="What a 30-day review checks (a Jinja snippet like advice)."
    )
    target: str = Field(
        min_length=1, description="The point to reach by day 90 (a Jinja snippet like advice)."
    )
    first_step: ActionSpec


class RoleSpec(Strict):
    """An owner of actions. Decisions belong to leadership ("Don't expect sales managers or
    account managers to do this themselves"); the rest is the account team's work."""

    decides: bool = False
    named_by: Literal["kam.name", "team.executive_sponsor_name"] | None = None


class PackManifest(Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    version: str = Field(min_length=1)
    description: str = ""
    builds_on: list[str] = Field(
        default_factory=list, description="Names of the packs this one is layered over."
    )
    themes: dict[str, Theme] = Field(default_factory=dict)
    parameters: dict[str, Parameter] = Field(
        default_factory=dict, description="New parameters this pack declares."
    )
    settings: dict[str, Any] = Field(
        default_factory=dict, description="Values for parameters declared by this or earlier packs."
    )
    conclusions: dict[str, ConclusionSpec] = Field(default_factory=dict)
    disabled: list[str] = Field(default_factory=list, description="Rule ids switched off.")
    causes: dict[str, CauseSpec] = Field(
        default_factory=dict,
        description="Root causes the memo groups findings under, by theme; a later pack's cause "
        "of the same id replaces the earlier one.",
    )
    roles: dict[str, RoleSpec] = Field(
        default_factory=dict,
        description="Owners of actions, by the role name actions use: whether the role decides "
        "(leadership) and which answer names the person.",
    )
    references: dict[str, str] = Field(
        default_factory=dict,
        description="The full reference of each paper rules cite, by its short name.",
    )


class Source(Strict):
    paper: str = Field(min_length=1, description="The source's short name, e.g. 'Ilsley (SMCG)'.")
    quote: str = Field(min_length=1, description="A short quote of the guidance the rule encodes.")
    note: str | None = Field(
        None,
        description="Where the rule goes beyond the paper (a threshold, a combination), say so.",
    )


class RuleSpec(Strict):
    """A rule as written in YAML."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
    title: str = Field(min_length=1)
    theme: str
    severity: Severity = "info"
    salience: int = Field(
        100, ge=0, le=10000, description="Lower fires first and wins single conclusions."
    )
    replace: bool = Field(False, description="Replace the rule of this id from an earlier pack.")
    scope: Literal["account", "portfolio"] = Field(
        "account", description="What the rule looks at: one account, or the whole portfolio."
    )
    when: Any
    conclude: dict[str, str] | None = None
    signal: dict[str, str | list[str]] | None = Field(
        None,
        description="Evidence for a value of a placement; a list of adjacent values is evidence "
        "for each of them (the customer sees us as one of many in both early phases).",
    )
    weight: float | ParamName | None = Field(
        None,
        description="How decisive the signal is: a number or {param: NAME}; 1 when not given.",
    )
    limiting: bool = Field(
        False,
        description="The signal marks a limitation of its value (e.g. working alone): seen under a "
        "higher placement it contradicts it, where a capability of a lower value would not.",
    )
    given: bool = Field(
        False,
        description="The signal restates a value the assessor gave (a judgement, not evidence): it "
        "places only when no other signal of the placement is seen.",
    )
    rules_out: dict[str, str | list[str]] | None = Field(
        None,
        description='Values of a placement this rule excludes (the papers\' "always" conditions).',
    )
    casts_doubt_on: list[str] = Field(
        default_factory=list,
        description="Placements this rule's finding makes less certain (a borderline score).",
    )
    subsumes: list[str] = Field(
        default_factory=list,
        description="Rule ids whose findings state the same root cause as this one: when both "
        "fire, theirs become this finding's evidence.",
    )
    advice: str | None = None
    actions: list[ActionSpec] = Field(default_factory=list)
    source: Source | None = None
    conflicts_with: list[str] = Field(
        default_factory=list,
        description="Rule ids whose advice contradicts this rule's: the pack's cases and the "
        "examples are tested never to fire both.",
    )
    programme_level: bool = Field(
        False,
        description="A fact about the KAM programme rather than the account: reported in the "
        "portfolio report, left out of the account memo.",
    )


class Origin(BaseModel):
    model_config = ConfigDict(frozen=True)

    pack: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class Rule(BaseModel):
    """A validated rule with its parsed condition and where it was read from."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    spec: RuleSpec
    condition: Condition
    origin: Origin
    order: int
    replaced: Origin | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def reports(self) -> bool:
        """Rules with advice are findings; rules without only conclude or signal."""
        return self.spec.advice is not None

    def signal_values(self, name: str) -> tuple[str, ...]:
        return _values(self.spec.signal, name)

    def ruled_out(self, name: str) -> tuple[str, ...]:
        return _values(self.spec.rules_out, name)

    def referenced_facts(self) -> list[str]:
        names: list[str] = []
        for test in iter_tests(self.condition):
            if isinstance(test, FactTest) and test.fact not in names:
                names.append(test.fact)
        return names


class PackInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    version: str
    directory: str


class Rulebook(BaseModel):
    """The effective rules: packs layered in order, parameter values set, rules in order."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    manifest: PackManifest
    packs: list[PackInfo]
    parameter_values: dict[str, ParameterValue]
    rules: list[Rule]
    template_dirs: list[Path]
    disabled: dict[str, Origin] = Field(default_factory=dict)
    warnings: list[Problem] = Field(default_factory=list)
    portfolio_facts: dict[str, FactSpec] = Field(default_factory=dict)
    questionnaire: type[Questionnaire] = Field(
        default=Questionnaire,
        description="The questionnaire model: the base one with the packs' questions added.",
    )
    declarations: Declarations = Field(
        default=NO_DECLARATIONS,
        description="The derived facts the packs declare: the base pack's, then the houses'.",
    )

    def scoped(self, scope: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.spec.scope == scope]

    def catalogue(self, scope: str) -> Mapping[str, FactSpec]:
        if scope == "account":
            return fact_catalogue(self.questionnaire, self.declarations)
        return self.portfolio_facts

    def rules_by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def derivation_plan(self) -> DerivationPlan:
        """The declared derived facts ready to run with this rulebook's parameter values (build it
        once and derive every account with it)."""
        return build_plan(
            self.declarations,
            self.parameter_values,
            number_factors(self.questionnaire),
            BUILT_INS,
        )


def _values(produced: dict[str, str | list[str]] | None, name: str) -> tuple[str, ...]:
    value = (produced or {}).get(name)
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def signal_weight(rulebook: Rulebook, rule: Rule) -> float:
    """A signal's weight: its number, or the value of the parameter it names (1 when not given)."""
    weight = rule.spec.weight
    if weight is None:
        return 1.0
    if isinstance(weight, ParamName):
        return float(parameter_value(rulebook, ParamRef(weight.param)))
    return float(weight)


def with_parameters(rulebook: Rulebook, overrides: dict[str, Any], where: str = "") -> Rulebook:
    """A copy of the rulebook with parameters set; an unknown or ill-typed one is an error."""
    problems: list[Problem] = []
    values = dict(rulebook.parameter_values)
    declared = rulebook.manifest.parameters
    for name, value in overrides.items():
        spec = declared.get(name)
        if spec is None:
            problems.append(
                Problem(
                    where or "parameters",
                    message=f"unknown parameter '{name}'{did_you_mean(name, list(declared))}",
                )
            )
            continue
        try:
            values[name] = validated_setting(name, spec, value)
        except SettingRefused as refused:
            problems.append(Problem(where or "parameters", message=str(refused)))
            continue
        weights = values[name]
        if spec.type == "weights" and isinstance(weights, dict):
            problems.extend(
                Problem(where or "parameters", message=f"parameter {name}: {message}")
                for _key, message in weights_mismatches(
                    spec.weights_of or "", weights, rulebook.questionnaire
                )
            )
    if problems:
        raise InputError(problems)
    return rulebook.model_copy(update={"parameter_values": values})


def weights_mismatches(
    section: str, weights: Mapping[str, Any], model: type[Questionnaire]
) -> list[tuple[str, str]]:
    """Each weight that names no number question of the section it weighs (the base's, or one a
    house pack added), with why."""
    factors = number_factors(model).get(section, ())
    return [
        (
            key,
            f"'{key}' is not a number factor of {section}{did_you_mean(key, list(factors))}; "
            f"expected one of: {', '.join(factors) or '(none)'}",
        )
        for key in weights
        if key not in factors
    ]


class SettingRefused(ValueError):
    """Why a value cannot be the value of a parameter."""


def validated_setting(name: str, spec: Parameter, value: Any) -> ParameterValue:
    """`value` validated, once, as the value of parameter `name`; SettingRefused says why not."""
    problem = _setting_shape_problem(name, spec, value)
    if problem is not None:
        raise SettingRefused(problem)
    try:
        checked = Parameter.model_validate({**spec.model_dump(), "default": value})
    except ValidationError as error:
        raise SettingRefused(
            f"parameter {name}: "
            + "; ".join(
                dict.fromkeys(describe(detail) for detail in error.errors(include_url=False))
            )
        ) from None
    return checked.default


def _setting_shape_problem(name: str, spec: Parameter, value: Any) -> str | None:
    if spec.type == "weights":
        if not isinstance(value, dict):
            return f"parameter {name}: {value!r} is not a mapping of factor weights"
        for factor, weight in value.items():
            if not _is_finite_number(weight):
                return (
                    f"parameter {name}: the weight of {factor}, {weight!r}, is not a finite number"
                )
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if spec.type == "integer" and not (is_number and float(value).is_integer()):
        return f"parameter {name}: {value!r} is not an integer"
    if spec.type == "number" and not is_number:
        return f"parameter {name}: {value!r} is not a number"
    if not math.isfinite(value):
        return f"parameter {name}: {value!r} is not a finite number"
    low = spec.min if spec.min is not None else float("-inf")
    high = spec.max if spec.max is not None else float("inf")
    if not low <= value <= high:
        return (
            f"parameter {name}: {value!r} is outside {spec.min:g}..{spec.max:g}"
            if (spec.min is not None and spec.max is not None)
            else f"parameter {name}: {value!r} is out of range"
        )
    return None


def _is_finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parameter_value(rulebook: Rulebook, ref: ParamRef | str) -> float | int:
    """The value of a number parameter, by its reference in a condition or by its name."""
    name = ref if isinstance(ref, str) else ref.name
    value = rulebook.parameter_values[name]
    if isinstance(value, dict):
        raise TypeError(f"parameter {name} is a weights map, not a number")
    return value
