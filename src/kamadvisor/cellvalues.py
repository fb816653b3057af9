"""One table cell's text read as the value it shows: numbers and dates in the file's locale.

A wrong number in gives a confident wrong diagnosis out, so nothing here guesses: a number whose
separators could mean two things (`1.000` with no known decimal mark) and a date whose day and
month could be swapped (`03/04/2026` with no known locale) are errors that say which forms are
accepted, never a silent pick.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

Decimal = Literal[".", ","]

# Languages whose spreadsheets write a decimal comma (and, in CSV, separate cells with ';').
DECIMAL_COMMA_LANGUAGES = frozenset(
    [
        "af",
        "az",
        "be",
        "bg",
        "bs",
        "ca",
        "cs",
        "da",
        "de",
        "el",
        "es",
        "et",
        "eu",
        "fi",
        "fo",
        "fr",
        "gl",
        "hr",
        "hu",
        "hy",
        "id",
        "is",
        "it",
        "ka",
        "kk",
        "ky",
        "lt",
        "lv",
        "mk",
        "mn",
        "nb",
        "nl",
        "nn",
        "no",
        "pl",
        "pt",
        "ro",
        "ru",
        "sk",
        "sl",
        "sq",
        "sr",
        "sv",
        "tr",
        "uk",
        "uz",
        "vi",
    ]
)

ACCEPTED_DATES = "YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY (day first)"
_BLANKS = re.compile(r"[\s\u00a0\u202f']")
_NOT_FINITE = frozenset({"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})


class CellError(ValueError):
    """A cell whose text cannot be read as what its column expects; the message says why."""


@dataclass(frozen=True)
class NumberLocale:
    """How the file writes numbers and dates: its decimal mark, when known."""

    decimal: Decimal | None = None

    @property
    def day_first(self) -> bool:
        # Locales with a decimal comma write the day first; a decimal point says nothing.
        return self.decimal == ","


def decimal_of_language(language: str | None) -> Decimal | None:
    if not language:
        return None
    return "," if language.split("-")[0].lower() in DECIMAL_COMMA_LANGUAGES else "."


def parse_number(text: str, locale: NumberLocale, percent: bool = False) -> float:
    """`9.200.000`, `31,5`, `1,234.50`, `22%` (in a percent column) as the number they show."""
    raw = _BLANKS.sub("", text)
    if percent and raw.endswith("%"):
        raw = raw[:-1]
    if raw.lower() in _NOT_FINITE:
        raise CellError(f"{text.strip()!r} is not a finite number; expected a number")
    match = re.fullmatch(r"([+-]?)(\d[\d.,]*)", raw)
    if match is None:
        raise CellError(f"{text.strip()!r} is not a number")
    sign, digits = match.groups()
    value = float(sign + _normalise(digits, locale.decimal, text.strip()))
    if not math.isfinite(value):
        raise CellError(f"{text.strip()!r} is not a finite number; expected a number")
    return value


def _normalise(digits: str, decimal: Decimal | None, shown: str) -> str:
    """The digits with `.` as the only decimal mark and no thousands separators."""
    if "." in digits and "," in digits:
        mark = "." if digits.rfind(".") > digits.rfind(",") else ","
        if decimal is not None and mark != decimal:
            raise CellError(
                f"{shown!r} has a decimal '{mark}' but this file writes decimals with "
                f"'{decimal}'; expected a number such as {_example(decimal)}"
            )
        return _grouped(digits, mark, shown)
    for mark in (".", ","):
        if mark not in digits:
            continue
        other: Decimal = "," if mark == "." else "."
        groups = digits.split(mark)
        thousands = len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3
        if decimal == mark:
            if len(groups) > 2:
                raise CellError(
                    f"{shown!r} has more than one decimal '{mark}'; expected a number such as "
                    f"{_example(decimal)}"
                )
            return digits.replace(",", ".")
        if decimal == other:
            if not thousands:
                raise CellError(
                    f"{shown!r} is not a number with '{mark}' as thousands separator and "
                    f"'{other}' as decimal mark; expected a number such as {_example(other)}"
                )
            return digits.replace(mark, "")
        # No known decimal mark: only forms that can mean one thing are read.
        if len(groups) > 2 and thousands:
            return digits.replace(mark, "")
        if len(groups) == 2 and not thousands:
            return digits.replace(",", ".")
        raise CellError(
            f"{shown!r} is ambiguous: '{mark}' may be a decimal mark or a thousands separator; "
            "give --decimal . or --decimal , to say how this file writes decimals"
        )
    return digits


def _grouped(digits: str, mark: str, shown: str) -> str:
    whole, _, fraction = digits.rpartition(mark)
    separator = "," if mark == "." else "."
    groups = whole.split(separator)
    if len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]) or not fraction:
        raise CellError(f"{shown!r} is not a number: its thousands separators are misplaced")
    return "".join(groups) + "." + fraction


def _example(decimal: Decimal) -> str:
    return "1.234.567,89" if decimal == "," else "1,234,567.89"


def parse_date(text: str, locale: NumberLocale) -> date:
    """ISO dates, and day-first dates with dots (always day first) or slashes."""
    shown = text.strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?", shown)
    if iso:
        return _date(int(iso[1]), int(iso[2]), int(iso[3]), shown)
    dotted = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", shown)
    if dotted:
        return _date(int(dotted[3]), int(dotted[2]), int(dotted[1]), shown)
    slashed = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", shown)
    if slashed:
        first, second, year = int(slashed[1]), int(slashed[2]), int(slashed[3])
        if locale.day_first or (first > 12 and second <= 12):
            return _date(year, second, first, shown)
        raise CellError(
            f"{shown!r} is ambiguous: day and month could be either way round; "
            f"expected {ACCEPTED_DATES}"
        )
    raise CellError(f"{shown!r} is not a date; expected {ACCEPTED_DATES}")


def _date(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"{shown!r} is not a date that exists; expected {ACCEPTED_DATES}") from None
