"""The attractiveness x business-strength matrix, drawn once for the memo and the portfolio report.

Cranfield's orientation: account attractiveness up, our business strength to the left, so the
strategic quadrant is top left, star top right, status bottom left, streamline bottom right.
Each account's category is the diagnosis's, never re-derived here; the cut-off lines are the
pack's parameters. Labels go to a column beside the plot, stacked so they never collide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Geometry in SVG user units.
LEFT, TOP, SIZE, LABEL_GAP = 170, 30, 400, 13
# How far short of the later dot's centre an arrow stops: its radius and a little air.
ARROW_GAP = 7
# Where each category sits: (attractiveness high?, strength high?).
QUADRANTS: dict[str, tuple[bool, bool]] = {
    "strategic": (True, True),
    "star": (True, False),
    "status": (False, True),
    "streamline": (False, False),
}


@dataclass(frozen=True)
class MatrixAccount:
    name: str
    attractiveness: float
    strength: float
    category: str | None


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


def _x(strength: float) -> float:
    return LEFT + (10 - min(max(strength, 1.0), 10.0)) / 9 * SIZE


def _y(attractiveness: float) -> float:
    return TOP + (10 - min(max(attractiveness, 1.0), 10.0)) / 9 * SIZE


def matrix_layout(accounts: list[MatrixAccount | None]) -> list[MatrixPoint]:
    """Each scored account (None: not scored, keeps its number) as a dot; labels in the column on
    the dot's side, stacked in the order of the dots' heights with a fixed gap."""
    placed = [
        (number, account, _x(account.strength), _y(account.attractiveness))
        for number, account in enumerate(accounts, start=1)
        if account is not None
    ]
    points: list[MatrixPoint] = []
    for side in ("left", "right"):
        group = sorted(
            (p for p in placed if (p[2] < LEFT + SIZE / 2) == (side == "left")),
            key=lambda p: (p[3], p[0]),
        )
        label_y: float = TOP - LABEL_GAP
        for number, account, x, y in group:
            label_y = max(y, label_y + LABEL_GAP)
            points.append(
                MatrixPoint(
                    number,
                    account.name,
                    round(x, 1),
                    round(y, 1),
                    LEFT - 12 if side == "left" else LEFT + SIZE + 12,
                    round(label_y, 1),
                    "end" if side == "left" else "start",
                    account.category,
                )
            )
    return sorted(points, key=lambda p: p.number)


def _truncate(text: str, length: int = 24) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "\u2026"


@dataclass(frozen=True)
class MatrixMove:
    """An account's move since an earlier assessment: (attractiveness, strength) before, after."""

    name: str
    before: tuple[float, float]
    after: tuple[float, float]

    def drawn(self) -> tuple[float, float, float, float] | None:
        """The arrow's ends, or None when the move is too small to see."""
        x1, y1 = round(_x(self.before[1]), 1), round(_y(self.before[0]), 1)
        x2, y2 = round(_x(self.after[1]), 1), round(_y(self.after[0]), 1)
        return (x1, y1, x2, y2) if abs(x2 - x1) + abs(y2 - y1) >= 6 else None


def _arrows(moves: Sequence[MatrixMove]) -> list[str]:
    parts: list[str] = []
    for move in moves:
        ends = move.drawn()
        if ends is None:
            continue
        x1, y1, x2, y2 = ends
        # The head stops at the dot's edge, so the dot drawn over it leaves the head visible.
        length = math.hypot(x2 - x1, y2 - y1)
        x2 = round(x2 - (x2 - x1) / length * ARROW_GAP, 1)
        y2 = round(y2 - (y2 - y1) / length * ARROW_GAP, 1)
        parts += [
            f'<line class="moved" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#b4411b" '
            f'stroke-width="1.6" marker-end="url(#moved)"><title>{escape(move.name)}</title></line>',
            f'<circle cx="{x1}" cy="{y1}" r="3" fill="#fff" stroke="#b4411b"/>',
        ]
    if parts:
        parts.insert(
            0,
            '<defs><marker id="moved" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
            'markerHeight="6" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="#b4411b"/>'
            "</marker></defs>",
        )
    return parts


