"""Many accounts from one file: a workbook (.xlsx, .xls, .ods), a CSV file, or a folder.

A table has one account a row, its columns named by field path (`relationship.team_model`).
Contacts (and team members) sit on a sheet or CSV of their own, one person a row, keyed by
`account.id`. Which columns exist and what each holds (a number, a percent, a date, a list ...)
is read from the questionnaire model, so a new question is a new column without a change here.
Every row becomes a questionnaire document whose fields are located at their (row, column), so
validation errors name the file, sheet, row and column. Every account row ends as a record to
diagnose or as a skipped row with its reasons: none is dropped without a word.
"""

from __future__ import annotations

import math
import re
import typing
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from kamadvisor.cellvalues import CellError, NumberLocale, parse_date, parse_number
from kamadvisor.delimited import CsvDialect, read_csv
from kamadvisor.errors import InputError, Problem
from kamadvisor.questionnaire import Contact, Questionnaire, TeamMember
from kamadvisor.questions import sections_of
from kamadvisor.sourcefile import (
    MAX_INPUT_BYTES,
    SourceDocument,
    check_regular_file,
    load_document,
    read_bounded,
)
from kamadvisor.spreadsheet import WORKBOOK_SUFFIXES, PercentCell, read_workbook
from kamadvisor.typeinfo import unwrap_optional
from kamadvisor.validation import did_you_mean

ACCOUNT_SHEET = "accounts"
KEY_COLUMN = "account.id"
# Child tables: sheet (or CSV suffix) -> where its rows go in the questionnaire, and their model.
CHILD_TABLES: dict[str, tuple[tuple[str, ...], type[Any]]] = {
    "contacts": (("contacts",), Contact),
    "team": (("team", "members"), TeamMember),
}
MAX_ACCOUNTS = 50_000
MAX_TABLE_BYTES = MAX_INPUT_BYTES * 10
QUESTIONNAIRE_SUFFIXES = (".yaml", ".yml", ".json")
CSV_SUFFIXES = (".csv", ".txt")

Cell = Any


@dataclass
class Place:
    """Where a value came from, for error messages."""

    file: str
    sheet: str | None
    row: int
    column: int


@dataclass
class AccountRecord:
    """One account's answers and where each came from: a value of the account's own row by its
    (row, column) in the document's locations, in `table` (file and sheet); any other value
    (a contact's, from another table) by its place."""

    source: str
    document: SourceDocument
    places: dict[tuple[str | int, ...], Place] = field(default_factory=dict)
    table: tuple[str, str | None] | None = None

    def relocate(self, problem: Problem) -> Problem:
        """Point a validation problem at the sheet, row and column of the value it names."""
        key = tuple(_path_parts(problem.path))
        for end in range(len(key), 0, -1):
            place = self._place(key[:end])
            if place is not None:
                return Problem(
                    place.file,
                    place.row,
                    place.column,
                    problem.path,
                    problem.message,
                    sheet=place.sheet,
                )
        return problem

    def _place(self, key: tuple[str | int, ...]) -> Place | None:
        place = self.places.get(key)
        if place is None and self.table is not None and key:
            location = self.document.locations.get(key)
            if location is not None:
                place = Place(self.table[0], self.table[1], *location)
        return place


@dataclass
class Batch:
    """The accounts to diagnose, and the account rows (or files) skipped with their problems."""

    records: list[AccountRecord] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    skipped_accounts: int = 0

    @property
    def input_records(self) -> int:
        return len(self.records) + self.skipped_accounts

    def skip(self, problems: list[Problem], is_account: bool = True) -> None:
        self.skipped.extend(problems)
        self.skipped_accounts += 1 if is_account else 0


@dataclass
class BatchStream:
    """A batch whose records are built one at a time as they are taken, so that the first go to
    work while the rest are read. `batch` holds the rows skipped on reading (its `records` stay
    empty) and is complete once `records` is exhausted; `expected` counts the account rows (or
    files) that may become records."""

    records: Iterator[AccountRecord]
    batch: Batch
    expected: int


def _path_parts(path: str) -> Iterator[str | int]:
    for part in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", path):
        yield part.group(1) if part.group(1) is not None else int(part.group(2))


