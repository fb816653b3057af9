"""Render a portfolio report (md, html, json); its matrix is drawn by `matrix.py`, as the memo's."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any, Literal, get_args

from markupsafe import Markup

from kamadvisor.bounds import template_limits
from kamadvisor.matrix import (
    MATRIX_STYLE,
    QUADRANTS,
    MatrixAccount,
    MatrixFrame,
    MatrixMove,
    density_matrix_svg,
    matrix_svg,
)
from kamadvisor.portfolio import AccountResult, PortfolioReport
from kamadvisor.portfolio_movement import PortfolioMovement
from kamadvisor.questionnaire import Resources
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


# How many accounts the matrix of a large portfolio labels: the largest by revenue, and the most
# at risk (most critical, then high findings, then the largest loss). The pack parameter
# `matrix_dot_limit` (default 40) says when a portfolio is large.
MATRIX_LARGEST, MATRIX_AT_RISK = 6, 6
MATRIX_DOT_LIMIT = 40
RESOURCE_LEVELS: tuple[str, ...] = get_args(Resources)
# The severities that put an account at risk, heaviest first.
AT_RISK_SEVERITIES = ("critical", "high")


def report_context(
    report: PortfolioReport,
    rulebook: Rulebook,
    memo_links: dict[int, str],
    movement: PortfolioMovement | None = None,
) -> dict[str, Any]:
    """What the report templates receive: the report as JSON-ready data, the portfolio at a
    glance (counts, money by currency, leadership's decisions), the matrix and the movement."""
    themes = sorted(rulebook.manifest.themes.items(), key=lambda item: (item[1].order, item[0]))
    categories = rulebook.manifest.conclusions.get("category")
    phases = rulebook.manifest.conclusions.get("phase")
    category_labels = dict(categories.values) if categories else {}
    matrix = _matrix(report, rulebook, category_labels, movement)
    return {
        "report": report.model_dump(mode="json"),
        "themes": [{"id": name, "title": theme.title} for name, theme in themes],
        "severities": list(SEVERITY_ORDER),
        "glance": portfolio_glance(
            report, rulebook, category_labels, dict(phases.values) if phases else {}
        ),
        "currency": portfolio_currency(report.accounts),
        "resource_levels": list(RESOURCE_LEVELS),
        "matrix": matrix,
        "matrix_svg": matrix["svg"],
        "matrix_grid": matrix_grid(report.accounts, category_labels),
        "matrix_style": Markup(MATRIX_STYLE),
        "memo_links": {str(k): v for k, v in memo_links.items()},
        "movement": movement.model_dump(mode="json") if movement else None,
    }


def matrix_grid(accounts: list[AccountResult], labels: dict[str, str]) -> list[dict[str, Any]]:
    """The matrix as a two-by-two table in the picture's orientation (attractiveness high in the
    first row, our strength high in the first column), with each quadrant's count."""
    counts = Counter(_category_of(account) for account in accounts)
    rows: list[dict[str, Any]] = []
    for high_attractiveness, row_label in ((True, "High"), (False, "Low")):
        cells = [
            {
                "value": category,
                "label": labels.get(category, category.title()),
                "accounts": counts[category],
            }
            for high_strength in (True, False)
            for category, quadrant in QUADRANTS.items()
            if quadrant == (high_attractiveness, high_strength)
        ]
        rows.append({"label": row_label, "cells": cells})
    return rows


def _matrix(
    report: PortfolioReport,
    rulebook: Rulebook,
    labels: dict[str, str],
    movement: PortfolioMovement | None,
) -> dict[str, Any]:
    """The matrix drawn account by account up to `matrix_dot_limit` scored accounts, as density
    above it; with what the caption needs to say."""

    def parameter(name: str, default: float) -> float:
        return (
            float(parameter_value(rulebook, name)) if name in rulebook.parameter_values else default
        )

    points = [_matrix_account(account) for account in report.accounts]
    scored = sum(1 for point in points if point is not None)
    limit = int(parameter("matrix_dot_limit", MATRIX_DOT_LIMIT))
    frame = MatrixFrame(
        parameter("category_cutoff_attractiveness", 5.5),
        parameter("category_cutoff_strength", 5.5),
        labels,
    )
    title = "Accounts on the attractiveness and business strength matrix"
    moves = movement_moves(movement) if movement else []
    if scored <= limit:
        svg = matrix_svg(points, frame, title, moves=moves)
        return {"svg": Markup(svg), "density": False, "scored": scored, "limit": limit}
    picked = matrix_picks(report.accounts, points)
    svg = density_matrix_svg(points, frame, title, picked, moves=moves)
    return {
        "svg": Markup(svg),
        "density": True,
        "scored": scored,
        "limit": limit,
        "largest": sum(1 for why in picked.values() if why == "largest"),
        "at_risk": sum(1 for why in picked.values() if why == "risk"),
    }


def matrix_picks(
    accounts: list[AccountResult], points: list[MatrixAccount | None]
) -> dict[int, str]:
    """The accounts a large portfolio's matrix labels, by number: the most at risk ("risk") and
    the largest by revenue ("largest"), among the accounts scored on both axes."""
    candidates = [
        (number, account)
        for number, (account, point) in enumerate(zip(accounts, points, strict=True), start=1)
        if point is not None
    ]

    def risk(item: tuple[int, AccountResult]) -> tuple[Any, ...]:
        number, account = item
        severities = [finding.severity for finding in account.findings]
        profit = account.facts.get("economics.account_profit")
        loss = -profit if isinstance(profit, int | float) and profit < 0 else 0
        return (*(-severities.count(s) for s in AT_RISK_SEVERITIES), -loss, number)

    picked: dict[int, str] = {}
    for number, account in sorted(candidates, key=risk):
        if len(picked) == MATRIX_AT_RISK or risk((number, account))[:-1] == (0, 0, 0):
            break
        picked[number] = "risk"

    def revenue(item: tuple[int, AccountResult]) -> tuple[float, int]:
        number, account = item
        value = account.facts.get("economics.annual_revenue")
        return (-float(value) if isinstance(value, int | float) else 0.0, number)

    largest = [
        number
        for number, account in sorted(candidates, key=revenue)
        if number not in picked
        and isinstance(account.facts.get("economics.annual_revenue"), int | float)
    ]
    picked.update((number, "largest") for number in largest[:MATRIX_LARGEST])
    return dict(sorted(picked.items()))


def portfolio_currency(accounts: list[AccountResult]) -> str | None:
    """The one currency every account with an amount states, or None when they differ or one
    states none: then each amount carries its own."""
    currencies = {
        account.facts.get("economics.currency")
        for account in accounts
        if any(name in account.facts for name in MONEY_FACTS)
    }
    if len(currencies) == 1:
        (currency,) = currencies
        return currency if isinstance(currency, str) else None
    return None


MONEY_FACTS = ("economics.annual_revenue", "economics.account_profit")


def _amounts(accounts: list[AccountResult], fact: str) -> dict[str, Any]:
    """The total of `fact` over the accounts that give it, one total a currency (None: no
    currency stated), and how many accounts gave it."""
    totals: dict[str | None, float] = {}
    given = 0
    for account in accounts:
        value = account.facts.get(fact)
        if isinstance(value, int | float) and not isinstance(value, bool):
            currency = account.facts.get("economics.currency")
            key = currency if isinstance(currency, str) else None
            totals[key] = totals.get(key, 0.0) + value
            given += 1
    return {
        "totals": [
            {"currency": currency, "amount": amount}
            for currency, amount in sorted(
                totals.items(), key=lambda item: (item[0] is None, item[0] or "")
            )
        ],
        "given": given,
        "of": len(accounts),
    }


def _category_of(account: AccountResult) -> str | None:
    placement = account.placements.get("category")
    return placement.value if placement else None


def _phase_of(account: AccountResult) -> str | None:
    placement = account.placements.get("phase")
    return placement.value if placement else None


def portfolio_glance(
    report: PortfolioReport,
    rulebook: Rulebook,
    categories: dict[str, str],
    phases: dict[str, str],
) -> dict[str, Any]:
    """Page one: accounts by category and phase, revenue and profit by category, the findings'
    weight and the three decisions leadership must take first."""
    accounts = report.accounts
    phase_columns: list[dict[str, Any]] = [
        {"value": value, "label": label} for value, label in phases.items()
    ]
    if any(_phase_of(a) not in phases for a in accounts):
        phase_columns.append({"value": None, "label": "Phase not placed"})
    revenue = _amounts(accounts, "economics.annual_revenue")
    groups: list[tuple[str | None, str]] = list(categories.items())
    if any(_category_of(a) not in categories for a in accounts):
        groups.append((None, "Not placed"))
    rows = [
        _category_row(
            value,
            label,
            [a for a in accounts if _in_group(_category_of(a), value, categories)],
            [column["value"] for column in phase_columns],
            phases,
            revenue,
        )
        for value, label in groups
    ]
    profits = [
        a.facts["economics.account_profit"]
        for a in accounts
        if isinstance(a.facts.get("economics.account_profit"), int | float)
    ]
    severities = [finding.severity for finding in report.findings]
    return {
        "accounts": len(accounts),
        "phases": phase_columns,
        "phase_totals": [sum(row["phases"][i] for row in rows) for i in range(len(phase_columns))],
        "categories": rows,
        "revenue": revenue,
        "profit": _amounts(accounts, "economics.account_profit"),
        "loss_making": sum(1 for profit in profits if profit < 0),
        "findings": len(report.findings),
        "findings_high": sum(1 for s in severities if s in AT_RISK_SEVERITIES),
        "decisions": leadership_decisions(report, rulebook),
    }


def _in_group(placed: str | None, value: str | None, known: dict[str, str]) -> bool:
    """Is a placed value that of a group (the group None: any value not among the known)?"""
    return placed == value if value is not None else placed not in known


def _category_row(
    value: str | None,
    label: str,
    group: list[AccountResult],
    phase_values: list[str | None],
    phases: dict[str, str],
    revenue: dict[str, Any],
) -> dict[str, Any]:
    """One category's accounts by phase, its revenue (and share of the whole, when the whole is
    in one currency) and its profit."""
    group_revenue = _amounts(group, "economics.annual_revenue")
    single = len(revenue["totals"]) == 1 and revenue["totals"][0]["amount"] > 0
    return {
        "value": value,
        "label": label,
        "accounts": len(group),
        "phases": [
            sum(1 for a in group if _in_group(_phase_of(a), phase or None, phases))
            for phase in phase_values
        ],
        "revenue": group_revenue,
        "revenue_share_pct": (
            round(100 * group_revenue["totals"][0]["amount"] / revenue["totals"][0]["amount"])
            if single and group_revenue["totals"]
            else None
        ),
        "profit": _amounts(group, "economics.account_profit"),
    }


def leadership_decisions(
    report: PortfolioReport, rulebook: Rulebook, count: int = 3
) -> list[dict[str, Any]]:
    """The first decisions leadership must take: the earliest decision of each portfolio finding
    in rank order, then their next ones, up to `count`. A decision is an action whose owner's
    role decides (the pack's roles)."""
    roles = rulebook.manifest.roles
    queues = [
        (
            number,
            finding,
            sorted(
                (a for a in finding.actions if (role := roles.get(a.owner)) and role.decides),
                key=lambda a: a.due_day,
            ),
        )
        for number, finding in enumerate(report.findings, start=1)
    ]
    chosen: list[dict[str, Any]] = []
    depth = 0
    while len(chosen) < count and any(len(queue) > depth for _, _, queue in queues):
        for number, finding, queue in queues:
            if len(queue) > depth and len(chosen) < count:
                action = queue[depth]
                chosen.append(
                    {
                        "what": action.what,
                        "owner": action.owner,
                        "due_day": action.due_day,
                        "finding": finding.title,
                        "finding_number": number,
                    }
                )
        depth += 1
    return chosen


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
