"""The rulebook: a rule pack read from YAML, validated into models, every problem located.

A pack is a directory: `pack.yaml` (name, version, themes, typed parameters, declared
conclusions) and rule files `*.yaml`, each holding `rules: [...]`. Test cases live under
`tests/` and are not rules.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kamadvisor.conditions import (
    Condition,
    ConditionContext,
    FactTest,
    ParamRef,
    did_you_mean,
    iter_tests,
    parse_condition,
    shape_issues,
)
from kamadvisor.errors import InputError, Problem
from kamadvisor.facts import ScoreWeights, fact_catalogue
from kamadvisor.questionnaire import SECTION_MODELS
from kamadvisor.sourcefile import SourceDocument, load_document, render_path

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
MANIFEST = "pack.yaml"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Theme(Strict):
    title: str = Field(min_length=1)
    order: int = 100


class Parameter(Strict):
    """A named, typed threshold of the pack. `weights` parameters weight a questionnaire section."""

    type: Literal["number", "integer", "weights"]
    default: float | int | dict[str, float]
    description: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None
    weights_of: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _default_fits(self) -> Parameter:
        if self.type == "weights":
            if not isinstance(self.default, dict) or self.weights_of not in SECTION_MODELS:
                raise ValueError(
                    "a weights parameter needs 'weights_of' (a questionnaire section) and a mapping default"
                )
            factors = list(SECTION_MODELS[self.weights_of].model_fields)
            for factor in self.default:
                if factor not in factors:
                    raise ValueError(
                        f"'{factor}' is not a factor of {self.weights_of}{did_you_mean(factor, factors)}"
                    )
            total = sum(self.default.values())
            if abs(total - 100) > 0.01 or any(weight < 0 for weight in self.default.values()):
                raise ValueError(f"weights must be >= 0 and sum to 100; they sum to {total:g}")
        else:
            if isinstance(self.default, dict | bool):
                raise ValueError(f"the default of a {self.type} parameter must be a number")
            if self.type == "integer" and not float(self.default).is_integer():
                raise ValueError("the default of an integer parameter must be a whole number")
            if self.min is not None and self.default < self.min:
                raise ValueError(f"default {self.default} is below min {self.min}")
            if self.max is not None and self.default > self.max:
                raise ValueError(f"default {self.default} is above max {self.max}")
        return self


class ConclusionSpec(Strict):
    """A fact the rules may conclude. `single`: one value per account, the most salient rule wins."""

    description: str = Field(min_length=1)
    single: bool = False
    values: dict[str, str] = Field(min_length=1)


class PackManifest(Strict):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str = ""
    themes: dict[str, Theme] = Field(default_factory=dict)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    conclusions: dict[str, ConclusionSpec] = Field(default_factory=dict)


class Source(Strict):
    paper: str = Field(min_length=1, description="The source's short name, e.g. 'Ilsley (SMCG)'.")
    quote: str = Field(min_length=1, description="A short quote of the guidance the rule encodes.")
    note: str | None = Field(
        None,
        description="Where the rule goes beyond the paper (a threshold, a combination), say so.",
    )


class ActionSpec(Strict):
    """A concrete step for the 90-day action list."""

    what: str = Field(min_length=1, description="The action, a Jinja snippet like the advice.")
    owner: str = Field(min_length=1, description="Who does it, by role (e.g. key account manager).")
    due_day: int = Field(ge=1, le=90, description="By which day of the 90-day plan.")


class RuleSpec(Strict):
    """A rule as written in YAML."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
    title: str = Field(min_length=1)
    theme: str
    severity: Severity = "info"
    salience: int = Field(
        100, ge=0, le=10000, description="Lower fires first and wins single conclusions."
    )
    when: Any
    conclude: dict[str, str] | None = None
    signal: dict[str, str] | None = None
    advice: str | None = None
    actions: list[ActionSpec] = Field(default_factory=list)
    source: Source


