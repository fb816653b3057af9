"""`rules check`: every problem of a pack layered over the base, at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from kamadvisor.compiler import compile_rulebook
from kamadvisor.diagnosis import nested, render_advice
from kamadvisor.errors import InputError, Problem, problem_order
from kamadvisor.facts import FactSpec
from kamadvisor.portfolio import SUMMARY_FACTS
from kamadvisor.rulebook import Rulebook, build_rulebook, pack_directories, resource_dir
from kamadvisor.snippets import as_check, template_problems
from kamadvisor.sourcefile import SourceDocument


def check_pack(pack_dir: Path) -> list[Problem]:
    """Problems of `pack_dir` layered over the base pack (the base alone when it is the base)."""
    rulebook, problems = build_rulebook(pack_directories([pack_dir]), check_snippets=True)
    problems.extend(template_problems(pack_dir, resource_dir("templates")))
    if rulebook is not None and not any(p.severity == "error" for p in problems):
        try:
            compile_rulebook(rulebook)
        except InputError as error:
            problems.extend(error.problems)
    if rulebook is not None and not any(p.severity == "error" for p in problems):
        problems.extend(_render_problems(rulebook))
    return sorted(set(problems), key=problem_order)


# A sample account for rendering a pack's texts and templates at check time: every limit a real
# account would meet is met here too, so a text that hangs or explodes is caught before use.
SAMPLE_ANSWERS: dict[str, Any] = {
    "account": {
        "name": "Sample Account Ltd",
        "id": "SAMPLE-1",
        "industry": "Sample industry",
        "assessor": "Sample assessor",
        "assessment_date": "2026-01-15",
        "nominated_key_account": True,
    },
    "economics": {
        "annual_revenue": 1_250_000,
        "gross_margin_pct": 18.5,
        "cost_to_serve": 210_000,
        "revenue_growth_pct": 4.0,
    },
    "attractiveness": {"spend_potential": 8, "growth_potential": 7, "profit_potential": 6},
    "business_strength": {"product_quality": 7, "price": 5, "relationship": 4},
    "relationship": {
        "customer_view": "one_of_many",
        "team_model": "individual",
        "buying_behaviour": "price_driven",
    },
    "kam": {"targets": ["monthly_volume"]},
}


def _sample_value(spec: FactSpec) -> Any:
    if spec.type == "boolean":
        return True
    if spec.type == "integer":
        return 3
    if spec.type == "number":
        return 42.5
    if spec.type == "date":
        return "2026-01-15"
    if spec.type == "set":
        return list(spec.values[:2])
    return spec.values[0] if spec.values else "sample"


def _snippet_context(rulebook: Rulebook, scope: str) -> dict[str, Any]:
    facts = {name: _sample_value(spec) for name, spec in rulebook.catalogue(scope).items()}
    params = dict(rulebook.parameter_values)
    if scope == "portfolio":
        account_facts = rulebook.catalogue("account")
        singles = [spec for spec in rulebook.manifest.conclusions.values() if spec.single]
        # One sample account per value of the longest scale: every placement occurs at least once.
        count = max((len(spec.values) for spec in singles), default=1)
        accounts = [
            {
                "name": f"Sample Account {number + 1}",
                "id": f"SAMPLE-{number + 1}",
                "placements": {
                    name: list(spec.values)[number % len(spec.values)]
                    for name, spec in rulebook.manifest.conclusions.items()
                    if spec.single
                },
                "fired": [rule.id for rule in rulebook.scoped("account")[number : number + 3]],
                "facts": nested(
                    {
                        name: _sample_value(account_facts[name])
                        for name in SUMMARY_FACTS
                        if name in account_facts
                    }
                ),
            }
            for number in range(count)
        ]
        return {"facts": nested(facts), "params": params, "accounts": accounts}
    concluded = {
        name: {"value": value, "label": label}
        for name, spec in rulebook.manifest.conclusions.items()
        for value, label in list(spec.values.items())[:1]
    }
    return {
        "account": SAMPLE_ANSWERS["account"],
        "facts": nested(facts),
        "params": params,
        "concluded": concluded,
    }


def _render_problems(rulebook: Rulebook) -> list[Problem]:
    """Render every advice and action text against a sample, and every memo and report
    template against a sample diagnosis, under the limits they meet in use."""
    problems: list[Problem] = []
    contexts = {scope: _snippet_context(rulebook, scope) for scope in ("account", "portfolio")}
    for rule in rulebook.rules:
        if rule.spec.advice is None:
            continue
        try:
            render_advice(rule, contexts[rule.spec.scope])
        except InputError as error:
            problems.extend(as_check(p, "advice-render") for p in error.problems)
    if problems:
        return problems
    problems.extend(_template_render_problems(rulebook))
    return problems


def _template_render_problems(rulebook: Rulebook) -> list[Problem]:
    from kamadvisor.api import open_advisor
    from kamadvisor.portfolio import AccountResult, portfolio_report
    from kamadvisor.questionnaire import validate_questionnaire
    from kamadvisor.render import render_memo
    from kamadvisor.report import render_report

    problems: list[Problem] = []
    try:
        questionnaire = validate_questionnaire(SourceDocument("<sample account>", SAMPLE_ANSWERS))
        with open_advisor(rulebook=rulebook) as advisor:
            diagnosis = advisor.diagnose(questionnaire)
        account = AccountResult.of("<sample account>", diagnosis, memo="sample-1.html")
        report = portfolio_report([account], [], 0, None, rulebook, None)
    except InputError as error:
        return [as_check(p, "advice-render") for p in error.problems]
    formats: tuple[Literal["md", "html"], ...] = ("md", "html")
    for memo_format in formats:
        try:
            render_memo(diagnosis, rulebook, memo_format)
        except InputError as error:
            problems.extend(as_check(p, "template-render") for p in error.problems)
        try:
            render_report(report, rulebook, memo_format, {1: "sample-1.html"})
        except InputError as error:
            problems.extend(as_check(p, "template-render") for p in error.problems)
    return problems
