"""Render a portfolio report (md, html, json); its matrix is drawn by `matrix.py`, as the memo's."""

from __future__ import annotations

import json
from typing import Any, Literal

from markupsafe import Markup

from kamadvisor.bounds import render_bounded, template_limits
from kamadvisor.conditions import ParamRef
from kamadvisor.errors import InputError, Problem
from kamadvisor.matrix import MATRIX_STYLE, MatrixAccount, matrix_svg
from kamadvisor.portfolio import AccountResult, PortfolioReport
from kamadvisor.render import template_dirs
from kamadvisor.rulebook import SEVERITY_ORDER, Rulebook, parameter_value
from kamadvisor.sandbox import TemplateError, template_environment

ReportFormat = Literal["md", "html", "json"]
TEMPLATES = {"md": "report.md.j2", "html": "report.html.j2"}


def report_context(
    report: PortfolioReport, rulebook: Rulebook, memo_links: dict[int, str]
) -> dict[str, Any]:
    themes = sorted(rulebook.manifest.themes.items(), key=lambda item: (item[1].order, item[0]))

    def cutoff(name: str) -> float:
        return (
            float(parameter_value(rulebook, ParamRef(name)))
            if name in rulebook.parameter_values
            else 5.5
        )

    categories = rulebook.manifest.conclusions.get("category")
    return {
        "report": report.model_dump(mode="json"),
        "themes": [{"id": name, "title": theme.title} for name, theme in themes],
        "severities": list(SEVERITY_ORDER),
        "matrix_svg": Markup(
            matrix_svg(
                [_matrix_account(account) for account in report.accounts],
                cutoff("category_cutoff_attractiveness"),
                cutoff("category_cutoff_strength"),
                dict(categories.values) if categories else {},
                "Accounts on the attractiveness and business strength matrix",
            )
        ),
        "matrix_style": Markup(MATRIX_STYLE),
        "memo_links": {str(k): v for k, v in memo_links.items()},
    }


def _matrix_account(account: AccountResult) -> MatrixAccount | None:
    attractiveness = account.facts.get("scores.attractiveness")
    strength = account.facts.get("scores.business_strength")
    if not isinstance(attractiveness, int | float) or not isinstance(strength, int | float):
        return None
    placement = account.placements.get("category")
    return MatrixAccount(
        account.name, float(attractiveness), float(strength), placement.value if placement else None
    )


def render_report(
    report: PortfolioReport,
    rulebook: Rulebook,
    report_format: ReportFormat,
    memo_links: dict[int, str] | None = None,
) -> str:
    if report_format == "json":
        return (
            json.dumps(
                report.model_dump(mode="json"),
                indent=2,
                sort_keys=True,
                ensure_ascii=False,
                allow_nan=False,
            )
            + "\n"
        )
    name = TEMPLATES[report_format]
    environment = template_environment(
        tuple(template_dirs(rulebook)), autoescape=report_format == "html"
    )
    try:
        template = environment.get_template(name)
        limits = template_limits(rulebook.parameter_values, scale=len(report.accounts) // 1000 + 1)
        return render_bounded(template, report_context(report, rulebook, memo_links or {}), limits)
    except TemplateError as error:
        where = getattr(error, "filename", None) or name
        raise InputError(
            [
                Problem(
                    str(where), getattr(error, "lineno", None), None, "", f"template error: {error}"
                )
            ]
        ) from None
