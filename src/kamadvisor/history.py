"""History: every assessment found under some folders, grouped by account and ordered by date.

A folder may hold questionnaires in any layout (sub-folders by account, by quarter, or none).
A file that is not a valid questionnaire, or lacks the account id or the assessment date the
history is built on, is reported with its place and skipped; every other file is kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from kamadvisor.api import Advisor
from kamadvisor.errors import InputError, Problem
from kamadvisor.questionnaire import validate_questionnaire
from kamadvisor.sourcefile import load_document
from kamadvisor.tabular import MAX_ACCOUNTS, QUESTIONNAIRE_SUFFIXES

HISTORY_SCHEMA_VERSION = "1.0"
HIGH_SEVERITIES = ("critical", "high")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Placed(Frozen):
    value: str | None
    label: str | None


class Point(Frozen):
    """One assessment on an account's trajectory."""

    file: str
    assessed_on: date
    placements: dict[str, Placed]
    high_findings: list[str]


class Trajectory(Frozen):
    id: str
    name: str
    assessments: list[Point]


class Skipped(Frozen):
    place: str
    message: str


class History(Frozen):
    schema_version: str = HISTORY_SCHEMA_VERSION
    accounts: list[Trajectory]
    skipped: list[Skipped]


def questionnaire_files(paths: Iterable[Path]) -> list[Path]:
    """The questionnaire files given, and those under the folders given (at any depth)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    item
                    for item in path.rglob("*")
                    if item.suffix.lower() in QUESTIONNAIRE_SUFFIXES and item.is_file()
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise InputError([Problem(str(path), message="no such file or folder")])
    unique = list(dict.fromkeys(found))
    if len(unique) > MAX_ACCOUNTS:
        raise InputError([Problem("history", message=f"more than {MAX_ACCOUNTS} files")])
    return unique


def build_history(advisor: Advisor, paths: Iterable[Path]) -> History:
    points: dict[str, list[tuple[Point, str]]] = {}
    skipped: list[Skipped] = []
    for file in questionnaire_files(paths):
        try:
            point, account_id, name = _point(advisor, file)
        except InputError as error:
            skipped.extend(Skipped(place=p.place(), message=_message(p)) for p in error.problems)
            continue
        points.setdefault(account_id, []).append((point, name))
    accounts = []
    for account_id in sorted(points):
        ordered = sorted(points[account_id], key=lambda item: (item[0].assessed_on, item[0].file))
        accounts.append(
            Trajectory(
                id=account_id, name=ordered[-1][1], assessments=[point for point, _ in ordered]
            )
        )
    return History(accounts=accounts, skipped=skipped)


def _point(advisor: Advisor, file: Path) -> tuple[Point, str, str]:
    document = load_document(str(file))
    if not isinstance(document.data, dict) or "account" not in document.data:
        # A pack, a programme or a report beside the questionnaires: one line, not one per key.
        raise InputError(
            [
                Problem(
                    document.name,
                    message="not a questionnaire (it has no account section)",
                )
            ]
        )
    questionnaire = validate_questionnaire(document, advisor.rulebook.questionnaire)
    account = questionnaire.account
    problems = []
    for field, value in (("id", account.id), ("assessment_date", account.assessment_date)):
        if value is None:
            line, column = document.locate(("account", field)) or (None, None)
            problems.append(
                Problem(
                    document.name,
                    line,
                    column,
                    f"account.{field}",
                    "is unanswered; a history groups assessments by account id and orders "
                    "them by date",
                )
            )
    if problems:
        raise InputError(problems)
    assert account.id is not None
    assert account.assessment_date is not None
    diagnosis = advisor.diagnose(questionnaire)
    point = Point(
        file=file.as_posix(),
        assessed_on=account.assessment_date,
        placements={
            name: Placed(value=p.value, label=p.label) for name, p in diagnosis.placements.items()
        },
        high_findings=[f.rule_id for f in diagnosis.findings if f.severity in HIGH_SEVERITIES],
    )
    return point, account.id, account.name


def _message(problem: Problem) -> str:
    return f"{problem.path}: {problem.message}" if problem.path else problem.message


def render_history_json(history: History) -> str:
    return (
        json.dumps(history.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )


def render_history_text(history: History, columns: tuple[str, ...]) -> str:
    """Each account's trajectory as a plain table: date, the placements, open high findings."""
    lines: list[str] = []
    for trajectory in history.accounts:
        header = ["date", *(name.replace("_", " ") for name in columns), "high findings", "file"]
        rows = [
            [
                point.assessed_on.isoformat(),
                *(_label(point, name) for name in columns),
                str(len(point.high_findings)),
                point.file,
            ]
            for point in trajectory.assessments
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        lines.append(f"{trajectory.id}  {trajectory.name}")
        for row in [header, *rows]:
            lines.append(
                "  "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        lines.append("")
    if not history.accounts:
        lines.append("no assessments found")
    return "\n".join(lines).rstrip("\n") + "\n"


def _label(point: Point, name: str) -> str:
    placed = point.placements.get(name)
    return (placed.label if placed and placed.label else None) or "not determined"
