"""The attractiveness x business-strength matrix, drawn once for the memo and the portfolio report.

Cranfield's orientation: account attractiveness up, our business strength to the left, so the
strategic quadrant is top left, star top right, status bottom left, streamline bottom right.
Each account's category is the diagnosis's, never re-derived here; the cut-off lines are the
pack's parameters. Labels go to a column beside the plot, stacked so they never collide, and the
picture widens to hold the longest label (measured for the widest usual sans-serif).

A portfolio too large to draw account by account is drawn by `density_matrix_svg`: how many
accounts fall in each cell of a grid aligned to the cut-offs, with only the accounts picked by the
caller (the largest, the most at risk) drawn and labelled. The frame, quadrants and axes are the
same in both, so the orientation never changes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Geometry in SVG user units.
LEFT, TOP, SIZE, LABEL_GAP = 170, 30, 400, 13
# How far short of the later dot's centre an arrow stops: its radius and a little air.
ARROW_GAP = 7
# Labels are measured at this size, in bold (the memo draws them at 12.5px bold, the report
# smaller), and cut to this many characters.
LABEL_FONT_SIZE, LABEL_CHARACTERS = 12.5, 28
# Advance widths of DejaVu Sans Bold, the widest of the sans-serif fonts a browser falls back to,
# in hundredths of an em, for the characters 32 to 126; any other character counts as an em.
_ADVANCES = (
    35, 46, 52, 84, 70, 100, 87, 31, 46, 46, 52, 84, 38, 42, 38, 37, 70, 70, 70, 70, 70, 70, 70,
    70, 70, 70, 40, 40, 84, 84, 84, 58, 100, 77, 76, 73, 83, 68, 68, 82, 84, 37, 37, 77, 64, 100,
    84, 85, 73, 85, 77, 72, 68, 81, 77, 110, 77, 72, 73, 46, 37, 46, 84, 50, 50, 67, 72, 59, 72,
    68, 44, 72, 71, 34, 34, 67, 34, 104, 71, 69, 72, 72, 49, 60, 48, 71, 65, 92, 65, 65, 58, 71,
    37, 71, 84,
)  # fmt: skip
# Shades of a density cell, lightest first; the darkest take white figures.
DENSITY_SHADES = ("#e3ebf4", "#c3d4e7", "#94b2d3", "#5f86b3", "#2f5783")
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


def _truncate(text: str, length: int = LABEL_CHARACTERS) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "\u2026"


def text_width(text: str, font_size: float = LABEL_FONT_SIZE) -> float:
    """The width `text` takes at most, in user units, in bold at `font_size`."""
    hundredths = sum(_ADVANCES[ord(char) - 32] if 32 <= ord(char) < 127 else 100 for char in text)
    return hundredths * font_size / 100


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
    frame: MatrixFrame,
    title: str,
    numbered: bool = True,
    moves: Sequence[MatrixMove] = (),
) -> str:
    """The matrix as inline, accessible SVG (role img, a title and a description), with an arrow
    for each move given."""
    points = matrix_layout(accounts)
    description = "; ".join(
        f"{p.name}: {frame.labels.get(p.category, p.category) if p.category else 'no category'}"
        for p in points
    )
    under, over = frame.parts({p.category for p in points if p.category})
    body = under + over + _arrows(moves) + _points(points, numbered)
    return _svg("matrix", title, description or "No account is scored on both axes.", points, body)


def density_matrix_svg(
    accounts: list[MatrixAccount | None],
    frame: MatrixFrame,
    title: str,
    picked: dict[int, str],
    moves: Sequence[MatrixMove] = (),
) -> str:
    """The matrix of a large portfolio: each cell of a grid (aligned to the cut-offs, about one
    score point wide) shaded by the number of accounts in it, with that number; each quadrant
    named with its count; only the accounts in `picked` (number -> why: "largest" or "risk")
    drawn as dots and labelled, in the picture's usual label columns."""
    scored = [a for a in accounts if a is not None]
    rows, columns = _bins(frame.cut_attractiveness), _bins(frame.cut_strength)
    cells = Counter((_bin(a.attractiveness, rows), _bin(a.strength, columns)) for a in scored)
    per_quadrant = Counter(a.category for a in scored if a.category)
    shown = [a if number in picked else None for number, a in enumerate(accounts, start=1)]
    points = matrix_layout(shown)
    under, over = frame.parts(set(per_quadrant), per_quadrant)
    body = under + _cells(cells, rows, columns) + over
    body += _arrows([move for move in moves if move.name in {p.name for p in points}])
    body += _points(points, True, picked)
    description = (
        f"{len(scored):,} accounts scored on both axes: "
        + ", ".join(
            f"{count:,} {frame.labels.get(category, category).lower()}"
            for category, count in sorted(per_quadrant.items(), key=lambda item: item[0])
        )
        + ". Each cell of the grid gives the number of accounts in it. Labelled: "
        + "; ".join(f"{p.number}. {p.name}" for p in points)
        + "."
    )
    return _svg("matrix density", title, description, points, body)


