"""Portfolio movement: this portfolio report against a previous one (`portfolio --previous`).

Accounts are matched by id (by name where a report gives no id). Only what a movement needs is
read from the previous report, so reports of earlier versions compare too: each account's
category, phase and matrix scores, and the portfolio findings.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, ValidationError

from kamadvisor.errors import InputError, Problem
from kamadvisor.portfolio import AccountResult, PortfolioReport
from kamadvisor.sourcefile import load_document, render_path

# The movement's own schema version: `kamadvisor schema portfolio-movement` prints its schema.
MOVEMENT_SCHEMA_VERSION = "1.0"
MOVEMENT_SCHEMA_ID = f"urn:kamadvisor:schema:portfolio-movement:{MOVEMENT_SCHEMA_VERSION}"
MOVED_PLACEMENTS = ("category", "phase")
SCORES = ("scores.attractiveness", "scores.business_strength")


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _PreviousPlacement(_Lenient):
    value: str | None = None
    label: str | None = None


class _PreviousAccount(_Lenient):
    name: str
    id: str | None = None
    placements: dict[str, _PreviousPlacement] = {}
    facts: dict[str, Any] = {}


class _PreviousFinding(_Lenient):
    rule_id: str
    title: str
    severity: str


class PreviousReport(_Lenient):
    schema_version: str
    assessed_on: date | None = None
    accounts: list[_PreviousAccount]
    findings: list[_PreviousFinding]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Position(Frozen):
    attractiveness: float
    business_strength: float


class AccountMove(Frozen):
    id: str | None
    name: str
    changed: list[str]
    before: dict[str, str | None]
    after: dict[str, str | None]
    position_before: Position | None
    position_after: Position | None


class AccountRef(Frozen):
    id: str | None
    name: str


class FindingRef(Frozen):
    rule_id: str
    title: str
    severity: str


class PortfolioMovement(Frozen):
    """What `portfolio --previous` adds to the report, under `movement`."""

    schema_version: str = MOVEMENT_SCHEMA_VERSION
    previous_assessed_on: date | None
    moved: list[AccountMove]
    added: list[AccountRef]
    dropped: list[AccountRef]
    findings_resolved: list[FindingRef]
    findings_new: list[FindingRef]


def movement_schema() -> dict[str, Any]:
    """The JSON Schema of the report's `movement`, generated from the model and versioned: every
    property required, no others allowed, so a change of shape needs a new schema version."""
    schema = PortfolioMovement.model_json_schema(mode="serialization")
    for definition in [schema, *schema.get("$defs", {}).values()]:
        if "properties" in definition:
            definition["required"] = list(definition["properties"])
            definition.setdefault("additionalProperties", False)
    schema["properties"]["schema_version"] = {
        "const": MOVEMENT_SCHEMA_VERSION,
        "title": "Schema Version",
        "type": "string",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": MOVEMENT_SCHEMA_ID,
        "version": MOVEMENT_SCHEMA_VERSION,
        **{key: value for key, value in schema.items() if key != "title"},
        "title": "kamadvisor portfolio movement",
        "description": (
            "The portfolio's movement since a previous report, as `kamadvisor portfolio "
            "--previous REPORT.json -f json` writes it under `movement`: the accounts that "
            "changed category or phase with their positions on the matrix before and after, the "
            "accounts added and dropped, and the portfolio findings resolved and new."
        ),
    }


def load_previous_report(path: str, stdin: TextIO | None = None) -> PreviousReport:
    document = load_document(path, stdin=stdin)
    try:
        report = PreviousReport.model_validate(document.data)
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            location = tuple(detail["loc"])
            line, column = document.locate(location) or (None, None)
            problems.append(
                Problem(
                    document.name,
                    line,
                    column,
                    render_path(location),
                    f"{detail['msg']}; expected a portfolio report written by "
                    "`kamadvisor portfolio -f json`",
                )
            )
        raise InputError(problems) from None
    if report.schema_version.split(".")[0] != "1":
        line, column = document.locate(("schema_version",)) or (None, None)
        raise InputError(
            [
                Problem(
                    document.name,
                    line,
                    column,
                    "schema_version",
                    f"'{report.schema_version}' is not a portfolio report version this "
                    "kamadvisor reads (1.x)",
                )
            ]
        )
    return report


def _key(account_id: str | None, name: str) -> tuple[str, str]:
    return ("id", account_id) if account_id else ("name", name)


def _position(facts: dict[str, Any]) -> Position | None:
    values = [facts.get(name) for name in SCORES]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return None
    return Position(attractiveness=float(values[0]), business_strength=float(values[1]))  # type: ignore[arg-type]


def portfolio_movement(report: PortfolioReport, previous: PreviousReport) -> PortfolioMovement:
    old = {_key(account.id, account.name): account for account in previous.accounts}
    new = {_key(account.id, account.name): account for account in report.accounts}
    moved = [
        move
        for key, account in new.items()
        if key in old and (move := _move(old[key], account)) is not None
    ]
    old_findings = {finding.rule_id: finding for finding in previous.findings}
    new_findings = {finding.rule_id for finding in report.findings}
    return PortfolioMovement(
        previous_assessed_on=previous.assessed_on,
        moved=moved,
        added=[AccountRef(id=a.id, name=a.name) for key, a in new.items() if key not in old],
        dropped=[AccountRef(id=a.id, name=a.name) for key, a in old.items() if key not in new],
        findings_resolved=[
            FindingRef(rule_id=f.rule_id, title=f.title, severity=f.severity)
            for f in previous.findings
            if f.rule_id not in new_findings
        ],
        findings_new=[
            FindingRef(rule_id=f.rule_id, title=f.title, severity=f.severity)
            for f in report.findings
            if f.rule_id not in old_findings
        ],
    )


def _move(before: _PreviousAccount, after: AccountResult) -> AccountMove | None:
    was = {name: before.placements.get(name, _PreviousPlacement()) for name in MOVED_PLACEMENTS}
    now = {name: after.placements.get(name) for name in MOVED_PLACEMENTS}
    changed = [
        name
        for name in MOVED_PLACEMENTS
        if was[name].value != (now[name].value if now[name] else None)  # type: ignore[union-attr]
    ]
    if not changed:
        return None
    return AccountMove(
        id=after.id,
        name=after.name,
        changed=changed,
        before={name: was[name].label for name in MOVED_PLACEMENTS},
        after={name: p.label if p else None for name, p in now.items()},
        position_before=_position(before.facts),
        position_after=_position(after.facts),
    )
