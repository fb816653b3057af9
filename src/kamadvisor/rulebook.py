"""The rulebook: rule packs validated into models and layered into one effective pack.

The bundled base pack comes first; each house pack given with `--rules` is layered over it in
order. A later pack adds rules, replaces a rule by id (it must say `replace: true`), disables rules
by id, declares new themes, parameters and conclusions, sets parameter values, and overrides
templates by file name. Every problem of every pack is collected and located, none is fatal alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kamadvisor.conditions import (
    Condition,
    ConditionContext,
    FactTest,
    ParamRef,
    iter_tests,
    number_problem,
    parse_condition,
    shape_issues,
)
from kamadvisor.errors import InputError, Problem, problem_order
from kamadvisor.facts import FactSpec, ScoreWeights, fact_catalogue
from kamadvisor.packs import PackSource, RawRule, located, read_pack
from kamadvisor.portfolio_facts import portfolio_catalogue
from kamadvisor.questionnaire import SECTION_MODELS, Questionnaire
from kamadvisor.questions import base_disagreements, declared_questions
from kamadvisor.sourcefile import MAX_INPUT_BYTES, SourceDocument, read_bounded
from kamadvisor.validation import describe, did_you_mean, problems_from

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
# Parameters the fact derivation reads (score weights); every other parameter is read by rules.
FACT_PARAMETERS = frozenset(
    {
        "attractiveness_weights",
        "business_strength_weights",
        "score_min_coverage_pct",
        "category_cutoff_attractiveness",
        "category_cutoff_strength",
    }
)
# Parameters the renderer reads.
RENDER_PARAMETERS = frozenset({"render_time_limit_seconds"})
# Parameters the memo reads (the 90-day plan's workload cap and review rhythm).
MEMO_PARAMETERS = frozenset({"max_actions_per_owner", "review_cadence_days"})
ADVICE_NAMES = {
    "account": frozenset({"account", "facts", "params", "concluded"}),
    "portfolio": frozenset({"facts", "params", "accounts"}),
}


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
    parameter_values: dict[str, float | int | dict[str, float]]
    rules: list[Rule]
    template_dirs: list[Path]
    disabled: dict[str, Origin] = Field(default_factory=dict)
    warnings: list[Problem] = Field(default_factory=list)
    portfolio_facts: dict[str, FactSpec] = Field(default_factory=dict)
    questionnaire: type[Questionnaire] = Field(
        default=Questionnaire,
        description="The questionnaire model: the base one with the packs' questions added.",
    )

    def scoped(self, scope: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.spec.scope == scope]

    def catalogue(self, scope: str) -> Mapping[str, FactSpec]:
        return fact_catalogue(self.questionnaire) if scope == "account" else self.portfolio_facts

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
            cutoff_attractiveness=float(
                _number(values.get("category_cutoff_attractiveness", 5.5), 5.5)
            ),
            cutoff_strength=float(_number(values.get("category_cutoff_strength", 5.5), 5.5)),
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


def _weights(value: Any) -> dict[str, float]:
    return dict(value) if isinstance(value, dict) else {}


def _number(value: Any, default: float = 50.0) -> float:
    return float(value) if isinstance(value, int | float) else default


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


def pack_directories(house_packs: list[Path] | tuple[Path, ...] = ()) -> list[Path]:
    """The base pack followed by the house packs. A directory holding the base pack itself (the
    installed copy, or `rules/` of a checkout, known by its manifest's name) takes the base's
    place instead of being layered over it."""
    base = base_pack_dir().resolve()
    base_name = _manifest_name(base)
    layered: list[Path] = []
    for pack in house_packs:
        if pack.resolve() == base or (base_name is not None and _manifest_name(pack) == base_name):
            base = pack
        else:
            layered.append(pack)
    return [base, *layered]


def _manifest_name(directory: Path) -> str | None:
    """The `name:` line of a pack's manifest, read without parsing the whole file (and, like every
    pack file, only when it is a regular file inside the pack)."""
    try:
        raw = read_bounded(directory / "pack.yaml", MAX_INPUT_BYTES, root=directory)
        text = raw.decode("utf-8")
    except (InputError, UnicodeDecodeError):
        return None
    found = re.search(r"^name:\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*$", text, re.MULTILINE)
    return found.group(1) if found else None


def load_rulebook(pack_dir: Path | None = None, house_packs: list[Path] | None = None) -> Rulebook:
    """The effective rulebook of the base pack (or `pack_dir` alone) with house packs over it."""
    directories = [pack_dir] if pack_dir is not None else pack_directories(house_packs or [])
    rulebook, problems = build_rulebook(directories)
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors or rulebook is None:
        raise InputError(errors)
    return rulebook


def build_rulebook(
    directories: list[Path], check_snippets: bool = False
) -> tuple[Rulebook | None, list[Problem]]:
    """Layer the packs in order; returns the rulebook (None when it cannot be built) and problems.

    House packs' advice and action texts are always parsed and checked; `check_snippets` checks
    the base pack's too (what `rules check` does)."""
    builder = _Builder(check_snippets)
    for index, directory in enumerate(directories):
        builder.add_pack(read_pack(directory), is_base=index == 0)
    return builder.finish()


