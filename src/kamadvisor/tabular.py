"""Many accounts from one file: a workbook (XLSX), a CSV file, or a folder of questionnaires.

A table has one account a row, its columns named by field path (`relationship.team_model`).
Contacts (and team members) sit on a sheet or CSV of their own, one person a row, keyed by
`account.id`. Every row becomes a questionnaire document whose fields are located at their
(row, column), so validation errors name the file, sheet, row and column.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kamadvisor.errors import InputError, Problem
from kamadvisor.questionnaire import SECTION_MODELS, Contact, TeamMember
from kamadvisor.sourcefile import MAX_INPUT_BYTES, SourceDocument, load_document

ACCOUNT_SHEET = "accounts"
KEY_COLUMN = "account.id"
# Child tables: sheet (or CSV suffix) -> where its rows go in the questionnaire, and their model.
CHILD_TABLES: dict[str, tuple[tuple[str, ...], type[Any]]] = {
    "contacts": (("contacts",), Contact),
    "team": (("team", "members"), TeamMember),
}
MAX_ACCOUNTS = 50_000
QUESTIONNAIRE_SUFFIXES = (".yaml", ".yml", ".json")

Cell = Any


@dataclass
class Place:
    """Where a value came from, for error messages."""

    file: str
    sheet: str | None
    row: int
    column: int

    @property
    def label(self) -> str:
        return f"{self.file}[{self.sheet}]" if self.sheet else self.file


@dataclass
class AccountRecord:
    """One account's answers and where each came from."""

    source: str
    document: SourceDocument
    places: dict[tuple[str | int, ...], Place] = field(default_factory=dict)

    def relocate(self, problem: Problem) -> Problem:
        """Point a validation problem at the sheet, row and column of the value it names."""
        key = tuple(_path_parts(problem.path))
        for end in range(len(key), 0, -1):
            place = self.places.get(key[:end])
            if place is not None:
                return Problem(place.label, place.row, place.column, problem.path, problem.message)
        return problem


@dataclass
class Batch:
    records: list[AccountRecord] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)


def _path_parts(path: str) -> Iterator[str | int]:
    for part in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", path):
        yield part.group(1) if part.group(1) is not None else int(part.group(2))


