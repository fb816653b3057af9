"""Render a diagnosis: Markdown and HTML through the pack's Jinja templates, JSON from the model.

Templates are sandboxed and strict about undefined names; `.html` memos are autoescaped. Every
template receives the same documented context (`memo_context`, listed in the README), so a house
template can rely on its names. Nothing here reads the clock: the memo's date is the diagnosis's
assessment date, and the same diagnosis always renders to the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from markupsafe import Markup

from kamadvisor.bounds import RenderLimits, render_bounded, template_limits
from kamadvisor.contract import contract_schema, dump_json, schema_id
from kamadvisor.diagnosis import DIAGNOSIS_SCHEMA_VERSION, Diagnosis
from kamadvisor.errors import InputError, Problem
from kamadvisor.memo import memo_view
from kamadvisor.pictures import (
    PICTURE_STYLE,
    account_matrix,
    contact_grid,
    strength_factors,
    strength_svg,
)
from kamadvisor.rulebook import SEVERITY_ORDER, Rulebook, resource_dir
from kamadvisor.sandbox import TemplateError, template_environment

MemoFormat = Literal["md", "html", "json"]
MEMO_FORMATS: tuple[str, ...] = get_args(MemoFormat)
# JSON is the model dump (see `render_json`); the other formats render from these templates.
TEMPLATE_NAMES: dict[str, str] = {"md": "memo.md.j2", "html": "memo.html.j2"}
DIAGNOSIS_SCHEMA_ID = schema_id("diagnosis", DIAGNOSIS_SCHEMA_VERSION)


def template_dirs(rulebook: Rulebook) -> list[Path]:
    """A pack's own templates first, then the bundled ones: a pack overrides by file name."""
    return [*rulebook.template_dirs, resource_dir("templates")]