def _svg(css: str, title: str, description: str, points: list[MatrixPoint], body: list[str]) -> str:
    """The picture around `body`, its view box wide enough for every label beside the plot."""
    # The attractiveness axis's title starts at LEFT - 150; the plot ends at LEFT + SIZE.
    left, right = float(LEFT - 154), float(LEFT + SIZE + 8)
    for p in points:
        width = text_width(_label(p, True)) + 6
        if p.anchor == "end":
            left = min(left, p.label_x - width)
        else:
            right = max(right, p.label_x + width)
    left, right = math.floor(left), math.ceil(right)
    height = round(max([TOP + SIZE + 32] + [p.label_y + 20 for p in points]))
    return "\n".join(
        [
            f'<svg class="{css}" viewBox="{left} 0 {right - left} {height}" role="img" '
            f'aria-labelledby="matrix-title matrix-desc" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="matrix-title">{escape(title)}</title>',
            f'<desc id="matrix-desc">{escape(description)}</desc>',
            *body,
            "</svg>",
        ]
    )


@dataclass(frozen=True)
class MatrixFrame:
    """The matrix's cut-offs on both axes and the names of its quadrants."""

    cut_attractiveness: float
    cut_strength: float
    labels: dict[str, str]

    def parts(
        self, placed: set[str], counts: Counter[str] | None = None
    ) -> tuple[list[str], list[str]]:
        """What goes under the accounts: the quadrants (those holding an account shaded); and
        over them: their names (with their counts when given), the frame, the cut-off lines
        and the axes."""
        cut_x, cut_y = round(_x(self.cut_strength), 1), round(_y(self.cut_attractiveness), 1)
        rects, names = [], []
        for category, (high_a, high_s) in QUADRANTS.items():
            x = LEFT if high_s else cut_x
            y = TOP if high_a else cut_y
            width = (cut_x - LEFT) if high_s else (LEFT + SIZE - cut_x)
            height_q = (cut_y - TOP) if high_a else (TOP + SIZE - cut_y)
            css = "quadrant placed" if category in placed else "quadrant"
            rects.append(
                f'<rect class="{css}" x="{x}" y="{y}" width="{round(width, 1)}" '
                f'height="{round(height_q, 1)}"/>'
            )
            anchor, tx = ("start", x + 8) if high_s else ("end", x + width - 8)
            ty = y + 18 if high_a else y + height_q - 8
            name = self.labels.get(category, category.title())
            if counts is not None:
                name = f"{name}: {counts.get(category, 0):,}"
            names.append(
                f'<text class="quadrant-name" x="{round(tx, 1)}" y="{round(ty, 1)}" '
                f'text-anchor="{anchor}">{escape(name)}</text>'
            )
        frame = [
            f'<rect class="frame" x="{LEFT}" y="{TOP}" width="{SIZE}" height="{SIZE}"/>',
            f'<line class="cut" x1="{cut_x}" y1="{TOP}" x2="{cut_x}" y2="{TOP + SIZE}"/>',
            f'<line class="cut" x1="{LEFT}" y1="{cut_y}" x2="{LEFT + SIZE}" y2="{cut_y}"/>',
            f'<text class="axis" x="{LEFT + SIZE / 2}" y="{TOP + SIZE + 22}" '
            'text-anchor="middle">Our business strength: high \u2190 \u2192 low</text>',
            f'<text class="axis" x="{LEFT - 150}" y="{TOP - 10}">'
            "Account attractiveness: high \u2191</text>",
        ]
        if counts is not None:  # names over the density cells
            return rects, names + frame
        # Each quadrant followed by its name.
        return [part for pair in zip(rects, names, strict=True) for part in pair], frame


