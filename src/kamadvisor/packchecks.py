"""Checks of the layered pack: one function per problem code.

Every check runs at load and by `rules check` (both build the rulebook through rulebook.py).
Rule checks look at one rule of the layered pack; pack checks at the pack as a whole. None reads a
file: what layering.py merged is all they see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from kamadvisor.conditions import Condition, ConditionContext, ParamRef, iter_tests, shape_issues
from kamadvisor.conditions import parse_condition as parse_when
from kamadvisor.derivations import (
    Arithmetic,
    BuiltIn,
    Count,
    DaysBetween,
    Declarations,
    DeclaredFact,
    Distinct,
    OfScore,
    WeightedScore,
    cycle_members,
)
from kamadvisor.errors import Problem
from kamadvisor.facts import BUILT_INS, FactSpec, answer_facts, fact_catalogue, fact_type
from kamadvisor.layering import Entry, Layered
from kamadvisor.packmodel import (
    MEMO_PARAMETERS,
    RENDER_PARAMETERS,
    PackManifest,
    ParamName,
    Rule,
    RuleSpec,
    weights_mismatches,
)
from kamadvisor.packs import PathKey, located
from kamadvisor.questionnaire import (
    Contact,
    PreviousAction,
    Questionnaire,
    TeamMember,
)
from kamadvisor.questions import sections_of
from kamadvisor.snippets import check_snippet
from kamadvisor.sourcefile import SourceDocument
from kamadvisor.typeinfo import literal_values, unwrap_optional
from kamadvisor.validation import did_you_mean


@dataclass(frozen=True)
class RuleSite:
    """A rule of the layered pack, with the merged manifest and the rules around it."""

    entry: Entry
    layered: Layered
    manifest: PackManifest

    @property
    def spec(self) -> RuleSpec:
        return self.entry.spec

    @property
    def document(self) -> SourceDocument:
        return self.entry.raw.document

    @property
    def base(self) -> PathKey:
        return self.entry.raw.base

    def problem(self, key: PathKey, message: str, code: str, severity: str = "error") -> Problem:
        return located(self.document, (*self.base, *key), message, code, severity)


def _pairs(produced: dict[str, str | list[str]] | None) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in (produced or {}).items()
        for value in ([values] if isinstance(values, str) else values)
    ]


def _produced(spec: RuleSpec) -> Iterator[tuple[str, str, str]]:
    """(key, concluded fact, value) for what the rule concludes, signals and rules out."""
    for key in ("conclude", "signal", "rules_out"):
        for name, value in _pairs(getattr(spec, key)):
            yield key, name, value


def check_unknown_theme(site: RuleSite) -> list[Problem]:
    themes = list(site.manifest.themes)
    if site.spec.theme in themes:
        return []
    message = (
        f"unknown theme '{site.spec.theme}'{did_you_mean(site.spec.theme, themes)}; "
        f"expected one of: {', '.join(themes)}"
    )
    return [site.problem(("theme",), message, "unknown-theme")]


def check_unknown_conclusion(site: RuleSite) -> list[Problem]:
    conclusions = list(site.manifest.conclusions)
    problems = [
        site.problem(
            (key, name),
            f"unknown concluded fact '{name}'{did_you_mean(name, conclusions)}; declare it under "
            "'conclusions' in pack.yaml",
            "unknown-conclusion",
        )
        for key, name, _value in _produced(site.spec)
        if name not in site.manifest.conclusions
    ]
    problems.extend(
        site.problem(
            ("casts_doubt_on", index),
            f"unknown concluded fact '{name}'{did_you_mean(name, conclusions)}",
            "unknown-conclusion",
        )
        for index, name in enumerate(site.spec.casts_doubt_on)
        if name not in site.manifest.conclusions
    )
    return problems


def check_value(site: RuleSite) -> list[Problem]:
    """Concluded values are declared values; a signal's list holds adjacent values."""
    problems: list[Problem] = []
    for key, name, value in _produced(site.spec):
        declared = site.manifest.conclusions.get(name)
        if declared is not None and value not in declared.values:
            message = (
                f"'{value}' is not a value of '{name}'{did_you_mean(value, list(declared.values))}"
                f"; expected one of: {', '.join(declared.values)}"
            )
            problems.append(site.problem((key, name), message, "value"))
    for name, values in (site.spec.signal or {}).items():
        declared_values = (
            list(site.manifest.conclusions[name].values)
            if name in site.manifest.conclusions
            else []
        )
        if isinstance(values, list) and all(v in declared_values for v in values):
            positions = sorted(declared_values.index(v) for v in values)
            if not values or positions != list(range(positions[0], positions[0] + len(values))):
                message = "a signal's values must be adjacent values of the placement"
                problems.append(site.problem(("signal", name), message, "value"))
    return problems


