"""Render a portfolio report (md, html, json) and lay out its matrix so no two labels collide."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from kamadvisor.bounds import template_limits
from kamadvisor.conditions import ParamRef
from kamadvisor.portfolio import PortfolioReport
from kamadvisor.portfolio_movement import PortfolioMovement
from kamadvisor.render import render_pack_template
from kamadvisor.rulebook import SEVERITY_ORDER, Rulebook, parameter_value

ReportFormat = Literal["md", "html", "json"]
TEMPLATES = {"md": "report.md.j2", "html": "report.html.j2"}

# Matrix geometry, in SVG user units.
PLOT = {"left": 170, "top": 30, "size": 400, "label_gap": 13}


@dataclass(frozen=True)
class MatrixPoint:
    number: int
    name: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str
    category: str | None


def matrix_layout(report: PortfolioReport) -> list[MatrixPoint]:
    """Each scored account as a dot; its label goes to a column beside the plot (left half to the
    left, right half to the right), stacked in the order of the dots' heights with a fixed gap,
    so labels never overlap however many accounts share a corner."""
    left, top, size, gap = PLOT["left"], PLOT["top"], PLOT["size"], PLOT["label_gap"]
    placed: list[tuple[int, str, float, float, str | None]] = []
    for number, account in enumerate(report.accounts, start=1):
        facts = account.facts
        attractiveness = facts.get("scores.attractiveness")
        strength = facts.get("scores.business_strength")
        if not isinstance(attractiveness, int | float) or not isinstance(strength, int | float):
            continue
        # Cranfield's matrix: business strength on the horizontal axis, high on the left.
        x = left + (10 - float(strength)) / 9 * size
        y = top + (10 - float(attractiveness)) / 9 * size
        placement = account.placements.get("category")
        placed.append((number, account.name, x, y, placement.value if placement else None))
    points: list[MatrixPoint] = []
    for side in ("left", "right"):
        group = sorted(
            (p for p in placed if (p[2] < left + size / 2) == (side == "left")),
            key=lambda p: (p[3], p[0]),
        )
        label_y: float = top - gap
        for number, name, x, y, category in group:
            label_y = max(y, label_y + gap)
            label_x = left - 12 if side == "left" else left + size + 12
            points.append(
                MatrixPoint(
                    number,
                    name,
                    round(x, 1),
                    round(y, 1),
                    label_x,
                    round(label_y, 1),
                    "end" if side == "left" else "start",
                    category,
                )
            )
    return sorted(points, key=lambda p: p.number)


def movement_arrows(report: PortfolioReport, movement: PortfolioMovement) -> list[dict[str, Any]]:
    """An arrow on the matrix for each account that changed category or phase and was scored
    both times: from its previous position to its dot."""
    left, top, size = PLOT["left"], PLOT["top"], PLOT["size"]

    def point(attractiveness: float, strength: float) -> tuple[float, float]:
        return (
            round(left + (10 - strength) / 9 * size, 1),
            round(top + (10 - attractiveness) / 9 * size, 1),
        )

    arrows = []
    for move in movement.moved:
        if move.position_before is None or move.position_after is None:
            continue
        x1, y1 = point(move.position_before.attractiveness, move.position_before.business_strength)
        x2, y2 = point(move.position_after.attractiveness, move.position_after.business_strength)
        if abs(x2 - x1) + abs(y2 - y1) >= 6:
            arrows.append({"name": move.name, "x1": x1, "y1": y1, "x2": x2, "y2": y2})
    return arrows


def report_context(
    report: PortfolioReport,
    rulebook: Rulebook,
    memo_links: dict[int, str],
    movement: PortfolioMovement | None = None,
) -> dict[str, Any]:
    themes = sorted(rulebook.manifest.themes.items(), key=lambda item: (item[1].order, item[0]))
    points = matrix_layout(report)
    height = max([PLOT["top"] * 2 + PLOT["size"]] + [p.label_y + 20 for p in points])

    def cutoff(name: str) -> float:
        return (
            float(parameter_value(rulebook, ParamRef(name)))
            if name in rulebook.parameter_values
            else 5.5
        )

    return {
        "report": report.model_dump(mode="json"),
        "themes": [{"id": name, "title": theme.title} for name, theme in themes],
        "severities": list(SEVERITY_ORDER),
        "matrix": {
            "points": [asdict(p) for p in points],
            "plot": PLOT,
            "height": round(height),
            "cut_x": round(
                PLOT["left"] + (10 - cutoff("category_cutoff_strength")) / 9 * PLOT["size"], 1
            ),
            "cut_y": round(
                PLOT["top"] + (10 - cutoff("category_cutoff_attractiveness")) / 9 * PLOT["size"], 1
            ),
        },
        "memo_links": {str(k): v for k, v in memo_links.items()},
        "movement": movement.model_dump(mode="json") if movement else None,
        "arrows": movement_arrows(report, movement) if movement else [],
    }


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