def _bins(cut: float) -> list[tuple[float, float]]:
    """Score intervals from 1 to 10, about one point wide, with the cut-off on a boundary: a
    cell never mixes two categories."""
    bins: list[tuple[float, float]] = []
    for low, high in ((1.0, min(max(cut, 1.0), 10.0)), (min(max(cut, 1.0), 10.0), 10.0)):
        count = max(1, round(high - low)) if high > low else 0
        bins += [
            (low + (high - low) * i / count, low + (high - low) * (i + 1) / count)
            for i in range(count)
        ]
    return bins


def _bin(score: float, bins: list[tuple[float, float]]) -> int:
    """The interval holding `score` (clamped to 1-10); a score on a boundary goes up, as a
    score at the cut-off counts as high."""
    score = min(max(score, 1.0), 10.0)
    for index, (low, high) in enumerate(bins):
        if low <= score < high:
            return index
    return len(bins) - 1


def _cells(
    cells: Counter[tuple[int, int]],
    rows: list[tuple[float, float]],
    columns: list[tuple[float, float]],
) -> list[str]:
    parts: list[str] = []
    most = max(cells.values(), default=0)
    for (row, column), count in sorted(cells.items()):
        shade = min(len(DENSITY_SHADES), math.ceil(len(DENSITY_SHADES) * count / most))
        x1, x2 = round(_x(columns[column][1]), 1), round(_x(columns[column][0]), 1)
        y1, y2 = round(_y(rows[row][1]), 1), round(_y(rows[row][0]), 1)
        dark = " dark" if shade > len(DENSITY_SHADES) - 2 else ""
        # A figure in a top cell sits below the quadrant's name, in a bottom cell above it.
        baseline = (y1 + y2) / 2 + 4
        if y1 == TOP:
            baseline = max(baseline, TOP + 34)
        elif y2 == TOP + SIZE:
            baseline = min(baseline, TOP + SIZE - 24)
        parts += [
            f'<rect class="cell" x="{x1}" y="{y1}" width="{round(x2 - x1, 1)}" '
            f'height="{round(y2 - y1, 1)}" fill="{DENSITY_SHADES[shade - 1]}"/>',
            f'<text class="count{dark}" x="{round((x1 + x2) / 2, 1)}" '
            f'y="{round(baseline, 1)}" text-anchor="middle">{count:,}</text>',
        ]
    return parts


def _label(point: MatrixPoint, numbered: bool) -> str:
    return f"{point.number}. {_truncate(point.name)}" if numbered else _truncate(point.name)


def _points(
    points: list[MatrixPoint], numbered: bool, picked: dict[int, str] | None = None
) -> list[str]:
    parts: list[str] = []
    for p in points:
        why = (picked or {}).get(p.number)
        css = f"point {why}" if why else "point"
        parts += [
            f'<line class="leader" x1="{p.x}" y1="{p.y}" x2="{p.label_x}" y2="{p.label_y}"/>',
            f'<circle class="{css}" cx="{p.x}" cy="{p.y}" r="5.5"/>',
            f'<text class="point-label" x="{p.label_x + (-3 if p.anchor == "end" else 3)}" '
            f'y="{p.label_y + 4}" text-anchor="{p.anchor}">{escape(_label(p, numbered))}</text>',
        ]
    return parts


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
    " .matrix .count { font-size: 11px; fill: #1d2430; } .matrix .count.dark { fill: #fff; }"
    " .matrix .cell { stroke: #fff; stroke-width: 1; }"
    " .matrix .point.risk { fill: #b4411b; }"
    " .matrix.density .quadrant-name { paint-order: stroke; stroke: #fff; stroke-width: 3px;"
    " stroke-linejoin: round; fill: #1d2430; }"
)