def check_unknown_param(site: RuleSite) -> list[Problem]:
    """A weight names a number parameter."""
    weight = site.spec.weight
    if not isinstance(weight, ParamName) or _is_number_parameter(site.manifest, weight.param):
        return []
    message = (
        f"unknown number parameter '{weight.param}'"
        f"{did_you_mean(weight.param, list(site.manifest.parameters))}"
    )
    return [site.problem(("weight",), message, "unknown-param")]


def _is_number_parameter(manifest: PackManifest, name: str) -> bool:
    declared = manifest.parameters.get(name)
    return declared is not None and declared.type != "weights"


def check_no_effect(site: RuleSite) -> list[Problem]:
    spec = site.spec
    problems: list[Problem] = []
    if spec.weight is not None and spec.signal is None:
        problems.append(site.problem(("weight",), "'weight' weighs a signal", "no-effect"))
    effects = (spec.conclude, spec.signal, spec.rules_out, spec.advice)
    if all(effect is None for effect in effects):
        message = "a rule must conclude, signal or advise something"
        problems.append(site.problem((), message, "no-effect"))
    return problems


def check_missing_source(site: RuleSite) -> list[Problem]:
    """The base pack must cite; a house pack is warned."""
    if site.spec.source is not None:
        return []
    message = f"rule '{site.spec.id}' has no source: cite the paper and a short quote"
    severity = "error" if site.entry.is_base else "warning"
    return [site.problem((), message, "missing-source", severity)]


def check_unknown_rule(site: RuleSite) -> list[Problem]:
    """Subsumed rules exist (or existed before a pack disabled them)."""
    known = site.layered.entries
    return [
        site.problem(
            ("subsumes", index),
            f"subsumes unknown rule '{rule_id}'{did_you_mean(rule_id, list(known))}",
            "unknown-rule",
        )
        for index, rule_id in enumerate(site.spec.subsumes)
        if rule_id not in known and rule_id not in site.layered.disabled
    ]


RULE_CHECKS: tuple[Callable[[RuleSite], list[Problem]], ...] = (
    check_unknown_theme,
    check_unknown_conclusion,
    check_value,
    check_unknown_param,
    check_no_effect,
    check_missing_source,
    check_unknown_rule,
)


def check_advice(site: RuleSite, context: ConditionContext, always: bool) -> list[Problem]:
    """Advice and action texts parse and name what advice can see. House packs' texts are
    third-party input: always checked. The bundled base pack's are checked when `always` (by
    `rules check` and its test), not on every start-up."""
    if site.entry.is_base and not always:
        return []
    texts = [("advice", site.spec.advice), *(("actions", a.what) for a in site.spec.actions)]
    return [
        problem
        for key, text in texts
        if text is not None
        for problem in check_snippet(
            text, site.document, (*site.base, key), context.facts, site.spec.scope
        )
    ]


