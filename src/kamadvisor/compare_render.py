"""Render a comparison (md, html, json) and its versioned JSON Schema.

Like memos, Markdown and HTML render from the pack's templates in Jinja's sandbox (a house pack
overrides `compare.md.j2` or `compare.html.j2` by file name) and JSON is the model as it is.
Nothing reads the clock: the same two questionnaires give the same bytes.
"""

from __future__ import annotations

from typing import Any, Literal

from markupsafe import Markup

from kamadvisor.bounds import template_limits
from kamadvisor.compare import COMPARISON_SCHEMA_VERSION, Comparison
from kamadvisor.contract import contract_schema, dump_json, schema_id
from kamadvisor.matrix import MATRIX_STYLE, MatrixAccount, MatrixMove
from kamadvisor.pictures import one_account_matrix
from kamadvisor.render import render_pack_template
from kamadvisor.rulebook import SEVERITY_ORDER, Rulebook

CompareFormat = Literal["md", "html", "json"]
TEMPLATE_NAMES = {"md": "compare.md.j2", "html": "compare.html.j2"}
COMPARISON_SCHEMA_ID = schema_id("comparison", COMPARISON_SCHEMA_VERSION)


def comparison_context(comparison: Comparison, rulebook: Rulebook) -> dict[str, Any]:
    """What the comparison templates receive: the comparison as JSON-like data, the pack's
    scales and parameters, the account's two positions on the matrix (where both are scored)
    and the matrix drawn by `matrix.py` with the move as an arrow."""
    data = comparison.model_dump(mode="json")
    params = dict(sorted(rulebook.parameter_values.items()))
    category = rulebook.manifest.conclusions.get("category")
    return {
        "comparison": data,
        "account": data["account"],
        "params": params,
        "pictures": {
            "matrix": Markup(
                comparison_matrix(comparison, params, dict(category.values) if category else {})
            ),
            "style": Markup(MATRIX_STYLE),
            "arrow": any(move.drawn() for move in comparison_moves(comparison)),
        },
        "scales": {
            name: [{"value": value, "label": label} for value, label in spec.values.items()]
            for name, spec in rulebook.manifest.conclusions.items()
            if spec.single
        },
        "severities": list(SEVERITY_ORDER),
        "positions": comparison_positions(comparison),
    }


def comparison_positions(comparison: Comparison) -> dict[str, dict[str, float]] | None:
    """The account's scores before and after, when all four are known."""
    positions: dict[str, dict[str, float]] = {}
    for side, ref in (("before", comparison.before), ("after", comparison.after)):
        if ref.attractiveness is None or ref.business_strength is None:
            return None
        positions[side] = {
            "attractiveness": ref.attractiveness,
            "business_strength": ref.business_strength,
        }
    return positions


def comparison_matrix(
    comparison: Comparison, params: dict[str, Any], labels: dict[str, str]
) -> str:
    """The account at its later position, in the category the later diagnosis placed it in,
    with an arrow from its earlier position when both are scored."""
    after = comparison.after
    category = next((m.after for m in comparison.placements if m.name == "category"), None)
    account = (
        MatrixAccount(
            comparison.account.name, after.attractiveness, after.business_strength, category
        )
        if after.attractiveness is not None and after.business_strength is not None
        else None
    )
    title = (
        f"{comparison.account.name}'s move on the attractiveness and business strength matrix "
        f"from {comparison.before.assessed_on} to {after.assessed_on}"
    )
    return one_account_matrix(account, params, labels, title, comparison_moves(comparison))


def comparison_moves(comparison: Comparison) -> list[MatrixMove]:
    """The account's move on the matrix, when both positions are scored."""
    positions = comparison_positions(comparison)
    if positions is None:
        return []
    before, after = positions["before"], positions["after"]
    return [
        MatrixMove(
            comparison.account.name,
            (before["attractiveness"], before["business_strength"]),
            (after["attractiveness"], after["business_strength"]),
        )
    ]


def render_comparison(
    comparison: Comparison, rulebook: Rulebook, compare_format: CompareFormat = "md"
) -> str:
    if compare_format == "json":
        return dump_json(comparison.model_dump(mode="json"))
    context = comparison_context(comparison, rulebook)
    limits = template_limits(rulebook.parameter_values)
    return render_pack_template(rulebook, TEMPLATE_NAMES[compare_format], context, limits)


def comparison_schema() -> dict[str, Any]:
    """The JSON Schema of `compare -f json`, generated from the model and versioned: a change of
    shape needs a new schema version."""
    return contract_schema(
        Comparison,
        name="comparison",
        version=COMPARISON_SCHEMA_VERSION,
        title="kamadvisor comparison",
        description=(
            "Two assessments of one account compared, as `kamadvisor compare -f json` writes "
            "it: each placement before and after with the changed answers that moved it, the "
            "figures that changed, findings resolved, new and persisting, the previous plan's "
            "actions followed up, and every answer that changed."
        ),
    )


def render_comparison_schema() -> str:
    return dump_json(comparison_schema())