def read_batch(
    path: Path,
    contacts: Path | None = None,
    dialect: CsvDialect | None = None,
    model: type[Questionnaire] = Questionnaire,
) -> Batch:
    """All accounts of a workbook, a CSV file (with optional contacts CSV) or a folder; the
    columns are the questions of `model` (the rulebook's questionnaire)."""
    stream = stream_batch(path, contacts, dialect, model)
    records = list(stream.records)
    stream.batch.records = records
    return stream.batch


def stream_batch(
    path: Path,
    contacts: Path | None = None,
    dialect: CsvDialect | None = None,
    model: type[Questionnaire] = Questionnaire,
) -> BatchStream:
    """The accounts of a workbook, a CSV file (with optional contacts CSV) or a folder, built as
    they are taken; the columns are the questions of `model` (the rulebook's questionnaire). The
    files are read and their headers checked first: a bad header raises here, before any record
    is built."""
    dialect = dialect or CsvDialect()
    suffix = path.suffix.lower()
    if contacts is not None and (path.is_dir() or suffix not in CSV_SUFFIXES):
        raise InputError(
            [
                Problem(
                    str(contacts),
                    message="--contacts goes with a CSV input; a workbook has a contacts sheet",
                )
            ]
        )
    if path.is_dir():
        batch = _read_folder(path)
        records, batch.records = batch.records, []
        return BatchStream(iter(records), batch, len(records))
    if suffix in WORKBOOK_SUFFIXES:
        tables = _read_workbook(path, dialect)
    elif suffix in CSV_SUFFIXES:
        tables = {ACCOUNT_SHEET: _read_csv(path, dialect, model)}
        if contacts is not None:
            check_regular_file(contacts, MAX_TABLE_BYTES)
        for name in CHILD_TABLES:
            sibling = contacts if (name == "contacts" and contacts) else _sibling(path, name)
            if sibling is not None and sibling.exists():
                tables[name] = _read_csv(sibling, dialect, model)
    else:
        raise InputError(
            [
                Problem(
                    str(path),
                    message="expected a workbook (.xlsx, .xlsm, .xls, .ods), a .csv file or a "
                    "folder of questionnaires",
                )
            ]
        )
    return _stream_tables(tables, model)


def read_input(path: Path) -> bytes:
    """The one place a table file is opened and read: a regular file only, within the size limit
    (read_bounded never reads past it, whatever the file's size claims)."""
    return read_bounded(path, MAX_TABLE_BYTES)


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
            batch.skip(error.problems)
            continue
        batch.records.append(AccountRecord(source=str(file), document=document))
    return batch


@dataclass
class Table:
    file: str
    sheet: str | None
    header: list[str]
    rows: list[tuple[int, list[Cell]]]
    locale: NumberLocale = field(default_factory=NumberLocale)
    problems: list[Problem] = field(default_factory=list)  # refuse the whole batch
    skipped_rows: list[Problem] = field(default_factory=list)  # rows unreadable as a whole
    percent_formats_known: bool = True

    def problem(self, line: int | None, column: int | None, path: str, message: str) -> Problem:
        return Problem(self.file, line, column, path, message, sheet=self.sheet)


def _read_csv(path: Path, dialect: CsvDialect, model: type[Questionnaire]) -> Table:
    kinds = _all_kinds(model)

    def is_number_column(name: str) -> bool:
        return kinds.get(name) in ("integer", "number", "percent")

    read = read_csv(str(path), read_input(path), dialect, is_number_column)
    return Table(str(path), None, read.header, list(read.rows), read.locale, [], read.problems)


def _read_workbook(path: Path, dialect: CsvDialect) -> dict[str, Table]:
    workbook = read_workbook(str(path), read_input(path), [ACCOUNT_SHEET, *CHILD_TABLES])
    locale = NumberLocale(dialect.decimal or workbook.decimal)
    tables: dict[str, Table] = {}
    for wanted, sheet in workbook.sheets.items():
        table = Table(str(path), sheet.name, [], [], locale, list(sheet.problems))
        table.percent_formats_known = workbook.percent_formats_known
        if sheet.rows:
            table.header = [str(cell).strip() if cell is not None else "" for cell in sheet.rows[0]]
            table.rows = [(index + 2, row) for index, row in enumerate(sheet.rows[1:])]
        tables[wanted] = table
    return tables


