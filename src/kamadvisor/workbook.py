"""The blank workbook `questionnaire template` writes: one row an account, dropdowns, a help sheet."""

from __future__ import annotations

import os
import tempfile
import typing
from pathlib import Path

from pydantic import BaseModel

from kamadvisor.blank import _allowed, _is_list
from kamadvisor.errors import UsageError
from kamadvisor.output import file_mode
from kamadvisor.questionnaire import SECTION_MODELS, Contact, TeamMember
from kamadvisor.tabular import ACCOUNT_SHEET, KEY_COLUMN


def _columns(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, list[str], bool]]:
    columns = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if typing.get_origin(annotation) is list or (
            _is_list(annotation) and not _allowed(annotation)
        ):
            continue  # lists of people go on their own sheets
        allowed = _allowed(annotation)
        if "bool" in str(annotation) and not allowed:
            allowed = ["yes", "no"]
        columns.append((f"{prefix}{name}", info.description or "", allowed, _is_list(annotation)))
    return columns


def account_columns() -> list[tuple[str, str, list[str], bool]]:
    columns: list[tuple[str, str, list[str], bool]] = []
    for section, model in SECTION_MODELS.items():
        for name, description, allowed, is_list in _columns(model):
            if section == "team" and name == "members":
                continue
            columns.append((f"{section}.{name}", description, allowed, is_list))
    return columns


def write_template(destination: str) -> None:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    target = Path(destination)
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"{destination}: the template is a workbook; name it with .xlsx")
    if not target.parent.is_dir():
        raise UsageError(f"{destination}: directory {target.parent} does not exist")
    workbook = openpyxl.Workbook()
    sheets: list[tuple[str, list[tuple[str, str, list[str], bool]]]] = [
        (ACCOUNT_SHEET, account_columns()),
        (
            "contacts",
            [
                (KEY_COLUMN, "The id of the account this person belongs to.", [], False),
                *_columns(Contact),
            ],
        ),
        (
            "team",
            [
                (KEY_COLUMN, "The id of the account this person works on.", [], False),
                *_columns(TeamMember),
            ],
        ),
    ]
    first = True
    help_rows: list[tuple[str, str, str, str]] = []
    for title, columns in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title
        sheet.append([name for name, *_ in columns])
        sheet.freeze_panes = "A2"
        for index, (name, description, allowed, is_list) in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font = Font(bold=True)
            letter = cell.column_letter
            sheet.column_dimensions[letter].width = max(14, min(len(name) + 2, 40))
            if allowed and not is_list:
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(allowed) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    error=f"Choose one of: {', '.join(allowed)}",
                )
                validation.add(f"{letter}2:{letter}5000")
                sheet.add_data_validation(validation)
            kind = "list, separated by commas, of: " if is_list else ("one of: " if allowed else "")
            help_rows.append((title, name, description, kind + ", ".join(allowed)))
    help_sheet = workbook.create_sheet("help")
    help_sheet.append(["sheet", "column", "question", "answers"])
    for row in help_rows:
        help_sheet.append(list(row))
    for letter, width in zip("ABCD", (10, 38, 80, 60), strict=True):
        help_sheet.column_dimensions[letter].width = width
    help_sheet.cell(row=1, column=1).font = Font(bold=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    os.close(handle)
    Path(temporary).chmod(file_mode(target))
    try:
        workbook.save(temporary)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