def read_batch(path: Path, contacts: Path | None = None) -> Batch:
    """All accounts of a workbook, a CSV file (with optional contacts CSV) or a folder."""
    if contacts is not None and (path.is_dir() or path.suffix.lower() not in (".csv", ".txt")):
        raise InputError(
            [
                Problem(
                    str(contacts),
                    message="--contacts goes with a CSV input; a workbook has a contacts sheet",
                )
            ]
        )
    if path.is_dir():
        return _read_folder(path)
    if not path.exists():
        raise InputError([Problem(str(path), message="file not found")])
    if path.stat().st_size > MAX_INPUT_BYTES * 10:
        raise InputError([Problem(str(path), message="file is larger than the 50 MiB limit")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        tables = _read_workbook(path)
    elif suffix in (".csv", ".txt"):
        tables = {ACCOUNT_SHEET: _read_csv(path)}
        if contacts is not None and not contacts.is_file():
            raise InputError([Problem(str(contacts), message="contacts file not found")])
        for name in CHILD_TABLES:
            sibling = contacts if (name == "contacts" and contacts) else _sibling(path, name)
            if sibling is not None and sibling.exists():
                tables[name] = _read_csv(sibling)
    else:
        raise InputError(
            [
                Problem(
                    str(path),
                    message="expected a .xlsx workbook, a .csv file or a folder of questionnaires",
                )
            ]
        )
    return _records_from_tables(tables)


def _sibling(path: Path, name: str) -> Path | None:
    candidate = path.with_name(f"{path.stem}-{name}{path.suffix}")
    return candidate if candidate.exists() else None


def _read_folder(folder: Path) -> Batch:
    batch = Batch()
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in QUESTIONNAIRE_SUFFIXES)
    if not files:
        raise InputError(
            [Problem(str(folder), message="no .yaml, .yml or .json questionnaires in this folder")]
        )
    if len(files) > MAX_ACCOUNTS:
        raise InputError(
            [Problem(str(folder), message=f"more than {MAX_ACCOUNTS} accounts in one batch")]
        )
    for file in files:
        try:
            document = load_document(str(file))
        except InputError as error:
            batch.skipped.extend(error.problems)
            continue
        batch.records.append(AccountRecord(source=str(file), document=document))
    return batch


@dataclass
class Table:
    file: str
    sheet: str | None
    header: list[str]
    rows: list[tuple[int, list[Cell]]]
    problems: list[Problem] = field(default_factory=list)


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows saves CSV in the local code page; Latin-1 reads every byte.
        text = raw.decode("cp1252", errors="replace")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        raise InputError(
            [Problem(str(path), 1, message="empty file; expected a header row of field paths")]
        )
    header = [cell.strip() for cell in rows[0]]
    body = [(index + 2, list(row)) for index, row in enumerate(rows[1:])]
    table = Table(str(path), None, header, body)
    if delimiter == ";":
        # A semicolon-separated file comes from a locale that writes decimals with a comma.
        table.rows = [(n, [_decimal_comma(cell) for cell in row]) for n, row in body]
    return table


def _decimal_comma(cell: str) -> str:
    stripped = cell.strip()
    if re.fullmatch(r"-?\d+,\d+", stripped):
        return stripped.replace(",", ".")
    return cell


def _read_workbook(path: Path) -> dict[str, Table]:
    import zipfile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise InputError(
            [Problem(str(path), message=f"not a readable .xlsx workbook ({error})")]
        ) from None
    tables: dict[str, Table] = {}
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        account_sheet = names.get(ACCOUNT_SHEET) or workbook.sheetnames[0]
        for wanted, actual in [(ACCOUNT_SHEET, account_sheet)] + [
            (child, names[child]) for child in CHILD_TABLES if child in names
        ]:
            sheet = workbook[actual]
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            table = Table(str(path), actual, [], [])
            if rows:
                table.header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
                table.rows = [(index + 2, row) for index, row in enumerate(rows[1:])]
            table.problems.extend(_merged_cell_problems(sheet, table))
            tables[wanted] = table
    finally:
        workbook.close()
    if any(_has_formula(table) for table in tables.values()):
        _fill_formula_values(path, tables)
    return tables


def _merged_cell_problems(sheet: Any, table: Table) -> list[Problem]:
    """Merged cells hold their value in one cell only: the other rows would silently lose it."""
    try:
        source = sheet._get_source()  # openpyxl's read-only sheets expose no merged ranges
        text = source.read().decode("utf-8", errors="replace")
    except (AttributeError, OSError):
        return []
    problems = []
    for ref in re.findall(r'<mergeCell ref="([A-Z]+\d+):([A-Z]+\d+)"', text):
        start, end = ref
        row = int(re.sub(r"[A-Z]", "", start))
        problems.append(
            Problem(
                f"{table.file}[{table.sheet}]",
                row,
                None,
                "",
                f"cells {start}:{end} are merged; unmerge them and fill in each row's value",
            )
        )
    return problems


def _has_formula(table: Table) -> bool:
    return any(
        isinstance(cell, str) and cell.startswith("=") for _, row in table.rows for cell in row
    )


def _fill_formula_values(path: Path, tables: dict[str, Table]) -> None:
    """Formulas are read by their saved value; one never calculated (no saved value) is an error."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for table in tables.values():
            values = [
                list(row) for row in workbook[table.sheet].iter_rows(min_row=2, values_only=True)
            ]
            filled = []
            for (number, row), saved in zip(table.rows, values, strict=False):
                new_row = list(row)
                for column, cell in enumerate(row):
                    if isinstance(cell, str) and cell.startswith("="):
                        value = saved[column] if column < len(saved) else None
                        if value is None:
                            table.problems.append(
                                Problem(
                                    f"{table.file}[{table.sheet}]",
                                    number,
                                    column + 1,
                                    table.header[column] if column < len(table.header) else "",
                                    f"formula {cell} has no saved value; open the workbook in a "
                                    "spreadsheet program, save it, and try again",
                                )
                            )
                        new_row[column] = value
                filled.append((number, new_row))
            table.rows = filled
    finally:
        workbook.close()


def _field_kinds() -> dict[str, str]:
    kinds: dict[str, str] = {}
    for section, model in SECTION_MODELS.items():
        for name, info in model.model_fields.items():
            kinds[f"{section}.{name}"] = _kind(info.annotation)
    return kinds


def _child_kinds(model: type[Any]) -> dict[str, str]:
    return {name: _kind(info.annotation) for name, info in model.model_fields.items()}


def _kind(annotation: Any) -> str:
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arguments) == 1:
        annotation = arguments[0]
    if typing.get_origin(annotation) is list:
        return "list"
    if annotation is str:
        return "text"
    return "scalar"


def _convert(cell: Cell, kind: str) -> Any:
    """A cell's answer, or None for an empty cell (unanswered)."""
    if cell is None:
        return None
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and kind == "text":
        return str(int(cell)) if float(cell).is_integer() else str(cell)
    if isinstance(cell, float) and cell.is_integer() and kind == "scalar":
        return int(cell)
    if isinstance(cell, str):
        text = cell.strip()
        if not text:
            return None
        if kind == "list":
            if text in ("[]", "-", "none"):
                return []
            return [item.strip() for item in re.split(r"[,;|]", text) if item.strip()]
        return text
    return cell


def _check_header(table: Table, allowed: dict[str, str], required: list[str]) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for column, name in enumerate(table.header, start=1):
        if not name:
            continue
        if name in seen:
            problems.append(
                Problem(
                    _label(table), 1, column, name, f"column '{name}' repeats column {seen[name]}"
                )
            )
        seen[name] = column
        if name not in allowed:
            hint = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            problems.append(
                Problem(_label(table), 1, column, name, f"unknown column '{name}'{suggestion}")
            )
    for name in required:
        if name not in seen:
            problems.append(
                Problem(
                    _label(table), 1, None, name, f"missing column '{name}': every table needs it"
                )
            )
    return problems


def _label(table: Table) -> str:
    return f"{table.file}[{table.sheet}]" if table.sheet else table.file


def _records_from_tables(tables: dict[str, Table]) -> Batch:
    batch = Batch()
    accounts = tables[ACCOUNT_SHEET]
    kinds = _field_kinds()
    header_problems = _check_header(accounts, kinds, ["account.name"])
    for name in CHILD_TABLES:
        if name in tables:
            model = CHILD_TABLES[name][1]
            allowed = {KEY_COLUMN: "scalar", **_child_kinds(model)}
            header_problems += _check_header(tables[name], allowed, [KEY_COLUMN])
    header_problems += [p for table in tables.values() for p in table.problems]
    if header_problems:
        raise InputError(header_problems)
    if len(accounts.rows) > MAX_ACCOUNTS:
        raise InputError(
            [Problem(_label(accounts), message=f"more than {MAX_ACCOUNTS} accounts in one batch")]
        )
    by_id: dict[str, AccountRecord] = {}
    for number, row in accounts.rows:
        if all(_convert(cell, "scalar") is None for cell in row):
            continue  # an empty row between accounts
        overflow = _overflow(accounts, number, row)
        if overflow is not None:
            batch.skipped.append(overflow)
            continue
        data: dict[str, Any] = {}
        record = AccountRecord(
            source=f"{_label(accounts)} row {number}", document=SourceDocument("", data)
        )
        record.document.name = f"{_label(accounts)}"
        for column, (name, cell) in enumerate(zip(accounts.header, row, strict=False), start=1):
            value = _convert(cell, kinds.get(name, "scalar"))
            if not name or value is None:
                continue
            section, field_name = name.split(".", 1)
            data.setdefault(section, {})[field_name] = value
            place = Place(accounts.file, accounts.sheet, number, column)
            record.places[(section, field_name)] = place
            record.document.locations[(section, field_name)] = (number, column)
        record.places.setdefault(("account",), Place(accounts.file, accounts.sheet, number, 1))
        record.document.locations.setdefault((), (number, 1))
        record.document.locations.setdefault(("account",), (number, 1))
        key = data.get("account", {}).get("id")
        if key is not None:
            key = str(key)
            if key in by_id:
                batch.skipped.append(
                    Problem(
                        _label(accounts),
                        number,
                        None,
                        KEY_COLUMN,
                        f"account id '{key}' repeats {by_id[key].source}; skipped",
                    )
                )
                continue
            by_id[key] = record
        batch.records.append(record)
    for name, (target, model) in CHILD_TABLES.items():
        if name in tables:
            _attach_children(tables[name], target, model, by_id, batch)
    return batch


def _overflow(table: Table, number: int, row: list[Cell]) -> Problem | None:
    """A row with values beyond the last column: an unquoted comma has shifted its cells."""
    extra = [cell for cell in row[len(table.header) :] if _convert(cell, "scalar") is not None]
    if not extra:
        return None
    return Problem(
        _label(table),
        number,
        len(table.header) + 1,
        "",
        f"row has {len(table.header) + len(extra)} values for {len(table.header)} columns; "
        'a list in one cell must be quoted ("monthly_volume, revenue"); skipped',
    )


def _attach_children(
    table: Table,
    target: tuple[str, ...],
    model: type[Any],
    by_id: dict[str, AccountRecord],
    batch: Batch,
) -> None:
    kinds = _child_kinds(model)
    for number, row in table.rows:
        cells = dict(zip(table.header, row, strict=False))
        if all(_convert(cell, "scalar") is None for cell in row):
            continue
        overflow = _overflow(table, number, row)
        if overflow is not None:
            batch.skipped.append(overflow)
            continue
        key = _convert(cells.get(KEY_COLUMN), "scalar")
        record = by_id.get(str(key)) if key is not None else None
        if record is None:
            batch.skipped.append(
                Problem(
                    _label(table),
                    number,
                    None,
                    KEY_COLUMN,
                    f"no account with id '{key}' for this row; skipped"
                    if key is not None
                    else "row has no account.id; skipped",
                )
            )
            continue
        data = record.document.data
        holder = data
        for part in target[:-1]:
            holder = holder.setdefault(part, {})
        items = holder.setdefault(target[-1], [])
        index = len(items)
        item: dict[str, Any] = {}
        for column, name in enumerate(table.header, start=1):
            if name == KEY_COLUMN or not name:
                continue
            value = _convert(cells.get(name), kinds.get(name, "scalar"))
            if value is None:
                continue
            item[name] = value
            record.places[(*target, index, name)] = Place(table.file, table.sheet, number, column)
        record.places[(*target, index)] = Place(table.file, table.sheet, number, 1)
        items.append(item)