def matrix_svg(
    accounts: list[MatrixAccount | None],
    cut_attractiveness: float,
    cut_strength: float,
    labels: dict[str, str],
    title: str,
    numbered: bool = True,
    moves: Sequence[MatrixMove] = (),
) -> str:
    """The matrix as inline, accessible SVG (role img, a title and a description), with an arrow
    for each move given."""
    points = matrix_layout(accounts)
    height = round(max([TOP * 2 + SIZE + 30] + [p.label_y + 20 for p in points]))
    cut_x, cut_y = round(_x(cut_strength), 1), round(_y(cut_attractiveness), 1)
    placed = {p.category for p in points if p.category}
    parts = [
        f'<svg class="matrix" viewBox="0 0 {LEFT * 2 + SIZE} {height}" role="img" '
        f'aria-labelledby="matrix-title matrix-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="matrix-title">{escape(title)}</title>',
        '<desc id="matrix-desc">'
        + escape(
            "; ".join(
                f"{p.name}: {labels.get(p.category, p.category) if p.category else 'no category'}"
                for p in points
            )
            or "No account is scored on both axes."
        )
        + "</desc>",
    ]
    for category, (high_a, high_s) in QUADRANTS.items():
        x = LEFT if high_s else cut_x
        y = TOP if high_a else cut_y
        width = (cut_x - LEFT) if high_s else (LEFT + SIZE - cut_x)
        height_q = (cut_y - TOP) if high_a else (TOP + SIZE - cut_y)
        css = "quadrant placed" if category in placed else "quadrant"
        parts.append(
            f'<rect class="{css}" x="{x}" y="{y}" width="{round(width, 1)}" '
            f'height="{round(height_q, 1)}"/>'
        )
        anchor, tx = ("start", x + 8) if high_s else ("end", x + width - 8)
        ty = y + 18 if high_a else y + height_q - 8
        parts.append(
            f'<text class="quadrant-name" x="{round(tx, 1)}" y="{round(ty, 1)}" '
            f'text-anchor="{anchor}">{escape(labels.get(category, category.title()))}</text>'
        )
    parts += [
        f'<rect class="frame" x="{LEFT}" y="{TOP}" width="{SIZE}" height="{SIZE}"/>',
        f'<line class="cut" x1="{cut_x}" y1="{TOP}" x2="{cut_x}" y2="{TOP + SIZE}"/>',
        f'<line class="cut" x1="{LEFT}" y1="{cut_y}" x2="{LEFT + SIZE}" y2="{cut_y}"/>',
        f'<text class="axis" x="{LEFT + SIZE / 2}" y="{TOP + SIZE + 22}" text-anchor="middle">'
        "Our business strength: high \u2190 \u2192 low</text>",
        f'<text class="axis" x="{LEFT - 150}" y="{TOP - 10}">Account attractiveness: high \u2191</text>',
    ]
    parts += _arrows(moves)
    for p in points:
        label = f"{p.number}. {_truncate(p.name)}" if numbered else _truncate(p.name)
        parts += [
            f'<line class="leader" x1="{p.x}" y1="{p.y}" x2="{p.label_x}" y2="{p.label_y}"/>',
            f'<circle class="point" cx="{p.x}" cy="{p.y}" r="5.5"/>',
            f'<text class="point-label" x="{p.label_x + (-3 if p.anchor == "end" else 3)}" '
            f'y="{p.label_y + 4}" text-anchor="{p.anchor}">{escape(label)}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


MATRIX_STYLE = (
    ".matrix .quadrant { fill: #f6f7f9; } .matrix .quadrant.placed { fill: #dde7f2; }"
    " .matrix text { font-family: Helvetica, Arial, 'Liberation Sans', sans-serif; }"
    " .matrix .quadrant-name { font-size: 13px; font-weight: bold; fill: #6b7784; }"
    " .matrix .frame { fill: none; stroke: #9aa7b4; }"
    " .matrix .cut { stroke: #9aa7b4; stroke-dasharray: 4 3; }"
    " .matrix .axis { font-size: 12px; fill: #3b4756; }"
    " .matrix .leader { stroke: #c3ccd5; stroke-width: .7; }"
    " .matrix .point { fill: #1f3a5f; stroke: #fff; stroke-width: 1.5; }"
    " .matrix .point-label { font-size: 12px; fill: #1d2430; }"
)
