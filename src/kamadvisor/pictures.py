"""The memo's pictures: the account on the matrix, our strength factor by factor against the best
competitor, and who we know at which level of the customer. The matrix and the bars are SVG
(accessible: a title, a description, role img), inline in HTML and embedded in Word; who we know is
a table in every format."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from kamadvisor.matrix import MATRIX_STYLE, MatrixAccount, MatrixFrame, MatrixMove, matrix_svg

# The customer's levels, top first, as the contact grid lists them.
LEVELS = ("board", "senior_management", "operational", "technical", "purchasing")
STRENGTH_PREFIX = "business_strength."
BAR_LEFT, BAR_WIDTH, BAR_ROW = 190, 300, 22
SANS = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
# The memo's look for both pictures: the shared matrix style with the memo's labels, and the bars.
# The HTML memo inlines it once; each picture in a Word memo carries it in its own <style>.
PICTURE_STYLE = (
    MATRIX_STYLE + f" .matrix text {{ font-family: {SANS}; }}"
    # Larger than the report's: one account, a picture half the page wide.
    " .matrix .quadrant-name { font-size: 15px; letter-spacing: .04em; }"
    " .matrix .axis { font-size: 14px; }"
    f" .bars text {{ font-family: {SANS}; font-size: 14px; fill: #1d2430; }}"
    " .bars .axis { fill: #5b6472; font-size: 13px; }"
    " .bars .bar.better { fill: #1f3a5f; } .bars .bar.worse { fill: #b4411b; }"
    " .bars .level { stroke: #5b6472; stroke-dasharray: 3 2; }"
)


def account_matrix(data: dict[str, Any], params: dict[str, Any], labels: dict[str, str]) -> str:
    facts = data["facts"]
    attractiveness = facts.get("scores.attractiveness")
    strength = facts.get("scores.business_strength")
    category = data["placements"].get("category", {}).get("value")
    account = (
        MatrixAccount(data["account"]["name"], float(attractiveness), float(strength), category)
        if isinstance(attractiveness, int | float) and isinstance(strength, int | float)
        else None
    )
    title = f"{data['account']['name']} on the attractiveness and business strength matrix"
    return one_account_matrix(account, params, labels, title)


def one_account_matrix(
    account: MatrixAccount | None,
    params: dict[str, Any],
    labels: dict[str, str],
    title: str,
    moves: Sequence[MatrixMove] = (),
) -> str:
    """One account on the matrix (not numbered), at the pack's category cut-offs."""
    frame = MatrixFrame(
        float(params.get("category_cutoff_attractiveness", 5.5)),
        float(params.get("category_cutoff_strength", 5.5)),
        labels,
    )
    return matrix_svg(
        [account],
        frame,
        title,
        numbered=False,
        moves=moves,
    )


def strength_factors(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Each answered strength factor (1 far worse than the best competitor, 10 far better),
    weakest first."""
    factors = [
        {"factor": name[len(STRENGTH_PREFIX) :].replace("_", " "), "score": value}
        for name, value in facts.items()
        if name.startswith(STRENGTH_PREFIX) and isinstance(value, int | float)
    ]
    return sorted(factors, key=lambda f: (f["score"], f["factor"]))


def strength_svg(factors: list[dict[str, Any]], account: str) -> str:
    """Horizontal bars from the level line (5.5: as good as the best competitor)."""
    height = 30 + BAR_ROW * len(factors)
    level_x = BAR_LEFT + (5.5 - 1) / 9 * BAR_WIDTH
    parts = [
        f'<svg class="bars" viewBox="0 0 {BAR_LEFT + BAR_WIDTH + 40} {height}" role="img" '
        'aria-labelledby="bars-title bars-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="bars-title">{escape(account)}: how the customer rates us against the best '
        "competitor, factor by factor</title>",
        '<desc id="bars-desc">'
        + escape("; ".join(f"{f['factor']}: {f['score']} of 10" for f in factors))
        + "</desc>",
    ]
    for index, factor in enumerate(factors):
        y = 8 + index * BAR_ROW
        end = BAR_LEFT + (factor["score"] - 1) / 9 * BAR_WIDTH
        x, width = (level_x, end - level_x) if end >= level_x else (end, level_x - end)
        css = "bar better" if end >= level_x else "bar worse"
        parts += [
            f'<text class="factor" x="{BAR_LEFT - 8}" y="{y + 13}" text-anchor="end">'
            f"{escape(factor['factor'].capitalize())}</text>",
            f'<rect class="{css}" x="{round(x, 1)}" y="{y + 2}" width="{max(round(width, 1), 1.5)}"'
            ' height="14"/>',
            f'<text class="score" x="{round(BAR_LEFT + BAR_WIDTH + 6, 1)}" y="{y + 13}">'
            f"{factor['score']:g}</text>",
        ]
    bottom = 8 + len(factors) * BAR_ROW
    parts += [
        f'<line class="level" x1="{round(level_x, 1)}" y1="4" x2="{round(level_x, 1)}" y2="{bottom}"/>',
        f'<text class="axis" x="{BAR_LEFT}" y="{bottom + 14}">worse than the best competitor</text>',
        f'<text class="axis" x="{BAR_LEFT + BAR_WIDTH}" y="{bottom + 14}" text-anchor="end">'
        "better</text>",
        "</svg>",
    ]
    return "\n".join(parts)


def contact_grid(contacts: list[dict[str, Any]]) -> dict[str, Any]:
    """The customer's levels (rows) against our people (columns): who holds whom, the levels
    nobody reaches, decision makers and critics marked."""
    people = sorted({c["our_counterpart"] or "nobody named" for c in contacts})
    rows = []
    for level in (*LEVELS, None):
        at_level = [c for c in contacts if c["level"] == level]
        if level is None and not at_level:
            continue
        cells = []
        for person in people:
            held = [
                {
                    "name": c["name"] or "unnamed contact",
                    "decision_maker": c["decision_role"] == "decision_maker",
                    "critic": c["role_to_us"] == "critic",
                    "strength": c["strength"],
                }
                for c in at_level
                if (c["our_counterpart"] or "nobody named") == person
            ]
            cells.append(held)
        rows.append(
            {
                "level": (level or "level not given").replace("_", " "),
                "cells": cells,
                "gap": not at_level,
            }
        )
    return {"people": people, "rows": rows}


def standalone_svg(svg: str, style: str = PICTURE_STYLE) -> str:
    """An inline picture as a file of its own: its style inside it and its size in user units (a
    Word document or a rasteriser has no page style to lend it)."""
    opening, rest = svg.split(">", 1)
    _, width, height = opening.split('viewBox="', 1)[1].split('"', 1)[0].rsplit(" ", 2)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{opening} width="{width}" height="{height}">'
        f"\n<style>{escape(style, quote=False)}</style>{rest}\n"
    )
