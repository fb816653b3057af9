"""A workbook's sheets read by what each cell means: .xlsx, .xlsm, .xls and .ods.

Values come from python-calamine (fast, and it reads every cell whatever the stored dimension
says). What calamine does not report is read from the file itself: which cells are formatted as
a percentage (Excel stores `22%` as 0.22), which formulas were never calculated (no saved value),
and, for .ods, the document's language (how its text numbers write decimals).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from kamadvisor.cellvalues import Decimal, decimal_of_language
from kamadvisor.errors import InputError, Problem, column_letter

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# Excel's built-in number formats 9 (0%) and 10 (0.00%).
_BUILTIN_PERCENT_FORMATS = frozenset({9, 10})
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"

Position = tuple[int, int]  # (row, column), 1-based as a spreadsheet numbers them


class PercentCell(float):
    """A number the workbook shows as a percentage: 0.22 shown as 22%."""


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # from A1; empty cells are None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Workbook:
    sheets: dict[str, Sheet]
    decimal: Decimal | None  # how its text numbers write decimals, when the file says
    # False for .xls (a binary format whose cell formats are not read): a percent cell cannot
    # be told from a plain number there.
    percent_formats_known: bool = True


def read_workbook(name: str, raw: bytes, wanted: list[str]) -> Workbook:
    """The sheets whose names (case-insensitively) are in `wanted`; the first sheet stands in
    for `wanted[0]` when no sheet has that name."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except (CalamineError, ValueError, OSError) as error:
        raise InputError(
            [Problem(name, message=f"not a readable workbook (.xlsx, .xls or .ods): {error}")]
        ) from None
    archive = _archive(raw)
    try:
        styles = _XlsxStyles(archive) if archive is not None and _is_xlsx(archive) else None
    except (ElementTree.ParseError, KeyError, ValueError) as error:
        raise InputError(
            [Problem(name, message=f"the workbook's cell styles cannot be read ({error})")]
        ) from None
    sheets: dict[str, Sheet] = {}
    for wanted_name, actual in _chosen_sheets(book.sheet_names, wanted).items():
        sheet = _read_sheet(name, book.get_sheet_by_name(actual), actual)
        _apply_cell_formats(name, archive, styles, sheet)
        sheets[wanted_name] = sheet
    decimal = _ods_decimal(archive) if archive is not None and styles is None else None
    return Workbook(sheets, decimal, percent_formats_known=archive is not None)


def _chosen_sheets(sheet_names: list[str], wanted: list[str]) -> dict[str, str]:
    """Each wanted name's sheet, by its name in the workbook."""
    names = {sheet.strip().lower(): sheet for sheet in sheet_names}
    chosen: dict[str, str] = {}
    for index, wanted_name in enumerate(wanted):
        actual = names.get(wanted_name)
        if actual is None and index == 0 and sheet_names:
            actual = sheet_names[0]
        if actual is not None:
            chosen[wanted_name] = actual
    return chosen


def _read_sheet(name: str, calamine_sheet: Any, actual: str) -> Sheet:
    """A sheet's values, with a problem for each merged range (its value stands in one cell)."""
    rows = [
        [None if cell == "" else cell for cell in row]
        for row in calamine_sheet.to_python(skip_empty_area=False)
    ]
    sheet = Sheet(actual, rows)
    for (first_row, first_col), (last_row, last_col) in calamine_sheet.merged_cell_ranges or []:
        start = f"{column_letter(first_col + 1)}{first_row + 1}"
        end = f"{column_letter(last_col + 1)}{last_row + 1}"
        sheet.problems.append(
            Problem(
                name,
                first_row + 1,
                first_col + 1,
                message=f"cells {start}:{end} are merged; unmerge them and fill in each "
                "row's value",
                sheet=actual,
            )
        )
    return sheet


def _apply_cell_formats(
    name: str, archive: zipfile.ZipFile | None, styles: _XlsxStyles | None, sheet: Sheet
) -> None:
    try:
        if styles is not None and archive is not None:
            _apply_xlsx_cells(name, archive, styles, sheet)
        elif archive is not None and "content.xml" in archive.namelist():
            _apply_ods_percent(archive, sheet)
    except (ElementTree.ParseError, KeyError, ValueError, zipfile.BadZipFile) as error:
        # Never read on without the formats: a percent cell would be read as its fraction.
        raise InputError(
            [
                Problem(
                    name,
                    message=f"the cell formats of sheet {sheet.name} cannot be read ({error}); "
                    "open the workbook in a spreadsheet program, save it, and try again",
                )
            ]
        ) from None


def _archive(raw: bytes) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        return None  # .xls is not a zip archive


def _is_xlsx(archive: zipfile.ZipFile) -> bool:
    return "xl/workbook.xml" in archive.namelist()


def _set(sheet: Sheet, position: Position, value: Any) -> None:
    row, column = position
    while len(sheet.rows) < row:
        sheet.rows.append([])
    cells = sheet.rows[row - 1]
    while len(cells) < column:
        cells.append(None)
    cells[column - 1] = value