class _Builder:
    def __init__(self, check_snippets: bool = False) -> None:
        self.check_snippets = check_snippets
        self.problems: list[Problem] = []
        self.manifest: PackManifest | None = None
        self.packs: list[PackInfo] = []
        self.parameter_values: dict[str, Any] = {}
        self.entries: dict[str, tuple[RuleSpec, RawRule, Origin, Origin | None, bool]] = {}
        self.disabled: dict[str, Origin] = {}
        self.template_dirs: list[Path] = []
        self.parameter_documents: dict[str, SourceDocument] = {}
        self.question_documents: list[SourceDocument] = []

    def add_pack(self, source: PackSource, is_base: bool) -> None:
        self.problems.extend(source.problems)
        if source.manifest is None:
            return
        manifest = self._manifest(source.manifest)
        if manifest is None:
            return
        self._merge_manifest(manifest, source.manifest, is_base)
        self.packs.append(
            PackInfo(name=manifest.name, version=manifest.version, directory=str(source.directory))
        )
        if source.template_dir is not None:
            self.template_dirs.insert(0, source.template_dir)
        if source.questions is not None and not is_base:
            self.question_documents.append(source.questions)
        elif source.questions is not None and self.check_snippets:
            # The base declaration and the typed model agree (checked by `rules check`).
            self.problems.extend(base_disagreements(source.questions))
        in_this_pack: dict[str, Origin] = {}
        for raw in source.rules:
            self._add_rule(raw, manifest.name, in_this_pack, is_base)
        for index, rule_id in enumerate(manifest.disabled):
            origin = Origin(
                pack=manifest.name,
                file=source.manifest.name,
                line=(source.manifest.locate(("disabled", index)) or (1, 1))[0],
            )
            if rule_id in self.entries:
                del self.entries[rule_id]
                self.disabled[rule_id] = origin
            else:
                self.problems.append(
                    located(
                        source.manifest,
                        ("disabled", index),
                        f"cannot disable '{rule_id}': no earlier rule has that id"
                        f"{did_you_mean(rule_id, list(self.entries))}",
                        "unknown-rule",
                    )
                )

    def _manifest(self, document: SourceDocument) -> PackManifest | None:
        if not isinstance(document.data, dict):
            self.problems.append(
                Problem(
                    document.name,
                    1,
                    1,
                    "",
                    "a pack manifest is a mapping with at least 'name' and 'version'",
                    code="schema",
                )
            )
            return None
        try:
            return PackManifest.model_validate(document.data)
        except ValidationError as error:
            self.problems.extend(problems_from(error, document, PackManifest, code="schema"))
            return None

    def _merge_manifest(
        self, manifest: PackManifest, document: SourceDocument, is_base: bool
    ) -> None:
        if self.manifest is None:
            merged = manifest.model_copy(update={"settings": {}, "disabled": []})
        else:
            merged = self.manifest
            known = [pack.name for pack in self.packs]
            for index, name in enumerate(manifest.builds_on):
                if name not in known:
                    self.problems.append(
                        located(
                            document,
                            ("builds_on", index),
                            f"builds on '{name}', which is not layered before it "
                            f"(layered: {', '.join(known)})",
                            "builds-on",
                        )
                    )
            for key in ("parameters", "conclusions"):
                for name in getattr(manifest, key):
                    if name in getattr(merged, key):
                        self.problems.append(
                            located(
                                document,
                                (key, name),
                                f"'{name}' is already declared by an earlier pack"
                                + (
                                    "; set its value under 'settings'"
                                    if key == "parameters"
                                    else ""
                                ),
                                "redeclared",
                            )
                        )
            merged = merged.model_copy(
                update={
                    "themes": {**merged.themes, **manifest.themes},
                    "parameters": {**manifest.parameters, **merged.parameters},
                    "conclusions": {**manifest.conclusions, **merged.conclusions},
                    "causes": {**merged.causes, **manifest.causes},
                    "roles": {**merged.roles, **manifest.roles},
                    "references": {**merged.references, **manifest.references},
                    "name": manifest.name,
                    "version": manifest.version,
                    "description": manifest.description,
                }
            )
        for name, declared in manifest.parameters.items():
            self.parameter_values.setdefault(name, declared.default)
            self.parameter_documents.setdefault(name, document)
        for name, value in manifest.settings.items():
            spec = merged.parameters.get(name)
            if spec is None:
                self.problems.append(
                    located(
                        document,
                        ("settings", name),
                        f"unknown parameter '{name}'{did_you_mean(name, list(merged.parameters))}",
                        "unknown-param",
                    )
                )
                continue
            problem = setting_problem(name, spec, value)
            if problem is not None:
                self.problems.append(located(document, ("settings", name), problem, "param-type"))
                continue
            checked = Parameter.model_validate({**spec.model_dump(), "default": value})
            self.parameter_values[name] = checked.default
        for name, cause in manifest.causes.items():
            for index, theme in enumerate(cause.themes):
                if theme not in merged.themes:
                    self.problems.append(
                        located(
                            document,
                            ("causes", name, "themes", index),
                            f"unknown theme '{theme}'{did_you_mean(theme, list(merged.themes))}",
                            "unknown-theme",
                        )
                    )
        self.manifest = merged

    def _add_rule(
        self, raw: RawRule, pack: str, in_this_pack: dict[str, Origin], is_base: bool
    ) -> None:
        try:
            spec = RuleSpec.model_validate(raw.data)
        except ValidationError as error:
            self.problems.extend(
                problems_from(error, raw.document, RuleSpec, raw.base, code="schema")
            )
            return
        origin = Origin(pack=pack, file=raw.document.name, line=raw.line)
        if spec.id in in_this_pack:
            self.problems.append(
                located(
                    raw.document,
                    (*raw.base, "id"),
                    f"duplicate rule id '{spec.id}' (first defined at {in_this_pack[spec.id]})",
                    "duplicate-id",
                )
            )
            return
        in_this_pack[spec.id] = origin
        earlier = self.entries.get(spec.id)
        if earlier is not None and not spec.replace:
            self.problems.append(
                located(
                    raw.document,
                    (*raw.base, "id"),
                    f"rule '{spec.id}' is already defined at {earlier[2]}; add 'replace: true' "
                    "to replace it",
                    "duplicate-id",
                )
            )
            return
        if earlier is None and spec.replace:
            self.problems.append(
                located(
                    raw.document,
                    (*raw.base, "replace"),
                    f"'{spec.id}' replaces nothing: no earlier pack defines it"
                    f"{did_you_mean(spec.id, list(self.entries))}",
                    "unknown-rule",
                )
            )
            return
        replaced = earlier[2] if earlier is not None else None
        self.entries[spec.id] = (spec, raw, origin, replaced, is_base)

    def finish(self) -> tuple[Rulebook | None, list[Problem]]:
        if self.manifest is None:
            return None, _sorted(self.problems)
        manifest = self.manifest
        questionnaire, question_problems = declared_questions(self.question_documents)
        self.problems.extend(question_problems)
        portfolio_facts = portfolio_catalogue(
            {name: list(spec.values) for name, spec in manifest.conclusions.items() if spec.single},
            # Disabled rules keep their count (always 0), so portfolio rules that read it still load.
            [
                spec.id
                for spec, *_ in self.entries.values()
                if spec.scope == "account" and spec.advice is not None
            ]
            + sorted(self.disabled),
        )
        contexts = {
            scope: ConditionContext(
                facts=facts,
                conclusions={
                    name: tuple(spec.values) for name, spec in manifest.conclusions.items()
                },
                parameters={name: spec.type for name, spec in manifest.parameters.items()},
                placed=frozenset(
                    name
                    for name, spec in manifest.conclusions.items()
                    if spec.single and spec.evidence is not None
                ),
            )
            for scope, facts in (
                ("account", fact_catalogue(questionnaire)),
                ("portfolio", portfolio_facts),
            )
        }
        self._check_evidence_specs(manifest)
        rules: list[Rule] = []
        for spec, raw, origin, replaced, is_base in self.entries.values():
            context = contexts[spec.scope]
            rule = self._validate_rule(spec, raw, origin, replaced, is_base, manifest, context)
            if rule is not None:
                rules.append(rule.model_copy(update={"order": len(rules)}))
        self._check_parameter_use(rules, manifest)
        self._check_memo_references(manifest)
        rulebook = Rulebook(
            manifest=manifest,
            packs=self.packs,
            parameter_values=self.parameter_values,
            rules=rules,
            template_dirs=self.template_dirs,
            disabled=self.disabled,
            portfolio_facts=portfolio_facts,
            questionnaire=questionnaire,
        )
        problems = _sorted(self.problems)
        warnings = [problem for problem in problems if problem.severity == "warning"]
        return rulebook.model_copy(update={"warnings": warnings}), problems

    def _validate_rule(
        self,
        spec: RuleSpec,
        raw: RawRule,
        origin: Origin,
        replaced: Origin | None,
        is_base: bool,
        manifest: PackManifest,
        context: ConditionContext,
    ) -> Rule | None:
        document, base = raw.document, raw.base
        problems: list[Problem] = []
        if spec.theme not in manifest.themes:
            themes = list(manifest.themes)
            problems.append(
                located(
                    document,
                    (*base, "theme"),
                    f"unknown theme '{spec.theme}'{did_you_mean(spec.theme, themes)}; "
                    f"expected one of: {', '.join(themes)}",
                    "unknown-theme",
                )
            )
        for key in ("conclude", "signal", "rules_out"):
            produced: dict[str, str | list[str]] | None = getattr(spec, key)
            for name, value in _pairs(produced):
                declared = manifest.conclusions.get(name)
                if declared is None:
                    problems.append(
                        located(
                            document,
                            (*base, key, name),
                            f"unknown concluded fact '{name}'"
                            f"{did_you_mean(name, list(manifest.conclusions))}; declare it under "
                            "'conclusions' in pack.yaml",
                            "unknown-conclusion",
                        )
                    )
                elif value not in declared.values:
                    problems.append(
                        located(
                            document,
                            (*base, key, name),
                            f"'{value}' is not a value of '{name}'"
                            f"{did_you_mean(value, list(declared.values))}; expected one of: "
                            f"{', '.join(declared.values)}",
                            "value",
                        )
                    )
        problems.extend(self._effect_problems(spec, document, base, manifest))
        if (
            spec.conclude is None
            and spec.signal is None
            and spec.rules_out is None
            and spec.advice is None
        ):
            problems.append(
                located(
                    document, base, "a rule must conclude, signal or advise something", "no-effect"
                )
            )
        if spec.source is None:
            problems.append(
                located(
                    document,
                    base,
                    f"rule '{spec.id}' has no source: cite the paper and a short quote",
                    "missing-source",
                    "error" if is_base else "warning",
                )
            )
        for key, text in [("advice", spec.advice)] + [
            (f"actions[{i}].what", action.what) for i, action in enumerate(spec.actions)
        ]:
            # House packs' texts are third-party input: always checked. The bundled base pack's
            # are checked by `rules check` (and its test), not on every start-up.
            if text is not None and (self.check_snippets or not is_base):
                problems.extend(
                    _check_snippet(
                        text, document, (*base, key.split("[")[0]), context.facts, spec.scope
                    )
                )
        context.issues.clear()
        condition = parse_condition(spec.when, (*base, "when"), context)
        if condition is not None:
            context.issues.extend(shape_issues(condition))
        problems.extend(
            located(document, issue.path, issue.message, issue.code) for issue in context.issues
        )
        context.issues.clear()
        self.problems.extend(problems)
        if condition is None or any(p.severity == "error" for p in problems):
            return None
        return Rule(spec=spec, condition=condition, origin=origin, order=0, replaced=replaced)

    def _check_evidence_specs(self, manifest: PackManifest) -> None:
        for name, spec in manifest.conclusions.items():
            if spec.evidence is None:
                continue
            for key in ("min_support", "straddle_margin", "clear_margin"):
                ref: ParamName = getattr(spec.evidence, key)
                declared = manifest.parameters.get(ref.param)
                if declared is None or declared.type == "weights":
                    self.problems.append(
                        Problem(
                            self.packs[0].directory + "/pack.yaml" if self.packs else "pack.yaml",
                            None,
                            None,
                            f"conclusions.{name}.evidence.{key}",
                            f"unknown number parameter '{ref.param}'"
                            f"{did_you_mean(ref.param, list(manifest.parameters))}",
                            code="unknown-param",
                        )
                    )

    def _effect_problems(
        self,
        spec: RuleSpec,
        document: SourceDocument,
        base: tuple[str | int, ...],
        manifest: PackManifest,
    ) -> list[Problem]:
        """Weights name number parameters; signal lists are adjacent values; named placements
        and rules exist."""
        problems: list[Problem] = []
        if isinstance(spec.weight, ParamName):
            declared = manifest.parameters.get(spec.weight.param)
            if declared is None or declared.type == "weights":
                problems.append(
                    located(
                        document,
                        (*base, "weight"),
                        f"unknown number parameter '{spec.weight.param}'"
                        f"{did_you_mean(spec.weight.param, list(manifest.parameters))}",
                        "unknown-param",
                    )
                )
        if spec.weight is not None and spec.signal is None:
            problems.append(
                located(document, (*base, "weight"), "'weight' weighs a signal", "no-effect")
            )
        for name, values in (spec.signal or {}).items():
            declared_values = (
                list(manifest.conclusions[name].values) if name in manifest.conclusions else []
            )
            if isinstance(values, list) and all(v in declared_values for v in values):
                positions = sorted(declared_values.index(v) for v in values)
                if not values or positions != list(range(positions[0], positions[0] + len(values))):
                    problems.append(
                        located(
                            document,
                            (*base, "signal", name),
                            "a signal's values must be adjacent values of the placement",
                            "value",
                        )
                    )
        for index, name in enumerate(spec.casts_doubt_on):
            if name not in manifest.conclusions:
                problems.append(
                    located(
                        document,
                        (*base, "casts_doubt_on", index),
                        f"unknown concluded fact '{name}'"
                        f"{did_you_mean(name, list(manifest.conclusions))}",
                        "unknown-conclusion",
                    )
                )
        for index, rule_id in enumerate(spec.subsumes):
            if rule_id not in self.entries and rule_id not in self.disabled:
                problems.append(
                    located(
                        document,
                        (*base, "subsumes", index),
                        f"subsumes unknown rule '{rule_id}'{did_you_mean(rule_id, list(self.entries))}",
                        "unknown-rule",
                    )
                )
        return problems

    def _check_memo_references(self, manifest: PackManifest) -> None:
        """Declared conflicts name known rules."""
        for spec, raw, *_ in self.entries.values():
            for index, other in enumerate(spec.conflicts_with):
                if other not in self.entries and other not in self.disabled:
                    self.problems.append(
                        located(
                            raw.document,
                            (*raw.base, "conflicts_with", index),
                            f"conflicts with unknown rule '{other}'"
                            f"{did_you_mean(other, list(self.entries))}",
                            "unknown-rule",
                        )
                    )

    def _check_parameter_use(self, rules: list[Rule], manifest: PackManifest) -> None:
        used: set[str] = set(FACT_PARAMETERS | RENDER_PARAMETERS | MEMO_PARAMETERS)
        for spec in manifest.conclusions.values():
            if spec.evidence is not None:
                used.update(
                    ref.param
                    for ref in (
                        spec.evidence.min_support,
                        spec.evidence.straddle_margin,
                        spec.evidence.clear_margin,
                    )
                )
        for rule in rules:
            if isinstance(rule.spec.weight, ParamName):
                used.add(rule.spec.weight.param)
            for test in iter_tests(rule.condition):
                for operand in (getattr(test, "value", None), getattr(test, "at_least", None)):
                    if isinstance(operand, ParamRef):
                        used.add(operand.name)
            for text in [rule.spec.advice or "", *(a.what for a in rule.spec.actions)]:
                if "params" in text:
                    used.update(name for name in manifest.parameters if name in text)
        for name in manifest.parameters:
            if name not in used:
                self.problems.append(
                    located(
                        self.parameter_documents[name],
                        ("parameters", name),
                        f"parameter '{name}' is declared but no rule uses it",
                        "unused-param",
                        "warning",
                    )
                )


