"""A CSV file read by its dialect: encoding, delimiter and decimal mark, stated or sniffed.

Excel saves CSV in the computer's locale: a German Excel writes `;` between cells, decimal commas
and Windows-1252 text. The dialect is sniffed from a sample (`csv.Sniffer`) and checked against
the header, whose cells are field paths; `--delimiter`, `--decimal` and `--encoding` say it when
guessing is not enough. Nothing is read past a structural fault: an unbalanced quote, a row with
more or fewer cells than the header, or a line break inside a cell is reported with its line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from kamadvisor.cellvalues import Decimal, NumberLocale
from kamadvisor.errors import InputError, Problem

CANDIDATE_DELIMITERS = ",;\t|"
SAMPLE_CHARS = 64 * 1024
_NUMBER_WITH_COMMA = re.compile(r"^-?(\d{1,3}(\.\d{3})+,\d+|\d+,(\d{1,2}|\d{4,}))%?$")
_NUMBER_WITH_POINT = re.compile(r"^-?(\d{1,3}(,\d{3})+\.\d+|\d+\.(\d{1,2}|\d{4,}))%?$")


@dataclass(frozen=True)
class CsvDialect:
    """What the user said about the file; None means sniff it."""

    delimiter: str | None = None
    decimal: Decimal | None = None
    encoding: str | None = None


@dataclass
class CsvTable:
    header: list[str]
    rows: list[tuple[int, list[str]]]
    locale: NumberLocale
    problems: list[Problem]


def decode(name: str, raw: bytes, encoding: str | None) -> str:
    """The file's text: the stated encoding, else UTF-8 (with or without BOM), else Windows-1252.
    A byte that the encoding does not define is an error, never a replacement character."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, encoding = raw[3:], encoding or "utf-8"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = encoding or "utf-16"
    candidates = [encoding] if encoding else ["utf-8", "cp1252"]
    for candidate in candidates:
        try:
            return raw.decode(candidate)
        except LookupError:
            raise InputError([Problem(name, message=f"unknown encoding '{encoding}'")]) from None
        except UnicodeDecodeError as error:
            failure = error
    line = raw[: failure.start].count(b"\n") + 1
    tried = " or ".join("UTF-8" if c == "utf-8" else c for c in candidates)
    raise InputError(
        [
            Problem(
                name,
                line,
                message=f"byte 0x{raw[failure.start]:02x} is not valid {tried}; save the file "
                "as UTF-8 or give its encoding with --encoding",
            )
        ]
    )


def read_csv(
    name: str, raw: bytes, dialect: CsvDialect, number_like: Callable[[str], bool]
) -> CsvTable:
    """The header and rows of a CSV file, each row with the line it starts on."""
    text = decode(name, raw, dialect.encoding)
    delimiter = dialect.delimiter or sniff_delimiter(name, text)
    records = _records(name, text, delimiter)
    if not records:
        raise InputError(
            [Problem(name, 1, message="empty file; expected a header row of field paths")]
        )
    (_, header_cells), *body = records
    header = [cell.strip() for cell in header_cells]
    problems = [
        problem
        for line, cells in body
        if (problem := _shape_problem(name, line, cells, len(header))) is not None
    ]
    bad_lines = {problem.line for problem in problems}
    rows = [(line, cells) for line, cells in body if line not in bad_lines]
    decimal = dialect.decimal or _sniff_decimal(name, header, rows, delimiter, number_like)
    return CsvTable(header, rows, NumberLocale(decimal), problems)


def sniff_delimiter(name: str, text: str) -> str:
    """The delimiter `csv.Sniffer` finds in a sample, checked against the header of field paths;
    when the two disagree, the one that splits the header into field paths wins."""
    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]
    first_line = sample.splitlines()[0] if sample else ""
    by_header = max(CANDIDATE_DELIMITERS, key=lambda d: _path_cells(first_line, d))
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=CANDIDATE_DELIMITERS).delimiter
    except csv.Error:
        sniffed = by_header
    if _path_cells(first_line, sniffed) < _path_cells(first_line, by_header):
        sniffed = by_header
    return sniffed


def _path_cells(line: str, delimiter: str) -> int:
    cells = next(csv.reader([line], delimiter=delimiter), [])
    return sum(1 for cell in cells if re.fullmatch(r"\s*[a-z_]+\.[a-z_]+\s*", cell))


def _records(name: str, text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise InputError(
            [
                Problem(
                    name,
                    start,
                    message=f"the row starting on this line cannot be read ({error}); a quote "
                    'is probably unbalanced: a cell that holds a quote must be quoted as a whole, with the quote doubled ("")',
                )
            ]
        ) from None
    return records


def _shape_problem(name: str, line: int, cells: list[str], width: int) -> Problem | None:
    if not any(cell.strip() for cell in cells):
        return None  # an empty line between accounts
    for column, cell in enumerate(cells, start=1):
        if "\n" in cell or "\r" in cell:
            return Problem(
                name,
                line,
                column,
                message="cell holds a line break, which no field allows; an unbalanced quote "
                "may have joined the following lines into it; skipped",
            )
    if len(cells) != width:
        hint = (
            '; a list in one cell must be quoted ("monthly_volume, revenue")'
            if len(cells) > width
            else ""
        )
        return Problem(
            name,
            line,
            None,
            message=f"row has {len(cells)} cells for {width} columns{hint}; skipped",
        )
    return None


def _sniff_decimal(
    name: str,
    header: list[str],
    rows: list[tuple[int, list[str]]],
    delimiter: str,
    number_like: Callable[[str], bool],
) -> Decimal | None:
    """The decimal mark the number columns show; without a telling number, the one Excel pairs
    with the delimiter (`;` goes with a decimal comma, `,` with a decimal point)."""
    columns = [index for index, field in enumerate(header) if number_like(field)]
    comma = point = None
    for line, cells in rows:
        for index in columns:
            cell = cells[index].strip() if index < len(cells) else ""
            if comma is None and _NUMBER_WITH_COMMA.match(cell):
                comma = line
            elif point is None and _NUMBER_WITH_POINT.match(cell):
                point = line
    if comma is not None and point is not None:
        raise InputError(
            [
                Problem(
                    name,
                    max(comma, point),
                    message=f"numbers are written with a decimal comma (line {comma}) and with a "
                    f"decimal point (line {point}); give --decimal . or --decimal , to say which",
                )
            ]
        )
    if comma is not None:
        return ","
    if point is not None:
        return "."
    if delimiter == ";":
        return ","
    return "." if delimiter == "," else None