def _get(sheet: Sheet, position: Position) -> Any:
    row, column = position
    if row > len(sheet.rows) or column > len(sheet.rows[row - 1]):
        return None
    return sheet.rows[row - 1][column - 1]


class _XlsxStyles:
    """Which cell styles (`s` indexes) of an .xlsx show numbers as percentages."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.percent: set[str] = set()
        self.sheet_parts = _xlsx_sheet_parts(archive)
        try:
            root = ElementTree.fromstring(archive.read("xl/styles.xml"))
        except (KeyError, ElementTree.ParseError):
            return
        percent_formats = set(_BUILTIN_PERCENT_FORMATS)
        for number_format in root.iter(f"{_MAIN}numFmt"):
            if _is_percent_code(number_format.get("formatCode", "")):
                percent_formats.add(int(number_format.get("numFmtId", "-1")))
        cell_formats = root.find(f"{_MAIN}cellXfs")
        for index, xf in enumerate(cell_formats if cell_formats is not None else []):
            if int(xf.get("numFmtId", "0")) in percent_formats:
                self.percent.add(str(index))


def _is_percent_code(code: str) -> bool:
    # A '%' in a format code multiplies by 100 unless quoted, escaped or inside [...].
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in bare


def _xlsx_sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {
        rel.get("Id", ""): rel.get("Target", "") for rel in relations.iter(f"{_RELS}Relationship")
    }
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_DOC_RELS}id", ""), "")
        parts[sheet.get("name", "")] = (
            target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        )
    return parts


def _xlsx_cells(archive: zipfile.ZipFile, part: str) -> Iterator[tuple[Position, Any]]:
    """Each `<c>` element of a worksheet with its position (computed when `r` is left out)."""
    row_number, column = 0, 0
    with archive.open(part) as stream:
        for _, element in ElementTree.iterparse(stream, events=("end",)):
            if element.tag == f"{_MAIN}row":
                element.clear()
                continue
            if element.tag != f"{_MAIN}c":
                continue
            reference = element.get("r")
            if reference:
                match = re.fullmatch(r"([A-Z]+)(\d+)", reference)
                if match:
                    column = _column_number(match[1])
                    row_number = int(match[2])
            else:
                column += 1
            yield (row_number, column), element


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _apply_xlsx_cells(
    name: str, archive: zipfile.ZipFile, styles: _XlsxStyles, sheet: Sheet
) -> None:
    part = styles.sheet_parts.get(sheet.name)
    if part is None or part not in archive.namelist():
        return
    with archive.open(part) as stream:
        has_formula = re.search(rb"<(?:\w+:)?f[ >/]", stream.read()) is not None
    if not styles.percent and not has_formula:
        return
    for position, element in _xlsx_cells(archive, part):
        formula = element.find(f"{_MAIN}f")
        value = element.find(f"{_MAIN}v")
        if formula is not None and (value is None or value.text is None):
            row, column = position
            sheet.problems.append(
                Problem(
                    name,
                    row,
                    column,
                    message=f"formula ={formula.text or ''} has no saved value; open the workbook "
                    "in a spreadsheet program, save it, and try again",
                    sheet=sheet.name,
                )
            )
        elif element.get("s") in styles.percent:
            current = _get(sheet, position)
            if isinstance(current, int | float) and not isinstance(current, bool):
                _set(sheet, position, PercentCell(current))
        element.clear()


def _apply_ods_percent(archive: zipfile.ZipFile, sheet: Sheet) -> None:
    """OpenDocument marks a percentage cell by its value type."""
    with archive.open("content.xml") as stream:
        row_number = 0
        in_sheet = False
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            if element.tag == f"{_TABLE}table":
                in_sheet = event == "start" and element.get(f"{_TABLE}name") == sheet.name
                continue
            if not in_sheet or event != "end" or element.tag != f"{_TABLE}table-row":
                continue
            repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
            column = 0
            for cell in element:
                span = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
                if cell.get(f"{_OFFICE}value-type") == "percentage":
                    for offset in range(span if span < 1024 else 0):
                        for row_offset in range(repeat if repeat < 1024 else 0):
                            position = (row_number + row_offset + 1, column + offset + 1)
                            current = _get(sheet, position)
                            if isinstance(current, int | float) and not isinstance(current, bool):
                                _set(sheet, position, PercentCell(current))
                column += span
            row_number += repeat
            element.clear()


def _ods_decimal(archive: zipfile.ZipFile) -> Decimal | None:
    """The decimal mark of the document's default language (LibreOffice writes the user's)."""
    for part in ("styles.xml", "content.xml"):
        if part not in archive.namelist():
            continue
        try:
            root = ElementTree.fromstring(archive.read(part))
        except ElementTree.ParseError:
            continue
        for element in root.iter():
            language = element.get(f"{_FO}language")
            if language and language.lower() not in ("zxx", "none"):
                return decimal_of_language(language)
    return None
