"""Portfolios through the CLI: every input format, bad rows skipped and reported, parallel runs
identical to serial ones, outputs written whole."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import invoke

from kamadvisor.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PORTFOLIO = ROOT / "examples" / "portfolio"
PROGRAMME = str(PORTFOLIO / "programme.yaml")


def report_json(*args: str, tmp_path: Path) -> tuple[int, dict, str]:
    """The JSON report, each account carrying its full diagnosis (from its JSON memo)."""
    target = tmp_path / "report.json"
    memos = tmp_path / "memos"
    code, _, err = invoke(
        "portfolio", *args, "-f", "json", "-o", str(target), "--jobs", "1", "--memos", str(memos)
    )
    report = json.loads(target.read_text(encoding="utf-8"))
    for account in report["accounts"]:
        account["diagnosis"] = json.loads((memos / account["memo"]).read_text(encoding="utf-8"))
    return code, report, err


@pytest.mark.parametrize("source", ["accounts.xlsx", "accounts.csv"])
def test_workbook_and_csv_give_the_same_accounts(source: str, tmp_path: Path) -> None:
    code, report, err = report_json(
        str(PORTFOLIO / source), "--programme", PROGRAMME, tmp_path=tmp_path
    )
    assert code == 1, "a skipped record makes the exit code 1"
    assert len(report["accounts"]) == 12
    names = [a["diagnosis"]["account"]["name"] for a in report["accounts"]]
    assert names[0] == "Atlas Logistics NV"
    assert "Quillon Beverages" not in names
    (skipped,) = report["skipped"]
    if source.endswith(".xlsx"):
        # Named as a spreadsheet user names a cell: the sheet, the column letter, the row.
        assert re.fullmatch(
            rf"{re.escape(str(PORTFOLIO / source))}: accounts![A-Z]+14", skipped["place"]
        )
    else:
        assert skipped["place"].startswith(f"{PORTFOLIO / source}:14:")
    assert "relationship.team_model" in skipped["message"]
    assert "'solo_hero' is not allowed" in skipped["message"]
    assert "skipped:" in err
    atlas = report["accounts"][0]["diagnosis"]
    assert atlas["facts"]["contacts.count"] == 3, "contacts come from the second sheet or CSV"
    assert atlas["placements"]["category"]["value"] == "strategic"
    assert report["facts"]["portfolio.accounts"] == 12
    assert report["facts"]["portfolio.skipped"] == 1
    assert report["facts"]["programme.accounts_per_kam"] == 6.5


def test_a_folder_of_questionnaires(tmp_path: Path) -> None:
    for example in (ROOT / "examples").glob("*.yaml"):
        (tmp_path / example.name).write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("account:\n  name: [x\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    code, report, _ = report_json(str(tmp_path), tmp_path=out)
    assert code == 1
    assert len(report["accounts"]) == 5
    assert report["skipped"][0]["place"].startswith(str(tmp_path / "broken.yaml") + ":3:")


def test_jobs_do_not_change_the_output(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"report-{jobs}.html"
        invoke(
            "portfolio",
            str(PORTFOLIO / "accounts.csv"),
            "--programme",
            PROGRAMME,
            "-f",
            "html",
            "-o",
            str(target),
            "--jobs",
            jobs,
        )
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


def test_memos_are_written_and_linked(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    memos = tmp_path / "memos"
    invoke(
        "portfolio",
        str(PORTFOLIO / "accounts.xlsx"),
        "-f",
        "html",
        "-o",
        str(report),
        "--memos",
        str(memos),
        "--jobs",
        "1",
    )
    files = sorted(p.name for p in memos.iterdir())
    assert len(files) == 12
    assert "atl.html" in files
    html = report.read_text(encoding="utf-8")
    assert 'href="memos/atl.html"' in html
    assert "<svg" in html
    assert html.count("<circle") == 12
    assert "Atlas Logistics NV</a>" in html


def test_markdown_report_has_its_sections(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "portfolio", str(PORTFOLIO / "accounts.csv"), "--programme", PROGRAMME, "--jobs", "1"
    )
    assert code == 1
    for heading in (
        "## Portfolio findings",
        "## Accounts",
        "## Resources by category",
        "## Skipped records",
    ):
        assert heading in out


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
        csv.writer(stream, delimiter=delimiter).writerows(rows)


def test_csv_with_bom_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    source = tmp_path / "accounts.csv"
    write_csv(
        source,
        [
            [
                "account.name",
                "economics.annual_revenue",
                "economics.gross_margin_pct",
                "kam.targets",
            ],
            ["Comma GmbH", "1000000", "21,5", "monthly_volume, revenue"],
        ],
        delimiter=";",
        bom=True,
    )
    code, report, _ = report_json(str(source), tmp_path=tmp_path)
    assert code == 0
    facts = report["accounts"][0]["diagnosis"]["facts"]
    assert facts["economics.gross_margin_pct"] == 21.5
    assert facts["kam.targets"] == ["monthly_volume", "revenue"]


def test_excel_date_cells_and_numeric_ids(tmp_path: Path) -> None:
    import datetime

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "accounts"
    sheet.append(
        ["account.id", "account.name", "account.assessment_date", "planning.last_reviewed"]
    )
    sheet.append([1001, "Dated Ltd", datetime.datetime(2026, 9, 30), datetime.date(2026, 9, 1)])
    source = tmp_path / "dated.xlsx"
    workbook.save(source)
    code, report, _ = report_json(str(source), tmp_path=tmp_path)
    assert code == 0
    diagnosis = report["accounts"][0]["diagnosis"]
    assert diagnosis["account"]["id"] == "1001"
    assert diagnosis["assessed_on"] == "2026-09-30"
    assert diagnosis["facts"]["planning.days_since_review"] == 29


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([["account.nmae"], ["A"]], "unknown column 'account.nmae' (did you mean 'account.name'?)"),
        ([["account.id"], ["x"]], "missing column 'account.name'"),
        ([["account.name", "account.name"], ["A", "B"]], "column 'account.name' repeats column 1"),
    ],
)
def test_bad_headers_stop_the_batch_with_the_column(
    rows: list[list[str]], fragment: str, tmp_path: Path
) -> None:
    source = tmp_path / "accounts.csv"
    write_csv(source, rows)
    target = tmp_path / "report.json"
    code, _, err = invoke("portfolio", str(source), "-f", "json", "-o", str(target))
    assert code == 2
    assert fragment in err
    assert f"{source}:1:" in err
    assert not target.exists()


def test_empty_rows_are_ignored_and_unknown_contact_accounts_reported(tmp_path: Path) -> None:
    source = tmp_path / "accounts.csv"
    write_csv(source, [["account.id", "account.name"], ["A1", "First"], ["", ""], ["A2", "Second"]])
    write_csv(
        tmp_path / "accounts-contacts.csv",
        [["account.id", "level"], ["A1", "board"], ["ZZ", "board"]],
    )
    code, report, _ = report_json(str(source), tmp_path=tmp_path)
    assert code == 1
    assert [a["diagnosis"]["account"]["name"] for a in report["accounts"]] == ["First", "Second"]
    assert report["skipped"][0]["place"] == f"{tmp_path / 'accounts-contacts.csv'}:3"
    assert "no account with id 'ZZ'" in report["skipped"][0]["message"]


def test_merged_cells_and_unsaved_formulas_are_refused(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "accounts"
    sheet.append(["account.name", "account.industry", "economics.annual_revenue"])
    sheet.append(["A", "Food", "=1000*2"])
    sheet.append(["B", None, None])
    sheet.merge_cells("B2:B3")
    source = tmp_path / "merged.xlsx"
    workbook.save(source)
    code, _, err = invoke("portfolio", str(source), "-f", "json")
    assert code == 2
    assert f"{source}: accounts!B2: cells B2:B3 are merged" in err
    assert "formula =1000*2 has no saved value" in err


def test_template_workbook_round_trips(tmp_path: Path) -> None:
    template = tmp_path / "accounts.xlsx"
    assert invoke("questionnaire", "template", "-o", str(template))[0] == 0
    workbook = openpyxl.load_workbook(template)
    assert workbook.sheetnames == ["accounts", "contacts", "team", "help"]
    header = [cell.value for cell in workbook["accounts"][1]]
    assert "relationship.team_model" in header
    assert workbook["accounts"].data_validations.dataValidation, "enum columns have dropdowns"
    sheet = workbook["accounts"]
    sheet.cell(row=2, column=header.index("account.name") + 1, value="From Template")
    sheet.cell(row=2, column=header.index("relationship.team_model") + 1, value="individual")
    workbook.save(template)
    code, report, _ = report_json(str(template), tmp_path=tmp_path)
    assert code == 0
    assert report["accounts"][0]["diagnosis"]["facts"]["relationship.team_model"] == "individual"


def test_a_user_error_in_a_worker_process_is_reported_cleanly(tmp_path: Path) -> None:
    # A memo template that fails to render, in a batch big enough for several processes.
    pack = tmp_path / "pack"
    (pack / "templates").mkdir(parents=True)
    (pack / "pack.yaml").write_text("name: bad-template\nversion: 0.1.0\n", encoding="utf-8")
    (pack / "templates" / "memo.md.j2").write_text("{{ diagnosis.nosuch.x }}\n", encoding="utf-8")
    source = tmp_path / "big.csv"
    write_csv(source, [["account.name"]] + [[f"Account {n}"] for n in range(150)])
    result = CliRunner().invoke(
        cli,
        [
            "portfolio",
            str(source),
            "--rules",
            str(pack),
            "--memos",
            str(tmp_path / "m"),
            "--jobs",
            "2",
        ],
    )
    # Each account whose memo fails is skipped with the template's error; the batch goes on.
    assert result.exit_code == 1
    assert "150 account(s) read: 0 diagnosed, 150 skipped" in result.stderr
    assert result.stderr.count("memo.md.j2") == 150
    assert "Traceback" not in result.stdout + result.stderr


def test_a_row_with_more_values_than_columns_is_skipped(tmp_path: Path) -> None:
    source = tmp_path / "shift.csv"
    source.write_text(
        "account.name,kam.targets\nGood,monthly_volume\nShifted,monthly_volume,revenue\n",
        encoding="utf-8",
    )
    code, report, _ = report_json(str(source), tmp_path=tmp_path)
    assert code == 1
    assert [a["name"] for a in report["accounts"]] == ["Good"]
    assert "3 cells for 2 columns" in report["skipped"][0]["message"]


def test_a_missing_contacts_file_is_an_error(tmp_path: Path) -> None:
    code, _, err = invoke(
        "portfolio", str(PORTFOLIO / "accounts.csv"), "--contacts", str(tmp_path / "nope.csv")
    )
    assert code == 2
    assert "nope.csv: file not found" in err
    code, _, err = invoke(
        "portfolio",
        str(PORTFOLIO / "accounts.xlsx"),
        "--contacts",
        str(PORTFOLIO / "accounts-contacts.csv"),
    )
    assert code == 2
    assert "goes with a CSV input" in err


def test_written_files_are_readable_by_others(tmp_path: Path) -> None:
    import os

    previous = os.umask(0o022)
    try:
        target = tmp_path / "report.md"
        invoke("portfolio", str(PORTFOLIO / "accounts.csv"), "-o", str(target), "--jobs", "1")
        assert target.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(previous)


def test_portfolio_advice_over_thousands_of_accounts_counts_them_all_and_names_ten() -> None:
    """The star-accounts finding over 3,000 star accounts: a head of KAM reads ten names and
    the count of the rest, and the advice renders whole (no output limit reached, nothing cut)."""
    from datetime import date

    from kamadvisor.portfolio import AccountResult, PlacementSummary, portfolio_report
    from kamadvisor.rulebook import load_rulebook

    star = PlacementSummary(value="star", label="Star")
    accounts = [
        AccountResult(
            source=f"accounts.csv row {number + 2}",
            name=f"Kestrel Frozen Food Distribution {number:05d} GmbH und Co. KG",
            id=f"ACC-{number:05d}",
            assessed_on=date(2026, 10, 1),
            placements={"category": star},
            findings=[],
            facts={},
        )
        for number in range(3_000)
    ]
    report = portfolio_report(accounts, [], 0, None, load_rulebook(), None)
    (finding,) = [f for f in report.findings if f.rule_id == "PORTFOLIO-DEVELOP-STAR-ACCOUNTS"]
    assert finding.advice.startswith("3000 accounts score as star")
    named = [n for n in range(3_000) if f"Distribution {n:05d} GmbH" in finding.advice]
    assert named == list(range(10))
    assert "and 2990 more." in finding.advice
    assert finding.advice.rstrip().endswith(
        "rather than spreading effort evenly over the portfolio."
    )
