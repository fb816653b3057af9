"""The schemas kamadvisor commits to: the questionnaire it reads and the JSON it writes.

Each is generated from its model and committed under schemas/ as `NAME-VERSION.json` (shipped in
the package): the test suite fails when the generated schema differs from the committed one of the
same version, so a change of shape is a new version, never a silent one. `questionnaire new`
points editors at the committed questionnaire schema with a yaml-language-server modeline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kamadvisor.compare import COMPARISON_SCHEMA_VERSION
from kamadvisor.compare_render import comparison_schema
from kamadvisor.contract import JSON_SCHEMA_DIALECT, contract_schema, dump_json, schema_id
from kamadvisor.diagnosis import DIAGNOSIS_SCHEMA_VERSION
from kamadvisor.portfolio import REPORT_SCHEMA_VERSION, PortfolioReport
from kamadvisor.portfolio_movement import (
    MOVEMENT_SCHEMA_VERSION,
    PortfolioMovement,
    movement_schema,
)
from kamadvisor.questionnaire import Questionnaire
from kamadvisor.render import diagnosis_schema
from kamadvisor.resources import resource_dir

# The questionnaire's shape: a new or retyped question is a new version.
QUESTIONNAIRE_SCHEMA_VERSION = "1.0"


def questionnaire_schema(model: type[Questionnaire] = Questionnaire) -> dict[str, Any]:
    """The JSON Schema of an account questionnaire (YAML or JSON), for editors and validators.
    An input's schema stays open where the model is: unanswered questions may be left out.
    Only the base questionnaire's schema is the committed contract (it has the `$id`); a model
    with house packs' questions is the house's own."""
    schema = model.model_json_schema()
    contract: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT}
    if model is Questionnaire:
        contract["$id"] = schema_id("questionnaire", QUESTIONNAIRE_SCHEMA_VERSION)
    return {
        **contract,
        "version": QUESTIONNAIRE_SCHEMA_VERSION,
        **{key: value for key, value in schema.items() if key != "title"},
        "title": "kamadvisor account questionnaire",
    }


def report_schema() -> dict[str, Any]:
    """The JSON Schema of `portfolio -f json` (the movement since the last review only when the
    run was given the previous report)."""
    return contract_schema(
        PortfolioReport,
        name="report",
        version=REPORT_SCHEMA_VERSION,
        title="kamadvisor portfolio report",
        description=(
            "A portfolio of accounts diagnosed, as `kamadvisor portfolio -f json` writes it: each "
            "account's placements, findings and facts, the records skipped, the portfolio's facts "
            "and findings, and, given the previous report, what moved since."
        ),
        optional={"movement": PortfolioMovement},
    )


SCHEMAS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "questionnaire": (QUESTIONNAIRE_SCHEMA_VERSION, questionnaire_schema),
    "diagnosis": (DIAGNOSIS_SCHEMA_VERSION, diagnosis_schema),
    "report": (REPORT_SCHEMA_VERSION, report_schema),
    "comparison": (COMPARISON_SCHEMA_VERSION, comparison_schema),
    "portfolio-movement": (MOVEMENT_SCHEMA_VERSION, movement_schema),
}


def render_schema(name: str) -> str:
    return dump_json(SCHEMAS[name][1]())


def committed_schema_path(name: str) -> Path:
    """Where the committed schema of the present version is (in the package, or the checkout)."""
    version = SCHEMAS[name][0]
    return resource_dir("schemas") / f"{name}-{version}.json"


def yaml_modeline() -> str:
    """The first line of a blank questionnaire: editors with the YAML language server validate
    and complete answers against the committed questionnaire schema."""
    return f"# yaml-language-server: $schema={committed_schema_path('questionnaire').as_uri()}\n"


def schema_drift(name: str) -> str | None:
    """Why the generated schema of `name` breaks its contract, or None when it keeps it: the
    committed schema of its version must exist and be the generated one, to the letter."""
    version = SCHEMAS[name][0]
    path = committed_schema_path(name)
    generated = render_schema(name)
    regenerate = f"kamadvisor schema {name} > schemas/{name}-{version}.json"
    if not path.is_file():
        return f"{name} {version} has no committed schema; commit it: {regenerate}"
    if path.read_text(encoding="utf-8") != generated:
        return (
            f"the {name} schema's shape changed but its version is still {version}: give the "
            f"model a new schema version, then commit the new schema: {regenerate}"
        )
    return None