def check_condition(
    site: RuleSite, context: ConditionContext
) -> tuple[Condition | None, list[Problem]]:
    """The rule's `when`, parsed; its problems are the condition language's own codes."""
    context.issues.clear()
    condition = parse_when(site.spec.when, (*site.base, "when"), context)
    if condition is not None:
        context.issues.extend(shape_issues(condition))
    problems = [
        located(site.document, issue.path, issue.message, issue.code) for issue in context.issues
    ]
    context.issues.clear()
    return condition, problems


def check_cause_themes(layered: Layered) -> list[Problem]:
    """unknown-theme: a cause groups themes declared by its pack or an earlier one."""
    problems: list[Problem] = []
    themes: dict[str, None] = {}
    for layer in layered.manifests:
        themes.update(dict.fromkeys(layer.manifest.themes))
        for name, cause in layer.manifest.causes.items():
            problems.extend(
                located(
                    layer.document,
                    ("causes", name, "themes", index),
                    f"unknown theme '{theme}'{did_you_mean(theme, list(themes))}",
                    "unknown-theme",
                )
                for index, theme in enumerate(cause.themes)
                if theme not in themes
            )
    return problems


def check_evidence_params(layered: Layered) -> list[Problem]:
    """unknown-param: a placement's evidence thresholds name number parameters."""
    manifest = layered.manifest
    if manifest is None:
        return []
    where = layered.packs[0].directory + "/pack.yaml" if layered.packs else "pack.yaml"
    problems: list[Problem] = []
    for name, spec in manifest.conclusions.items():
        if spec.evidence is None:
            continue
        for key in ("min_support", "straddle_margin", "clear_margin"):
            ref: ParamName = getattr(spec.evidence, key)
            if not _is_number_parameter(manifest, ref.param):
                message = (
                    f"unknown number parameter '{ref.param}'"
                    f"{did_you_mean(ref.param, list(manifest.parameters))}"
                )
                path = f"conclusions.{name}.evidence.{key}"
                problems.append(Problem(where, None, None, path, message, code="unknown-param"))
    return problems


def check_conflicts(layered: Layered) -> list[Problem]:
    """unknown-rule: declared conflicts name known rules."""
    return [
        located(
            entry.raw.document,
            (*entry.raw.base, "conflicts_with", index),
            f"conflicts with unknown rule '{other}'{did_you_mean(other, list(layered.entries))}",
            "unknown-rule",
        )
        for entry in layered.entries.values()
        for index, other in enumerate(entry.spec.conflicts_with)
        if other not in layered.entries and other not in layered.disabled
    ]


def check_unused_param(
    layered: Layered, rules: list[Rule], derived: tuple[DeclaredFact, ...] = ()
) -> list[Problem]:
    """unused-param (a warning): every declared parameter is read by something (a rule, or a
    derived fact's weights, coverage or cut-off)."""
    manifest = layered.manifest
    if manifest is None:
        return []
    used = _used_parameters(manifest, rules)
    used.update(name for fact in derived for name in fact.parameters)
    return [
        located(
            layered.parameter_documents[name],
            ("parameters", name),
            f"parameter '{name}' is declared but no rule uses it",
            "unused-param",
            "warning",
        )
        for name in manifest.parameters
        if name not in used
    ]


def _used_parameters(manifest: PackManifest, rules: list[Rule]) -> set[str]:
    used: set[str] = set(RENDER_PARAMETERS | MEMO_PARAMETERS)
    for spec in manifest.conclusions.values():
        if spec.evidence is not None:
            evidence = spec.evidence
            refs = (evidence.min_support, evidence.straddle_margin, evidence.clear_margin)
            used.update(ref.param for ref in refs)
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
    return used


# The record each list a count may read holds.
_RECORDS: dict[str, type[BaseModel]] = {
    "contacts": Contact,
    "team.members": TeamMember,
    "previous_plan.actions": PreviousAction,
}
_NUMBERS = ("number", "integer")