def _all_kinds(model: type[Questionnaire]) -> dict[str, str]:
    kinds = dict(_field_kinds(model))
    for _, model in CHILD_TABLES.values():
        kinds.update(_child_kinds(model))
    return kinds


def _field_kinds(model: type[Questionnaire]) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for section, section_model in sections_of(model).items():
        for name, info in section_model.model_fields.items():
            kinds[f"{section}.{name}"] = column_kind(name, info.annotation)
    return kinds


def _child_kinds(model: type[Any]) -> dict[str, str]:
    return {name: column_kind(name, info.annotation) for name, info in model.model_fields.items()}


def column_kind(name: str, annotation: Any) -> str:
    """What a column holds, from the questionnaire model's annotation of its field."""
    annotation = unwrap_optional(annotation)
    if typing.get_origin(annotation) is list:
        return "list"
    if annotation is bool:
        return "bool"
    if annotation is date:
        return "date"
    if annotation is int:
        return "integer"
    if annotation is float:
        # The model names every percentage field `..._pct`; a percent cell there is 0.22 -> 22.
        return "percent" if name.endswith("_pct") else "number"
    return "text"


def _convert(cell: Cell, kind: str, locale: NumberLocale) -> Any:
    """A cell's answer as its column expects it, or None for an empty cell (unanswered)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if kind in ("integer", "number", "percent"):
        return _number(cell, kind, locale)
    if kind == "date":
        return _date(cell, locale)
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and kind in ("text", "list"):
        return str(int(cell)) if float(cell).is_integer() else str(cell)
    if isinstance(cell, str):
        text = cell.strip()
        if kind == "list":
            if text in ("[]", "-", "none"):
                return []
            return [item.strip() for item in re.split(r"[,;|]", text) if item.strip()]
        return text
    return cell


def _number(cell: Cell, kind: str, locale: NumberLocale) -> Any:
    if isinstance(cell, bool):
        return cell  # refused by validation: a yes/no is never a number
    if isinstance(cell, datetime | date | time | timedelta):
        raise CellError(f"{cell} is a date or time, not a number")
    if isinstance(cell, PercentCell):
        if kind != "percent":
            raise CellError(
                f"shows {float(cell) * 100:g}% but this column expects a plain number, not a "
                "percentage"
            )
        value = round(float(cell) * 100, 9)  # 0.22 * 100 is 22.000000000000004 in binary
    elif isinstance(cell, int | float):
        value = float(cell)
    else:
        value = parse_number(str(cell), locale, percent=kind == "percent")
    if not math.isfinite(value):
        raise CellError(f"{value} is not a finite number; expected a number")
    return int(value) if kind == "integer" and value.is_integer() else value


def _check_percent_format_known(table: Table, kind: str, cell: Cell) -> None:
    """In an .xls workbook a percent cell reads as its fraction: 0.22 may be 22% or 0.22 %."""
    if (
        kind == "percent"
        and not table.percent_formats_known
        and isinstance(cell, float)
        and 0 < abs(cell) < 1
    ):
        raise CellError(
            f"{cell:g} may be a percent cell ({cell * 100:g}%) or {cell:g} percent, which an .xls "
            "workbook does not tell apart; save it as .xlsx or .ods, or type the percent as "
            f"text ('{cell * 100:g}%')"
        )


def _date(cell: Cell, locale: NumberLocale) -> str:
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        raise CellError(
            f"{cell:g} is a number, not a date; format the cell as a date or type YYYY-MM-DD"
        )
    return parse_date(str(cell), locale).isoformat()


def _check_header(table: Table, allowed: dict[str, str], required: list[str]) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for column, name in enumerate(table.header, start=1):
        if not name:
            continue
        if name in seen:
            problems.append(
                table.problem(1, column, name, f"column '{name}' repeats column {seen[name]}")
            )
        seen[name] = column
        if name not in allowed:
            problems.append(
                table.problem(
                    1, column, name, f"unknown column '{name}'{did_you_mean(name, list(allowed))}"
                )
            )
    for name in required:
        if name not in seen:
            problems.append(
                table.problem(1, None, name, f"missing column '{name}': every table needs it")
            )
    return problems


def _label(table: Table) -> str:
    return f"{table.file}: sheet {table.sheet}" if table.sheet else table.file


def _row_label(table: Table, number: int) -> str:
    return (
        f"{table.file}: {table.sheet} row {number}" if table.sheet else f"{table.file} row {number}"
    )


def _stream_tables(tables: dict[str, Table], model: type[Questionnaire]) -> BatchStream:
    batch = Batch()
    accounts = tables[ACCOUNT_SHEET]
    kinds = _field_kinds(model)
    header_problems = _check_header(accounts, kinds, ["account.name"])
    for name in CHILD_TABLES:
        if name in tables:
            model = CHILD_TABLES[name][1]
            allowed = {KEY_COLUMN: "text", **_child_kinds(model)}
            header_problems += _check_header(tables[name], allowed, [KEY_COLUMN])
    header_problems += [p for table in tables.values() for p in table.problems]
    if header_problems:
        raise InputError(header_problems)
    if len(accounts.rows) + len(accounts.skipped_rows) > MAX_ACCOUNTS:
        raise InputError(
            [Problem(_label(accounts), message=f"more than {MAX_ACCOUNTS} accounts in one batch")]
        )
    for problem in accounts.skipped_rows:
        batch.skip([problem])
    for name in CHILD_TABLES:
        if name in tables:
            for problem in tables[name].skipped_rows:
                batch.skip([problem], is_account=False)
    # The account ids first (an id given twice refuses both rows), and each child table's rows
    # by the id they name: then each account is built whole, with its contacts, as it is taken.
    rows = deque((number, row) for number, row in accounts.rows if not _is_empty(row))
    accounts.rows = []  # each row is let go once its record is built
    expected = len(rows)
    rows_by_id: dict[str, list[int]] = {}
    for number, row in rows:
        key = _row_key(accounts, row)
        if key is not None:
            rows_by_id.setdefault(key, []).append(number)
    children = [
        _ChildRows(tables[name], target, model)
        for name, (target, model) in CHILD_TABLES.items()
        if name in tables
    ]
    records = _account_records(accounts, rows, kinds, rows_by_id, children, batch)
    return BatchStream(records, batch, expected)


def _account_records(
    accounts: Table,
    rows: deque[tuple[int, list[Cell]]],
    kinds: dict[str, str],
    rows_by_id: dict[str, list[int]],
    children: list[_ChildRows],
    batch: Batch,
) -> Iterator[AccountRecord]:
    refused: dict[str, str] = {}
    while rows:
        number, row = rows.popleft()
        outcome = _account_record(accounts, number, row, kinds)
        key = _row_key(accounts, row)
        repeats = rows_by_id.get(key, []) if key is not None else []
        if key is not None and len(repeats) > 1:
            others = ", ".join(str(n) for n in repeats if n != number)
            message = (
                f"account id '{key}' is also given on row {others}; ids must be unique, so "
                "neither account (nor the contacts and team rows with that id) can be read; skipped"
            )
            batch.skip([accounts.problem(number, None, KEY_COLUMN, message)])
            refused[key] = f"account id '{key}' is repeated in the accounts table"
            continue
        if isinstance(outcome, list):
            batch.skip(outcome)
            if key is not None:
                refused[key] = f"its account ({_row_label(accounts, number)}) was skipped"
            continue
        if key is not None:
            for child in children:
                child.attach(key, outcome)
        yield outcome
    for child in children:
        child.report(refused, batch)


class _ChildRows:
    """A child table (contacts, team): its rows grouped by the account id they name, attached to
    that account as it is built; its problems are reported in row order once all accounts are."""

    def __init__(self, table: Table, target: tuple[str, ...], model: type[Any]) -> None:
        self.table = table
        self.target = target
        self.kinds = _child_kinds(model)
        self.by_id: dict[str, list[tuple[int, list[Cell]]]] = {}
        self.problems: list[tuple[int, list[Problem]]] = []
        self.unattached: list[tuple[int, str | None]] = []
        for number, row in table.rows:
            if _is_empty(row):
                continue
            overflow = _overflow(table, number, row)
            if overflow is not None:
                self.problems.append((number, [overflow]))
                continue
            key = _row_key(table, row)
            if key is None:
                self.unattached.append((number, None))
            else:
                self.by_id.setdefault(key, []).append((number, row))
        table.rows = []  # the rows are held by id until their account takes them

    def attach(self, key: str, record: AccountRecord) -> None:
        table = self.table
        target = self.target
        for number, row in self.by_id.pop(key, []):
            item: dict[str, Any] = {}
            places: dict[tuple[str | int, ...], Place] = {}
            problems: list[Problem] = []
            holder = record.document.data
            for part in target[:-1]:
                holder = holder.setdefault(part, {})
            index = len(holder.get(target[-1]) or [])
            for column, name in enumerate(table.header, start=1):
                if name == KEY_COLUMN or not name:
                    continue
                cell = row[column - 1] if column - 1 < len(row) else None
                try:
                    value = _convert(cell, self.kinds.get(name, "text"), table.locale)
                except CellError as error:
                    problems.append(table.problem(number, column, name, f"{error}; skipped"))
                    continue
                if value is None:
                    continue
                item[name] = value
                places[(*target, index, name)] = Place(table.file, table.sheet, number, column)
            if problems:
                self.problems.append((number, problems))
                continue
            holder.setdefault(target[-1], []).append(item)
            record.places.update(places)
            record.places[(*target, index)] = Place(table.file, table.sheet, number, 1)

    def report(self, refused: dict[str, str], batch: Batch) -> None:
        """The table's skipped rows, in row order: unreadable, or naming no account read."""
        problems = list(self.problems)
        unattached = self.unattached + [
            (number, key) for key, rows in self.by_id.items() for number, _ in rows
        ]
        for number, key in unattached:
            if key is None:
                reason = "row has no account.id; skipped"
            elif key in refused:
                reason = f"not attached to any account: {refused[key]}; skipped"
            else:
                reason = f"no account with id '{key}' for this row; skipped"
            problems.append((number, [self.table.problem(number, None, KEY_COLUMN, reason)]))
        for _, row_problems in sorted(problems, key=lambda item: item[0]):
            batch.skip(row_problems, is_account=False)