def _pairs(produced: dict[str, str | list[str]] | None) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in (produced or {}).items()
        for value in ([values] if isinstance(values, str) else values)
    ]


def _check_snippet(
    text: str,
    document: SourceDocument,
    path: tuple[str | int, ...],
    catalogue: Mapping[str, FactSpec],
    scope: str,
) -> list[Problem]:
    """An advice or action snippet must parse and name only what advice can see."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    from kamadvisor.bounds import private_reads
    from kamadvisor.sandbox import ADVICE_ENVIRONMENT

    try:
        tree = ADVICE_ENVIRONMENT.parse(text)
    except TemplateSyntaxError as error:
        return [
            located(document, path, f"does not parse as Jinja: {error.message}", "advice-syntax")
        ]
    unsafe = sorted({name for name, _line in private_reads(tree)})
    if unsafe:
        return [
            located(
                document,
                path,
                f"reads private attribute '{unsafe[0]}': refused by the sandbox",
                "unsafe-template",
            )
        ]
    if any(
        True for _ in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))
    ):
        return [
            located(
                document,
                path,
                "advice cannot include, import or extend templates",
                "unsafe-template",
            )
        ]
    names = ADVICE_NAMES[scope]
    unknown = sorted(meta.find_undeclared_variables(tree) - names)
    problems = [
        located(
            document,
            path,
            f"names unknown variable '{name}'{did_you_mean(name, sorted(names))}; "
            f"advice can use: {', '.join(sorted(names))}",
            "advice-name",
        )
        for name in unknown
    ]
    for fact in _fact_paths(tree):
        if fact not in catalogue and not any(name.startswith(f"{fact}.") for name in catalogue):
            problems.append(
                located(
                    document,
                    path,
                    f"names unknown fact 'facts.{fact}'{did_you_mean(fact, list(catalogue))}",
                    "unknown-fact",
                )
            )
    return problems


def _fact_paths(tree: Any) -> list[str]:
    """Dotted names read under `facts.` in a template, e.g. `scores.attractiveness`."""
    from jinja2 import nodes

    found: list[str] = []
    for node in tree.find_all(nodes.Getattr):
        parts: list[str] = []
        current: Any = node
        while isinstance(current, nodes.Getattr):
            parts.append(current.attr)
            current = current.node
        if isinstance(current, nodes.Name) and current.name == "facts":
            path = ".".join(reversed(parts))
            if not any(other.startswith(f"{path}.") for other in found):
                found = [other for other in found if not path.startswith(f"{other}.")]
                found.append(path)
    return found


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems), key=problem_order)


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
        problem = setting_problem(name, spec, value)
        if problem is not None:
            problems.append(Problem(where or "parameters", message=problem))
            continue
        values[name] = Parameter.model_validate({**spec.model_dump(), "default": value}).default
    if problems:
        raise InputError(problems)
    return rulebook.model_copy(update={"parameter_values": values})


def setting_problem(name: str, spec: Parameter, value: Any) -> str | None:
    """Why `value` cannot be the value of parameter `name`, or None when it can."""
    if spec.type == "weights":
        if not isinstance(value, dict):
            return f"parameter {name}: {value!r} is not a mapping of factor weights"
        for factor, weight in value.items():
            if not _is_finite_number(weight):
                return (
                    f"parameter {name}: the weight of {factor}, {weight!r}, is not a finite number"
                )
    else:
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
    try:
        Parameter.model_validate({**spec.model_dump(), "default": value})
    except ValidationError as error:
        return f"parameter {name}: " + "; ".join(
            dict.fromkeys(describe(detail) for detail in error.errors(include_url=False))
        )
    return None


def _is_finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parameter_value(rulebook: Rulebook, ref: ParamRef) -> float | int:
    value = rulebook.parameter_values[ref.name]
    if isinstance(value, dict):
        raise TypeError(f"parameter {ref.name} is a weights map, not a number")
    return value