def check_weights_params(layered: Layered, model: type[Questionnaire]) -> list[Problem]:
    """unknown-section, weights-mismatch: a weights parameter names a section of the
    questionnaire, and its weights (as finally set) are that section's number questions, the base's
    or those a house pack added."""
    manifest = layered.manifest
    if manifest is None:
        return []
    sections = sections_of(model)
    problems: list[Problem] = []
    for name, parameter in manifest.parameters.items():
        if parameter.type != "weights":
            continue
        document = layered.parameter_documents[name]
        section = parameter.weights_of or ""
        if section not in sections:
            message = (
                f"'{section}' is not a section of the questionnaire"
                f"{did_you_mean(section, list(sections))}"
            )
            problems.append(
                located(document, ("parameters", name, "weights_of"), message, "unknown-section")
            )
            continue
        problems.extend(_weights_mismatch(layered, model, name, section, document))
    return problems


def _weights_mismatch(
    layered: Layered,
    model: type[Questionnaire],
    parameter: str,
    section: str,
    document: SourceDocument,
) -> list[Problem]:
    weights = layered.parameter_values.get(parameter)
    where: tuple[str, ...] = ("parameters", parameter, "default")
    # The weights as finally set: by the last pack's settings, if any set them.
    for layer in layered.manifests:
        if parameter in layer.manifest.settings:
            document, where = layer.document, ("settings", parameter)
    return [
        located(document, (*where, key), message, "weights-mismatch")
        for key, message in weights_mismatches(
            section, weights if isinstance(weights, dict) else {}, model
        )
    ]


def check_derived(
    layered: Layered, model: type[Questionnaire], declarations: Declarations
) -> list[Problem]:
    """The derived facts the packs declare read what exists: fact-redeclared (a name already a
    fact), unknown-section, unknown-param, weights-mismatch, unknown-fact, fact-type and
    derived-cycle (facts that read themselves)."""
    existing = {spec.name for spec in answer_facts(model)}
    existing.update(fact.name for fact in declarations.base)
    checker = _DerivedChecker(layered, model, declarations)
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, fact in enumerate(declarations.all):
        is_base = index < len(declarations.base)
        if fact.name in seen or (not is_base and fact.name in existing):
            earlier = "an earlier pack's derived fact" if fact.name in seen else "a fact already"
            message = (
                f"'{fact.name}' is {earlier}; name the derived fact otherwise (rules reading "
                "the existing one would misread it)"
            )
            problems.append(
                located(fact.document, ("derived", fact.name), message, "fact-redeclared")
            )
        if not is_base:
            seen.add(fact.name)
        problems.extend(checker.problems(fact))
    problems.extend(
        located(
            fact.document,
            ("derived", fact.name, "of"),
            f"'{fact.name}' is derived, through the facts it reads, from itself",
            "derived-cycle",
        )
        for fact in cycle_members(declarations.all)
    )
    return problems