class Origin(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    line: int


class Rule(BaseModel):
    """A validated rule with its parsed condition and where it was read from."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    spec: RuleSpec
    condition: Condition
    origin: Origin
    order: int

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def reports(self) -> bool:
        """Rules with advice are findings; rules without only conclude or signal."""
        return self.spec.advice is not None

    def referenced_facts(self) -> list[str]:
        names: list[str] = []
        for test in iter_tests(self.condition):
            if isinstance(test, FactTest) and test.fact not in names:
                names.append(test.fact)
        return names


class Rulebook(BaseModel):
    """An effective rule pack: manifest, parameter values, rules in definition order."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    manifest: PackManifest
    parameter_values: dict[str, float | int | dict[str, float]]
    rules: list[Rule]
    template_dirs: list[Path]

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def score_weights(self) -> ScoreWeights:
        values = self.parameter_values
        return ScoreWeights(
            attractiveness=_weights(values.get("attractiveness_weights")),
            business_strength=_weights(values.get("business_strength_weights")),
            min_coverage_pct=float(_number(values.get("score_min_coverage_pct", 50.0))),
        )


def _weights(value: Any) -> dict[str, float]:
    return dict(value) if isinstance(value, dict) else {}


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 50.0


def resource_dir(name: str) -> Path:
    """A bundled directory (`rules`, `templates`): in the installed package, or the checkout."""
    packaged = Path(str(resources.files("kamadvisor"))) / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"bundled '{name}' directory not found (is kamadvisor installed?)")


def base_pack_dir() -> Path:
    return resource_dir("rules")


def load_rulebook(pack_dir: Path | None = None) -> Rulebook:
    """Load and validate a pack (the bundled base pack by default); all problems at once."""
    directory = pack_dir or base_pack_dir()
    problems: list[Problem] = []
    manifest = _load_manifest(directory, problems)
    if manifest is None:
        raise InputError(problems)
    parameter_types = {
        name: ("weights" if spec.type == "weights" else spec.type)
        for name, spec in manifest.parameters.items()
    }
    context = ConditionContext(
        facts=fact_catalogue(),
        conclusions={name: tuple(spec.values) for name, spec in manifest.conclusions.items()},
        parameters=parameter_types,
    )
    rules: list[Rule] = []
    seen: dict[str, Origin] = {}
    for rule_file in sorted(directory.glob("*.yaml")):
        if rule_file.name == MANIFEST:
            continue
        for rule in _load_rule_file(rule_file, manifest, context, problems):
            if rule.id in seen:
                first = seen[rule.id]
                problems.append(
                    Problem(
                        rule.origin.file,
                        rule.origin.line,
                        None,
                        "id",
                        f"duplicate rule id '{rule.id}' "
                        f"(first defined at {first.file}:{first.line})",
                    )
                )
                continue
            seen[rule.id] = rule.origin
            rules.append(rule.model_copy(update={"order": len(rules)}))
    if problems:
        raise InputError(problems)
    template_dir = directory / "templates"
    return Rulebook(
        manifest=manifest,
        parameter_values={name: spec.default for name, spec in manifest.parameters.items()},
        rules=rules,
        template_dirs=[template_dir] if template_dir.is_dir() else [],
    )


def _load_manifest(directory: Path, problems: list[Problem]) -> PackManifest | None:
    path = directory / MANIFEST
    if not directory.is_dir():
        problems.append(Problem(str(directory), message="rule pack directory not found"))
        return None
    if not path.is_file():
        problems.append(Problem(str(path), message="a rule pack needs a pack.yaml manifest"))
        return None
    try:
        document = load_document(str(path))
    except InputError as error:
        problems.extend(error.problems)
        return None
    try:
        return PackManifest.model_validate(document.data)
    except ValidationError as error:
        problems.extend(_located(error, document, ()))
        return None


