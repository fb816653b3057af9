"""The rulebook: rule packs read, layered, checked and built into one effective pack, in steps.

1. reading (packs.py): each pack's files, located, nothing outside the pack;
2. layering (layering.py): the base pack first, each house pack given with `--rules` over it in
   order, merged into one manifest and one set of rule entries;
3. checks (packchecks.py, snippets.py): one function per problem code, over the layered pack;
4. building (here): rules with parsed conditions, in order, with the fact catalogues they read.

Where packs and bundled templates are is resources.py; the models are packmodel.py. Every
problem of every pack is collected and located, none is fatal alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kamadvisor.conditions import ConditionContext
from kamadvisor.derivations import Declarations, DeclaredFact, declared_facts, read_declarations
from kamadvisor.errors import InputError, Problem, problem_order
from kamadvisor.facts import FactSpec, fact_catalogue
from kamadvisor.layering import Entry, Layered, layer
from kamadvisor.packchecks import (
    RULE_CHECKS,
    RuleSite,
    check_advice,
    check_cause_themes,
    check_condition,
    check_conflicts,
    check_derived,
    check_evidence_params,
    check_unused_param,
    check_weights_params,
)
from kamadvisor.packmodel import (
    SEVERITY_ORDER,
    ActionSpec,
    PackManifest,
    Rule,
    Rulebook,
    Severity,
    Strict,
    parameter_value,
    signal_weight,
    with_parameters,
)
from kamadvisor.packs import read_pack
from kamadvisor.portfolio_facts import portfolio_catalogue
from kamadvisor.questionnaire import Questionnaire
from kamadvisor.questionnaire_codegen import model_problems
from kamadvisor.questions import declared_questions
from kamadvisor.resources import base_pack_dir, pack_directories, resource_dir

# The models and helpers callers have always imported from here.
__all__ = [
    "SEVERITY_ORDER",
    "ActionSpec",
    "Rule",
    "Rulebook",
    "Severity",
    "Strict",
    "base_pack_dir",
    "build_rulebook",
    "load_rulebook",
    "pack_directories",
    "parameter_value",
    "resource_dir",
    "signal_weight",
    "with_parameters",
]


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
    """Read, layer and check the packs in order; returns the rulebook (None when it cannot be
    built) and every problem.

    House packs' advice and action texts are always parsed and checked; `check_snippets` checks
    the base pack's too (what `rules check` does)."""
    layered = layer([read_pack(directory) for directory in directories])
    if layered.manifest is None:
        return None, _sorted(layered.problems)
    manifest = layered.manifest
    questionnaire, problems = declared_questions(layered.question_documents)
    declarations = _declarations(layered, questionnaire, problems)
    if check_snippets and layered.base_questions is not None:
        # The base declaration is sound and the typed model is generated from it.
        problems.extend(model_problems(layered.base_questions))
    portfolio_facts = _portfolio_facts(layered, manifest)
    contexts = {
        scope: _condition_context(manifest, facts)
        for scope, facts in (
            ("account", fact_catalogue(questionnaire, declarations)),
            ("portfolio", portfolio_facts),
        )
    }
    problems.extend(
        [*layered.problems, *check_cause_themes(layered), *check_evidence_params(layered)]
    )
    rules: list[Rule] = []
    for entry in layered.entries.values():
        site = RuleSite(entry, layered, manifest)
        rule = _built_rule(site, contexts[entry.spec.scope], check_snippets, problems)
        if rule is not None:
            rules.append(rule.model_copy(update={"order": len(rules)}))
    problems.extend(check_weights_params(layered, questionnaire))
    problems.extend(check_derived(layered, questionnaire, declarations))
    problems.extend(check_unused_param(layered, rules, declarations.all))
    problems.extend(check_conflicts(layered))
    rulebook = Rulebook(
        manifest=manifest,
        packs=layered.packs,
        parameter_values=layered.parameter_values,
        rules=rules,
        template_dirs=layered.template_dirs,
        disabled=layered.disabled,
        portfolio_facts=portfolio_facts,
        questionnaire=questionnaire,
        declarations=declarations,
    )
    problems = _sorted(problems)
    warnings = [problem for problem in problems if problem.severity == "warning"]
    return rulebook.model_copy(update={"warnings": warnings}), problems


def _declarations(
    layered: Layered, questionnaire: type[Questionnaire], problems: list[Problem]
) -> Declarations:
    """The derived facts the packs declare: the base pack's (at the end of its questionnaire.yaml),
    then the house packs' (read with their questions); the problems of the base's are added."""
    base: tuple[DeclaredFact, ...] = ()
    if layered.base_questions is not None:
        base, found = read_declarations(layered.base_questions)
        problems.extend(found)
    return Declarations(base, declared_facts(questionnaire))


def _portfolio_facts(layered: Layered, manifest: PackManifest) -> dict[str, FactSpec]:
    return portfolio_catalogue(
        {name: list(spec.values) for name, spec in manifest.conclusions.items() if spec.single},
        # Disabled rules keep their count (always 0), so portfolio rules that read it still load.
        [
            entry.spec.id
            for entry in layered.entries.values()
            if entry.spec.scope == "account" and entry.spec.advice is not None
        ]
        + sorted(layered.disabled),
    )


def _condition_context(manifest: PackManifest, facts: Mapping[str, FactSpec]) -> ConditionContext:
    return ConditionContext(
        facts=facts,
        conclusions={name: tuple(spec.values) for name, spec in manifest.conclusions.items()},
        parameters={name: spec.type for name, spec in manifest.parameters.items()},
        placed=frozenset(
            name
            for name, spec in manifest.conclusions.items()
            if spec.single and spec.evidence is not None
        ),
    )


def _built_rule(
    site: RuleSite, context: ConditionContext, check_snippets: bool, problems: list[Problem]
) -> Rule | None:
    """The rule, when every check passes; its problems are added to `problems`."""
    found = [problem for check in RULE_CHECKS for problem in check(site)]
    found.extend(check_advice(site, context, always=check_snippets))
    condition, condition_problems = check_condition(site, context)
    found.extend(condition_problems)
    problems.extend(found)
    if condition is None or any(problem.severity == "error" for problem in found):
        return None
    entry: Entry = site.entry
    return Rule(
        spec=entry.spec, condition=condition, origin=entry.origin, order=0, replaced=entry.replaced
    )


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems), key=problem_order)