@dataclass(frozen=True)
class _DerivedChecker:
    """What a declared fact reads, checked against the questionnaire, the catalogue and the
    pack's parameters."""

    layered: Layered
    model: type[Questionnaire]
    declarations: Declarations

    def problems(self, fact: DeclaredFact) -> list[Problem]:
        spec = fact.spec
        if isinstance(spec, WeightedScore):
            return self._weighted_score(fact, spec)
        if isinstance(spec, OfScore):
            return self._of_score(fact, spec)
        if isinstance(spec, Count):
            return _count_problems(self._catalogue(), fact, spec)
        if isinstance(spec, Distinct):
            return _distinct_problems(fact, spec)
        if isinstance(spec, DaysBetween):
            return self._dates(fact, spec)
        if isinstance(spec, BuiltIn):
            return _built_in_problems(fact)
        return self._numbers(fact, spec)

    def _catalogue(self) -> Mapping[str, FactSpec]:
        return fact_catalogue(self.model, self.declarations)

    def _numbers(self, fact: DeclaredFact, spec: Arithmetic) -> list[Problem]:
        catalogue = self._catalogue()
        problems: list[Problem] = []
        for index, name in enumerate(spec.of):
            where = ("derived", fact.name, "of", index)
            known = catalogue.get(name)
            if known is None:
                message = f"unknown fact '{name}'{did_you_mean(name, list(catalogue))}"
                problems.append(located(fact.document, where, message, "unknown-fact"))
            elif known.type not in _NUMBERS:
                message = f"'{name}' is {_a(known.type)} fact; a {spec.derivation} reads numbers"
                problems.append(located(fact.document, where, message, "fact-type"))
        return problems

    def _question_problem(
        self, fact: DeclaredFact, key: tuple[str | int, ...], path: str, kinds: tuple[str, ...]
    ) -> list[Problem]:
        """A `given` or a date operand names a question of one of the `kinds`."""
        section, _, name = path.partition(".")
        sections = sections_of(self.model)
        field = sections[section].model_fields.get(name) if section in sections else None
        questions = [f"{s}.{n}" for s, m in sections.items() for n in m.model_fields]
        where = ("derived", fact.name, *key)
        if field is None:
            message = f"'{path}' is not a question{did_you_mean(path, questions)}"
            return [located(fact.document, where, message, "unknown-fact")]
        kind = (fact_type(field.annotation) or ("text", ()))[0]
        if kind not in kinds:
            message = f"'{path}' is {_a(kind)} question; expected {_a(' or '.join(kinds))} question"
            return [located(fact.document, where, message, "fact-type")]
        return []

    def _weighted_score(self, fact: DeclaredFact, spec: WeightedScore) -> list[Problem]:
        sections = list(sections_of(self.model))
        base = ("derived", fact.name)
        if spec.section not in sections:
            message = (
                f"'{spec.section}' is not a section of the questionnaire"
                f"{did_you_mean(spec.section, sections)}"
            )
            return [located(fact.document, (*base, "section"), message, "unknown-section")]
        manifest = self.layered.manifest
        parameters = manifest.parameters if manifest is not None else {}
        parameter = parameters.get(spec.weights)
        if parameter is None or parameter.type != "weights":
            names = [n for n, p in parameters.items() if p.type == "weights"]
            message = (
                f"unknown weights parameter '{spec.weights}'{did_you_mean(spec.weights, names)}; "
                "declare it in pack.yaml with type: weights and weights_of: the section"
            )
            return [located(fact.document, (*base, "weights"), message, "unknown-param")]
        if parameter.weights_of != spec.section:
            message = (
                f"parameter '{spec.weights}' weights {parameter.weights_of}, not {spec.section}"
            )
            return [located(fact.document, (*base, "weights"), message, "weights-mismatch")]
        problems: list[Problem] = []
        for key in ("coverage", "cutoff"):
            name = getattr(spec, key)
            if name is not None and getattr(parameters.get(name), "type", None) not in _NUMBERS:
                numbers = [n for n, p in parameters.items() if p.type in _NUMBERS]
                message = f"unknown number parameter '{name}'{did_you_mean(name, numbers)}"
                problems.append(located(fact.document, (*base, key), message, "unknown-param"))
        if spec.given is not None:
            problems.extend(self._question_problem(fact, ("given",), spec.given, _NUMBERS))
        return problems

    def _of_score(self, fact: DeclaredFact, spec: OfScore) -> list[Problem]:
        score = self.declarations.by_name.get(spec.of)
        if (
            score is not None
            and isinstance(score.spec, WeightedScore)
            and score.spec.cutoff is not None
        ):
            return []
        scores = [
            f.name
            for f in self.declarations.all
            if isinstance(f.spec, WeightedScore) and f.spec.cutoff is not None
        ]
        message = (
            f"'{spec.of}' is not a weighted score with a cutoff{did_you_mean(spec.of, scores)}"
        )
        return [located(fact.document, ("derived", fact.name, "of"), message, "unknown-fact")]

    def _dates(self, fact: DeclaredFact, spec: DaysBetween) -> list[Problem]:
        return [
            problem
            for index, path in enumerate(spec.of)
            for problem in self._question_problem(fact, ("of", index), path, ("date",))
        ]


