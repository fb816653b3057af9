"""Render a portfolio report (md, html, json); its matrix is drawn by `matrix.py`, as the memo's."""

from __future__ import annotations

import io
import json
from typing import Any, Literal

from markupsafe import Markup

from kamadvisor.bounds import template_limits
from kamadvisor.matrix import MATRIX_STYLE, MatrixAccount, MatrixMove, matrix_svg
from kamadvisor.portfolio import AccountResult, PortfolioReport
from kamadvisor.portfolio_movement import PortfolioMovement
from kamadvisor.render import render_pack_template
from kamadvisor.rulebook import SEVERITY_ORDER, Rulebook, parameter_value

ReportFormat = Literal["md", "html", "json"]
TEMPLATES = {"md": "report.md.j2", "html": "report.html.j2"}


def movement_moves(movement: PortfolioMovement) -> list[MatrixMove]:
    """A move on the matrix for each account that changed category or phase and was scored both
    times: from its previous position to its present one."""
    return [
        MatrixMove(
            move.name,
            (move.position_before.attractiveness, move.position_before.business_strength),
            (move.position_after.attractiveness, move.position_after.business_strength),
        )
        for move in movement.moved
        if move.position_before is not None and move.position_after is not None
    ]


def report_context(
    report: PortfolioReport,
    rulebook: Rulebook,
    memo_links: dict[int, str],
    movement: PortfolioMovement | None = None,
) -> dict[str, Any]:
    themes = sorted(rulebook.manifest.themes.items(), key=lambda item: (item[1].order, item[0]))

    def cutoff(name: str) -> float:
        return float(parameter_value(rulebook, name)) if name in rulebook.parameter_values else 5.5

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
                moves=movement_moves(movement) if movement else (),
            )
        ),
        "matrix_style": Markup(MATRIX_STYLE),
        "memo_links": {str(k): v for k, v in memo_links.items()},
        "movement": movement.model_dump(mode="json") if movement else None,
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
    movement: PortfolioMovement | None = None,
) -> str:
    if report_format == "json":
        data = report.model_dump(mode="json")
        if movement is not None:
            data["movement"] = movement.model_dump(mode="json")
        return _json_text(data)
    limits = template_limits(rulebook.parameter_values, scale=len(report.accounts) // 1000 + 1)
    context = report_context(report, rulebook, memo_links or {}, movement)
    return render_pack_template(rulebook, TEMPLATES[report_format], context, limits)


def _json_text(data: Any) -> str:
    """`json.dumps(data, indent=2, sort_keys=True, allow_nan=False)` written chunk by chunk: with an indent,
    `json.dumps` first collects every chunk in a list, millions of them for a large portfolio."""
    buffer = io.StringIO()
    encoder = json.JSONEncoder(indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    for chunk in encoder.iterencode(data):
        buffer.write(chunk)
    buffer.write("\n")
    return buffer.getvalue()
