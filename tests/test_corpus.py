"""Every bad input of the corpus through the real CLI: the right exit code, a message that names
the file and the place, no traceback, and no output file left behind."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kamadvisor.cli import cli

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))[
    "cases"
]
NORTHWIND = str(CORPUS.parents[1] / "examples" / "northwind-foods.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_the_corpus_is_large_and_varied() -> None:
    kinds = {case["file"].split("/")[0] for case in CASES}
    assert len(CASES) >= 150
    assert {
        "yaml",
        "json",
        "duplicate",
        "tags",
        "aliases",
        "nesting",
        "encoding",
        "type",
        "range",
        "enum",
        "date",
        "unknown",
        "packs",
    } <= kinds


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_bad_input_fails_cleanly(case: dict[str, Any], tmp_path: Path) -> None:
    target = str(CORPUS / case["file"])
    if case["command"] == "rules check":
        code, output = run("rules", "check", target)
        write_args = ["memo", NORTHWIND, "--rules", target]
    elif case["command"] == "portfolio":
        code, output = run("portfolio", target, "--jobs", "1")
        write_args = ["portfolio", target, "--jobs", "1", "-f", "json"]
    else:
        code, output = run(case["command"], target)
        write_args = ["memo", target]
    assert code == case["exit"], output
    assert "Traceback" not in output
    for fragment in case["expect"]:
        assert fragment in output, f"{fragment!r} not in:\n{output}"
    written = tmp_path / "out"
    write_code, write_output = run(*write_args, "-o", str(written))
    assert "Traceback" not in write_output
    if case["command"] == "portfolio" and case["exit"] == 1:
        # Skipped rows: the report of every good account is still written, whole.
        assert write_code == 1
        report = json.loads(written.read_text(encoding="utf-8"))
        assert report["skipped"]
        # No row lost: every account row of the input is diagnosed or skipped, counted apart from
        # kamadvisor's own reader.
        assert len(report["accounts"]) + report["skipped_accounts"] == account_rows(Path(target))
    else:
        assert write_code == 2, write_output
        assert list(tmp_path.iterdir()) == [], "no output file may be left behind"


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("w", encoding="utf-8") as stream:
        stream.write("account: {name: Huge}\nnotes: |\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(50 * 1024):
            stream.write(line)
    code, output = run("assess", str(huge))
    assert code == 2
    assert f"{huge}: file is larger than the 5 MiB limit" in output


def account_rows(path: Path) -> int:
    """The non-empty data rows of a table's account sheet, read by the standard libraries."""
    if path.suffix == ".xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path)["accounts"]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        return sum(1 for row in rows if any(cell not in (None, "") for cell in row))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    header = text.splitlines()[0]
    delimiter = "\t" if "\t" in header else (";" if ";" in header else ",")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[1:]
    return sum(1 for record in records if any(cell.strip() for cell in record))