def _count_problems(
    catalogue: Mapping[str, FactSpec], fact: DeclaredFact, spec: Count
) -> list[Problem]:
    base = ("derived", fact.name)
    record = _RECORDS.get(spec.of)
    if record is not None:
        if spec.within is not None:
            message = f"'in' counts the values of a list answer; {spec.of} is a list of records: use 'where'"
            return [located(fact.document, (*base, "in"), message, "schema")]
        clauses: list[tuple[tuple[str | int, ...], Mapping[str, Any]]] = [(("where",), spec.where)]
        clauses += [(("any", index), option) for index, option in enumerate(spec.any_of)]
        return [
            problem
            for key, clause in clauses
            for problem in _where_problems(fact, record, spec.of, key, clause)
        ]
    known = catalogue.get(spec.of)
    if known is None or known.type != "set":
        lists = [*_RECORDS, *(n for n, s in catalogue.items() if s.type == "set")]
        message = (
            f"'{spec.of}' is not a list of records or a list answer{did_you_mean(spec.of, lists)}"
        )
        return [located(fact.document, (*base, "of"), message, "unknown-fact")]
    if spec.where or spec.any_of:
        key = "where" if spec.where else "any"
        message = f"'{key}' matches fields of records; {spec.of} is a list answer: use 'in'"
        return [located(fact.document, (*base, key), message, "schema")]
    return [
        located(
            fact.document,
            (*base, "in", index),
            f"'{value}' is not a value of {spec.of}{did_you_mean(value, list(known.values))}",
            "value",
        )
        for index, value in enumerate(spec.within or [])
        if value not in known.values
    ]


def _distinct_problems(fact: DeclaredFact, spec: Distinct) -> list[Problem]:
    base = ("derived", fact.name)
    record = _RECORDS.get(spec.of)
    if record is None:
        message = f"'{spec.of}' is not a list of records{did_you_mean(spec.of, list(_RECORDS))}"
        return [located(fact.document, (*base, "of"), message, "unknown-fact")]
    fields = list(record.model_fields)
    if spec.field not in fields:
        message = f"'{spec.field}' is not a field of {spec.of}{did_you_mean(spec.field, fields)}"
        return [located(fact.document, (*base, "field"), message, "unknown-fact")]
    return []


def _built_in_problems(fact: DeclaredFact) -> list[Problem]:
    if fact.name in BUILT_INS:
        return []
    message = (
        f"'{fact.name}' is no fact the Python derives{did_you_mean(fact.name, list(BUILT_INS))}; "
        f"built_in declares one of: {', '.join(BUILT_INS)}"
    )
    return [located(fact.document, ("derived", fact.name), message, "unknown-fact")]


def _where_problems(
    fact: DeclaredFact,
    record: type[BaseModel],
    of: str,
    key: tuple[str | int, ...],
    clause: Mapping[str, Any],
) -> list[Problem]:
    problems: list[Problem] = []
    fields = record.model_fields
    for name, accepted in clause.items():
        where = ("derived", fact.name, *key, name)
        if name not in fields:
            message = f"'{name}' is not a field of {of}{did_you_mean(name, list(fields))}"
            problems.append(located(fact.document, where, message, "unknown-fact"))
            continue
        allowed = literal_values(unwrap_optional(fields[name].annotation))
        values = accepted if isinstance(accepted, list) else [accepted]
        problems.extend(
            located(
                fact.document,
                where,
                f"'{value}' is not a value of {of}'s {name}{did_you_mean(str(value), list(allowed))}",
                "value",
            )
            for value in values
            if allowed and value is not None and value not in allowed
        )
    return problems


def _a(word: str) -> str:
    """The word with its indefinite article: an enum, a number."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"