def memo_context(
    diagnosis: Diagnosis,
    rulebook: Rulebook,
    memo_format: str = "md",
    since_last_review: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The documented context every memo template receives (see README, "Template context").

    Everything is plain JSON-safe data (dicts, lists, strings, numbers), derived only from the
    diagnosis and the pack, and ordered deterministically.
    """
    data = diagnosis.model_dump(mode="json")
    findings: list[dict[str, Any]] = data["findings"]
    theme_order = sorted(
        rulebook.manifest.themes.items(), key=lambda item: (item[1].order, item[0])
    )
    findings_by_id = {finding["rule_id"]: finding for finding in findings}
    placement_rules = _placement_rules(data)
    acted_on = {action["rule_id"] for action in data["actions"]}
    recommendations = _recommendations(findings)
    sources, source_numbers = _sources(_reading_order(data, findings_by_id, recommendations))
    params = dict(sorted(rulebook.parameter_values.items()))
    return {
        "memo": memo_view(data, rulebook),
        "pictures": _pictures(data, params, rulebook),
        "diagnosis": data,
        "account": data["account"],
        "memo_date": data["assessed_on"],
        "format": memo_format,
        "params": params,
        "scales": {
            name: [{"value": value, "label": label} for value, label in spec.values.items()]
            for name, spec in rulebook.manifest.conclusions.items()
            if spec.single
        },
        "themes": [{"id": name, "title": theme.title} for name, theme in theme_order],
        "severities": list(SEVERITY_ORDER),
        "findings_by_id": findings_by_id,
        "recommendations": recommendations,
        "observations": [
            finding
            for finding in findings
            if finding["severity"] == "info" and finding["rule_id"] not in placement_rules
        ],
        "actions": [
            {**action, "finding": findings_by_id.get(action["rule_id"])}
            for action in data["actions"]
        ],
        "unplanned": [
            finding
            for group in recommendations
            for finding in group["findings"]
            if finding["rule_id"] not in acted_on
        ],
        "unanswered": _unanswered(data),
        "sources": sources,
        "source_numbers": source_numbers,
        "since_last_review": since_last_review,
    }


def _placement_rules(data: dict[str, Any]) -> list[str]:
    """The rules that placed the account, in the placements' order."""
    return [
        placement["rule_id"] for placement in data["placements"].values() if placement["rule_id"]
    ]


def _reading_order(
    data: dict[str, Any],
    findings_by_id: dict[str, dict[str, Any]],
    recommendations: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Sources are numbered in reading order: placements, then recommendations, then the rest."""
    return [
        *(
            findings_by_id[rule_id]
            for rule_id in _placement_rules(data)
            if rule_id in findings_by_id
        ),
        *(finding for group in recommendations for finding in group["findings"]),
        *data["findings"],
    ]


def _pictures(data: dict[str, Any], params: dict[str, Any], rulebook: Rulebook) -> dict[str, Any]:
    category = rulebook.manifest.conclusions.get("category")
    factors = strength_factors(data["facts"])
    return {
        "matrix": Markup(account_matrix(data, params, dict(category.values) if category else {})),
        "strength": Markup(strength_svg(factors, data["account"]["name"])) if factors else "",
        "strength_factors": factors,
        "contacts": contact_grid(data["account"]["contacts"]),
        "style": Markup(PICTURE_STYLE),
    }


def _unanswered(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each unanswered question with the placements its answer could inform."""
    return [
        {
            **question,
            "informs": [
                name
                for name, placement in data["placements"].items()
                if question["path"] in placement["missing_answers"]
            ],
        }
        for question in data["unanswered"]
    ]


def _recommendations(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings that advise (severity above info), grouped by theme. Findings arrive ranked by
    severity; a theme's group comes in the rank of its most severe finding, then theme order."""
    groups: dict[str, dict[str, Any]] = {}
    for finding in findings:
        if finding["severity"] == "info":
            continue
        group = groups.setdefault(
            finding["theme"],
            {
                "theme": finding["theme"],
                "title": finding["theme_title"],
                "severity": finding["severity"],
                "findings": [],
            },
        )
        group["findings"].append(finding)
    return list(groups.values())


def _sources(
    findings: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Each distinct cited passage once, numbered in the order `findings` (which may repeat a
    finding) first cite it."""
    sources: list[dict[str, Any]] = []
    numbers: dict[str, int] = {}
    by_passage: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for finding in findings:
        source = finding["source"]
        if source is None or finding["rule_id"] in numbers:
            continue
        key = (source["paper"], source["quote"], source["note"])
        entry = by_passage.get(key)
        if entry is None:
            entry = by_passage[key] = {"number": len(sources) + 1, **source, "rule_ids": []}
            sources.append(entry)
        entry["rule_ids"].append(finding["rule_id"])
        numbers[finding["rule_id"]] = entry["number"]
    return sources, numbers


def render_memo(
    diagnosis: Diagnosis,
    rulebook: Rulebook,
    memo_format: MemoFormat = "md",
    since_last_review: dict[str, Any] | None = None,
) -> str:
    """The memo in `memo_format`; the same diagnosis and pack always give the same text.
    `since_last_review` is a comparison with the previous assessment (`memo --previous`)."""
    if memo_format == "json":
        return render_json(diagnosis)
    context = memo_context(diagnosis, rulebook, memo_format, since_last_review)
    limits = template_limits(rulebook.parameter_values)
    return render_pack_template(rulebook, TEMPLATE_NAMES[memo_format], context, limits)


def render_pack_template(
    rulebook: Rulebook, name: str, context: dict[str, Any], limits: RenderLimits
) -> str:
    """Render the pack's template `name` (HTML autoescaped) in the sandbox within `limits`; a
    template error is the pack's, located at its file and line."""
    environment = template_environment(
        tuple(template_dirs(rulebook)), autoescape=name.endswith(".html.j2")
    )
    try:
        return render_bounded(environment.get_template(name), context, limits)
    except TemplateError as error:
        where = getattr(error, "filename", None) or name
        line = getattr(error, "lineno", None)
        raise InputError(
            [Problem(str(where), line, None, "", f"template error: {error}")]
        ) from None


def render_json(diagnosis: Diagnosis) -> str:
    """The full diagnosis as JSON, valid against `diagnosis_schema()`."""
    return dump_json(diagnosis.model_dump(mode="json"))


def diagnosis_schema() -> dict[str, Any]:
    """The JSON Schema of the JSON memo, generated from the Diagnosis model and versioned: a
    change to the model's shape needs a new DIAGNOSIS_SCHEMA_VERSION."""
    return contract_schema(
        Diagnosis,
        name="diagnosis",
        version=DIAGNOSIS_SCHEMA_VERSION,
        title="kamadvisor diagnosis",
        description=(
            "The diagnosis of one account, as `kamadvisor memo -f json` writes it: "
            "placements with their evidence, ranked findings with sources, "
            "the 90-day actions, the derived facts and the questions left unanswered."
        ),
    )


def render_diagnosis_schema() -> str:
    return dump_json(diagnosis_schema())
