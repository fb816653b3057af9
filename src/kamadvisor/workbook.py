"""The blank workbook `questionnaire template` writes: one row an account, dropdowns, a help sheet."""

from __future__ import annotations

import io
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kamadvisor.errors import UsageError
from kamadvisor.output import deterministic_zip, write_output
from kamadvisor.questionnaire import Contact, Questionnaire, TeamMember
from kamadvisor.questions import sections_of
from kamadvisor.tabular import ACCOUNT_SHEET, KEY_COLUMN, column_kind
from kamadvisor.typeinfo import field_bounds, literal_values
from kamadvisor.typeinfo import is_list as holds_a_list

TEMPLATE_ROWS = 5000


NUMBER_FORMATS = {"percent": "0.0%", "integer": "0", "number": "#,##0.00", "date": "yyyy-mm-dd"}
PERCENT_NOTE = (
    "Percent columns (names ending in _pct) are formatted as percentages: type 22% (Excel and "
    "LibreOffice store it as 0.22) and kamadvisor reads 22 percent. Scores are whole numbers "
    "from 1 to 10; counts are whole numbers. Dates are YYYY-MM-DD. Leave a cell empty when you "
    "do not know the answer: empty is unanswered, never 'no' or 0."
)


def _number_validation(kind: str, info: FieldInfo) -> Any:
    """Excel's and LibreOffice's own check of a number column: whole numbers, bounds, percents."""
    from openpyxl.worksheet.datavalidation import DataValidation

    low, high = field_bounds(info)
    if kind not in ("integer", "number", "percent") or (low is None and high is None):
        return None
    scale = 100 if kind == "percent" else 1
    low = -1e15 if low is None else low
    high = 1e15 if high is None else high
    shown = f"{low:g}% to {high:g}%" if kind == "percent" else f"{low:g} to {high:g}"
    return DataValidation(
        type="whole" if kind == "integer" else "decimal",
        operator="between",
        formula1=f"{low / scale:g}",
        formula2=f"{high / scale:g}",
        allow_blank=True,
        showErrorMessage=True,
        error=f"Expected {'a whole number' if kind == 'integer' else 'a number'} from {shown}",
    )


def _columns(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, list[str], bool]]:
    columns = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if typing.get_origin(annotation) is list or (
            holds_a_list(annotation) and not list(literal_values(annotation))
        ):
            continue  # lists of people go on their own sheets
        allowed = list(literal_values(annotation))
        if "bool" in str(annotation) and not allowed:
            allowed = ["yes", "no"]
        columns.append(
            (f"{prefix}{name}", info.description or "", allowed, holds_a_list(annotation))
        )
    return columns


def _kind_and_info(
    sheet: str, column: str, model: type[Questionnaire]
) -> tuple[str, FieldInfo | None]:
    """What a template column holds, from the questionnaire model (as the reader reads it)."""
    if sheet == ACCOUNT_SHEET and "." in column:
        section, name = column.split(".", 1)
        info = sections_of(model)[section].model_fields.get(name)
    else:
        models: dict[str, type[BaseModel]] = {"contacts": Contact, "team": TeamMember}
        child = models.get(sheet)
        info = child.model_fields.get(column) if child is not None else None
        name = column
    return (column_kind(name, info.annotation), info) if info is not None else ("text", None)


def account_columns(
    model: type[Questionnaire] = Questionnaire,
) -> list[tuple[str, str, list[str], bool]]:
    columns: list[tuple[str, str, list[str], bool]] = []
    for section, section_model in sections_of(model).items():
        for name, description, allowed, is_list in _columns(section_model):
            if section == "team" and name == "members":
                continue
            columns.append((f"{section}.{name}", description, allowed, is_list))
    return columns


def write_template(destination: str, model: type[Questionnaire] = Questionnaire) -> None:
    """The blank workbook of `model`: the rulebook's questionnaire, house questions included."""
    import openpyxl

    target = Path(destination)
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"{destination}: the template is a workbook; name it with .xlsx")
    if not target.parent.is_dir():
        raise UsageError(f"{destination}: directory {target.parent} does not exist")
    workbook = openpyxl.Workbook()
    sheets: list[tuple[str, list[tuple[str, str, list[str], bool]]]] = [
        (ACCOUNT_SHEET, account_columns(model)),
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
        for index, column in enumerate(columns, start=1):
            help_rows.append(_template_column(sheet, index, column, model))
    _help_sheet(workbook, help_rows)
    # Saved in memory, then written like every output: renamed into place, or written through
    # to a device or FIFO (never replacing it).
    workbook.properties.creator = "kamadvisor"
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_output(_fixed_time(buffer.getvalue()), destination)


# The template has no date of its own: its document properties carry a fixed one, so that the same
# rulebook always gives the same bytes (openpyxl stamps the time of saving, whatever it is told).
TEMPLATE_TIME = "2000-01-01T00:00:00Z"
CORE_PROPERTIES = "docProps/core.xml"


def _fixed_time(data: bytes) -> bytes:
    import re
    import zipfile

    core = zipfile.ZipFile(io.BytesIO(data)).read(CORE_PROPERTIES).decode("utf-8")
    fixed = re.sub(
        r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{TEMPLATE_TIME}\2", core
    )
    return deterministic_zip(data, {CORE_PROPERTIES: fixed.encode("utf-8")})


def _template_column(
    sheet: Any, index: int, column: tuple[str, str, list[str], bool], model: type[Questionnaire]
) -> tuple[str, str, str, str]:
    """A column's heading, width, number format and checks; its row of the help sheet."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    name, description, allowed, is_list = column
    title = sheet.title
    cell = sheet.cell(row=1, column=index)
    cell.font = Font(bold=True)
    letter = cell.column_letter
    sheet.column_dimensions[letter].width = max(14, min(len(name) + 2, 40))
    column_type, info = _kind_and_info(title, name, model)
    if column_type in NUMBER_FORMATS:
        # A column style: what is typed into the column later takes its format.
        sheet.column_dimensions[letter].number_format = NUMBER_FORMATS[column_type]
    number_validation = _number_validation(column_type, info) if info else None
    if number_validation is not None:
        number_validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
        sheet.add_data_validation(number_validation)
    if allowed and not is_list:
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(allowed) + '"',
            allow_blank=True,
            showErrorMessage=True,
            error=f"Choose one of: {', '.join(allowed)}",
        )
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
        sheet.add_data_validation(validation)
    kind = "list, separated by commas, of: " if is_list else ("one of: " if allowed else "")
    return (title, name, description, kind + ", ".join(allowed))


def _help_sheet(workbook: Any, help_rows: list[tuple[str, str, str, str]]) -> None:
    from openpyxl.styles import Font

    help_sheet = workbook.create_sheet("help")
    help_sheet.append([PERCENT_NOTE])
    help_sheet.append([])
    help_sheet.append(["sheet", "column", "question", "answers"])
    for row in help_rows:
        help_sheet.append(list(row))
    for letter, width in zip("ABCD", (10, 38, 80, 60), strict=True):
        help_sheet.column_dimensions[letter].width = width
    help_sheet.cell(row=3, column=1).font = Font(bold=True)