def _load_rule_file(
    path: Path, manifest: PackManifest, context: ConditionContext, problems: list[Problem]
) -> list[Rule]:
    try:
        document = load_document(str(path))
    except InputError as error:
        problems.extend(error.problems)
        return []
    data = document.data
    if not isinstance(data, dict) or set(data) != {"rules"} or not isinstance(data["rules"], list):
        problems.append(
            Problem(document.name, 1, 1, message="a rule file holds one key, 'rules', with a list")
        )
        return []
    rules: list[Rule] = []
    for index, raw in enumerate(data["rules"]):
        base: tuple[str | int, ...] = ("rules", index)
        line = (document.locate(base) or (1, 1))[0]
        try:
            spec = RuleSpec.model_validate(raw)
        except ValidationError as error:
            problems.extend(_located(error, document, base))
            continue
        rule_problems = _check_rule(spec, manifest, context, document, base)
        problems.extend(rule_problems)
        context.issues.clear()
        condition = parse_condition(spec.when, (*base, "when"), context)
        if condition is not None:
            context.issues.extend(shape_issues(condition))
        condition_problems = [
            _at(document, issue.path, f"{issue.message} [{issue.code}]") for issue in context.issues
        ]
        context.issues.clear()
        problems.extend(condition_problems)
        if condition is None or rule_problems or condition_problems:
            continue
        rules.append(
            Rule(
                spec=spec,
                condition=condition,
                origin=Origin(file=document.name, line=line),
                order=0,
            )
        )
    return rules


def _check_rule(
    spec: RuleSpec,
    manifest: PackManifest,
    context: ConditionContext,
    document: SourceDocument,
    base: tuple[str | int, ...],
) -> list[Problem]:
    problems: list[Problem] = []
    if spec.theme not in manifest.themes:
        themes = list(manifest.themes)
        problems.append(
            _at(
                document,
                (*base, "theme"),
                f"unknown theme '{spec.theme}'"
                f"{did_you_mean(spec.theme, themes)}; expected one of: {', '.join(themes)}",
            )
        )
    for key in ("conclude", "signal"):
        produced: dict[str, str] | None = getattr(spec, key)
        for name, value in (produced or {}).items():
            declared = manifest.conclusions.get(name)
            if declared is None:
                problems.append(
                    _at(
                        document,
                        (*base, key, name),
                        f"unknown concluded fact '{name}'"
                        f"{did_you_mean(name, list(manifest.conclusions))}",
                    )
                )
            elif value not in declared.values:
                problems.append(
                    _at(
                        document,
                        (*base, key, name),
                        f"'{value}' is not a value of '{name}'"
                        f"{did_you_mean(value, list(declared.values))}; expected one of: "
                        f"{', '.join(declared.values)}",
                    )
                )
    if spec.conclude is None and spec.signal is None and spec.advice is None:
        problems.append(_at(document, base, "a rule must conclude, signal or advise something"))
    return problems


def _at(document: SourceDocument, path: tuple[str | int, ...], message: str) -> Problem:
    line, column = document.locate(path) or (None, None)
    return Problem(document.name, line, column, render_path(path), message)


def _located(
    error: ValidationError, document: SourceDocument, base: tuple[str | int, ...]
) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        location = (
            *base,
            *(part for part in detail["loc"] if not str(part).startswith("function-")),
        )
        message = str(detail["msg"]).removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message = f"unknown key '{location[-1]}'"
        elif detail["type"] == "missing":
            message = "is required but missing"
        problems.append(_at(document, location, message))
    return problems


def parameter_value(rulebook: Rulebook, ref: ParamRef) -> float | int:
    value = rulebook.parameter_values[ref.name]
    if isinstance(value, dict):
        raise TypeError(f"parameter {ref.name} is a weights map, not a number")
    return value


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
            checked = Parameter.model_validate({**spec.model_dump(), "default": value})
        except ValidationError as error:
            reason = "; ".join(str(d["msg"]).removeprefix("Value error, ") for d in error.errors())
            problems.append(Problem(where or "parameters", message=f"parameter '{name}': {reason}"))
            continue
        values[name] = checked.default
    if problems:
        raise InputError(problems)
    return rulebook.model_copy(update={"parameter_values": values})