def _is_empty(row: list[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def _row_key(table: Table, row: list[Cell]) -> str | None:
    if KEY_COLUMN not in table.header:
        return None
    index = table.header.index(KEY_COLUMN)
    cell = row[index] if index < len(row) else None
    try:
        value = _convert(cell, "text", table.locale)
    except CellError:
        return None
    return str(value) if value is not None else None


def _account_record(
    table: Table, number: int, row: list[Cell], kinds: dict[str, str]
) -> AccountRecord | list[Problem]:
    """The row as a questionnaire document, or the problems that stop it being read."""
    overflow = _overflow(table, number, row)
    if overflow is not None:
        return [overflow]
    data: dict[str, Any] = {}
    record = AccountRecord(
        source=_row_label(table, number),
        document=SourceDocument(_label(table), data),
        table=(table.file, table.sheet),
    )
    problems: list[Problem] = []
    for column, (name, cell) in enumerate(zip(table.header, row, strict=False), start=1):
        if not name:
            continue
        try:
            kind = kinds.get(name, "text")
            _check_percent_format_known(table, kind, cell)
            value = _convert(cell, kind, table.locale)
        except CellError as error:
            problems.append(table.problem(number, column, name, f"{error}; skipped"))
            continue
        if value is None:
            continue
        section, field_name = name.split(".", 1)
        data.setdefault(section, {})[field_name] = value
        record.document.locations[(section, field_name)] = (number, column)
    if problems:
        return problems
    record.document.locations.setdefault((), (number, 1))
    record.document.locations.setdefault(("account",), (number, 1))
    return record


def _overflow(table: Table, number: int, row: list[Cell]) -> Problem | None:
    """A row with values beyond the last column: an unquoted comma has shifted its cells."""
    extra = [cell for cell in row[len(table.header) :] if not _is_empty([cell])]
    if not extra:
        return None
    return table.problem(
        number,
        len(table.header) + 1,
        "",
        f"row has {len(table.header) + len(extra)} values for {len(table.header)} columns; "
        'a list in one cell must be quoted ("monthly_volume, revenue"); skipped',
    )
